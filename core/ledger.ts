// PLACEHOLDER TYPES (the ledger helper replaces this file's body but keeps these shapes).
// The sequence ledger's request and snapshot shapes are shared by the ledger (core/ledger.ts),
// the TSOD record codec (core/records/) and every consensus driver.

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
