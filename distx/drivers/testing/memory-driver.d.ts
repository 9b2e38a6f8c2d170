import { SeqLedger, type SeqAdvanceRequest } from '../../core/ledger.js';
import { type ConsensusDriver, type DriverErrorCode, type DriverResult, type LeaderState, type SeqBlockResult } from '../driver.js';
export declare class MemoryDriver implements ConsensusDriver {
    highWaterMs: number;
    readonly ledger: SeqLedger;
    readonly persistCalls: Array<{
        atLeastMs: number;
        epoch: bigint;
    }>;
    /** Failures to return from the next calls, consumed in order. */
    readonly failNextLoads: DriverErrorCode[];
    readonly failNextPersists: DriverErrorCode[];
    /** The lease `hasLease()` reports (a replicated driver's leader lease). */
    leaseHeld: boolean;
    /** When set, persists wait for `releasePersists()`. */
    holdPersists: boolean;
    private held;
    private state;
    private readonly listeners;
    constructor(initial?: LeaderState);
    setLeadership(state: LeaderState): void;
    releasePersists(): void;
    subscribeLeadership(listener: (state: LeaderState) => void): () => void;
    loadHighWater(): Promise<DriverResult<{
        readonly highWaterMs: number;
    }>>;
    persistHighWater(atLeastMs: number, epoch: bigint): Promise<DriverResult<{
        readonly highWaterMs: number;
    }>>;
    advanceSeq(request: SeqAdvanceRequest, _epoch: bigint): Promise<DriverResult<SeqBlockResult>>;
    loadSeq(key: string): Promise<DriverResult<{
        readonly next: bigint;
    }>>;
    hasLease(): boolean;
    close(): Promise<void>;
}
