import { type Cluster, type StressNode } from './cluster.js';
import type { StressHistory } from './history.js';
import type { UnavailabilityTracker } from './unavailability.js';
export type ChaosActionKind = 'kill_leader' | 'pause_leader' | 'kill_follower' | 'restart';
export declare const CHAOS_ACTION_KINDS: readonly ChaosActionKind[];
/** Integer weights of the actions (restarts are scheduled, not drawn). */
export declare const CHAOS_WEIGHTS: Readonly<Record<Exclude<ChaosActionKind, 'restart'>, number>>;
/** A stopped leader stays stopped at least this long: several times the default lease (284 ms). */
export declare const PAUSE_MS_MIN = 1000;
export declare const PAUSE_MS_MAX = 2000;
export declare const RESTART_DELAY_MS_MIN = 200;
export declare const RESTART_DELAY_MS_MAX = 2000;
/** Bound on the wait for a recovery (a serving leader) after an action. */
export declare const RECOVERY_BOUND_MS = 30000;
/** Bound on finding the leader before a leader action. */
export declare const FIND_LEADER_BOUND_MS = 5000;
/** The witness's bound on one attempt (a loaded leader answers in a few ms). */
export declare const WITNESS_ATTEMPT_TIMEOUT_MS = 300;
/** Pinned getTs calls sent while the old leader is stopped, and right after it resumes. */
export declare const PINNED_CALLS_DURING_PAUSE = 2;
export declare const PINNED_CALLS_AFTER_RESUME = 4;
export interface PinnedStats {
    /** Pinned calls made. */
    calls: number;
    /** Answers the resumed old leader gave with timestamps (checked like every other call). */
    oldLeaderOk: number;
    /** Answers the resumed old leader gave with an error code (NOT_LEADER, UNAVAILABLE...). */
    oldLeaderRefused: number;
    /** Pinned calls that got timestamps (from the old leader or through its redirect). */
    acknowledged: number;
}
export interface ChaosOptions {
    readonly cluster: Cluster;
    readonly history: StressHistory;
    /** The cluster's unavailability (any client's acknowledgement ends a loss). */
    readonly tracker: UnavailabilityTracker;
    /** The load clients' unavailability (only their acknowledgements count). */
    readonly loadTracker: UnavailabilityTracker;
    readonly random: () => number;
    readonly intervalMs: number;
    readonly log: (line: string) => void;
    /** Positive control: wipe a killed node's data directory before its restart. */
    readonly wipeOnRestart: boolean;
}
/**
 * A node that exits by itself while starting (after a kill -9: say, its WAL does not replay) is a
 * bug of the node; a start that times out or cannot get its port is the harness's problem.
 */
export declare function reportStartFailure(history: StressHistory, e: unknown): void;
export declare class Chaos {
    private readonly options;
    readonly counts: Record<ChaosActionKind, number>;
    /** Times an action was due but none was possible (no leader found, fault budget used). */
    skipped: number;
    readonly pinned: PinnedStats;
    private readonly restarts;
    private pinnedSerial;
    private readonly faultBudget;
    constructor(options: ChaosOptions);
    /** Runs actions until run time `untilMs` or until `stopped()`. */
    run(untilMs: number, stopped: () => boolean): Promise<void>;
    private sleepUnless;
    /** Waits until no leader loss is pending; past the bound, gives up on it (no_recovery). */
    private waitForRecovery;
    private pick;
    private act;
    private kill;
    /** Restarts `node` after `delayMs` (a killed node, or one that crashed by itself). */
    restartAfter(node: StressNode, delayMs: number): void;
    private restart;
    private killLeader;
    private pauseLeader;
    /**
     * A client without `victim`'s endpoint asking for timestamps until one comes from a leader
     * newer than `epochBefore` (or the bound passes). `served` resolves at that moment.
     */
    private startWitness;
    /** Ends the faults: resumes paused nodes, waits for scheduled restarts, starts every node still down. */
    heal(): Promise<void>;
}
