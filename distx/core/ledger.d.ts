import { ErrorCode, type Failure, type Result } from './errors.js';
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
/** One remembered outcome of a client request (for exactly-once retries). */
export interface SeqSessionResult {
    readonly requestId: bigint;
    readonly key: string;
    readonly start: bigint;
    readonly count: number;
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
    /** Strictly ascending by clientId, at most SEQ_SESSION_CLIENTS_MAX. */
    readonly sessions: readonly SeqSessionSnapshot[];
}
/** Largest key cap a snapshot can carry (the TSOD record checks it against u32). */
export declare const SEQ_KEY_CAP_MAX = 4294967295;
/** A block granted (or replayed) by `advance`: `[start, start + count)` of `key`. */
export interface SeqBlock {
    readonly key: string;
    readonly start: bigint;
    readonly count: number;
    /** True when this is the remembered block of a request applied before. */
    readonly replayed: boolean;
}
export type SeqValidationFailureCode = typeof ErrorCode.INVALID_SEQ_KEY | typeof ErrorCode.INVALID_SEQ_COUNT;
export type SeqAdvanceFailureCode = SeqValidationFailureCode | typeof ErrorCode.SEQ_OVERFLOW | typeof ErrorCode.SEQ_KEY_CARDINALITY_EXCEEDED | typeof ErrorCode.SEQ_SESSION_EXPIRED;
export type SeqAdvanceResult = Result<SeqBlock, SeqAdvanceFailureCode>;
export interface SeqLedgerOptions {
    /** Cap on distinct keys; a genesis value (default SEQ_KEY_CARDINALITY_CAP_DEFAULT). */
    readonly keyCap?: number;
}
/** A key is 1–128 bytes of well-formed UTF-8 (a lone surrogate is not). */
export declare function isValidSeqKey(key: unknown): key is string;
/** A count is an integer in 1–65,536. */
export declare function isValidSeqCount(count: unknown): count is number;
/**
 * Orders two well-formed strings by their UTF-8 bytes (equivalently, by code points). UTF-16
 * order differs in one place: a surrogate pair (a code point ≥ U+10000) sorts after every other
 * BMP code unit in UTF-8, but before U+E000–U+FFFF in UTF-16. Needs no encoding or allocation.
 */
export declare function compareSeqKeys(a: string, b: string): number;
/**
 * The first way `snapshot` is not a canonical, internally consistent ledger state (a snake_case
 * name), or undefined when it is one. Beyond the canonical form the TSOD record checks, it
 * checks what only the ledger knows: every remembered id is ≥ its session's `forgottenBelow`,
 * every `lastActiveSeq` ≤ `applySeq`, and every remembered block lies below its key's counter.
 * A decoder can map a problem to a decode error; `fromSnapshot` asserts there is none.
 * Linear in the snapshot's size (plus a map of its keys).
 */
export declare function seqLedgerStateProblem(snapshot: SeqLedgerSnapshot): string | undefined;
/** Asserts that `snapshot` is a canonical, internally consistent ledger state. */
export declare function assertValidSeqLedgerSnapshot(snapshot: SeqLedgerSnapshot): void;
export declare class SeqLedger {
    readonly keyCap: number;
    private readonly counters;
    /** The keys of `counters`, ascending by UTF-8 bytes (kept sorted on insert). */
    private readonly sortedKeys;
    private applied;
    private readonly sessions;
    /** The keys of `sessions`, ascending (kept sorted on insert). */
    private readonly sortedClientIds;
    constructor(options?: SeqLedgerOptions);
    /** Rebuilds a ledger from a canonical snapshot (asserts it is one; see `assertValidSeqLedgerSnapshot`). */
    static fromSnapshot(snapshot: SeqLedgerSnapshot): SeqLedger;
    /** Number of advances applied so far, replays included. */
    get applySeq(): bigint;
    get keyCount(): number;
    get sessionCount(): number;
    /** The next value of `key` (the start of its next block); 0n for a key never advanced. */
    get(key: string): bigint;
    /** Whether `clientId` has a session (for tests and metrics). */
    hasSession(clientId: bigint): boolean;
    /** The request's own validity (key, then count); null when valid. Reads no state. */
    validate(request: SeqAdvanceRequest): Failure<SeqValidationFailureCode> | null;
    /**
     * Applies one request: the block `[start, start + count)` of `key`, where `start` is the counter
     * before the advance; or the remembered block when the request was applied before. Changes
     * nothing when it fails.
     */
    advance(request: SeqAdvanceRequest): SeqAdvanceResult;
    /** The whole state, canonical. Linear in keys + sessions; unchanged sessions are reused. */
    snapshot(): SeqLedgerSnapshot;
    /** An independent copy. */
    clone(): SeqLedger;
    /** Asserts the invariants in the file comment and that the sorted indexes match the maps. */
    invariants(): void;
    private touch;
    /** A new, empty session; evicts the least recently active one when the table is full. */
    private openSession;
    /** Inserts a result in requestId order; past the limit, forgets the lowest id. */
    private remember;
}
