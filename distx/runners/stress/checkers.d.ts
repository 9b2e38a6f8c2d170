/** Violations kept in detail per run (the rest are counted). */
export declare const STRESS_VIOLATIONS_KEPT_MAX = 50;
/** Completions one value space keeps for the uniqueness check while older calls are in flight. */
export declare const STRESS_RECENT_COMPLETIONS_MAX = 2000000;
/** Calls of one value space in flight at once (the load has a few dozen loops). */
export declare const STRESS_SPACE_IN_FLIGHT_MAX = 100000;
export declare const SAFETY_KINDS: readonly ["ts_real_time_order", "ts_duplicate", "ts_batch_shape", "seq_real_time_order", "seq_overlap", "seq_block_shape", "seq_ledger_hole", "client_unexpected_error", "node_crashed"];
export declare const LIVENESS_KINDS: readonly ["never_available", "no_recovery", "final_check_failed", "harness_error"];
export type SafetyKind = (typeof SAFETY_KINDS)[number];
export type LivenessKind = (typeof LIVENESS_KINDS)[number];
export type ViolationKind = SafetyKind | LivenessKind;
export interface Violation {
    readonly kind: ViolationKind;
    readonly class: 'safety' | 'liveness';
    /** Milliseconds since the start of the run. */
    readonly atMs: number;
    readonly message: string;
}
export declare function violationClass(kind: ViolationKind): 'safety' | 'liveness';
/** Collects violations: the first STRESS_VIOLATIONS_KEPT_MAX in detail, all of them counted. */
export declare class ViolationLog {
    private readonly nowMs;
    readonly kept: Violation[];
    readonly countsByKind: Map<ViolationKind, number>;
    total: number;
    constructor(nowMs: () => number);
    report(kind: ViolationKind, message: string): void;
    get safetyCount(): number;
    get livenessCount(): number;
}
/** What the checker needs of a call: its identity for messages and its place in the total order. */
export interface CheckedCall {
    readonly id: number;
    readonly invokeOrder: number;
    /** A one-line description for violation messages (built only when a violation is reported). */
    describe(): string;
}
/** Captured at invocation: the largest value acknowledged before the call, and by whom. */
export interface FloorToken {
    readonly floor: bigint;
    readonly floorCall: CheckedCall | null;
}
export type IntervalFinding = {
    readonly kind: 'real_time_order';
    readonly message: string;
} | {
    readonly kind: 'duplicate';
    readonly message: string;
};
/**
 * Real-time order and uniqueness of acknowledged intervals in one value space (timestamps, or
 * one sequence key). Calls are announced at invocation and at their end, in the total order.
 */
export declare class IntervalSpaceChecker {
    readonly space: string;
    private maxAck;
    private maxAckCall;
    /** Invoke order of each call in flight, oldest first (a Map keeps insertion order). */
    private readonly inFlight;
    /** Completions, in completion order, that a call still in flight may overlap. */
    private recent;
    private recentHead;
    acknowledged: number;
    constructor(space: string);
    invoke(call: CheckedCall): FloorToken;
    /** The call ended without values (failed or unknown). */
    end(call: CheckedCall): void;
    /** The call was acknowledged with the inclusive interval [lo, hi]; returns what it breaks. */
    acknowledge(call: CheckedCall, token: FloorToken, lo: bigint, hi: bigint, completeOrder: number): IntervalFinding[];
    /** The largest value acknowledged so far (−1 when none). */
    get maxAcknowledged(): bigint;
    /** Completions kept for calls in flight (for tests of the memory bound). */
    get retained(): number;
    private firstCompletedAfter;
    /** Drops completions no call in flight can overlap: those before the oldest invocation. */
    private prune;
}
/** The end-of-run accounting of one sequence key. */
export interface LedgerTally {
    readonly key: string;
    /** The key's counter: the start of a block asked for after the load stopped. */
    readonly counter: bigint;
    /** Values in acknowledged blocks (disjoint and below the counter: checked online). */
    readonly acknowledgedValues: bigint;
    /** Values asked for by calls whose outcome is unknown (each may or may not have been spent). */
    readonly unknownValues: bigint;
}
export interface LedgerVerdict {
    readonly holes: bigint;
    /** Holes that unknown outcomes explain. */
    readonly explainedByUnknown: bigint;
    /** Holes nothing explains (a violation when positive), or a negative count of impossible coverage. */
    readonly unexplained: bigint;
    readonly message: string | null;
}
/** Ledger contiguity of one key: every value below the counter was acknowledged or may belong to an unknown call. */
export declare function checkLedger(tally: LedgerTally): LedgerVerdict;
/** Nearest-rank percentile of ascending `sorted` (p in (0, 100]); null when empty. */
export declare function percentile(sorted: readonly number[], p: number): number | null;
export interface DurationStats {
    readonly count: number;
    readonly p50Ms: number | null;
    readonly p99Ms: number | null;
    readonly maxMs: number | null;
}
export declare function durationStats(samplesMs: readonly number[]): DurationStats;
