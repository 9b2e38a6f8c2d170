import { type RunResult, type SeedReport } from './cluster.js';
import { type FaultFamily, type RunSpec } from './options.js';
import type { Violation } from './violations.js';
/** Seeds one swarm may run (a range beyond this is a typo). */
export declare const SWARM_SEEDS_MAX = 10000000;
/** JSON.stringify with bigints as decimal strings. */
export declare function toJson(value: unknown, indent?: number): string;
export interface SeedJson {
    readonly seed: number;
    readonly nodes: number;
    readonly profile: string;
    readonly planted: string | null;
    readonly result: RunResult;
    readonly events: number;
    readonly simMs: number;
    readonly wallMs: number;
    readonly traceHash: string;
    readonly traceEntries: number;
    readonly familiesOn: readonly FaultFamily[];
    readonly options: unknown;
    readonly violations: readonly Violation[];
    readonly violationsDropped: number;
    readonly stats: unknown;
}
/** The JSON form of a seed's report (what `sim run --json` prints). */
export declare function seedJson(report: SeedReport): SeedJson;
/** The exit code of a run's result (DESIGN.md: 0 ok, 1 safety, 3 liveness). */
export declare function exitCodeOf(result: RunResult): number;
export interface DeterminismCheck {
    readonly same: boolean;
    readonly first: SeedReport;
    readonly second: SeedReport;
    /** The first line that differs, when the traces differ. */
    readonly divergence: {
        readonly index: number;
        readonly a: string | undefined;
        readonly b: string | undefined;
    } | null;
}
/** Runs the spec twice in this process and compares the two traces line by line. */
export declare function checkDeterminism(spec: RunSpec): Promise<DeterminismCheck>;
/** Reads the run spec from a trace file's `sim.spec` line. */
export declare function specOfTrace(lines: readonly string[]): RunSpec | null;
export interface Replay {
    readonly spec: RunSpec;
    readonly report: SeedReport;
    /** Whether the re-run produced the file's trace, line for line. */
    readonly same: boolean;
    readonly fileHash: string;
    readonly divergence: {
        readonly index: number;
        readonly a: string | undefined;
        readonly b: string | undefined;
    } | null;
}
/** Re-runs the run a trace file records and compares the new trace with the file. */
export declare function replayTraceFile(path: string): Promise<Replay | {
    readonly error: string;
}>;
export interface SwarmOptions {
    readonly fromSeed: number;
    readonly toSeed: number;
    readonly profile: RunSpec['profile'];
    readonly planted: RunSpec['planted'];
    /** Server nodes: 1 (default) or a Raft cluster of 3 or 5. */
    readonly nodes?: number;
    /** Stop at the first seed that fails. */
    readonly stopAtFirstFailure?: boolean;
    /** Called after every seed (progress lines). */
    readonly onSeed?: (report: SeedReport, done: number, total: number) => void;
}
export interface FamilyCoverage {
    /** Seeds that had the family on. */
    seeds: number;
    /** Of those, seeds where the family struck at least once. */
    struck: number;
}
export interface SwarmSummary {
    readonly seeds: string;
    readonly nodes: number;
    readonly seedsRun: number;
    readonly result: RunResult;
    readonly events: number;
    readonly simMs: number;
    readonly wallMs: number;
    /** A hash over every seed's trace hash, in seed order. */
    readonly traceHash: string;
    readonly failures: readonly SeedJson[];
    readonly coverage: Readonly<Record<FaultFamily, FamilyCoverage>>;
    /** Raft swarms: simulated time from a leader's crash or kill to a new leader, and to one serving. */
    readonly failover?: FailoverSummary;
}
export interface FailoverSummary {
    /** Leader deaths in the safety phases of all seeds. */
    readonly leaderDeaths: number;
    readonly electMs: Percentiles | null;
    readonly serveMs: Percentiles | null;
}
export interface Percentiles {
    readonly count: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
}
/** Nearest-rank percentiles of `values` (null when empty). */
export declare function percentiles(values: readonly number[]): Percentiles | null;
/** Runs seeds `fromSeed..toSeed` (inclusive) and summarizes. */
export declare function runSwarm(options: SwarmOptions): Promise<SwarmSummary>;
