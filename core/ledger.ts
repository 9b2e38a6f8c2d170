// The sequence ledger: the replicated state behind getSeq. Per key, a u64 counter starting at 0;
// `advance` is a fetch-add that returns the block `[start, start + count)`. Every consensus
// driver applies the same requests in the same order to a `SeqLedger` (the file driver directly,
// Raft on every replica), so `advance` is deterministic: no time, no randomness, and every choice
// (eviction included) depends only on the state and the request.
//
// Invariants (checked by `invariants()`; `fromSnapshot` checks a snapshot the same way):
//   - per key, the granted blocks are disjoint and their union is [0, counter): the ledger is
//     gapless and never hands out a value twice. counter ≤ U64_MAX, so the last value ever handed
//     out for a key is U64_MAX − 1: a request is refused (SEQ_OVERFLOW) unless start + count still
//     fits the stored u64 counter (the TSOD record stores the counter as a u64).
//   - at most `keyCap` distinct keys; keys are 1–128 bytes of well-formed UTF-8.
//   - exactly once (Raft dissertation §6.3, client sessions): each session (one per clientId)
//     remembers its recent results by requestId. Applying a remembered request again returns
//     the remembered block (`replayed: true`) and moves no counter. A remembered id that arrives
//     with another key or count is refused (SEQ_REQUEST_REUSED) and changes nothing: it is not
//     a retry but a client reusing an id (say, one that restarted with a fixed clientId and
//     counts from 1 again), and answering with another request's block would hand it values it
//     never asked for. A request that is not remembered and whose id is below the session's
//     `forgottenBelow` is refused (SEQ_SESSION_EXPIRED): it may have been applied and
//     forgotten, so it must never get a new block.
//   - per session at most SEQ_SESSION_RESULTS_PER_CLIENT_MAX results; past that, the lowest
//     requestId is evicted and `forgottenBelow` rises to that id + 1 (it never decreases, and every
//     remembered id is ≥ it). Requests may arrive out of order: an id ≥ forgottenBelow that is not
//     remembered is new, even when higher ids are remembered.
//   - at most SEQ_SESSION_CLIENTS_MAX sessions; a new session evicts the least recently active
//     one (lowest lastActiveSeq, ties by lowest clientId), and the ledger-wide watermark
//     `requestsExpiredBelow` rises to at least the evicted session's highest applied requestId
//     + 1 (it never decreases). A request from a client without a session whose requestId is
//     below the watermark is refused (SEQ_SESSION_EXPIRED, carrying the watermark as
//     `requestIdsFrom`) and opens no session; a new session starts with `forgottenBelow` at the
//     watermark. So a request applied before its session was evicted can never get a second
//     block: its id is below the watermark, and stays below the `forgottenBelow` of any session
//     the same client opens later. This closes the hole an evicted session used to leave, and
//     keeps the table bounded. The price is that request ids must grow with time across clients
//     (a new client's ids must start above the watermark, or it is refused once and jumps
//     there), which is why the library starts them at its creation wall ms << 22
//     (docs/client.md, "Client ids and request ids").
//   - `applySeq` counts successful applies, replays included: a client retrying is active and
//     is the one that most needs its session. So a replay moves no counter but does change the
//     session bookkeeping (applySeq, lastActiveSeq). Failed requests (invalid, overflow, key cap,
//     expired, reused) change nothing at all and are not remembered: the same id may be retried.
//
// Batches (getSeqBatch): `advanceBatch` takes 1..SEQ_BATCH_KEYS_MAX (key, count) entries with
// distinct keys under one (clientId, requestId) and applies them all or none: every check (each
// entry, the key cap counting the batch's new keys, each key's overflow) runs before any counter
// moves, and the grants come back in request order. A batch is ONE request for exactly-once: it
// is remembered as one session result carrying all its grants (`batch`, two or more; its key,
// start and count repeat the first grant), and counts one in applySeq. A batch of one entry IS a
// getSeq of that key and count (same result, same record), so the two are interchangeable under
// one id. A remembered id that arrives with other entries, other order, or as the other kind is
// SEQ_REQUEST_REUSED. Sessions bound the grants they remember, not the results:
// SEQ_SESSION_RESULTS_PER_CLIENT_MAX grants per session (a getSeq result is one grant), the
// oldest results evicted first, so a ledger's size bound does not grow with batches.
//
// Sessions are created on a client's first successful request whose requestId is at or above
// the watermark (its earlier requests may have been refused), with `forgottenBelow` at the
// watermark.

// Snapshots are canonical (keys ascending by UTF-8 bytes, sessions by clientId, results by
// requestId), so equal ledgers encode to equal bytes. The file driver snapshots after every
// group commit, so `snapshot()` is linear in keys + sessions: the key and client orders are kept
// sorted on insert, and each session's snapshot is cached until the session changes.

import { assert, AssertionError } from './assert.js';
import { sometimes } from './sometimes.js';
import { ErrorCode, type Failure } from './errors.js';
import {
  SEQ_BATCH_KEYS_MAX,
  SEQ_COUNT_MAX,
  SEQ_KEY_BYTES_MAX,
  SEQ_KEY_BYTES_MIN,
  SEQ_KEY_CARDINALITY_CAP_DEFAULT,
  SEQ_SESSION_CLIENTS_MAX,
  SEQ_SESSION_RESULTS_PER_CLIENT_MAX,
  U64_MAX,
} from './limits.js';

// The shapes below are shared by the ledger, the TSOD record codec (core/records/) and every
// consensus driver.

export interface SeqAdvanceRequest {
  /** Sequence key: 1–128 UTF-8 bytes. */
  readonly key: string;
  /** Block size: 1–65,536. */
  readonly count: number;
  /** u64 id of the client session. */
  readonly clientId: bigint;
  /** u64 id of the request within the client session; increasing per client. */
  readonly requestId: bigint;
}

/** One (key, count) entry of a getSeqBatch. */
export interface SeqBatchEntry {
  readonly key: string;
  readonly count: number;
}

/** A getSeqBatch: all entries granted, or none, under one (clientId, requestId). */
export interface SeqBatchRequest {
  /** 1..SEQ_BATCH_KEYS_MAX entries with distinct keys, granted in this order. */
  readonly entries: readonly SeqBatchEntry[];
  readonly clientId: bigint;
  readonly requestId: bigint;
}

/** Anything the ledger applies: a getSeq or a getSeqBatch. */
export type SeqLedgerRequest = SeqAdvanceRequest | SeqBatchRequest;

export function isSeqBatchRequest(request: SeqLedgerRequest): request is SeqBatchRequest {
  return 'entries' in request;
}

/** One granted block `[start, start + count)` of `key`. */
export interface SeqGrant {
  readonly key: string;
  readonly start: bigint;
  readonly count: number;
}

/** One remembered outcome of a client request (for exactly-once retries). */
export interface SeqSessionResult {
  readonly requestId: bigint;
  /** The block (a batch's first grant). */
  readonly key: string;
  readonly start: bigint;
  readonly count: number;
  /** A batch of two or more entries: every grant, in request order (the first repeats key/start/count). */
  readonly batch?: readonly SeqGrant[];
}

/** Grants a remembered result holds (what the per-session bound counts). */
export function seqResultGrants(result: SeqSessionResult): number {
  return result.batch === undefined ? 1 : result.batch.length;
}

export interface SeqSessionSnapshot {
  readonly clientId: bigint;
  /** Ledger apply sequence number of this client's latest request (for LRU eviction). */
  readonly lastActiveSeq: bigint;
  /** Requests with an id below this whose result is not remembered get SEQ_SESSION_EXPIRED. */
  readonly forgottenBelow: bigint;
  /** Ascending by requestId, at most SEQ_SESSION_RESULTS_PER_CLIENT_MAX. */
  readonly results: readonly SeqSessionResult[];
}

/** The whole replicated sequence state; canonical (sorted) so equal ledgers encode equally. */
export interface SeqLedgerSnapshot {
  /** Cap on distinct keys (a genesis value, immutable once written). */
  readonly keyCap: number;
  /** [key, next value] pairs, strictly ascending by the key's UTF-8 bytes. */
  readonly counters: ReadonlyArray<readonly [string, bigint]>;
  /** Number of advances applied so far (drives deterministic session eviction). */
  readonly applySeq: bigint;
  /** A request below this from a client without a session may belong to an evicted one: refused. */
  readonly requestsExpiredBelow: bigint;
  /** Strictly ascending by clientId, at most SEQ_SESSION_CLIENTS_MAX. */
  readonly sessions: readonly SeqSessionSnapshot[];
}

/** Largest key cap a snapshot can carry (the TSOD record checks it against u32). */
export const SEQ_KEY_CAP_MAX = 0xffff_ffff;

/** A block granted (or replayed) by `advance`: `[start, start + count)` of `key`. */
export interface SeqBlock {
  readonly key: string;
  readonly start: bigint;
  readonly count: number;
  /** True when this is the remembered block of a request applied before. */
  readonly replayed: boolean;
}

export type SeqValidationFailureCode = typeof ErrorCode.INVALID_SEQ_KEY | typeof ErrorCode.INVALID_SEQ_COUNT;
export type SeqBatchValidationFailureCode = SeqValidationFailureCode | typeof ErrorCode.INVALID_SEQ_BATCH;

export type SeqAdvanceFailureCode =
  | SeqBatchValidationFailureCode
  | typeof ErrorCode.SEQ_OVERFLOW
  | typeof ErrorCode.SEQ_KEY_CARDINALITY_EXCEEDED
  | typeof ErrorCode.SEQ_SESSION_EXPIRED
  | typeof ErrorCode.SEQ_REQUEST_REUSED;

/**
 * Why `advance` refused a request. A SEQ_SESSION_EXPIRED refusal carries `requestIdsFrom`: the
 * lowest requestId this client may use for a new request (its session's `forgottenBelow`, or the
 * ledger's watermark when it has no session).
 */
export type SeqAdvanceFailure = Failure<SeqAdvanceFailureCode> & { readonly requestIdsFrom?: bigint };

export type SeqAdvanceResult = ({ readonly ok: true } & SeqBlock) | SeqAdvanceFailure;

/** The grants of a batch, in request order (or the remembered ones: `replayed`), or why none. */
export type SeqBatchResult = { readonly ok: true; readonly grants: readonly SeqGrant[]; readonly replayed: boolean } | SeqAdvanceFailure;

export type SeqLedgerResult = SeqAdvanceResult | SeqBatchResult;

/**
 * A batch's own validity, reading no state: 1..`keysMax` entries (at most SEQ_BATCH_KEYS_MAX),
 * each key and count valid, no key twice. Null when valid.
 */
export function seqBatchProblem(entries: readonly SeqBatchEntry[], keysMax: number = SEQ_BATCH_KEYS_MAX): Failure<SeqBatchValidationFailureCode> | null {
  const max = Math.min(keysMax, SEQ_BATCH_KEYS_MAX);
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > max) {
    const length = Array.isArray(entries) ? entries.length : 'no';
    return { ok: false, code: ErrorCode.INVALID_SEQ_BATCH, message: `a batch holds 1–${max} entries, not ${length}` };
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!isValidSeqKey(entry.key)) {
      return { ok: false, code: ErrorCode.INVALID_SEQ_KEY, message: 'a sequence key is 1–128 bytes of well-formed UTF-8' };
    }
    if (!isValidSeqCount(entry.count)) {
      return { ok: false, code: ErrorCode.INVALID_SEQ_COUNT, message: `count ${entry.count} is not an integer in 1–${SEQ_COUNT_MAX}` };
    }
    if (seen.has(entry.key)) {
      return { ok: false, code: ErrorCode.INVALID_SEQ_BATCH, message: `key ${JSON.stringify(entry.key.slice(0, 64))} appears twice in one batch` };
    }
    seen.add(entry.key);
  }
  return null;
}
export interface SeqLedgerOptions {
  /** Cap on distinct keys; a genesis value (default SEQ_KEY_CARDINALITY_CAP_DEFAULT). */
  readonly keyCap?: number;
}

/**
 * The UTF-8 byte length of `key`, or -1 when it holds a lone surrogate (not encodable as UTF-8).
 * Stops counting once past `limitBytes` (returns a value above it).
 */
function utf8LengthBounded(key: string, limitBytes: number): number {
  let bytes = 0;
  for (let i = 0; i < key.length; i += 1) {
    const unit = key.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return -1;
      bytes += 4;
      i += 1;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return -1;
    else bytes += 3;
    if (bytes > limitBytes) return bytes;
  }
  return bytes;
}

/** A key is 1–128 bytes of well-formed UTF-8 (a lone surrogate is not). */
export function isValidSeqKey(key: unknown): key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > SEQ_KEY_BYTES_MAX) return false;
  const bytes = utf8LengthBounded(key, SEQ_KEY_BYTES_MAX);
  return bytes >= SEQ_KEY_BYTES_MIN && bytes <= SEQ_KEY_BYTES_MAX;
}

/** A count is an integer in 1–65,536. */
export function isValidSeqCount(count: unknown): count is number {
  return typeof count === 'number' && Number.isInteger(count) && count >= 1 && count <= SEQ_COUNT_MAX;
}

function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= U64_MAX;
}

function isSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdfff;
}

/**
 * Orders two well-formed strings by their UTF-8 bytes (equivalently, by code points). UTF-16
 * order differs in one place: a surrogate pair (a code point ≥ U+10000) sorts after every other
 * BMP code unit in UTF-8, but before U+E000–U+FFFF in UTF-16. Needs no encoding or allocation.
 */
export function compareSeqKeys(a: string, b: string): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = isSurrogate(x);
    if (xSurrogate !== isSurrogate(y)) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of the first element of ascending `items` that is ≥ `target`. */
function lowerBound<T, K>(items: readonly T[], target: K, keyOf: (item: T) => K, compare: (a: K, b: K) => number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(keyOf(items[middle] as T), target) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

const identity = <T>(value: T): T => value;

function freezeResult(r: SeqSessionResult): SeqSessionResult {
  if (r.batch === undefined) return Object.freeze({ requestId: r.requestId, key: r.key, start: r.start, count: r.count });
  const batch = Object.freeze(r.batch.map((g) => Object.freeze({ key: g.key, start: g.start, count: g.count }))) as readonly SeqGrant[];
  return Object.freeze({ requestId: r.requestId, key: r.key, start: r.start, count: r.count, batch });
}
const requestIdOf = (result: SeqSessionResult): bigint => result.requestId;

interface Session {
  readonly clientId: bigint;
  lastActiveSeq: bigint;
  forgottenBelow: bigint;
  /** Ascending by requestId; frozen entries, shared with snapshots. */
  readonly results: SeqSessionResult[];
  /** Grants the results hold (at most SEQ_SESSION_RESULTS_PER_CLIENT_MAX). */
  grants: number;
  /** This session's snapshot, valid until the session changes. */
  cachedSnapshot: SeqSessionSnapshot | null;
}

function sessionSnapshot(session: Session): SeqSessionSnapshot {
  if (session.cachedSnapshot === null) {
    session.cachedSnapshot = Object.freeze({
      clientId: session.clientId,
      lastActiveSeq: session.lastActiveSeq,
      forgottenBelow: session.forgottenBelow,
      results: Object.freeze(session.results.slice()) as readonly SeqSessionResult[],
    });
  }
  return session.cachedSnapshot;
}

/**
 * The first way `snapshot` is not a canonical, internally consistent ledger state (a snake_case
 * name), or undefined when it is one. Beyond the canonical form the TSOD record checks, it
 * checks what only the ledger knows: every remembered id is ≥ its session's `forgottenBelow`,
 * every `lastActiveSeq` ≤ `applySeq`, and every remembered block lies below its key's counter.
 * A decoder can map a problem to a decode error; `fromSnapshot` asserts there is none.
 * Linear in the snapshot's size (plus a map of its keys).
 */
export function seqLedgerStateProblem(snapshot: SeqLedgerSnapshot): string | undefined {
  const { keyCap, counters, applySeq, requestsExpiredBelow, sessions } = snapshot;
  if (!Number.isSafeInteger(keyCap) || keyCap < 0 || keyCap > SEQ_KEY_CAP_MAX) return 'key_cap_out_of_range';
  if (counters.length > keyCap) return 'key_count_above_cap';
  const counterOf = new Map<string, bigint>();
  let previousKey: string | null = null;
  for (const [key, next] of counters) {
    if (!isValidSeqKey(key)) return 'key_invalid';
    if (!isU64(next)) return 'counter_not_u64';
    if (previousKey !== null && compareSeqKeys(previousKey, key) >= 0) return 'keys_not_strictly_ascending_utf8';
    counterOf.set(key, next);
    previousKey = key;
  }
  if (!isU64(applySeq)) return 'apply_seq_not_u64';
  if (!isU64(requestsExpiredBelow)) return 'clients_expired_below_not_u64';
  if (sessions.length > SEQ_SESSION_CLIENTS_MAX) return 'sessions_above_max';
  let previousClientId = -1n;
  for (const { clientId, lastActiveSeq, forgottenBelow, results } of sessions) {
    if (!isU64(clientId) || clientId <= previousClientId) return 'sessions_not_strictly_ascending';
    if (!isU64(lastActiveSeq) || lastActiveSeq > applySeq) return 'session_last_active_after_apply_seq';
    if (!isU64(forgottenBelow)) return 'session_forgotten_below_not_u64';
    if (results.length > SEQ_SESSION_RESULTS_PER_CLIENT_MAX) return 'session_results_above_max';
    let grants = 0;
    let previousRequestId = -1n;
    for (const result of results) {
      const { requestId, key, start, count, batch } = result;
      if (!isU64(requestId) || requestId <= previousRequestId) return 'session_results_not_strictly_ascending';
      if (requestId < forgottenBelow) return 'session_result_below_forgotten';
      if (!isValidSeqKey(key) || !isValidSeqCount(count) || !isU64(start)) return 'session_result_invalid';
      const next = counterOf.get(key);
      // A remembered block was cut from its key's counter, so it lies below that counter.
      if (next === undefined || start + BigInt(count) > next) return 'session_result_past_counter';
      if (batch !== undefined) {
        const problem = seqBatchGrantsProblem(batch, result);
        if (problem !== undefined) return problem;
        for (const grant of batch) {
          const grantNext = counterOf.get(grant.key);
          if (grantNext === undefined || grant.start + BigInt(grant.count) > grantNext) return 'session_result_past_counter';
        }
      }
      grants += seqResultGrants(result);
      previousRequestId = requestId;
    }
    if (grants > SEQ_SESSION_RESULTS_PER_CLIENT_MAX) return 'session_grants_above_max';
    previousClientId = clientId;
  }
  return undefined;
}

/**
 * The first way a remembered batch's grants are malformed (a snake_case name), or undefined:
 * 2..SEQ_BATCH_KEYS_MAX grants, valid and with distinct keys, the first repeating the result's
 * key, start and count.
 */
export function seqBatchGrantsProblem(batch: readonly SeqGrant[], first: SeqGrant): string | undefined {
  if (batch.length < 2 || batch.length > SEQ_BATCH_KEYS_MAX) return 'session_batch_length_out_of_range';
  const head = batch[0] as SeqGrant;
  if (head.key !== first.key || head.start !== first.start || head.count !== first.count) return 'session_batch_first_grant_mismatch';
  const keys = new Set<string>();
  for (const grant of batch) {
    if (!isValidSeqKey(grant.key) || !isValidSeqCount(grant.count) || !isU64(grant.start) || grant.start + BigInt(grant.count) > U64_MAX) {
      return 'session_batch_grant_invalid';
    }
    if (keys.has(grant.key)) return 'session_batch_key_repeated';
    keys.add(grant.key);
  }
  return undefined;
}

/** Asserts that `snapshot` is a canonical, internally consistent ledger state. */
export function assertValidSeqLedgerSnapshot(snapshot: SeqLedgerSnapshot): void {
  const problem = seqLedgerStateProblem(snapshot);
  assert(problem === undefined, 'seq_ledger_snapshot_consistent', problem);
}

export class SeqLedger {
  readonly keyCap: number;
  private readonly counters = new Map<string, bigint>();
  /** The keys of `counters`, ascending by UTF-8 bytes (kept sorted on insert). */
  private readonly sortedKeys: string[] = [];
  private applied = 0n;
  private expiredBelow = 0n;
  private readonly sessions = new Map<bigint, Session>();
  /** The keys of `sessions`, ascending (kept sorted on insert). */
  private readonly sortedClientIds: bigint[] = [];

  constructor(options?: SeqLedgerOptions) {
    const keyCap = options?.keyCap ?? SEQ_KEY_CARDINALITY_CAP_DEFAULT;
    assert(Number.isSafeInteger(keyCap) && keyCap >= 0 && keyCap <= SEQ_KEY_CAP_MAX, 'seq_key_cap_in_range', () => String(keyCap));
    this.keyCap = keyCap;
  }

  /** Rebuilds a ledger from a canonical snapshot (asserts it is one; see `assertValidSeqLedgerSnapshot`). */
  static fromSnapshot(snapshot: SeqLedgerSnapshot): SeqLedger {
    assertValidSeqLedgerSnapshot(snapshot);
    const ledger = new SeqLedger({ keyCap: snapshot.keyCap });
    for (const [key, next] of snapshot.counters) {
      ledger.counters.set(key, next);
      ledger.sortedKeys.push(key);
    }
    ledger.applied = snapshot.applySeq;
    ledger.expiredBelow = snapshot.requestsExpiredBelow;
    for (const s of snapshot.sessions) {
      const results = s.results.map(freezeResult);
      ledger.sessions.set(s.clientId, {
        clientId: s.clientId,
        lastActiveSeq: s.lastActiveSeq,
        forgottenBelow: s.forgottenBelow,
        results,
        grants: results.reduce((sum, r) => sum + seqResultGrants(r), 0),
        cachedSnapshot: null,
      });
      ledger.sortedClientIds.push(s.clientId);
    }
    return ledger;
  }

  /** Number of advances applied so far, replays included. */
  get applySeq(): bigint {
    return this.applied;
  }

  /** A request below this from a client without a session is refused (it may belong to an evicted one). */
  get requestsExpiredBelow(): bigint {
    return this.expiredBelow;
  }

  get keyCount(): number {
    return this.counters.size;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The next value of `key` (the start of its next block); 0n for a key never advanced. */
  get(key: string): bigint {
    return this.counters.get(key) ?? 0n;
  }

  /** Whether `clientId` has a session (for tests and metrics). */
  hasSession(clientId: bigint): boolean {
    return this.sessions.has(clientId);
  }

  /** The request's own validity (key, then count); null when valid. Reads no state. */
  validate(request: SeqAdvanceRequest): Failure<SeqValidationFailureCode> | null {
    if (!isValidSeqKey(request.key)) {
      return { ok: false, code: ErrorCode.INVALID_SEQ_KEY, message: 'a sequence key is 1–128 bytes of well-formed UTF-8' };
    }
    if (!isValidSeqCount(request.count)) {
      return { ok: false, code: ErrorCode.INVALID_SEQ_COUNT, message: `count ${request.count} is not an integer in 1–${SEQ_COUNT_MAX}` };
    }
    return null;
  }

  /**
   * Applies one request: the block `[start, start + count)` of `key`, where `start` is the counter
   * before the advance; or the remembered block when the request was applied before. Changes
   * nothing when it fails.
   */
  advance(request: SeqAdvanceRequest): SeqAdvanceResult {
    const { key, count, clientId, requestId } = request;
    // Ids come from a u64 decoder or the client library; anything else is a bug upstream.
    if (!isU64(clientId) || !isU64(requestId)) {
      throw new AssertionError('seq_request_ids_are_u64', `${String(clientId)}/${String(requestId)}`);
    }
    const invalid = this.validate(request);
    if (invalid !== null) return invalid;

    const session = this.sessions.get(clientId);
    if (session !== undefined) {
      const results = session.results;
      const index = lowerBound(results, requestId, requestIdOf, compareBigints);
      const remembered = results[index];
      if (remembered !== undefined && remembered.requestId === requestId) {
        if (remembered.batch !== undefined || remembered.key !== key || remembered.count !== count) {
          return {
            ok: false,
            code: ErrorCode.SEQ_REQUEST_REUSED,
            message: `request ${requestId} of client ${clientId} was applied with another key or count; a request id names one request`,
          };
        }
        sometimes(true, 'ledger.retry_replayed');
        this.touch(session);
        return { ok: true, key: remembered.key, start: remembered.start, count: remembered.count, replayed: true };
      }
      if (requestId < session.forgottenBelow) {
        return {
          ok: false,
          code: ErrorCode.SEQ_SESSION_EXPIRED,
          message: `request ${requestId} of client ${clientId} is older than the remembered results (from ${session.forgottenBelow})`,
          requestIdsFrom: session.forgottenBelow,
        };
      }
    } else if (requestId < this.expiredBelow) {
      sometimes(true, 'ledger.evicted_session_request_refused');
      return {
        ok: false,
        code: ErrorCode.SEQ_SESSION_EXPIRED,
        message: `client ${clientId} has no session and request ${requestId} is below ${this.expiredBelow}: it may belong to an evicted session`,
        requestIdsFrom: this.expiredBelow,
      };
    }

    const current = this.counters.get(key);
    if (current === undefined && this.counters.size >= this.keyCap) {
      return { ok: false, code: ErrorCode.SEQ_KEY_CARDINALITY_EXCEEDED, message: `the ledger already holds its cap of ${this.keyCap} keys` };
    }
    const start = current ?? 0n;
    const next = start + BigInt(count);
    if (next > U64_MAX) {
      return { ok: false, code: ErrorCode.SEQ_OVERFLOW, message: `key counter ${start} + ${count} exceeds u64` };
    }

    // Everything is decided; from here on the request succeeds.
    if (current === undefined) this.sortedKeys.splice(lowerBound(this.sortedKeys, key, identity, compareSeqKeys), 0, key);
    this.counters.set(key, next);
    const owner = session ?? this.openSession(clientId);
    this.remember(owner, Object.freeze({ requestId, key, start, count }));
    this.touch(owner);
    return { ok: true, key, start, count, replayed: false };
  }

  /** Applies a getSeq or a getSeqBatch (see `advance` and `advanceBatch`). */
  apply(request: SeqLedgerRequest): SeqLedgerResult {
    return isSeqBatchRequest(request) ? this.advanceBatch(request) : this.advance(request);
  }

  /**
   * Applies one batch, all or nothing: the grants in request order, or the remembered ones when
   * the same request was applied before. Changes nothing when it fails. A batch of one entry is
   * the getSeq of that entry.
   */
  advanceBatch(request: SeqBatchRequest): SeqBatchResult {
    const { entries, clientId, requestId } = request;
    if (!isU64(clientId) || !isU64(requestId)) {
      throw new AssertionError('seq_request_ids_are_u64', `${String(clientId)}/${String(requestId)}`);
    }
    const invalid = seqBatchProblem(entries);
    if (invalid !== null) return invalid;
    if (entries.length === 1) {
      const only = entries[0] as SeqBatchEntry;
      const single = this.advance({ key: only.key, count: only.count, clientId, requestId });
      if (!single.ok) return single;
      return { ok: true, grants: [{ key: single.key, start: single.start, count: single.count }], replayed: single.replayed };
    }

    const session = this.sessions.get(clientId);
    if (session !== undefined) {
      const results = session.results;
      const remembered = results[lowerBound(results, requestId, requestIdOf, compareBigints)];
      if (remembered !== undefined && remembered.requestId === requestId) {
        const batch = remembered.batch;
        if (batch === undefined || batch.length !== entries.length || batch.some((g, i) => g.key !== entries[i]?.key || g.count !== entries[i]?.count)) {
          return {
            ok: false,
            code: ErrorCode.SEQ_REQUEST_REUSED,
            message: `request ${requestId} of client ${clientId} was applied with other entries; a request id names one request`,
          };
        }
        this.touch(session);
        return { ok: true, grants: batch, replayed: true };
      }
      if (requestId < session.forgottenBelow) {
        return {
          ok: false,
          code: ErrorCode.SEQ_SESSION_EXPIRED,
          message: `request ${requestId} of client ${clientId} is older than the remembered results (from ${session.forgottenBelow})`,
          requestIdsFrom: session.forgottenBelow,
        };
      }
    } else if (requestId < this.expiredBelow) {
      return {
        ok: false,
        code: ErrorCode.SEQ_SESSION_EXPIRED,
        message: `client ${clientId} has no session and request ${requestId} is below ${this.expiredBelow}: it may belong to an evicted session`,
        requestIdsFrom: this.expiredBelow,
      };
    }

    // Validate everything, then fold: no counter moves unless every entry can be granted.
    let newKeys = 0;
    for (const { key, count } of entries) {
      const current = this.counters.get(key);
      if (current === undefined) newKeys += 1;
      if ((current ?? 0n) + BigInt(count) > U64_MAX) {
        return { ok: false, code: ErrorCode.SEQ_OVERFLOW, message: `key counter ${current ?? 0n} + ${count} exceeds u64` };
      }
    }
    if (this.counters.size + newKeys > this.keyCap) {
      return { ok: false, code: ErrorCode.SEQ_KEY_CARDINALITY_EXCEEDED, message: `${newKeys} new key(s) would pass the ledger's cap of ${this.keyCap} keys` };
    }

    const grants: SeqGrant[] = [];
    for (const { key, count } of entries) {
      const current = this.counters.get(key);
      if (current === undefined) this.sortedKeys.splice(lowerBound(this.sortedKeys, key, identity, compareSeqKeys), 0, key);
      const start = current ?? 0n;
      this.counters.set(key, start + BigInt(count));
      grants.push(Object.freeze({ key, start, count }));
    }
    const frozen = Object.freeze(grants) as readonly SeqGrant[];
    const first = frozen[0] as SeqGrant;
    const owner = session ?? this.openSession(clientId);
    this.remember(owner, Object.freeze({ requestId, key: first.key, start: first.start, count: first.count, batch: frozen }));
    this.touch(owner);
    return { ok: true, grants: frozen, replayed: false };
  }

  /** The whole state, canonical. Linear in keys + sessions; unchanged sessions are reused. */
  snapshot(): SeqLedgerSnapshot {
    const counters = new Array<readonly [string, bigint]>(this.sortedKeys.length);
    for (let i = 0; i < this.sortedKeys.length; i += 1) {
      const key = this.sortedKeys[i] as string;
      counters[i] = [key, this.counters.get(key) as bigint];
    }
    const sessions = new Array<SeqSessionSnapshot>(this.sortedClientIds.length);
    for (let i = 0; i < this.sortedClientIds.length; i += 1) {
      sessions[i] = sessionSnapshot(this.sessions.get(this.sortedClientIds[i] as bigint) as Session);
    }
    return { keyCap: this.keyCap, counters, applySeq: this.applied, requestsExpiredBelow: this.expiredBelow, sessions };
  }

  /** An independent copy. */
  clone(): SeqLedger {
    return SeqLedger.fromSnapshot(this.snapshot());
  }

  /** Asserts the invariants in the file comment and that the sorted indexes match the maps. */
  invariants(): void {
    assert(this.sortedKeys.length === this.counters.size, 'seq_sorted_keys_match_counters');
    for (const key of this.sortedKeys) assert(this.counters.has(key), 'seq_sorted_keys_match_counters', key);
    assert(this.sortedClientIds.length === this.sessions.size, 'seq_sorted_clients_match_sessions');
    for (const clientId of this.sortedClientIds) {
      const session = this.sessions.get(clientId);
      assert(session !== undefined && session.clientId === clientId, 'seq_sorted_clients_match_sessions', () => String(clientId));
      assert(session.grants === session.results.reduce((sum, r) => sum + seqResultGrants(r), 0), 'seq_session_grants_counted', () => String(clientId));
      const cached = session.cachedSnapshot;
      if (cached !== null) {
        assert(
          cached.lastActiveSeq === session.lastActiveSeq &&
            cached.forgottenBelow === session.forgottenBelow &&
            cached.results.length === session.results.length &&
            cached.results.every((r, i) => r === session.results[i]),
          'seq_session_cached_snapshot_current',
          () => String(clientId),
        );
      }
    }
    assertValidSeqLedgerSnapshot(this.snapshot());
  }

  private touch(session: Session): void {
    this.applied += 1n;
    session.lastActiveSeq = this.applied;
    session.cachedSnapshot = null;
  }

  /** A new, empty session; evicts the least recently active one when the table is full. */
  private openSession(clientId: bigint): Session {
    // Anything below the watermark may have been applied by an evicted session of this client.
    // (The eviction below raises it for the evicted client only: its ids say nothing of this one.)
    const forgottenBelow = this.expiredBelow;
    if (this.sessions.size >= SEQ_SESSION_CLIENTS_MAX) {
      let oldest: Session | null = null;
      for (const candidate of this.sessions.values()) {
        if (
          oldest === null ||
          candidate.lastActiveSeq < oldest.lastActiveSeq ||
          (candidate.lastActiveSeq === oldest.lastActiveSeq && candidate.clientId < oldest.clientId)
        ) {
          oldest = candidate;
        }
      }
      assert(oldest !== null, 'seq_session_eviction_has_candidate');
      sometimes(true, 'ledger.session_evicted');
      this.sessions.delete(oldest.clientId);
      const at = lowerBound(this.sortedClientIds, oldest.clientId, identity, compareBigints);
      assert(this.sortedClientIds[at] === oldest.clientId, 'seq_sorted_clients_match_sessions');
      this.sortedClientIds.splice(at, 1);
      // Every request the evicted session applied is now below the watermark, so none of them
      // can be given a second block. (The watermark never decreases; it saturates at U64_MAX,
      // so a session that applied the id U64_MAX leaves that one id unguarded.)
      const highest = oldest.results[oldest.results.length - 1]?.requestId ?? (oldest.forgottenBelow > 0n ? oldest.forgottenBelow - 1n : 0n);
      const raised = highest < U64_MAX ? highest + 1n : U64_MAX;
      if (raised > this.expiredBelow) this.expiredBelow = raised;
    }
    const session: Session = { clientId, lastActiveSeq: 0n, forgottenBelow, results: [], grants: 0, cachedSnapshot: null };
    this.sessions.set(clientId, session);
    this.sortedClientIds.splice(lowerBound(this.sortedClientIds, clientId, identity, compareBigints), 0, clientId);
    assert(this.sessions.size <= SEQ_SESSION_CLIENTS_MAX, 'seq_session_count_at_most_max');
    return session;
  }

  /** Inserts a result in requestId order; past the grant limit, forgets the lowest ids. */
  private remember(session: Session, result: SeqSessionResult): void {
    const results = session.results;
    const last = results[results.length - 1];
    // Ids usually increase, so the common case appends.
    if (last === undefined || last.requestId < result.requestId) results.push(result);
    else results.splice(lowerBound(results, result.requestId, requestIdOf, compareBigints), 0, result);
    session.grants += seqResultGrants(result);
    while (session.grants > SEQ_SESSION_RESULTS_PER_CLIENT_MAX) {
      const evicted = results.shift() as SeqSessionResult;
      session.grants -= seqResultGrants(evicted);
      sometimes(true, 'ledger.session_result_forgotten');
      assert(evicted.requestId + 1n > session.forgottenBelow, 'seq_session_forgotten_below_never_decreases');
      session.forgottenBelow = evicted.requestId + 1n;
    }
    session.cachedSnapshot = null;
  }
}
