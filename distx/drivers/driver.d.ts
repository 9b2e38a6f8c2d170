import type { SeqAdvanceRequest } from '../core/ledger.js';
export type LeaderState = {
    readonly kind: 'leader';
    readonly epoch: bigint;
} | {
    readonly kind: 'follower';
    readonly leaderEndpoint: string | null;
    readonly leaderEpoch: bigint | null;
} | {
    readonly kind: 'unknown';
};
export type DriverErrorCode = 'DRIVER_NOT_LEADER' | 'DRIVER_FENCED' | 'DRIVER_TRANSIENT' | 'DRIVER_PERMANENT' | 'DRIVER_OUT_OF_RANGE' | 'INVALID_SEQ_KEY' | 'INVALID_SEQ_COUNT' | 'SEQ_OVERFLOW' | 'SEQ_KEY_CARDINALITY_EXCEEDED' | 'SEQ_SESSION_EXPIRED';
export type DriverFailure = {
    readonly ok: false;
    readonly code: DriverErrorCode;
    readonly message: string;
    /** For DRIVER_NOT_LEADER / DRIVER_FENCED: where the leader is, when known. */
    readonly leaderEndpoint?: string | null;
    readonly leaderEpoch?: bigint | null;
};
export type DriverResult<T> = ({
    readonly ok: true;
} & T) | DriverFailure;
export interface SeqBlockResult {
    /** First value of the block `[start, start + count)`. */
    readonly start: bigint;
    readonly count: number;
}
export interface ConsensusDriver {
    /** Subscribes to leadership changes; the current state is delivered before this returns. */
    subscribeLeadership(listener: (state: LeaderState) => void): () => void;
    /** Linearized read of the durable high-water (physical ms); 0 when nothing was written. */
    loadHighWater(): Promise<DriverResult<{
        readonly highWaterMs: number;
    }>>;
    /** Durably advances the high-water to at least `atLeastMs`; returns the durable value. */
    persistHighWater(atLeastMs: number, epoch: bigint): Promise<DriverResult<{
        readonly highWaterMs: number;
    }>>;
    /** Durable exactly-once fetch-add of a sequence key. */
    advanceSeq(request: SeqAdvanceRequest, epoch: bigint): Promise<DriverResult<SeqBlockResult>>;
    /** Linearized read of one key's durable counter; 0n when the key is absent. */
    loadSeq(key: string): Promise<DriverResult<{
        readonly next: bigint;
    }>>;
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
export declare function driverFailure(code: DriverErrorCode, message: string, hint?: {
    leaderEndpoint: string | null;
    leaderEpoch: bigint | null;
}): DriverFailure;
