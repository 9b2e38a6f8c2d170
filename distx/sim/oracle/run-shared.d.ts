import type { DiskFaults } from '../disk.js';
import type { NetworkFaults } from '../network.js';
import type { Rng } from '../random.js';
import type { Trace } from '../trace.js';
import type { World } from '../world.js';
import type { Checker } from './checkers.js';
import type { History } from './history.js';
import type { NemesisFamily, RunSpec, SimOptions } from './options.js';
import type { RaftRunStats } from './raft-run.js';
import type { Violation } from './violations.js';
export type RunResult = 'ok' | 'safety' | 'liveness';
export interface RunStats {
    readonly ops: ReturnType<History['summary']>;
    readonly serverStarts: number;
    readonly nemesisStrikes: Readonly<Record<string, number>>;
    readonly diskFaults: Readonly<Record<string, number>>;
    readonly netFaults: Readonly<Record<string, number>>;
    readonly livenessStartMs: number | null;
    readonly convergedMs: number | null;
    readonly valueChecks: boolean;
    /** Raft runs only: elections, committed entries, failover times. */
    readonly raft?: RaftRunStats;
}
export interface SeedReport {
    readonly spec: RunSpec;
    readonly options: SimOptions;
    readonly result: RunResult;
    readonly violations: readonly Violation[];
    /** Violations found beyond the ones kept. */
    readonly violationsDropped: number;
    readonly events: number;
    readonly simMs: number;
    readonly wallMs: number;
    readonly traceHash: string;
    readonly traceEntries: number;
    readonly stats: RunStats;
    /** The run's trace (its lines are kept only with `keepTrace`). */
    readonly trace: Trace;
}
export interface RunSeedOptions {
    /** Keep every trace line in memory (for --trace, replay and determinism diffs). */
    readonly keepTrace?: boolean;
    /** Stop at the first safety violation (default true). */
    readonly haltOnViolation?: boolean;
}
export declare function diskFaultsOf(rules: SimOptions['disk']): DiskFaults;
export declare function netFaultsOf(rules: SimOptions['net']): NetworkFaults;
/**
 * Schedules the seed's nemesis families on the world: each family strikes at gaps drawn from its
 * own stream (`nemesis/<family>`), within its budget, until the safety phase ends; a strike
 * that comes due once the liveness phase started does nothing. `strikes` counts them.
 */
export declare function scheduleNemesis(world: World, options: SimOptions, strikes: Record<string, number>, livenessStarted: () => boolean, strike: (family: NemesisFamily, rng: Rng, size: number) => void): void;
/**
 * Runs the world until the run is done (`done()`), its hard end passes (which may move later
 * while it runs: convergence came late) or `eventsMax` events ran; reports the event bound as a
 * violation. Returns whether the run halted on a safety violation or hit the event bound.
 */
export declare function runToEnd(world: World, checker: Checker, ends: {
    readonly hardEndMs: () => number;
    readonly done: () => boolean;
    readonly eventsMax: number;
}): Promise<{
    readonly halted: boolean;
    readonly eventBound: boolean;
}>;
/** The run's result from its violations: any safety one makes it `safety`. */
export declare function resultOf(violations: readonly Violation[]): RunResult;
/** What a run hands `finishReport` besides its world, history and checker. */
export interface RunFinish {
    readonly spec: RunSpec;
    readonly options: SimOptions;
    readonly wallStartMs: number;
    readonly strikes: Readonly<Record<string, number>>;
    readonly diskFaults: RunStats['diskFaults'];
    readonly livenessStartMs: number | null;
    readonly convergedMs: number | null;
    readonly valueChecks: boolean;
    readonly raft?: RaftRunStats;
}
/** Records the result in the trace and builds the seed's report (after the final checks). */
export declare function finishReport(world: World, history: History, checker: Checker, run: RunFinish): SeedReport;
