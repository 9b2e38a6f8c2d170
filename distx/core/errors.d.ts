export declare const ErrorCode: {
    readonly DECODE_EOF: "DECODE_EOF";
    readonly DECODE_VARINT_OVERLONG: "DECODE_VARINT_OVERLONG";
    readonly DECODE_VARINT_OVERFLOW: "DECODE_VARINT_OVERFLOW";
    readonly DECODE_BAD_BOOL: "DECODE_BAD_BOOL";
    readonly DECODE_BAD_UTF8: "DECODE_BAD_UTF8";
    readonly DECODE_BAD_OPTION_TAG: "DECODE_BAD_OPTION_TAG";
    readonly DECODE_BAD_VARIANT: "DECODE_BAD_VARIANT";
    readonly DECODE_LENGTH_LIMIT: "DECODE_LENGTH_LIMIT";
    readonly DECODE_EMPTY: "DECODE_EMPTY";
    readonly DECODE_UNKNOWN_VERSION: "DECODE_UNKNOWN_VERSION";
    readonly DECODE_TRAILING_BYTES: "DECODE_TRAILING_BYTES";
    readonly DECODE_INVALID_VALUE: "DECODE_INVALID_VALUE";
    readonly RECORD_TOO_SHORT: "RECORD_TOO_SHORT";
    readonly RECORD_TOO_LONG: "RECORD_TOO_LONG";
    readonly RECORD_BAD_MAGIC: "RECORD_BAD_MAGIC";
    readonly RECORD_UNSUPPORTED_VERSION: "RECORD_UNSUPPORTED_VERSION";
    readonly RECORD_CRC_MISMATCH: "RECORD_CRC_MISMATCH";
    readonly RECORD_OUT_OF_RANGE: "RECORD_OUT_OF_RANGE";
    readonly RECORD_MALFORMED: "RECORD_MALFORMED";
    readonly FRAME_TOO_LARGE: "FRAME_TOO_LARGE";
    readonly FRAME_EMPTY: "FRAME_EMPTY";
    readonly FRAME_BAD_BODY: "FRAME_BAD_BODY";
    readonly INVALID_COUNT: "INVALID_COUNT";
    readonly NOT_LEADER: "NOT_LEADER";
    readonly WINDOW_EXHAUSTED: "WINDOW_EXHAUSTED";
    readonly PHYSICAL_MS_OUT_OF_RANGE: "PHYSICAL_MS_OUT_OF_RANGE";
    readonly LOGICAL_OUT_OF_RANGE: "LOGICAL_OUT_OF_RANGE";
    readonly WINDOW_EXTENSION_OVERFLOW: "WINDOW_EXTENSION_OVERFLOW";
    readonly INVALID_LEADERSHIP_WINDOW: "INVALID_LEADERSHIP_WINDOW";
    readonly COMMIT_IGNORED_NOT_LEADER: "COMMIT_IGNORED_NOT_LEADER";
    readonly COMMIT_IGNORED_EPOCH_MISMATCH: "COMMIT_IGNORED_EPOCH_MISMATCH";
    readonly COMMIT_IGNORED_NOT_ADVANCED: "COMMIT_IGNORED_NOT_ADVANCED";
    readonly INVALID_SEQ_KEY: "INVALID_SEQ_KEY";
    readonly INVALID_SEQ_COUNT: "INVALID_SEQ_COUNT";
    readonly SEQ_OVERFLOW: "SEQ_OVERFLOW";
    readonly SEQ_KEY_CARDINALITY_EXCEEDED: "SEQ_KEY_CARDINALITY_EXCEEDED";
    readonly SEQ_SESSION_EXPIRED: "SEQ_SESSION_EXPIRED";
    readonly DRIVER_NOT_LEADER: "DRIVER_NOT_LEADER";
    readonly DRIVER_FENCED: "DRIVER_FENCED";
    readonly DRIVER_TRANSIENT: "DRIVER_TRANSIENT";
    readonly DRIVER_PERMANENT: "DRIVER_PERMANENT";
    readonly DRIVER_OUT_OF_RANGE: "DRIVER_OUT_OF_RANGE";
    readonly DRIVER_ALREADY_LOCKED: "DRIVER_ALREADY_LOCKED";
    readonly DRIVER_ALREADY_INITIALIZED: "DRIVER_ALREADY_INITIALIZED";
    readonly INVALID_ARGUMENT: "INVALID_ARGUMENT";
    readonly UNAVAILABLE: "UNAVAILABLE";
    readonly RESOURCE_EXHAUSTED: "RESOURCE_EXHAUSTED";
    readonly INTERNAL: "INTERNAL";
    readonly BAD_FRAME: "BAD_FRAME";
    readonly NO_REACHABLE_ENDPOINTS: "NO_REACHABLE_ENDPOINTS";
    readonly TIMEOUT: "TIMEOUT";
    readonly TRANSPORT: "TRANSPORT";
    readonly SEQ_UNCERTAIN: "SEQ_UNCERTAIN";
    readonly CLIENT_CLOSED: "CLIENT_CLOSED";
    readonly PROTOCOL_VIOLATION: "PROTOCOL_VIOLATION";
    readonly INVALID_CONFIG: "INVALID_CONFIG";
};
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
/** Codes a decoder may throw inside a `DecodeError`. */
export type DecodeErrorCode = Extract<ErrorCode, `DECODE_${string}` | `RECORD_${string}` | `FRAME_${string}`>;
/** The only exception a decoder throws, whatever the bytes. */
export declare class DecodeError extends Error {
    readonly code: DecodeErrorCode;
    /** Byte offset in the input where the problem was found, when known. */
    readonly offset?: number | undefined;
    readonly name = "DecodeError";
    constructor(code: DecodeErrorCode, message: string, 
    /** Byte offset in the input where the problem was found, when known. */
    offset?: number | undefined);
}
/** An error with a stable code surfaced to a user of the library (client, server, CLI). */
export declare class TsoError extends Error {
    readonly code: ErrorCode;
    readonly details?: Readonly<Record<string, unknown>> | undefined;
    readonly name = "TsoError";
    constructor(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>> | undefined);
}
/** The returned-value form of an expected failure. */
export type Failure<C extends string = ErrorCode> = {
    readonly ok: false;
    readonly code: C;
    readonly message?: string;
};
export type Result<T, C extends string = ErrorCode> = ({
    readonly ok: true;
} & T) | Failure<C>;
export declare function isDecodeError(e: unknown): e is DecodeError;
