// The client protocol: the typed requests and answers that travel in frame bodies, and their
// msgpack codec. `docs/protocol.md` is the contract for other languages; this file is its
// reference implementation, and both change together.
//
// A body is one msgpack map with str keys. Requests carry `id` (u32, >= 1) so they pipeline on
// one connection and answers may come back in any order; id 0 is reserved for connection-level
// errors. Invariants:
//   - Decoders are total: whatever the bytes, `decodeRequest` / `decodeResponse` return a typed
//     value or throw `DecodeError(FRAME_BAD_BODY)`, never anything else. They read the body with
//     their own bounds-checked reader (no allocation sized by a length field before the bytes
//     are known to be there, no recursion), so exact msgpack types are enforced: integers must be
//     msgpack int formats (any width, non-negative values), strings must be str with valid UTF-8.
//   - Each direction has one fixed table of known fields: a request decoder knows every request
//     field of every op (id, op, count, key, entries, clientId, requestId), an answer decoder every answer
//     field of every shape. A known field is type-checked whichever op or shape the message turns
//     out to be; a name known only to the other direction is an unknown field like any other.
//     Unknown fields are skipped whatever their type (forward compatibility). One pass, any field
//     order, no look-ahead for `op` or `ok`.
//   - `nil` means absent, for every known field in both directions (msgpack libraries write an
//     unset field as nil). A required field that is absent or nil, a known field of the wrong
//     type, a known field given twice (nil counts) or trailing bytes are decode errors.
//   - Range checks that a server answers with INVALID_ARGUMENT (count, key length) are NOT decode
//     errors: `decodeRequest` returns the raw typed fields and `validateRequest` judges them, so
//     the error can carry the request's id.
//   - Encoders write u64 fields as msgpack uint64 (0xcf), other integers in their smallest form,
//     fields in the order documented in docs/protocol.md. Encoding a value outside its wire type
//     is a bug (assertion), not an expected condition.
//   - Authentication rides on the first request of a connection: its optional `token` field (a
//     str, any op) is what a server with a token checks (docs/protocol.md, "Authentication").
//     `decodeRequestWithToken` returns it beside the request; `decodeRequest` type-checks it and
//     drops it. The decoder never judges the token (length, content): a server compares it.
//   - The getTs and getSeq bodies written directly are pooled arrays (codec/pooled-bytes.ts): an
//     encoded body is handed to a transport, which copies it, and is not kept.

import { Encoder } from '@msgpack/msgpack';
import { assert } from './assert.js';
import { pooledBytes } from './codec/pooled-bytes.js';
import { DecodeError, ErrorCode } from './errors.js';
import {
  FRAME_BODY_BYTES_MAX,
  GET_TS_COUNT_MAX,
  LOGICAL_MAX,
  PHYSICAL_MS_MAX,
  SEQ_BATCH_KEYS_MAX,
  SEQ_COUNT_MAX,
  SEQ_KEY_BYTES_MAX,
  SEQ_KEY_BYTES_MIN,
  TIMESTAMPS_PER_MS,
  U64_MAX,
} from './limits.js';

// ---------------------------------------------------------------------------------------------
// Types

/** Largest request id (u32). */
export const REQUEST_ID_MAX = 0xffff_ffff;
/** The id of a connection-level error answer (the server closes the connection after it). */
export const CONNECTION_ERROR_ID = 0;
const U32_MAX = 0xffff_ffff;

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

/** One (key, count) of a getSeqBatch; on the wire a 2-element array `[key, count]`. */
export interface SeqBatchEntryWire {
  readonly key: string;
  readonly count: number;
}

export interface GetSeqBatchRequest {
  readonly id: number;
  readonly op: 'getSeqBatch';
  /** 1..SEQ_BATCH_KEYS_MAX entries with distinct keys (checked by `validateRequest`; a server may cap lower). */
  readonly entries: readonly SeqBatchEntryWire[];
  readonly clientId: bigint;
  readonly requestId: bigint;
}

/** getCurrentMaxSafe: no fields but id and op; any node answers (0 off the leader). */
export interface GetCurrentMaxSafeRequest {
  readonly id: number;
  readonly op: 'getCurrentMaxSafe';
}

/** getSafeFrontier: no fields but id and op; any node answers (0 off the leader). */
export interface GetSafeFrontierRequest {
  readonly id: number;
  readonly op: 'getSafeFrontier';
}

export type SafePointRequest = GetCurrentMaxSafeRequest | GetSafeFrontierRequest;

/** members: no fields but id and op; any node answers with the members it knows (docs/protocol.md §4). */
export interface MembersRequest {
  readonly id: number;
  readonly op: 'members';
}

/** acquireLease: a stamping lease for `holder` (1..128 bytes, msgpack bin) at `holderEpoch` (u64). */
export interface AcquireLeaseRequest {
  readonly id: number;
  readonly op: 'acquireLease';
  readonly holder: Uint8Array;
  readonly holderEpoch: bigint;
  /** Valid within the server's TTL bounds (default 5,000..300,000 ms; checked by the server). */
  readonly ttlMs: number;
}

/** renewLease: the lease id (u64) an acquire answered. */
export interface RenewLeaseRequest {
  readonly id: number;
  readonly op: 'renewLease';
  readonly leaseId: bigint;
}

/** releaseLease: the lease id (u64) an acquire answered. */
export interface ReleaseLeaseRequest {
  readonly id: number;
  readonly op: 'releaseLease';
  readonly leaseId: bigint;
}

export type LeaseIdRequest = RenewLeaseRequest | ReleaseLeaseRequest;

export type LeaseRequest = AcquireLeaseRequest | LeaseIdRequest;

export type Request = GetTsRequest | GetSeqRequest | GetSeqBatchRequest | SafePointRequest | LeaseRequest | MembersRequest;
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

/** One block of a getSeqBatch answer; on the wire a 3-element array `[key, start, count]`. */
export interface SeqGrantWire {
  readonly key: string;
  readonly start: bigint;
  readonly count: number;
}

/** A getSeqBatch grant: one block per requested key, in request order, all durable together. */
export interface GetSeqBatchAnswer {
  readonly id: number;
  readonly ok: true;
  readonly grants: readonly SeqGrantWire[];
  readonly epoch: bigint;
}

/** A safe point (getCurrentMaxSafe: `maxSafeMs`, getSafeFrontier: `frontierMs`); 0 with epoch 0 off the leader. */
export interface SafePointAnswer {
  readonly id: number;
  readonly ok: true;
  readonly safePoint: 'maxSafe' | 'frontier';
  /** The safe point, physical ms ≤ 2^46 − 1. */
  readonly safePhysicalMs: number;
  readonly epoch: bigint;
}

/** A stamping lease (acquireLease, renewLease): stamp at most `tsUpperBoundMs` until `expiresAtMs`. */
export interface LeaseAnswer {
  readonly id: number;
  readonly ok: true;
  readonly leaseId: bigint;
  /** Physical ms ≤ 2^46 − 1. */
  readonly tsUpperBoundMs: number;
  /** The leader's wall ms at which the lease expires. */
  readonly expiresAtMs: number;
  readonly epoch: bigint;
}

/** Most members a members answer lists (the Raft driver's voters plus learners, with room). */
export const MEMBERS_MAX = 64;
/** Longest member endpoint on the wire (bytes of `host:port`). */
export const MEMBER_ENDPOINT_BYTES_MAX = 256;

/** One member of a members answer; on the wire a 3-element array `[id, role, endpoint]`. */
export interface MemberWire {
  /** The member's node id (u32). */
  readonly id: number;
  readonly role: 'voter' | 'learner';
  /** Its client endpoint `host:port` (the service port clients use). */
  readonly endpoint: string;
}

/**
 * members: the cluster's members as this node knows them (its configuration in effect), and the
 * leader's client endpoint when it knows one. A driver without a membership (file, etcd) answers
 * an empty list.
 */
export interface MembersAnswer {
  readonly id: number;
  readonly ok: true;
  readonly members: readonly MemberWire[];
  readonly leaderEndpoint?: string;
}

/** releaseLease: done (also for an unknown, expired or already released id). */
export interface LeaseReleasedAnswer {
  readonly id: number;
  readonly ok: true;
  readonly released: true;
}

/** The error codes a server may answer with (docs/protocol.md says what a client does). */
export const WIRE_ERROR_CODES = [
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.NOT_LEADER,
  ErrorCode.UNAVAILABLE,
  ErrorCode.RESOURCE_EXHAUSTED,
  ErrorCode.INTERNAL,
  ErrorCode.BAD_FRAME,
  ErrorCode.SEQ_SESSION_EXPIRED,
  ErrorCode.NOT_FOUND,
  ErrorCode.FAILED_PRECONDITION,
  ErrorCode.UNAUTHENTICATED,
] as const;
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
  /** With SEQ_SESSION_EXPIRED for a client the server has no session for: a clientId at or
   *  above this (u64) may open a new session (docs/client.md, "Exactly once"). */
  readonly requestIdsFrom?: bigint;
}

/** Answers are told apart by their fields: `physicalMs` (getTs), `start` (getSeq), `grants` (getSeqBatch), `ok: false`. */
export type Response = GetTsAnswer | GetSeqAnswer | GetSeqBatchAnswer | SafePointAnswer | LeaseAnswer | LeaseReleasedAnswer | MembersAnswer | ErrorAnswer;

export function isMembersAnswer(r: Response): r is MembersAnswer {
  return r.ok && 'members' in r;
}

export function isLeaseAnswer(r: Response): r is LeaseAnswer {
  return r.ok && 'leaseId' in r;
}

export function isLeaseReleasedAnswer(r: Response): r is LeaseReleasedAnswer {
  return r.ok && 'released' in r;
}

export function isGetTsAnswer(r: Response): r is GetTsAnswer {
  return r.ok && 'physicalMs' in r;
}

export function isSafePointAnswer(r: Response): r is SafePointAnswer {
  return r.ok && 'safePoint' in r;
}

export function isGetSeqAnswer(r: Response): r is GetSeqAnswer {
  return r.ok && 'start' in r;
}

export function isGetSeqBatchAnswer(r: Response): r is GetSeqBatchAnswer {
  return r.ok && 'grants' in r;
}

export function isWireErrorCode(code: string): code is WireErrorCode {
  return (WIRE_ERROR_CODES as readonly string[]).includes(code);
}

/** Builds an error answer; the hint fields are included only when given. */
export function errorAnswer(
  id: number,
  code: WireErrorCode,
  message: string,
  hint?: { readonly leaderEndpoint?: string | null; readonly leaderEpoch?: bigint | null; readonly requestIdsFrom?: bigint | null },
): ErrorAnswer {
  const endpoint = hint?.leaderEndpoint;
  const epoch = hint?.leaderEpoch;
  const expiredBelow = hint?.requestIdsFrom;
  return {
    id,
    ok: false,
    code,
    message,
    ...(endpoint !== undefined && endpoint !== null ? { leaderEndpoint: endpoint } : {}),
    ...(epoch !== undefined && epoch !== null ? { leaderEpoch: epoch } : {}),
    ...(expiredBelow !== undefined && expiredBelow !== null ? { requestIdsFrom: expiredBelow } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Semantic validation (answered INVALID_ARGUMENT with the request's id; the client checks the
// same rules before any I/O and reports the precise code)

export type RequestProblemCode =
  | typeof ErrorCode.INVALID_COUNT
  | typeof ErrorCode.INVALID_SEQ_KEY
  | typeof ErrorCode.INVALID_SEQ_COUNT
  | typeof ErrorCode.INVALID_SEQ_BATCH;

export interface RequestProblem {
  readonly code: RequestProblemCode;
  readonly message: string;
}

/**
 * UTF-8 length of `text` in bytes, or -1 when `text` is not well-formed (a lone surrogate
 * would be replaced on the wire, so the key the server sees would not be the caller's).
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return -1;
      bytes += 4;
      i += 1;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return -1;
    else bytes += 3;
  }
  return bytes;
}

export function checkGetTsCount(count: number): RequestProblem | null {
  if (Number.isSafeInteger(count) && count >= 1 && count <= GET_TS_COUNT_MAX) return null;
  return { code: ErrorCode.INVALID_COUNT, message: `getTs count ${String(count)} is outside 1..${GET_TS_COUNT_MAX}` };
}

export function checkSeqCount(count: number): RequestProblem | null {
  if (Number.isSafeInteger(count) && count >= 1 && count <= SEQ_COUNT_MAX) return null;
  return { code: ErrorCode.INVALID_SEQ_COUNT, message: `getSeq count ${String(count)} is outside 1..${SEQ_COUNT_MAX}` };
}

export function checkSeqKey(key: string): RequestProblem | null {
  if (typeof key !== 'string') return { code: ErrorCode.INVALID_SEQ_KEY, message: 'getSeq key is not a string' };
  const bytes = utf8ByteLength(key);
  if (bytes < 0) return { code: ErrorCode.INVALID_SEQ_KEY, message: 'getSeq key is not well-formed Unicode' };
  if (bytes < SEQ_KEY_BYTES_MIN || bytes > SEQ_KEY_BYTES_MAX) {
    return { code: ErrorCode.INVALID_SEQ_KEY, message: `getSeq key is ${bytes} UTF-8 bytes, outside ${SEQ_KEY_BYTES_MIN}..${SEQ_KEY_BYTES_MAX}` };
  }
  return null;
}

/**
 * A getSeqBatch's entries: 1..`keysMax` (at most SEQ_BATCH_KEYS_MAX), each count and key valid,
 * no key twice. The server applies its own cap (at most this one) on top.
 */
export function checkSeqBatch(entries: readonly SeqBatchEntryWire[], keysMax: number = SEQ_BATCH_KEYS_MAX): RequestProblem | null {
  const max = Math.min(keysMax, SEQ_BATCH_KEYS_MAX);
  if (entries.length < 1 || entries.length > max) {
    return { code: ErrorCode.INVALID_SEQ_BATCH, message: `getSeqBatch holds ${entries.length} entries, outside 1..${max}` };
  }
  const keys = new Set<string>();
  for (const entry of entries) {
    const problem = checkSeqCount(entry.count) ?? checkSeqKey(entry.key);
    if (problem !== null) return problem;
    if (keys.has(entry.key)) return { code: ErrorCode.INVALID_SEQ_BATCH, message: `getSeqBatch names key ${quoteBounded(entry.key)} twice` };
    keys.add(entry.key);
  }
  return null;
}

/** The first semantic problem of a decoded request, or null when the request is valid. */
export function requestProblem(request: Request): RequestProblem | null {
  switch (request.op) {
    case 'getTs':
      return checkGetTsCount(request.count);
    case 'getSeq':
      return checkSeqCount(request.count) ?? checkSeqKey(request.key);
    case 'getSeqBatch':
      return checkSeqBatch(request.entries);
    case 'getCurrentMaxSafe':
    case 'getSafeFrontier':
    case 'members':
    case 'acquireLease':
    case 'renewLease':
    case 'releaseLease':
      // Lease arguments are judged by the server's lease policy (INVALID_LEASE_HOLDER, ...).
      return null;
    default:
      return unreachableOp(request);
  }
}

/**
 * Null when the decoded request may be served; otherwise the INVALID_ARGUMENT answer to send
 * (with the request's id; the message starts with the precise code, e.g. `INVALID_SEQ_KEY:`).
 */
export function validateRequest(request: Request): ErrorAnswer | null {
  const problem = requestProblem(request);
  if (problem === null) return null;
  return errorAnswer(request.id, ErrorCode.INVALID_ARGUMENT, `${problem.code}: ${problem.message}`);
}

function unreachableOp(request: never): never {
  assert(false, 'protocol_request_op_exhaustive', () => String((request as { op?: unknown }).op));
}

// ---------------------------------------------------------------------------------------------
// Encoding

// One reusable encoder: `encode` copies its internal buffer out, so the returned bytes are the
// caller's to keep, and a reentrant call clones the encoder instead of corrupting it.
const encoder = new Encoder({ useBigInt64: true, initialBufferSize: 256 });

function assertU32(n: number, invariant: string): void {
  assert(Number.isSafeInteger(n) && n >= 0 && n <= U32_MAX, invariant, () => String(n));
}

function assertU64(n: bigint, invariant: string): void {
  assert(typeof n === 'bigint' && n >= 0n && n <= U64_MAX, invariant, () => String(n));
}

/** What every request encoder checks first: a nonzero u32 id, and a u32 count for getTs and getSeq. */
function assertRequestHead(request: Request): void {
  assertU32(request.id, 'protocol_request_id_u32');
  assert(request.id !== CONNECTION_ERROR_ID, 'protocol_request_id_nonzero');
  if (request.op === 'getTs' || request.op === 'getSeq') assertU32(request.count, 'protocol_request_count_u32');
}

/** A getSeq's own fields fit their wire types (the direct writer and the msgpack path both check). */
function assertGetSeqFields(request: GetSeqRequest): void {
  assert(typeof request.key === 'string', 'protocol_request_key_string');
  assertU64(request.clientId, 'protocol_request_client_id_u64');
  assertU64(request.requestId, 'protocol_request_request_id_u64');
}

/**
 * Encodes a request body. The request's fields must fit their wire types (else: assertion).
 * With `token`, the body carries it as its last field (the first request of a connection to a
 * server with a token: docs/protocol.md, "Authentication").
 */
export function encodeRequest(request: Request, token?: string): Uint8Array {
  if (token === undefined) return encodeRequestFields(request);
  assert(typeof token === 'string' && token.length > 0 && token.length <= REQUEST_TOKEN_CHARS_MAX, 'protocol_request_token_bounded');
  const fields = requestFields(request); // a fresh object: the token goes last, as the map's last key
  fields.token = token;
  return encoder.encode(fields);
}

/** Longest token a request carries (UTF-16 units; the server's token file allows 4,096 ASCII bytes). */
export const REQUEST_TOKEN_CHARS_MAX = 4_096;

function encodeRequestFields(request: Request): Uint8Array {
  if (request.op === 'getSeq') {
    const fast = encodeAsciiGetSeq(request);
    if (fast !== null) return fast;
  }
  if (request.op === 'getTs') return encodeGetTsDirect(request);
  return encoder.encode(requestFields(request));
}

const GET_TS_ID_KEY = Uint8Array.of(0x83, 0xa2, 0x69, 0x64); // fixmap 3, "id"
const GET_TS_OP_FIELD_COUNT_KEY = Uint8Array.of(0xa2, 0x6f, 0x70, 0xa5, 0x67, 0x65, 0x74, 0x54, 0x73, 0xa5, 0x63, 0x6f, 0x75, 0x6e, 0x74); // "op" "getTs" "count"

/** `{ id, op: 'getTs', count }` written directly: the msgpack encoder's bytes (tested equal). */
function encodeGetTsDirect(request: GetTsRequest): Uint8Array {
  assertRequestHead(request);
  const { id, count } = request;
  const out = pooledBytes(GET_TS_ID_KEY.length + msgpackUintBytes(id) + GET_TS_OP_FIELD_COUNT_KEY.length + msgpackUintBytes(count));
  out.set(GET_TS_ID_KEY, 0);
  let at = writeMsgpackUint(out, GET_TS_ID_KEY.length, id);
  out.set(GET_TS_OP_FIELD_COUNT_KEY, at);
  at = writeMsgpackUint(out, at + GET_TS_OP_FIELD_COUNT_KEY.length, count);
  assert(at === out.length, 'protocol_direct_get_ts_length');
  return out;
}

// The bytes of `{ id, op: 'getSeq', key, count, clientId, requestId }` as the msgpack encoder
// writes them, fixed apart from the id, the key and the count: a client sends one per getSeq.
const GET_SEQ_ID_KEY = Uint8Array.of(0x86, 0xa2, 0x69, 0x64); // fixmap 6, "id"
const GET_SEQ_OP_KEY_FIELD = Uint8Array.of(0xa2, 0x6f, 0x70, 0xa6, 0x67, 0x65, 0x74, 0x53, 0x65, 0x71, 0xa3, 0x6b, 0x65, 0x79); // "op" "getSeq" "key"
const GET_SEQ_COUNT_KEY = Uint8Array.of(0xa5, 0x63, 0x6f, 0x75, 0x6e, 0x74); // "count"
const GET_SEQ_CLIENT_ID_KEY = Uint8Array.of(0xa8, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x49, 0x64); // "clientId"
const GET_SEQ_REQUEST_ID_KEY = Uint8Array.of(0xa9, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x49, 0x64); // "requestId"
/** Longest key the direct encoder takes (str8); longer ones go through the msgpack encoder. */
const GET_SEQ_DIRECT_KEY_CHARS_MAX = 255;

/** Bytes of a u32 as msgpack's smallest unsigned form (positive fixint, uint 8, 16 or 32). */
function msgpackUintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x1_0000 ? 3 : 5;
}

function writeMsgpackUint(out: Uint8Array, at: number, n: number): number {
  if (n < 0x80) {
    out[at] = n;
    return at + 1;
  }
  if (n < 0x100) {
    out[at] = 0xcc;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x1_0000) {
    out[at] = 0xcd;
    out[at + 1] = n >>> 8;
    out[at + 2] = n & 0xff;
    return at + 3;
  }
  out[at] = 0xce;
  out[at + 1] = n >>> 24;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = (n >>> 8) & 0xff;
  out[at + 4] = n & 0xff;
  return at + 5;
}

/** msgpack's uint 64 from its two 32-bit halves. */
function writeMsgpackU64Halves(out: Uint8Array, at: number, high: number, low: number): number {
  out[at] = 0xcf;
  out[at + 1] = high >>> 24;
  out[at + 2] = (high >>> 16) & 0xff;
  out[at + 3] = (high >>> 8) & 0xff;
  out[at + 4] = high & 0xff;
  out[at + 5] = low >>> 24;
  out[at + 6] = (low >>> 16) & 0xff;
  out[at + 7] = (low >>> 8) & 0xff;
  out[at + 8] = low & 0xff;
  return at + 9;
}

/** msgpack's uint 64 of a u64 bigint (the encoder's form for every bigint, `useBigInt64`). */
function writeMsgpackU64(out: Uint8Array, at: number, n: bigint): number {
  return writeMsgpackU64Halves(out, at, Number(n >> 32n), Number(n & 0xffff_ffffn));
}

/** msgpack's uint 64 of a safe non-negative integer (how a bigint of it is written). */
function writeMsgpackU64OfNumber(out: Uint8Array, at: number, n: number): number {
  return writeMsgpackU64Halves(out, at, Math.floor(n / 0x1_0000_0000), n >>> 0);
}

// The answers a server writes per getTs and per getSeq, written directly like the requests above.
const ANSWER_OK_TRUE = Uint8Array.of(0xa2, 0x6f, 0x6b, 0xc3); // "ok" true
const ANSWER_ID_KEY = Uint8Array.of(0xa2, 0x69, 0x64); // "id"
const ANSWER_PHYSICAL_MS_KEY = Uint8Array.of(0xaa, 0x70, 0x68, 0x79, 0x73, 0x69, 0x63, 0x61, 0x6c, 0x4d, 0x73); // "physicalMs"
const ANSWER_LOGICAL_START_KEY = Uint8Array.of(0xac, 0x6c, 0x6f, 0x67, 0x69, 0x63, 0x61, 0x6c, 0x53, 0x74, 0x61, 0x72, 0x74); // "logicalStart"
const ANSWER_START_KEY = Uint8Array.of(0xa5, 0x73, 0x74, 0x61, 0x72, 0x74); // "start"
const ANSWER_COUNT_KEY = Uint8Array.of(0xa5, 0x63, 0x6f, 0x75, 0x6e, 0x74); // "count"
const ANSWER_EPOCH_KEY = Uint8Array.of(0xa5, 0x65, 0x70, 0x6f, 0x63, 0x68); // "epoch"

/** Bytes of an ok answer's head (`fixmap n`, `id`, `ok: true`) and tail (`count`, `epoch`). */
function okAnswerEdgesBytes(id: number, count: number): number {
  return 1 + ANSWER_ID_KEY.length + msgpackUintBytes(id) + ANSWER_OK_TRUE.length + ANSWER_COUNT_KEY.length + msgpackUintBytes(count) + ANSWER_EPOCH_KEY.length + 9;
}

/** Writes `fixmap fields`, `id` and `ok: true` at 0; returns where the next field goes. */
function writeOkAnswerHead(out: Uint8Array, fields: number, id: number): number {
  out[0] = 0x80 | fields;
  out.set(ANSWER_ID_KEY, 1);
  const at = writeMsgpackUint(out, 1 + ANSWER_ID_KEY.length, id);
  out.set(ANSWER_OK_TRUE, at);
  return at + ANSWER_OK_TRUE.length;
}

/** Writes `count` and `epoch` at `at`, the answer's last fields; asserts they end it. */
function writeCountEpochTail(out: Uint8Array, at: number, count: number, epoch: bigint): void {
  out.set(ANSWER_COUNT_KEY, at);
  let end = writeMsgpackUint(out, at + ANSWER_COUNT_KEY.length, count);
  out.set(ANSWER_EPOCH_KEY, end);
  end = writeMsgpackU64(out, end + ANSWER_EPOCH_KEY.length, epoch);
  assert(end === out.length, 'protocol_direct_answer_length');
}

/** `{ id, ok: true, physicalMs (as u64), logicalStart, count, epoch }`, checked by the caller. */
function encodeGetTsAnswerDirect(a: GetTsAnswer): Uint8Array {
  const out = pooledBytes(okAnswerEdgesBytes(a.id, a.count) + ANSWER_PHYSICAL_MS_KEY.length + 9 + ANSWER_LOGICAL_START_KEY.length + msgpackUintBytes(a.logicalStart));
  let at = writeOkAnswerHead(out, 6, a.id);
  out.set(ANSWER_PHYSICAL_MS_KEY, at);
  at = writeMsgpackU64OfNumber(out, at + ANSWER_PHYSICAL_MS_KEY.length, a.physicalMs);
  out.set(ANSWER_LOGICAL_START_KEY, at);
  at = writeMsgpackUint(out, at + ANSWER_LOGICAL_START_KEY.length, a.logicalStart);
  writeCountEpochTail(out, at, a.count, a.epoch);
  return out;
}

/** `{ id, ok: true, start, count, epoch }`, checked by the caller. */
function encodeGetSeqAnswerDirect(a: GetSeqAnswer): Uint8Array {
  const out = pooledBytes(okAnswerEdgesBytes(a.id, a.count) + ANSWER_START_KEY.length + 9);
  let at = writeOkAnswerHead(out, 5, a.id);
  out.set(ANSWER_START_KEY, at);
  at = writeMsgpackU64(out, at + ANSWER_START_KEY.length, a.start);
  writeCountEpochTail(out, at, a.count, a.epoch);
  return out;
}

/**
 * A getSeq request with an ASCII key, written directly: the same bytes as the msgpack encoder
 * (`core/protocol.test.ts` holds the two equal over random requests), with less work
 * (no object of fields, no generic map walk, no UTF-8 encoder). Null when the key is not ASCII or
 * longer than GET_SEQ_DIRECT_KEY_CHARS_MAX: the msgpack encoder writes those.
 */
function encodeAsciiGetSeq(request: GetSeqRequest): Uint8Array | null {
  assertRequestHead(request);
  assertGetSeqFields(request);
  const { id, key, count, clientId, requestId } = request;
  if (key.length > GET_SEQ_DIRECT_KEY_CHARS_MAX) return null;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) >= 0x80) return null;
  const keyHeaderBytes = key.length < 32 ? 1 : 2;
  const out = pooledBytes(
    GET_SEQ_ID_KEY.length + msgpackUintBytes(id) + GET_SEQ_OP_KEY_FIELD.length + keyHeaderBytes + key.length +
      GET_SEQ_COUNT_KEY.length + msgpackUintBytes(count) + GET_SEQ_CLIENT_ID_KEY.length + 9 + GET_SEQ_REQUEST_ID_KEY.length + 9,
  );
  out.set(GET_SEQ_ID_KEY, 0);
  let at = writeMsgpackUint(out, GET_SEQ_ID_KEY.length, id);
  out.set(GET_SEQ_OP_KEY_FIELD, at);
  at += GET_SEQ_OP_KEY_FIELD.length;
  if (keyHeaderBytes === 1) out[at++] = 0xa0 | key.length;
  else {
    out[at++] = 0xd9;
    out[at++] = key.length;
  }
  for (let i = 0; i < key.length; i++) out[at++] = key.charCodeAt(i);
  out.set(GET_SEQ_COUNT_KEY, at);
  at = writeMsgpackUint(out, at + GET_SEQ_COUNT_KEY.length, count);
  out.set(GET_SEQ_CLIENT_ID_KEY, at);
  at = writeMsgpackU64(out, at + GET_SEQ_CLIENT_ID_KEY.length, clientId);
  out.set(GET_SEQ_REQUEST_ID_KEY, at);
  at = writeMsgpackU64(out, at + GET_SEQ_REQUEST_ID_KEY.length, requestId);
  assert(at === out.length, 'protocol_direct_get_seq_length');
  return out;
}

/** The request as the plain object the encoder writes, fields in the documented order. */
function requestFields(request: Request): Record<string, unknown> {
  assertRequestHead(request);
  switch (request.op) {
    case 'getCurrentMaxSafe':
    case 'getSafeFrontier':
    case 'members':
      return ({ id: request.id, op: request.op });
    case 'acquireLease':
      assert(request.holder instanceof Uint8Array && request.holder.length <= FRAME_BODY_BYTES_MAX / 2, 'protocol_request_holder_bytes');
      assertU64(request.holderEpoch, 'protocol_request_holder_epoch_u64');
      assertU32(request.ttlMs, 'protocol_request_ttl_ms_u32');
      return ({ id: request.id, op: 'acquireLease', holder: request.holder, holderEpoch: request.holderEpoch, ttlMs: request.ttlMs });
    case 'renewLease':
    case 'releaseLease':
      assertU64(request.leaseId, 'protocol_request_lease_id_u64');
      return ({ id: request.id, op: request.op, leaseId: request.leaseId });
    case 'getSeqBatch':
      assertU64(request.clientId, 'protocol_request_client_id_u64');
      assertU64(request.requestId, 'protocol_request_request_id_u64');
      for (const entry of request.entries) {
        assert(typeof entry.key === 'string', 'protocol_request_key_string');
        assertU32(entry.count, 'protocol_request_count_u32');
      }
      return ({
        id: request.id,
        op: 'getSeqBatch',
        entries: request.entries.map((e) => [e.key, e.count]),
        clientId: request.clientId,
        requestId: request.requestId,
      });
    case 'getTs':
      return ({ id: request.id, op: 'getTs', count: request.count });
    case 'getSeq':
      assertGetSeqFields(request);
      return ({
        id: request.id,
        op: 'getSeq',
        key: request.key,
        count: request.count,
        clientId: request.clientId,
        requestId: request.requestId,
      });
    default:
      return unreachableOp(request);
  }
}

/** Encodes an answer body. The answer must be one a decoder accepts (else: assertion). */
/** Longest error message an answer carries (UTF-16 units), so any answer fits in one frame. */
export const ANSWER_MESSAGE_CHARS_MAX = 1_024;

/** `text` cut to at most `maxChars` UTF-16 units, never splitting a surrogate pair. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Quotes a value taken from the peer for an error message, bounded: input must not size output. */
function quoteBounded(value: unknown): string {
  return truncateText(JSON.stringify(value) ?? String(value), 64);
}

export function encodeResponse(response: Response): Uint8Array {
  assertU32(response.id, 'protocol_response_id_u32');
  if (!response.ok) {
    assert(isWireErrorCode(response.code), 'protocol_response_code_known', response.code);
    assert(typeof response.message === 'string', 'protocol_response_message_string');
    // Messages may quote what a peer sent; bounding them here keeps every answer within the frame
    // limit whatever the request held.
    const message = truncateText(response.message, ANSWER_MESSAGE_CHARS_MAX);
    const body: Record<string, unknown> = { id: response.id, ok: false, code: response.code, message };
    if (response.leaderEndpoint !== undefined) {
      assert(typeof response.leaderEndpoint === 'string', 'protocol_response_leader_endpoint_string');
      body['leaderEndpoint'] = response.leaderEndpoint;
    }
    if (response.leaderEpoch !== undefined) {
      assertU64(response.leaderEpoch, 'protocol_response_leader_epoch_u64');
      body['leaderEpoch'] = response.leaderEpoch;
    }
    if (response.requestIdsFrom !== undefined) {
      assertU64(response.requestIdsFrom, 'protocol_response_clients_expired_below_u64');
      body['requestIdsFrom'] = response.requestIdsFrom;
    }
    return encoder.encode(body);
  }
  assert(response.id !== CONNECTION_ERROR_ID, 'protocol_response_ok_id_nonzero');
  if (isLeaseReleasedAnswer(response)) return encoder.encode({ id: response.id, ok: true, released: true });
  if (isMembersAnswer(response)) {
    assert(response.members.length <= MEMBERS_MAX, 'protocol_response_members_length');
    for (const m of response.members) {
      assertU32(m.id, 'protocol_response_member_id_u32');
      assert(m.role === 'voter' || m.role === 'learner', 'protocol_response_member_role');
      // utf8ByteLength is -1 for a lone surrogate, which the wire would turn into U+FFFD.
      const endpointBytes = typeof m.endpoint === 'string' ? utf8ByteLength(m.endpoint) : -1;
      assert(endpointBytes >= 0 && endpointBytes <= MEMBER_ENDPOINT_BYTES_MAX, 'protocol_response_member_endpoint');
    }
    const body: Record<string, unknown> = { id: response.id, ok: true, members: response.members.map((m) => [m.id, m.role, m.endpoint]) };
    if (response.leaderEndpoint !== undefined) {
      assert(typeof response.leaderEndpoint === 'string', 'protocol_response_leader_endpoint_string');
      body['leaderEndpoint'] = response.leaderEndpoint;
    }
    return encoder.encode(body);
  }
  assertU64(response.epoch, 'protocol_response_epoch_u64');
  if (isLeaseAnswer(response)) {
    assertU64(response.leaseId, 'protocol_response_lease_id_u64');
    assert(Number.isSafeInteger(response.tsUpperBoundMs) && response.tsUpperBoundMs >= 0 && response.tsUpperBoundMs <= PHYSICAL_MS_MAX, 'protocol_response_physical_ms_range');
    assert(Number.isSafeInteger(response.expiresAtMs) && response.expiresAtMs >= 0, 'protocol_response_expires_at_safe');
    return encoder.encode({
      id: response.id,
      ok: true,
      leaseId: response.leaseId,
      tsUpperBoundMs: BigInt(response.tsUpperBoundMs),
      expiresAtMs: BigInt(response.expiresAtMs),
      epoch: response.epoch,
    });
  }
  if (isGetTsAnswer(response)) {
    assert(Number.isSafeInteger(response.physicalMs) && response.physicalMs >= 0 && response.physicalMs <= PHYSICAL_MS_MAX, 'protocol_response_physical_ms_range');
    assert(Number.isSafeInteger(response.logicalStart) && response.logicalStart >= 0 && response.logicalStart <= LOGICAL_MAX, 'protocol_response_logical_range');
    assert(Number.isSafeInteger(response.count) && response.count >= 1 && response.logicalStart + response.count <= TIMESTAMPS_PER_MS, 'protocol_response_ts_count_range');
    // physicalMs goes out as uint64 (a bigint to the msgpack encoder: with `useBigInt64` it
    // writes a number above u32 as a float64, not an integer on the wire).
    return encodeGetTsAnswerDirect(response);
  }
  if (isSafePointAnswer(response)) {
    assert(Number.isSafeInteger(response.safePhysicalMs) && response.safePhysicalMs >= 0 && response.safePhysicalMs <= PHYSICAL_MS_MAX, 'protocol_response_physical_ms_range');
    const field = response.safePoint === 'maxSafe' ? 'maxSafeMs' : 'frontierMs';
    return encoder.encode({ id: response.id, ok: true, [field]: BigInt(response.safePhysicalMs), epoch: response.epoch });
  }
  if (isGetSeqBatchAnswer(response)) {
    assert(response.grants.length >= 1 && response.grants.length <= SEQ_BATCH_KEYS_MAX, 'protocol_response_batch_length');
    for (const g of response.grants) {
      assert(typeof g.key === 'string', 'protocol_response_grant_key_string');
      assertU64(g.start, 'protocol_response_start_u64');
      assertU32(g.count, 'protocol_response_seq_count_u32');
      assert(g.count >= 1 && g.start + BigInt(g.count) - 1n <= U64_MAX, 'protocol_response_seq_block_range');
    }
    return encoder.encode({ id: response.id, ok: true, grants: response.grants.map((g) => [g.key, g.start, g.count]), epoch: response.epoch });
  }
  assert(isGetSeqAnswer(response), 'protocol_response_shape');
  assertU64(response.start, 'protocol_response_start_u64');
  assertU32(response.count, 'protocol_response_seq_count_u32');
  assert(response.count >= 1 && response.start + BigInt(response.count) - 1n <= U64_MAX, 'protocol_response_seq_block_range');
  return encodeGetSeqAnswerDirect(response);
}

// ---------------------------------------------------------------------------------------------
// Decoding: a bounds-checked msgpack reader for exactly what the protocol needs

function bad(message: string, offset?: number): DecodeError {
  return new DecodeError(ErrorCode.FRAME_BAD_BODY, message, offset);
}

// `fatal` rejects invalid UTF-8; `ignoreBOM` keeps a leading U+FEFF as part of the string
// instead of silently dropping it (a key must round-trip byte for byte).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class BodyReader {
  /** Made on a signed 64-bit read only (rare): a DataView per body showed in profiles. */
  private viewMade: DataView | null = null;
  pos = 0;

  constructor(readonly bytes: Uint8Array) {}

  private get view(): DataView {
    this.viewMade ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.viewMade;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws unless `n` more bytes are present. Called before every read and every slice. */
  need(n: number): void {
    if (n > this.remaining) throw bad(`truncated body: ${n} bytes needed, ${this.remaining} left`, this.pos);
  }

  u8(): number {
    this.need(1);
    const v = this.bytes[this.pos] as number;
    this.pos += 1;
    return v;
  }

  u16(): number {
    this.need(2);
    const at = this.pos;
    const v = ((this.bytes[at] as number) << 8) | (this.bytes[at + 1] as number);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.u32At(this.pos);
    this.pos += 4;
    return v;
  }

  private u32At(at: number): number {
    const b = this.bytes;
    return (b[at] as number) * 0x1000000 + (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number));
  }

  u64(): bigint {
    this.need(8);
    const high = this.u32At(this.pos);
    const low = this.u32At(this.pos + 4);
    this.pos += 8;
    // Below 2^53 one bigint is made from the exact number; above, from the two halves.
    return high < 0x20_0000 ? BigInt(high * 0x1_0000_0000 + low) : (BigInt(high) << 32n) | BigInt(low);
  }

  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

/** Reads a msgpack integer (any int format) that must be non-negative; returns it as a bigint. */
function readUintBig(r: BodyReader, field: string): bigint {
  const at = r.pos;
  const head = r.u8();
  if (head <= 0x7f) return BigInt(head);
  switch (head) {
    case 0xcc:
      return BigInt(r.u8());
    case 0xcd:
      return BigInt(r.u16());
    case 0xce:
      return BigInt(r.u32());
    case 0xcf:
      return r.u64();
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const width = head === 0xd0 ? 1 : head === 0xd1 ? 2 : head === 0xd2 ? 4 : 8;
      const v = width === 8 ? r.i64() : BigInt(readSigned(r, width));
      if (v < 0n) throw bad(`field ${field} is negative`, at);
      return v;
    }
    default:
      if (head >= 0xe0) throw bad(`field ${field} is negative`, at);
      throw bad(`field ${field} is not an integer (type byte 0x${head.toString(16)})`, at);
  }
}

function readSigned(r: BodyReader, width: 1 | 2 | 4): number {
  const unsigned = width === 1 ? r.u8() : width === 2 ? r.u16() : r.u32();
  const bits = width * 8;
  const sign = 2 ** (bits - 1);
  return unsigned >= sign ? unsigned - 2 ** bits : unsigned;
}

/** A non-negative integer at most `max` (a safe number). */
function readUint(r: BodyReader, field: string, max: number): number {
  const at = r.pos;
  const head = r.bytes[r.pos];
  // The unsigned forms up to 32 bits without a bigint (the errors are readUintBig's).
  let v: number;
  if (head !== undefined && head <= 0x7f) {
    r.pos += 1;
    v = head;
  } else if (head === 0xcc || head === 0xcd || head === 0xce) {
    r.pos += 1;
    v = head === 0xcc ? r.u8() : head === 0xcd ? r.u16() : r.u32();
  } else {
    const big = readUintBig(r, field);
    if (big > BigInt(max)) throw bad(`field ${field} is ${big}, above ${max}`, at);
    return Number(big);
  }
  if (v > max) throw bad(`field ${field} is ${v}, above ${max}`, at);
  return v;
}

function readU64(r: BodyReader, field: string): bigint {
  return readUintBig(r, field);
}

function strLength(r: BodyReader, head: number): number | null {
  if (head >= 0xa0 && head <= 0xbf) return head - 0xa0;
  if (head === 0xd9) return r.u8();
  if (head === 0xda) return r.u16();
  if (head === 0xdb) return r.u32();
  return null;
}

/** A msgpack str holding valid UTF-8. */
function readStr(r: BodyReader, field: string): string {
  const at = r.pos;
  const length = strLength(r, r.u8());
  if (length === null) throw bad(`field ${field} is not a string`, at);
  r.need(length);
  const raw = r.bytes.subarray(r.pos, r.pos + length);
  r.pos += length;
  try {
    return utf8.decode(raw);
  } catch {
    throw bad(`field ${field} is not valid UTF-8`, at);
  }
}

function readBool(r: BodyReader, field: string): boolean {
  const at = r.pos;
  const head = r.u8();
  if (head === 0xc3) return true;
  if (head === 0xc2) return false;
  throw bad(`field ${field} is not a boolean`, at);
}

/** True (and consumed) when the next value is nil, which means the field is absent. */
function takeNil(r: BodyReader): boolean {
  if (r.bytes[r.pos] === 0xc0) {
    r.pos += 1;
    return true;
  }
  return false;
}

/** A msgpack array header; the count must fit the remaining bytes at `elementBytesMin` each. */
function readArrayHeader(r: BodyReader, field: string, elementBytesMin: number): number {
  const at = r.pos;
  const head = r.u8();
  let length: number;
  if (head >= 0x90 && head <= 0x9f) length = head - 0x90;
  else if (head === 0xdc) length = r.u16();
  else if (head === 0xdd) length = r.u32();
  else throw bad(`field ${field} is not an array (type byte 0x${head.toString(16)})`, at);
  if (length * elementBytesMin > r.remaining) throw bad(`field ${field} claims ${length} elements, more than the body holds`, at);
  return length;
}

/** A msgpack bin of at most `bytesMax` bytes (a copy). */
function readBin(r: BodyReader, field: string, bytesMax: number): Uint8Array {
  const at = r.pos;
  const head = r.u8();
  const length = head === 0xc4 ? r.u8() : head === 0xc5 ? r.u16() : head === 0xc6 ? r.u32() : null;
  if (length === null) throw bad(`field ${field} is not bin`, at);
  if (length > bytesMax) throw bad(`field ${field} holds ${length} bytes, above ${bytesMax}`, at);
  r.need(length);
  const bytes = r.bytes.slice(r.pos, r.pos + length);
  r.pos += length;
  return bytes;
}

/** `entries`: an array of `[key: str, count: u32]` (counts up to u32; ranges left to `validateRequest`). */
function readBatchEntries(r: BodyReader, field: string): SeqBatchEntryWire[] {
  // Smallest entry: fixarray(2), fixstr(0), fixint.
  const length = readArrayHeader(r, field, 3);
  const entries: SeqBatchEntryWire[] = [];
  for (let i = 0; i < length; i += 1) {
    const at = r.pos;
    if (readArrayHeader(r, field, 1) !== 2) throw bad(`field ${field} entry ${i} is not a [key, count] pair`, at);
    const key = readStr(r, field);
    const count = readUint(r, field, U32_MAX);
    entries.push({ key, count });
  }
  return entries;
}

/** `grants`: 1..SEQ_BATCH_KEYS_MAX arrays of `[key: str, start: u64, count: u32]`, each a block within u64. */
function readBatchGrants(r: BodyReader, field: string): SeqGrantWire[] {
  const at = r.pos;
  const length = readArrayHeader(r, field, 4);
  if (length < 1 || length > SEQ_BATCH_KEYS_MAX) throw bad(`field ${field} holds ${length} grants, outside 1..${SEQ_BATCH_KEYS_MAX}`, at);
  const grants: SeqGrantWire[] = [];
  for (let i = 0; i < length; i += 1) {
    const grantAt = r.pos;
    if (readArrayHeader(r, field, 1) !== 3) throw bad(`field ${field} grant ${i} is not a [key, start, count] triple`, grantAt);
    const key = readStr(r, field);
    const start = readU64(r, field);
    const count = readUint(r, field, U32_MAX);
    if (count < 1) throw bad(`field ${field} grant ${i} grants no value`, grantAt);
    if (start + BigInt(count) - 1n > U64_MAX) throw bad(`field ${field} grant ${i} runs past u64`, grantAt);
    grants.push({ key, start, count });
  }
  return grants;
}

/** `members`: an array of at most MEMBERS_MAX `[id: u32, role: "voter" | "learner", endpoint: str]`. */
function readMembers(r: BodyReader, field: string): MemberWire[] {
  const at = r.pos;
  const length = readArrayHeader(r, field, 4);
  if (length > MEMBERS_MAX) throw bad(`field ${field} holds ${length} members, more than ${MEMBERS_MAX}`, at);
  const members: MemberWire[] = [];
  for (let i = 0; i < length; i += 1) {
    const memberAt = r.pos;
    if (readArrayHeader(r, field, 1) !== 3) throw bad(`field ${field} member ${i} is not an [id, role, endpoint] triple`, memberAt);
    const id = readUint(r, field, U32_MAX);
    const role = readStr(r, field);
    if (role !== 'voter' && role !== 'learner') throw bad(`field ${field} member ${i} has role ${quoteBounded(role)}, not voter or learner`, memberAt);
    const endpoint = readStr(r, field);
    if (utf8ByteLength(endpoint) > MEMBER_ENDPOINT_BYTES_MAX) throw bad(`field ${field} member ${i} has an endpoint longer than ${MEMBER_ENDPOINT_BYTES_MAX} bytes`, memberAt);
    members.push({ id, role, endpoint });
  }
  return members;
}

function readMapHeader(r: BodyReader): number {
  const at = r.pos;
  const head = r.u8();
  if (head >= 0x80 && head <= 0x8f) return head - 0x80;
  if (head === 0xde) return r.u16();
  if (head === 0xdf) return r.u32();
  throw bad(`body is not a msgpack map (type byte 0x${head.toString(16)})`, at);
}

/** The fields a request decoder knows (every op's); any other name is unknown and skipped. */
export const REQUEST_FIELDS: ReadonlySet<string> = new Set(['id', 'op', 'count', 'key', 'entries', 'clientId', 'requestId', 'holder', 'holderEpoch', 'ttlMs', 'leaseId', 'token']);
/**
 * Longest holder a request decoder takes (bytes): more than the 128 a server accepts, so a holder
 * of 129 bytes reaches the server's policy and is answered INVALID_ARGUMENT (INVALID_LEASE_HOLDER)
 * with the request's id, not a bad frame.
 */
export const LEASE_HOLDER_WIRE_BYTES_MAX = 1_024;
/** The fields an answer decoder knows (every shape's); any other name is unknown and skipped. */
export const ANSWER_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'ok',
  'physicalMs',
  'logicalStart',
  'count',
  'epoch',
  'start',
  'grants',
  'maxSafeMs',
  'frontierMs',
  'leaseId',
  'tsUpperBoundMs',
  'expiresAtMs',
  'released',
  'code',
  'message',
  'leaderEndpoint',
  'leaderEpoch',
  'requestIdsFrom',
  'members',
]);
const REQUEST_KEYS = knownKeys(REQUEST_FIELDS);
const ANSWER_KEYS = knownKeys(ANSWER_FIELDS);

/** A known field: its name (the table's own string) and its bit in a decoder's `seen` mask. */
interface KnownKey {
  readonly name: string;
  readonly bit: number;
  readonly bytes: Uint8Array;
}

/** The known fields by the byte length of their names (ASCII, so one byte a character). */
type KnownKeys = ReadonlyArray<readonly KnownKey[] | undefined>;

/**
 * Reads a map key, which must be a str, and returns the known field its bytes spell, else null
 * (an unknown field, skipped without decoding its bytes). The bytes are compared with each known
 * name of their length: no string is built and no map hashes one (that showed per message).
 */
function readKey(r: BodyReader, known: KnownKeys): KnownKey | null {
  const at = r.pos;
  const length = strLength(r, r.u8());
  if (length === null) throw bad('map key is not a string', at);
  r.need(length);
  const start = r.pos;
  r.pos += length;
  const candidates = known[length];
  if (candidates === undefined) return null;
  const b = r.bytes;
  for (const candidate of candidates) {
    let i = 0;
    while (i < length && b[start + i] === candidate.bytes[i]) i += 1;
    if (i === length) return candidate;
  }
  return null;
}

/**
 * Skips one msgpack value of any type (the value of an unknown field). Iterative: nested
 * containers add their item count to `pending`, so depth costs no stack; every item consumes at
 * least one byte, so the loop ends within the body's length even for absurd declared counts.
 */
function skipValue(r: BodyReader): void {
  let pending = 1;
  while (pending > 0) {
    pending -= 1;
    const at = r.pos;
    const head = r.u8();
    if (head <= 0x7f || head >= 0xe0 || head === 0xc0 || head === 0xc2 || head === 0xc3) continue;
    if (head >= 0x80 && head <= 0x8f) pending += 2 * (head - 0x80);
    else if (head >= 0x90 && head <= 0x9f) pending += head - 0x90;
    else if (head >= 0xa0 && head <= 0xbf) r.skip(head - 0xa0);
    else
      switch (head) {
        case 0xc4: // bin 8
        case 0xd9: // str 8
          r.skip(r.u8());
          break;
        case 0xc5:
        case 0xda:
          r.skip(r.u16());
          break;
        case 0xc6:
        case 0xdb:
          r.skip(r.u32());
          break;
        case 0xc7: // ext 8: length, type, data
          r.skip(r.u8() + 1);
          break;
        case 0xc8:
          r.skip(r.u16() + 1);
          break;
        case 0xc9:
          r.skip(r.u32() + 1);
          break;
        case 0xca: // float 32
          r.skip(4);
          break;
        case 0xcb: // float 64
          r.skip(8);
          break;
        case 0xcc:
        case 0xd0:
          r.skip(1);
          break;
        case 0xcd:
        case 0xd1:
          r.skip(2);
          break;
        case 0xce:
        case 0xd2:
          r.skip(4);
          break;
        case 0xcf:
        case 0xd3:
          r.skip(8);
          break;
        case 0xd4: // fixext 1, 2, 4, 8, 16 (type byte + data)
          r.skip(2);
          break;
        case 0xd5:
          r.skip(3);
          break;
        case 0xd6:
          r.skip(5);
          break;
        case 0xd7:
          r.skip(9);
          break;
        case 0xd8:
          r.skip(17);
          break;
        case 0xdc:
          pending += r.u16();
          break;
        case 0xdd:
          pending += r.u32();
          break;
        case 0xde:
          pending += 2 * r.u16();
          break;
        case 0xdf:
          pending += 2 * r.u32();
          break;
        default: // 0xc1 is the only byte msgpack never uses
          throw bad(`invalid msgpack type byte 0x${head.toString(16)}`, at);
      }
  }
}

function openBody(body: Uint8Array, what: string): { reader: BodyReader; fields: number } {
  if (!(body instanceof Uint8Array)) throw bad(`${what} body is not bytes`);
  if (body.length === 0) throw bad(`empty ${what} body`);
  if (body.length > FRAME_BODY_BYTES_MAX) throw bad(`${what} body of ${body.length} bytes exceeds ${FRAME_BODY_BYTES_MAX}`);
  const reader = new BodyReader(body);
  return { reader, fields: readMapHeader(reader) };
}

function closeBody(r: BodyReader): void {
  if (r.remaining !== 0) throw bad(`${r.remaining} trailing bytes after the body map`, r.pos);
}

/**
 * Each known field's bit, so a decoder tracks the fields it has seen in one integer instead of a
 * Set per message (a decode per request and per answer: the Set was most of its allocation).
 */
function knownKeys(fields: ReadonlySet<string>): KnownKeys {
  assert(fields.size <= 31, 'protocol_field_bits_fit_an_int', () => String(fields.size));
  const byLength: KnownKey[][] = [];
  [...fields].forEach((name, i) => {
    assert(/^[\x21-\x7e]+$/.test(name), 'protocol_field_name_printable_ascii', name);
    (byLength[name.length] ??= []).push({ name, bit: 1 << i, bytes: Uint8Array.from(name, (c) => c.charCodeAt(0)) });
  });
  return byLength;
}

/**
 * `seen` with `field`'s bit added; a known field may appear once (a nil occurrence counts), so a
 * bit already there is refused.
 */
function once(seen: number, bit: number, field: string, at: number): number {
  if ((seen & bit) !== 0) throw bad(`field ${field} appears twice`, at);
  return seen | bit;
}

function required<T>(value: T | undefined, field: string, what: string): T {
  if (value === undefined) throw bad(`${what} is missing field ${field} (absent or nil)`);
  return value;
}

/**
 * Decodes a request body. Throws only `DecodeError(FRAME_BAD_BODY)`: bytes that are not one
 * msgpack map, a request field (REQUEST_FIELDS, whatever the op) of the wrong type or too wide
 * for it, id 0, an unknown op, a required field absent or nil. Answer-only names are unknown
 * fields. Count and key ranges are left to `validateRequest`.
 */
export function decodeRequest(body: Uint8Array): Request {
  return decodeRequestWithToken(body).request;
}

/** A request and the `token` its body carried (null when absent or nil). */
export interface RequestWithToken {
  readonly request: Request;
  readonly token: string | null;
}

/**
 * Decodes a request body and its `token` field (docs/protocol.md, "Authentication"): the same
 * rules and errors as `decodeRequest` (a `token` that is not a str is a bad body), the token
 * returned as it came, unjudged.
 */
export function decodeRequestWithToken(body: Uint8Array): RequestWithToken {
  const { reader: r, fields } = openBody(body, 'request');
  let token: string | null = null;
  let id: number | undefined;
  let op: string | undefined;
  let count: number | undefined;
  let key: string | undefined;
  let entries: SeqBatchEntryWire[] | undefined;
  let clientId: bigint | undefined;
  let requestId: bigint | undefined;
  let holder: Uint8Array | undefined;
  let holderEpoch: bigint | undefined;
  let ttlMs: number | undefined;
  let leaseId: bigint | undefined;
  let seen = 0;
  for (let i = 0; i < fields; i += 1) {
    const at = r.pos;
    const field = readKey(r, REQUEST_KEYS);
    if (field === null) {
      skipValue(r);
      continue;
    }
    const name = field.name;
    seen = once(seen, field.bit, name, at);
    if (takeNil(r)) continue; // nil means absent
    switch (name) {
      case 'id':
        id = readUint(r, name, REQUEST_ID_MAX);
        break;
      case 'op':
        op = readStr(r, name);
        break;
      case 'count':
        count = readUint(r, name, U32_MAX);
        break;
      case 'key':
        key = readStr(r, name);
        break;
      case 'entries':
        entries = readBatchEntries(r, name);
        break;
      case 'clientId':
        clientId = readU64(r, name);
        break;
      case 'requestId':
        requestId = readU64(r, name);
        break;
      case 'holder':
        holder = readBin(r, name, LEASE_HOLDER_WIRE_BYTES_MAX);
        break;
      case 'holderEpoch':
        holderEpoch = readU64(r, name);
        break;
      case 'ttlMs':
        ttlMs = readUint(r, name, U32_MAX);
        break;
      case 'leaseId':
        leaseId = readU64(r, name);
        break;
      case 'token':
        token = readStr(r, name);
        // The bounds encodeRequest keeps, so what decodes re-encodes (a fuzz promise).
        if (token.length === 0 || token.length > REQUEST_TOKEN_CHARS_MAX) throw bad(`field token must hold 1..${REQUEST_TOKEN_CHARS_MAX} characters`, at);
        break;
      default:
        assert(false, 'protocol_request_field_table', name);
    }
  }
  closeBody(r);
  const requestId32 = required(id, 'id', 'request');
  if (requestId32 === CONNECTION_ERROR_ID) throw bad('request id 0 is reserved for connection-level errors');
  const requestOp = required(op, 'op', 'request');
  const request = ((): Request => {
  switch (requestOp) {
    case 'getTs':
      return { id: requestId32, op: 'getTs', count: required(count, 'count', 'getTs') };
    case 'getSeq':
      return {
        id: requestId32,
        op: 'getSeq',
        key: required(key, 'key', 'getSeq'),
        count: required(count, 'count', 'getSeq'),
        clientId: required(clientId, 'clientId', 'getSeq'),
        requestId: required(requestId, 'requestId', 'getSeq'),
      };
    case 'getCurrentMaxSafe':
      return { id: requestId32, op: 'getCurrentMaxSafe' };
    case 'getSafeFrontier':
      return { id: requestId32, op: 'getSafeFrontier' };
    case 'members':
      return { id: requestId32, op: 'members' };
    case 'acquireLease':
      return {
        id: requestId32,
        op: 'acquireLease',
        holder: required(holder, 'holder', 'acquireLease'),
        holderEpoch: required(holderEpoch, 'holderEpoch', 'acquireLease'),
        ttlMs: required(ttlMs, 'ttlMs', 'acquireLease'),
      };
    case 'renewLease':
      return { id: requestId32, op: 'renewLease', leaseId: required(leaseId, 'leaseId', 'renewLease') };
    case 'releaseLease':
      return { id: requestId32, op: 'releaseLease', leaseId: required(leaseId, 'leaseId', 'releaseLease') };
    case 'getSeqBatch':
      return {
        id: requestId32,
        op: 'getSeqBatch',
        entries: required(entries, 'entries', 'getSeqBatch'),
        clientId: required(clientId, 'clientId', 'getSeqBatch'),
        requestId: required(requestId, 'requestId', 'getSeqBatch'),
      };
    default:
      throw bad(`unknown op ${quoteBounded(op)}`);
  }
  })();
  return { request, token };
}

/**
 * Decodes an answer body. Throws only `DecodeError(FRAME_BAD_BODY)`: bytes that are not one
 * msgpack map, an answer field (ANSWER_FIELDS, whatever the shape) of the wrong type, a
 * required field absent or nil, an answer that is not exactly one of the three
 * shapes, an unknown error code, or a grant that breaks its structure (a getTs grant spanning a
 * millisecond or past 46 bits, a getSeq block past u64, a zero count, an ok answer with id 0).
 */
export function decodeResponse(body: Uint8Array): Response {
  const { reader: r, fields } = openBody(body, 'answer');
  let id: number | undefined;
  let ok: boolean | undefined;
  let physicalMs: number | undefined;
  let logicalStart: number | undefined;
  let count: number | undefined;
  let epoch: bigint | undefined;
  let start: bigint | undefined;
  let grants: SeqGrantWire[] | undefined;
  let maxSafeMs: number | undefined;
  let frontierMs: number | undefined;
  let leaseId: bigint | undefined;
  let tsUpperBoundMs: number | undefined;
  let expiresAtMs: number | undefined;
  let released: boolean | undefined;
  let code: string | undefined;
  let message: string | undefined;
  let leaderEndpoint: string | undefined;
  let leaderEpoch: bigint | undefined;
  let requestIdsFrom: bigint | undefined;
  let members: MemberWire[] | undefined;
  let seen = 0;
  for (let i = 0; i < fields; i += 1) {
    const at = r.pos;
    const field = readKey(r, ANSWER_KEYS);
    if (field === null) {
      skipValue(r);
      continue;
    }
    const name = field.name;
    seen = once(seen, field.bit, name, at);
    if (takeNil(r)) continue; // nil means absent
    switch (name) {
      case 'id':
        id = readUint(r, name, REQUEST_ID_MAX);
        break;
      case 'ok':
        ok = readBool(r, name);
        break;
      case 'physicalMs':
        physicalMs = readUint(r, name, PHYSICAL_MS_MAX);
        break;
      case 'logicalStart':
        logicalStart = readUint(r, name, LOGICAL_MAX);
        break;
      case 'count':
        count = readUint(r, name, U32_MAX);
        break;
      case 'epoch':
        epoch = readU64(r, name);
        break;
      case 'start':
        start = readU64(r, name);
        break;
      case 'grants':
        grants = readBatchGrants(r, name);
        break;
      case 'maxSafeMs':
        maxSafeMs = readUint(r, name, PHYSICAL_MS_MAX);
        break;
      case 'frontierMs':
        frontierMs = readUint(r, name, PHYSICAL_MS_MAX);
        break;
      case 'leaseId':
        leaseId = readU64(r, name);
        break;
      case 'tsUpperBoundMs':
        tsUpperBoundMs = readUint(r, name, PHYSICAL_MS_MAX);
        break;
      case 'expiresAtMs':
        expiresAtMs = readUint(r, name, Number.MAX_SAFE_INTEGER);
        break;
      case 'released':
        released = readBool(r, name);
        break;
      case 'code':
        code = readStr(r, name);
        break;
      case 'message':
        message = readStr(r, name);
        break;
      case 'leaderEndpoint':
        leaderEndpoint = readStr(r, name);
        break;
      case 'leaderEpoch':
        leaderEpoch = readU64(r, name);
        break;
      case 'requestIdsFrom':
        requestIdsFrom = readU64(r, name);
        break;
      case 'members':
        members = readMembers(r, name);
        break;
      default:
        assert(false, 'protocol_answer_field_table', name);
    }
  }
  closeBody(r);
  const answerId = required(id, 'id', 'answer');
  if (!required(ok, 'ok', 'answer')) {
    const errorCode = required(code, 'code', 'error answer');
    if (!isWireErrorCode(errorCode)) throw bad(`unknown error code ${quoteBounded(errorCode)}`);
    return errorAnswer(answerId, errorCode, required(message, 'message', 'error answer'), {
      leaderEndpoint: leaderEndpoint ?? null,
      leaderEpoch: leaderEpoch ?? null,
      requestIdsFrom: requestIdsFrom ?? null,
    });
  }
  if (answerId === CONNECTION_ERROR_ID) throw bad('an ok answer cannot have id 0');
  const grantFields = grants !== undefined || physicalMs !== undefined || logicalStart !== undefined || start !== undefined || count !== undefined;
  const safePointFields = maxSafeMs !== undefined || frontierMs !== undefined;
  const leaseFields = leaseId !== undefined || tsUpperBoundMs !== undefined || expiresAtMs !== undefined;
  if (members !== undefined) {
    if (grantFields || safePointFields || leaseFields || released !== undefined || epoch !== undefined) throw bad('a members answer carries other fields');
    return leaderEndpoint === undefined ? { id: answerId, ok: true, members } : { id: answerId, ok: true, members, leaderEndpoint };
  }
  if (released !== undefined) {
    if (!released) throw bad('a release answer has released: false');
    if (grantFields || safePointFields || leaseFields || epoch !== undefined) throw bad('a release answer carries other fields');
    return { id: answerId, ok: true, released: true };
  }
  if (leaseFields) {
    if (grantFields || safePointFields) throw bad('an ok answer has both lease and other fields');
    return {
      id: answerId,
      ok: true,
      leaseId: required(leaseId, 'leaseId', 'lease answer'),
      tsUpperBoundMs: required(tsUpperBoundMs, 'tsUpperBoundMs', 'lease answer'),
      expiresAtMs: required(expiresAtMs, 'expiresAtMs', 'lease answer'),
      epoch: required(epoch, 'epoch', 'lease answer'),
    };
  }
  if (maxSafeMs !== undefined || frontierMs !== undefined) {
    if (maxSafeMs !== undefined && frontierMs !== undefined) throw bad('an ok answer has both maxSafeMs and frontierMs');
    if (grants !== undefined || physicalMs !== undefined || logicalStart !== undefined || start !== undefined || count !== undefined) {
      throw bad('an ok answer has both a safe point and grant fields');
    }
    const safePoint = maxSafeMs !== undefined ? 'maxSafe' : 'frontier';
    return { id: answerId, ok: true, safePoint, safePhysicalMs: (maxSafeMs ?? frontierMs) as number, epoch: required(epoch, 'epoch', 'ok answer') };
  }
  if (grants !== undefined) {
    if (physicalMs !== undefined || logicalStart !== undefined || start !== undefined || count !== undefined) {
      throw bad('an ok answer has both getSeqBatch and getTs or getSeq fields');
    }
    return { id: answerId, ok: true, grants, epoch: required(epoch, 'epoch', 'ok answer') };
  }
  const grantCount = required(count, 'count', 'ok answer');
  const grantEpoch = required(epoch, 'epoch', 'ok answer');
  if (grantCount < 1) throw bad('an ok answer grants at least one value');
  if (physicalMs !== undefined || logicalStart !== undefined) {
    if (start !== undefined) throw bad('an ok answer has both getTs and getSeq fields');
    const ms = required(physicalMs, 'physicalMs', 'getTs answer');
    const logical = required(logicalStart, 'logicalStart', 'getTs answer');
    if (logical + grantCount > TIMESTAMPS_PER_MS) throw bad(`getTs grant [${logical}, +${grantCount}) spans a millisecond`);
    return { id: answerId, ok: true, physicalMs: ms, logicalStart: logical, count: grantCount, epoch: grantEpoch };
  }
  const blockStart = required(start, 'start or physicalMs', 'ok answer');
  if (blockStart + BigInt(grantCount) - 1n > U64_MAX) throw bad('getSeq block runs past u64');
  return { id: answerId, ok: true, start: blockStart, count: grantCount, epoch: grantEpoch };
}
