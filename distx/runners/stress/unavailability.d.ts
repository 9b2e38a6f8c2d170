import { type DurationStats } from './checkers.js';
import type { OpenOp, TsAckListener } from './history.js';
export type LeaderLossKind = 'kill_leader' | 'pause_leader';
/** Leader losses waiting for recovery at once (the chaos loop waits for each before the next). */
export declare const STRESS_PENDING_LOSSES_MAX = 64;
/** Recovery samples kept (one per leader loss; a 10-minute run has a few hundred). */
export declare const STRESS_RECOVERY_SAMPLES_MAX = 100000;
export interface RecoverySample {
    readonly kind: LeaderLossKind;
    readonly atMs: number;
    readonly unavailableMs: number;
}
export declare class UnavailabilityTracker implements TsAckListener {
    private readonly counts;
    private pending;
    readonly samples: RecoverySample[];
    /** `counts` picks the calls whose acknowledgement ends a loss (default: every call). */
    constructor(counts?: (op: OpenOp) => boolean);
    /** A leader loss happened at run time `atMs`, order `atOrder`, while `epochBefore` was the newest epoch seen. */
    lost(kind: LeaderLossKind, atMs: number, atOrder: number, epochBefore: bigint): void;
    onTsAck(op: OpenOp, epoch: bigint | null, completeMs: number): void;
    /** Losses not recovered yet. */
    get pendingCount(): number;
    /** Run time of the oldest loss not recovered yet, or null. */
    get oldestPendingMs(): number | null;
    /** Gives up on every loss still pending (reported as unrecovered); returns how many. */
    abandonPending(): number;
    stats(kind?: LeaderLossKind): DurationStats;
}
