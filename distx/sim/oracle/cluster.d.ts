import { type RunSpec } from './options.js';
import { type RunSeedOptions, type SeedReport } from './run-shared.js';
export type { RunResult, RunSeedOptions, RunStats, SeedReport } from './run-shared.js';
export declare const SERVER_NODE = "tso";
export declare const SERVER_PORT = 50551;
export declare const DATA_DIR = "/data";
/** How long a server start may take before it gives up (the fence is milliseconds of disk). */
export declare const SERVER_START_TIMEOUT_MS = 10000;
/** Time the liveness phase allows for restarting the server, on top of the calls' deadlines. */
export declare const SERVER_RECOVERY_MS = 2000;
/** After convergence the workload goes on at least this long (every call of it must succeed). */
export declare const CONVERGED_WORKLOAD_MS_MIN = 300;
/** A livelock bound: a healthy run takes a few hundred thousand events. */
export declare const RUN_EVENTS_MAX = 5000000;
/** Runs one seed: draws its options, runs the world, checks, and reports. */
export declare function runSeed(spec: RunSpec, options?: RunSeedOptions): Promise<SeedReport>;
