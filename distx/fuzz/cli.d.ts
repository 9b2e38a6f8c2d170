import { type FuzzOptions, type FuzzReport } from './engine.js';
export interface FuzzCommandOptions {
    /** One registered target (see `listTargetNames()`). */
    readonly target?: string;
    /** Every registered target, one after the other. */
    readonly all?: boolean;
    /** Time per target. */
    readonly timeMs: number;
    /** PRNG seed; a time-derived one (printed) when omitted. */
    readonly seed?: number;
    /** V8 coverage feedback (default on). */
    readonly coverage?: boolean;
    /** Replay one saved input (with `target`, or inferred from the file's folder name). */
    readonly replay?: string;
    /** Stop each target after this many executions as well. */
    readonly execsMax?: number;
    /** Save inputs that reach new coverage into fuzz/corpus/<target>/. */
    readonly saveCorpus?: boolean;
    /** Run targets in worker threads with a hang watchdog (default: when running compiled). */
    readonly isolate?: boolean;
    /** An input that runs this long without finishing is a hang (default 10 s). */
    readonly hangMs?: number;
    /** Output lines (default console.log). */
    readonly log?: (line: string) => void;
}
/** An input running this long stops the worker: a hang. */
export declare const HANG_MS_DEFAULT = 10000;
export declare function runFuzzCommand(options: FuzzCommandOptions): Promise<number>;
export interface IsolatedRunOptions {
    readonly hangMs: number;
    readonly log: (line: string) => void;
    /** For test-only targets: a module URL and the export holding the target (or a factory). */
    readonly targetModule?: string;
    readonly exportName?: string;
}
/** Runs one target in a worker thread; a stuck input becomes a `hang` finding. */
export declare function runIsolated(targetName: string, options: FuzzOptions, isolated: IsolatedRunOptions): Promise<FuzzReport>;
/** Parses a duration: `60s`, `10m`, `1h`, `500ms`, or a bare number of seconds. */
export declare function parseDuration(text: string): number | null;
