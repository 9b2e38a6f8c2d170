// The consensus-driver interface: the single injection point for durability and high
// availability (the reference's section 2). The serving node never names peers or opens peer
// sockets; a driver owns election, storage and the mapping from node to advertised endpoint.
//
// Contracts every driver keeps:
//   - `subscribeLeadership` calls the listener with the current state synchronously, before it
//     returns (never withheld), then on every change. A follower's `leaderEpoch` never
//     decreases across emissions.
//   - `loadHighWater` is linearized: it reflects every write durably committed before the call,
//     by any prior leader.
//   - `persistHighWater(atLeast, epoch)` durably advances to at least `atLeast` and returns the
//     durable value `max(stored, atLeast)`; it never sets an absolute value, and it refuses
//     values above PHYSICAL_MS_MAX before writing anything (DRIVER_OUT_OF_RANGE).
//   - `advanceSeq` is a durable, exactly-once fetch-add per (clientId, requestId): it returns
//     the block start, and applying the same request again returns the same block.
//   - `advanceSeqBatch` (optional: a driver without it answers getSeqBatch as not implemented)
//     is `advanceSeq` for 1..SEQ_BATCH_KEYS_MAX distinct keys under one (clientId, requestId), all
//     or nothing in ONE durable (and replicated) write: every grant of the batch is durable, or
//     none is, and a refused batch moves no counter. Grants come back in request order.
//   - `loadLeases` / `persistLeases` (optional, together: a driver without them answers the
//     lease calls as not implemented) keep the stamping-lease set (core/oracle/leases.ts).
//     `loadLeases` is linearized like `loadHighWater`. `persistLeases(leases, epoch)` durably
//     (and replicated) REPLACES the whole set, and only while `epoch` still leads: a set
//     projected under an older epoch is refused DRIVER_FENCED and changes nothing, so it can
//     never drop a lease granted after a leadership change.
//   - Expected failures are returned, never thrown. Callers treat DRIVER_NOT_LEADER and
//     DRIVER_FENCED the same way: step down and redirect.
//   - Every call finishes in bounded time: a driver that cannot reach a quorum returns
//     DRIVER_TRANSIENT after an internal deadline rather than hanging.

import type { SeqAdvanceFailure, SeqAdvanceRequest, SeqBatchRequest, SeqGrant } from '../core/ledger.js';
import type { LeaseRecord } from '../core/oracle/leases.js';

/** One member as clients see it (the members op). */
export interface ClientMember {
  readonly id: number;
  readonly role: 'voter' | 'learner';
  /** Its client endpoint `host:port`. */
  readonly endpoint: string;
}

export interface ClientMembers {
  readonly members: readonly ClientMember[];
  readonly leaderEndpoint: string | null;
}

export type LeaderState =
  | { readonly kind: 'leader'; readonly epoch: bigint }
  | { readonly kind: 'follower'; readonly leaderEndpoint: string | null; readonly leaderEpoch: bigint | null }
  | { readonly kind: 'unknown' };

export type DriverErrorCode =
  | 'DRIVER_NOT_LEADER'
  | 'DRIVER_FENCED'
  | 'DRIVER_TRANSIENT'
  | 'DRIVER_PERMANENT'
  | 'DRIVER_OUT_OF_RANGE'
  // Expected sequence outcomes, decided before anything is written:
  | 'INVALID_SEQ_KEY'
  | 'INVALID_SEQ_COUNT'
  | 'INVALID_SEQ_BATCH'
  | 'SEQ_OVERFLOW'
  | 'SEQ_KEY_CARDINALITY_EXCEEDED'
  | 'SEQ_SESSION_EXPIRED'
  | 'SEQ_REQUEST_REUSED';

export type DriverFailure = {
  readonly ok: false;
  readonly code: DriverErrorCode;
  readonly message: string;
  /** For DRIVER_NOT_LEADER / DRIVER_FENCED: where the leader is, when known. */
  readonly leaderEndpoint?: string | null;
  readonly leaderEpoch?: bigint | null;
  /** For SEQ_SESSION_EXPIRED of a client without a session: a clientId at or above this may open one. */
  readonly requestIdsFrom?: bigint;
};

export type DriverResult<T> = ({ readonly ok: true } & T) | DriverFailure;

export interface SeqBlockResult {
  /** First value of the block `[start, start + count)`. */
  readonly start: bigint;
  readonly count: number;
}

export interface SeqBatchGrants {
  /** One block per entry, in request order. */
  readonly grants: readonly SeqGrant[];
}

export interface ConsensusDriver {
  /** Subscribes to leadership changes; the current state is delivered before this returns. */
  subscribeLeadership(listener: (state: LeaderState) => void): () => void;
  /** Linearized read of the durable high-water (physical ms); 0 when nothing was written. */
  loadHighWater(): Promise<DriverResult<{ readonly highWaterMs: number }>>;
  /** Durably advances the high-water to at least `atLeastMs`; returns the durable value. */
  persistHighWater(atLeastMs: number, epoch: bigint): Promise<DriverResult<{ readonly highWaterMs: number }>>;
  /** Durable exactly-once fetch-add of a sequence key. */
  advanceSeq(request: SeqAdvanceRequest, epoch: bigint): Promise<DriverResult<SeqBlockResult>>;
  /** Durable exactly-once fetch-add of every key of a batch, all or nothing, in one write. */
  advanceSeqBatch?(request: SeqBatchRequest, epoch: bigint): Promise<DriverResult<SeqBatchGrants>>;
  /** Linearized read of the durable stamping-lease set (expired records included). */
  loadLeases?(): Promise<DriverResult<{ readonly leases: readonly LeaseRecord[] }>>;
  /** Durably replaces the whole lease set, fenced by `epoch` (DRIVER_FENCED when it no longer leads). */
  persistLeases?(leases: readonly LeaseRecord[], epoch: bigint): Promise<DriverResult<Record<never, never>>>;
  /**
   * The cluster's members as this node knows them (its configuration in effect), each with its
   * client endpoint, and the leader's client endpoint when it knows one: the protocol's members
   * op (docs/protocol.md). Synchronous, no I/O. Absent: a driver with no membership to tell (the
   * answer lists none).
   */
  clientMembers?(): ClientMembers;
  /** Linearized read of one key's durable counter; 0n when the key is absent. */
  loadSeq(key: string): Promise<DriverResult<{ readonly next: bigint }>>;
  /**
   * For replicated drivers: true while this node holds a leader lease, i.e. no other node can
   * have been elected yet (DESIGN.md, "No stale leader"). The serving node checks it at every
   * grant, with no await in between, and refuses to serve without it. Absent: always true (a
   * single node cannot be deposed).
   */
  hasLease?(): boolean;
  /** Releases resources (locks, files, sockets). Idempotent. */
  close(): Promise<void>;
}

export function driverFailure(
  code: DriverErrorCode,
  message: string,
  hint?: { leaderEndpoint: string | null; leaderEpoch: bigint | null },
): DriverFailure {
  return hint === undefined ? { ok: false, code, message } : { ok: false, code, message, ...hint };
}

/** The driver form of a ledger refusal (keeps the evicted-clients watermark it may carry). */
export function seqDriverFailure(failure: SeqAdvanceFailure): DriverFailure {
  const message = failure.message ?? failure.code;
  return failure.requestIdsFrom === undefined
    ? { ok: false, code: failure.code, message }
    : { ok: false, code: failure.code, message, requestIdsFrom: failure.requestIdsFrom };
}
