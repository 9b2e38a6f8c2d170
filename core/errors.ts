// The one registry of stable error codes. Callers match on `code`, never on messages. Codes are
// grouped by where they arise; a code's string never changes once released. `docs/errors.md`
// lists the same codes, and a test keeps the two in step.
//
// Three kinds of failure, never mixed (see STYLE.md):
//   - bugs: `AssertionError` from `assert.ts` (crash);
//   - expected conditions: returned `{ ok: false, code }` values with a code below;
//   - bad bytes: `DecodeError` with a DECODE_* / RECORD_* / FRAME_* code, the only exception a
//     decoder ever throws.

export const ErrorCode = {
  // Decoding: postcard-style codec and envelope.
  DECODE_EOF: 'DECODE_EOF',
  DECODE_VARINT_OVERLONG: 'DECODE_VARINT_OVERLONG',
  DECODE_VARINT_OVERFLOW: 'DECODE_VARINT_OVERFLOW',
  DECODE_BAD_BOOL: 'DECODE_BAD_BOOL',
  DECODE_BAD_UTF8: 'DECODE_BAD_UTF8',
  DECODE_BAD_OPTION_TAG: 'DECODE_BAD_OPTION_TAG',
  DECODE_BAD_VARIANT: 'DECODE_BAD_VARIANT',
  DECODE_LENGTH_LIMIT: 'DECODE_LENGTH_LIMIT',
  DECODE_EMPTY: 'DECODE_EMPTY',
  DECODE_UNKNOWN_VERSION: 'DECODE_UNKNOWN_VERSION',
  DECODE_TRAILING_BYTES: 'DECODE_TRAILING_BYTES',
  DECODE_INVALID_VALUE: 'DECODE_INVALID_VALUE',
  // Decoding: checksummed records (TSOR high-water, TSOD sequence ledger, WAL records).
  RECORD_TOO_SHORT: 'RECORD_TOO_SHORT',
  RECORD_TOO_LONG: 'RECORD_TOO_LONG',
  RECORD_BAD_MAGIC: 'RECORD_BAD_MAGIC',
  RECORD_UNSUPPORTED_VERSION: 'RECORD_UNSUPPORTED_VERSION',
  RECORD_CRC_MISMATCH: 'RECORD_CRC_MISMATCH',
  RECORD_OUT_OF_RANGE: 'RECORD_OUT_OF_RANGE',
  RECORD_MALFORMED: 'RECORD_MALFORMED',
  // Decoding: client protocol frames and bodies.
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  FRAME_EMPTY: 'FRAME_EMPTY',
  FRAME_BAD_BODY: 'FRAME_BAD_BODY',

  // Window allocator and timestamps.
  INVALID_COUNT: 'INVALID_COUNT',
  NOT_LEADER: 'NOT_LEADER',
  WINDOW_EXHAUSTED: 'WINDOW_EXHAUSTED',
  PHYSICAL_MS_OUT_OF_RANGE: 'PHYSICAL_MS_OUT_OF_RANGE',
  LOGICAL_OUT_OF_RANGE: 'LOGICAL_OUT_OF_RANGE',
  WINDOW_EXTENSION_OVERFLOW: 'WINDOW_EXTENSION_OVERFLOW',
  INVALID_LEADERSHIP_WINDOW: 'INVALID_LEADERSHIP_WINDOW',
  // Reasons a window-extension commit is ignored.
  COMMIT_IGNORED_NOT_LEADER: 'COMMIT_IGNORED_NOT_LEADER',
  COMMIT_IGNORED_EPOCH_MISMATCH: 'COMMIT_IGNORED_EPOCH_MISMATCH',
  COMMIT_IGNORED_NOT_ADVANCED: 'COMMIT_IGNORED_NOT_ADVANCED',

  // Sequence ledger.
  INVALID_SEQ_KEY: 'INVALID_SEQ_KEY',
  INVALID_SEQ_COUNT: 'INVALID_SEQ_COUNT',
  SEQ_OVERFLOW: 'SEQ_OVERFLOW',
  SEQ_KEY_CARDINALITY_EXCEEDED: 'SEQ_KEY_CARDINALITY_EXCEEDED',
  SEQ_SESSION_EXPIRED: 'SEQ_SESSION_EXPIRED',
  SEQ_REQUEST_REUSED: 'SEQ_REQUEST_REUSED',
  INVALID_SEQ_BATCH: 'INVALID_SEQ_BATCH',

  // Stamping leases.
  INVALID_LEASE_HOLDER: 'INVALID_LEASE_HOLDER',
  INVALID_LEASE_TTL: 'INVALID_LEASE_TTL',
  INVALID_LEASE_ID: 'INVALID_LEASE_ID',
  LEASE_HOLDER_EPOCH_STALE: 'LEASE_HOLDER_EPOCH_STALE',
  LEASE_LIMIT_EXCEEDED: 'LEASE_LIMIT_EXCEEDED',
  LEASE_NOT_FOUND: 'LEASE_NOT_FOUND',
  LEASE_EXPIRED: 'LEASE_EXPIRED',
  LEASE_SUPERSEDED: 'LEASE_SUPERSEDED',

  // Consensus drivers.
  DRIVER_NOT_LEADER: 'DRIVER_NOT_LEADER',
  DRIVER_FENCED: 'DRIVER_FENCED',
  DRIVER_TRANSIENT: 'DRIVER_TRANSIENT',
  DRIVER_PERMANENT: 'DRIVER_PERMANENT',
  DRIVER_OUT_OF_RANGE: 'DRIVER_OUT_OF_RANGE',
  DRIVER_ALREADY_LOCKED: 'DRIVER_ALREADY_LOCKED',
  DRIVER_ALREADY_INITIALIZED: 'DRIVER_ALREADY_INITIALIZED',

  // Raft membership changes (the original's admin error kinds where it has one).
  MEMBERSHIP_NOT_MEMBER: 'MEMBERSHIP_NOT_MEMBER',
  MEMBERSHIP_WOULD_LOSE_QUORUM: 'MEMBERSHIP_WOULD_LOSE_QUORUM',
  MEMBERSHIP_CHANGE_IN_FLIGHT: 'MEMBERSHIP_CHANGE_IN_FLIGHT',
  MEMBERSHIP_LEADER_NOT_READY: 'MEMBERSHIP_LEADER_NOT_READY',
  MEMBERSHIP_NOT_CAUGHT_UP: 'MEMBERSHIP_NOT_CAUGHT_UP',

  // Wire answers (stable codes a client of any language sees).
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  UNAVAILABLE: 'UNAVAILABLE',
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  INTERNAL: 'INTERNAL',
  BAD_FRAME: 'BAD_FRAME',
  NOT_FOUND: 'NOT_FOUND',
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  UNAUTHENTICATED: 'UNAUTHENTICATED',

  // Client library.
  NO_REACHABLE_ENDPOINTS: 'NO_REACHABLE_ENDPOINTS',
  TIMEOUT: 'TIMEOUT',
  TRANSPORT: 'TRANSPORT',
  SEQ_UNCERTAIN: 'SEQ_UNCERTAIN',
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  PROTOCOL_VIOLATION: 'PROTOCOL_VIOLATION',

  // Configuration and CLI.
  INVALID_CONFIG: 'INVALID_CONFIG',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes a decoder may throw inside a `DecodeError`. */
export type DecodeErrorCode = Extract<ErrorCode, `DECODE_${string}` | `RECORD_${string}` | `FRAME_${string}`>;

/**
 * `message` with `code: ` in front, exactly once: a message that already starts with that prefix
 * (one taken from another error of the same code, say) is returned as it is. Every message that
 * names its code goes through here, so none reads `X: X: ...`.
 */
export function withCodePrefix(code: string, message: string): string {
  return message.startsWith(`${code}: `) ? message : `${code}: ${message}`;
}

/** The only exception a decoder throws, whatever the bytes. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
    /** Byte offset in the input where the problem was found, when known. */
    readonly offset?: number,
  ) {
    super(withCodePrefix(code, message));
  }
}

/** An error with a stable code surfaced to a user of the library (client, server, CLI). */
export class TsoError extends Error {
  override readonly name = 'TsoError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(withCodePrefix(code, message));
  }
}

/** The returned-value form of an expected failure. */
export type Failure<C extends string = ErrorCode> = { readonly ok: false; readonly code: C; readonly message?: string };
export type Result<T, C extends string = ErrorCode> = ({ readonly ok: true } & T) | Failure<C>;

export function isDecodeError(e: unknown): e is DecodeError {
  return e instanceof DecodeError;
}
