export type StressDriver = 'raft' | 'file';
/**
 * Planted bugs that prove the checkers see real-process violations:
 *   - wipe-data: a killed node's data directory is emptied before its restart (with the file
 *     driver the service forgets acknowledged blocks: sequence real-time order and ledger fail);
 *   - new-request-id-on-retry: the load clients retry a getSeq whose attempt may have been
 *     executed under a NEW request id (drivers/client's planted-bug switch), so a retry can
 *     spend a second block: a ledger hole no unknown outcome explains.
 */
export type InjectedViolation = 'wipe-data' | 'new-request-id-on-retry';
export declare const INJECTED_VIOLATIONS: readonly InjectedViolation[];
export interface StressOptions {
    /** `raft`: a cluster of `tsoracle serve raft`; `file`: one `serve file` node (no failover; a harness self-test). */
    readonly driver: StressDriver;
    readonly nodes: number;
    /** How long the load and the chaos run. */
    readonly durationMs: number;
    /** Mean time between two chaos actions (each wait is drawn in [0.5, 1.5] × this). */
    readonly chaosIntervalMs: number;
    /** Seeds the chaos choices and timings and the load's choices (the processes' timing is real). */
    readonly seed: number;
    /** Load clients (one `createClient` each, with every node's endpoint). */
    readonly clients: number;
    readonly json: boolean;
    /** Keep the data directories and node logs (they are kept anyway when a run finds a violation). */
    readonly keepData: boolean;
    /** Passed to `serve raft` when given (otherwise the server's defaults). */
    readonly electionTimeoutMs: number | null;
    readonly heartbeatIntervalMs: number | null;
    /** A planted bug (positive control): the run must then exit 1. Null: none. */
    readonly injectViolation: InjectedViolation | null;
}
export declare const STRESS_NODES_ALLOWED: readonly number[];
export declare const STRESS_DURATION_MS_DEFAULT = 60000;
export declare const STRESS_DURATION_MS_MAX: number;
export declare const STRESS_CHAOS_INTERVAL_MS_DEFAULT = 3000;
/** Shorter intervals leave no time to observe a recovery before the next action. */
export declare const STRESS_CHAOS_INTERVAL_MS_MIN = 200;
export declare const STRESS_CLIENTS_DEFAULT = 4;
export declare const STRESS_CLIENTS_MAX = 64;
/** Parses `3s`, `500ms`, `2m`, `1h` or a bare number of milliseconds. */
export declare function parseDurationMs(text: string): number;
export type ParsedOptions = {
    readonly ok: true;
    readonly options: StressOptions;
} | {
    readonly ok: false;
    readonly exitCode: 0 | 2;
    readonly message: string;
};
/** Parses the arguments after `stress.js`; `randomSeed` supplies the seed when --seed is absent. */
export declare function parseStressArgs(args: readonly string[], randomSeed: () => number): ParsedOptions;
