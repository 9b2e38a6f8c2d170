import { ErrorCode } from './errors.js';
/** Largest request id (u32). */
export declare const REQUEST_ID_MAX = 4294967295;
/** The id of a connection-level error answer (the server closes the connection after it). */
export declare const CONNECTION_ERROR_ID = 0;
export interface GetTsRequest {
    readonly id: number;
    readonly op: 'getTs';
    /** Timestamps wanted; valid range 1..GET_TS_COUNT_MAX (checked by `validateRequest`). */
    readonly count: number;
}
export interface GetSeqRequest {
    readonly id: number;
    readonly op: 'getSeq';
    /** Sequence key; valid when 1..128 UTF-8 bytes (checked by `validateRequest`). */
    readonly key: string;
    /** Block size; valid range 1..SEQ_COUNT_MAX (checked by `validateRequest`). */
    readonly count: number;
    /** u64 id of the client session (exactly-once retries are keyed by clientId and requestId). */
    readonly clientId: bigint;
    /** u64 id of this request within the session (the client library starts at 1 and counts up). */
    readonly requestId: bigint;
}
export type Request = GetTsRequest | GetSeqRequest;
export type RequestOp = Request['op'];
/** A getTs grant: timestamps `(physicalMs << 18) | (logicalStart + i)` for i in [0, count). */
export interface GetTsAnswer {
    readonly id: number;
    readonly ok: true;
    readonly physicalMs: number;
    readonly logicalStart: number;
    readonly count: number;
    readonly epoch: bigint;
}
/** A getSeq grant: the block `[start, start + count)` of the request's key. */
export interface GetSeqAnswer {
    readonly id: number;
    readonly ok: true;
    readonly start: bigint;
    readonly count: number;
    readonly epoch: bigint;
}
/** The error codes a server may answer with (docs/protocol.md says what a client does). */
export declare const WIRE_ERROR_CODES: readonly ["INVALID_ARGUMENT", "NOT_LEADER", "UNAVAILABLE", "RESOURCE_EXHAUSTED", "INTERNAL", "BAD_FRAME", "SEQ_SESSION_EXPIRED"];
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];
export interface ErrorAnswer {
    /** The failed request's id, or CONNECTION_ERROR_ID for a connection-level error. */
    readonly id: number;
    readonly ok: false;
    readonly code: WireErrorCode;
    readonly message: string;
    /** With NOT_LEADER: the leader's client endpoint `host:port`, when the server knows it. */
    readonly leaderEndpoint?: string;
    /** With NOT_LEADER: the leader's epoch (u64), when known. */
    readonly leaderEpoch?: bigint;
}
/** Answers are told apart by their fields: `physicalMs` (getTs), `start` (getSeq), `ok: false`. */
export type Response = GetTsAnswer | GetSeqAnswer | ErrorAnswer;
export declare function isGetTsAnswer(r: Response): r is GetTsAnswer;
export declare function isGetSeqAnswer(r: Response): r is GetSeqAnswer;
export declare function isWireErrorCode(code: string): code is WireErrorCode;
/** Builds an error answer; the hint fields are included only when given. */
export declare function errorAnswer(id: number, code: WireErrorCode, message: string, hint?: {
    readonly leaderEndpoint?: string | null;
    readonly leaderEpoch?: bigint | null;
}): ErrorAnswer;
export type RequestProblemCode = typeof ErrorCode.INVALID_COUNT | typeof ErrorCode.INVALID_SEQ_KEY | typeof ErrorCode.INVALID_SEQ_COUNT;
export interface RequestProblem {
    readonly code: RequestProblemCode;
    readonly message: string;
}
/**
 * UTF-8 length of `text` in bytes, or -1 when `text` is not well-formed (a lone surrogate
 * would be replaced on the wire, so the key the server sees would not be the caller's).
 */
export declare function utf8ByteLength(text: string): number;
export declare function checkGetTsCount(count: number): RequestProblem | null;
export declare function checkSeqCount(count: number): RequestProblem | null;
export declare function checkSeqKey(key: string): RequestProblem | null;
/** The first semantic problem of a decoded request, or null when the request is valid. */
export declare function requestProblem(request: Request): RequestProblem | null;
/**
 * Null when the decoded request may be served; otherwise the INVALID_ARGUMENT answer to send
 * (with the request's id; the message starts with the precise code, e.g. `INVALID_SEQ_KEY:`).
 */
export declare function validateRequest(request: Request): ErrorAnswer | null;
/** Encodes a request body. The request's fields must fit their wire types (else: assertion). */
export declare function encodeRequest(request: Request): Uint8Array;
/** Encodes an answer body. The answer must be one a decoder accepts (else: assertion). */
/** Longest error message an answer carries (UTF-16 units), so any answer fits in one frame. */
export declare const ANSWER_MESSAGE_CHARS_MAX = 1024;
/** `text` cut to at most `maxChars` UTF-16 units, never splitting a surrogate pair. */
export declare function truncateText(text: string, maxChars: number): string;
export declare function encodeResponse(response: Response): Uint8Array;
/**
 * Decodes a request body. Throws only `DecodeError(FRAME_BAD_BODY)`: bytes that are not one
 * msgpack map, a known field of the wrong type or too wide for it, id 0, an unknown op, a
 * missing field. Count and key ranges are left to `validateRequest`.
 */
export declare function decodeRequest(body: Uint8Array): Request;
/**
 * Decodes an answer body. Throws only `DecodeError(FRAME_BAD_BODY)`: bytes that are not one
 * msgpack map, a known field of the wrong type, an answer that is not exactly one of the three
 * shapes, an unknown error code, or a grant that breaks its structure (a getTs grant spanning a
 * millisecond or past 46 bits, a getSeq block past u64, a zero count, an ok answer with id 0).
 */
export declare function decodeResponse(body: Uint8Array): Response;
