// PLACEHOLDER: replaced by the sequence ledger implementation.
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
