import { type DurationStats, type Violation } from './checkers.js';
import { type ChaosActionKind, type PinnedStats } from './chaos.js';
import { Cluster, type NodeExit } from './cluster.js';
import { type OpKind, type OpOutcome } from './history.js';
import type { StressOptions } from './options.js';
/** Bound on the first leader after the cluster starts (and after healing). */
export declare const LEADER_BOUND_MS = 30000;
/** Bound on the first acknowledged timestamp after the load starts. */
export declare const FIRST_ACK_BOUND_MS = 30000;
/** Load kept running on the healed cluster before it stops (the last leader serves some). */
export declare const HEALED_LOAD_MS = 1000;
/** Bound on each final probe (retried until it gets an answer). */
export declare const FINAL_PROBE_BOUND_MS = 30000;
export type StressResult = 'ok' | 'violation' | 'liveness' | 'aborted';
export interface LedgerReport {
    readonly key: string;
    readonly blockCount: number;
    readonly counter: string | null;
    readonly acknowledgedValues: string;
    readonly unknownValues: string;
    readonly holes: string | null;
    readonly explainedByUnknown: string | null;
}
export interface StressReport {
    readonly seed: number;
    readonly driver: StressOptions['driver'];
    readonly nodes: number;
    readonly durationMs: number;
    readonly chaosIntervalMs: number;
    readonly clients: number;
    /** The planted bug of a positive control (a violation is the expected result), or null. */
    readonly injectViolation: StressOptions['injectViolation'];
    readonly wallMs: number;
    readonly result: StressResult;
    readonly exitCode: 0 | 1 | 3 | 130;
    readonly operations: Record<OpKind, Record<OpOutcome, number>>;
    readonly timestampsAcknowledged: number;
    readonly callsPerSecond: number;
    readonly errors: Record<OpKind, Record<string, number>>;
    readonly violationCount: number;
    readonly violationsByKind: Record<string, number>;
    readonly violations: readonly Violation[];
    readonly unavailability: {
        readonly killLeader: DurationStats;
        readonly pauseLeader: DurationStats;
        readonly all: DurationStats;
        readonly samples: ReadonlyArray<{
            readonly kind: string;
            readonly atMs: number;
            readonly unavailableMs: number;
        }>;
        /** The same measured on the load clients' calls only (default retry policy). */
        readonly loadClients: {
            readonly killLeader: DurationStats;
            readonly pauseLeader: DurationStats;
            readonly all: DurationStats;
            /** Leader losses after which no load client was served again before the load stopped. */
            readonly unrecovered: number;
        };
    };
    readonly chaos: Record<ChaosActionKind, number> & {
        readonly skipped: number;
    };
    readonly pinned: PinnedStats;
    readonly ledger: readonly LedgerReport[];
    readonly uncleanShutdowns: ReadonlyArray<{
        readonly id: number;
        readonly exit: NodeExit | null;
    }>;
    readonly nodeStarts: Record<string, number>;
    /** Where the data and the node logs are, when kept (--keep-data, or a violation). */
    readonly dataDir: string | null;
    /** Every server pid of the run (all gone when the run returns). */
    readonly pids: readonly number[];
}
export interface StressIo {
    readonly log: (line: string) => void;
    /** Set when the run must stop early (SIGINT): it heals, drains, checks and reports. */
    readonly stopped: () => boolean;
    /** Receives the cluster as soon as it exists (the entry kills its children on exit). */
    readonly onCluster?: (cluster: Cluster) => void;
}
export declare function runStress(options: StressOptions, io: StressIo): Promise<StressReport>;
