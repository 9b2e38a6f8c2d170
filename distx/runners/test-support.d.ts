/** Bound on a server's start (`serving on` printed). Node start + data-dir open take ~0.3 s. */
export declare const SERVER_READY_TIMEOUT_MS_DEFAULT = 15000;
/** Bound on a child's exit after a signal. */
export declare const CHILD_EXIT_TIMEOUT_MS_DEFAULT = 10000;
/** Bound on a one-shot CLI command (get-ts, init, ...). */
export declare const CLI_RUN_TIMEOUT_MS_DEFAULT = 20000;
export declare const REPO_ROOT: string;
/** The built CLI entry point the tests run. */
export declare const CLI_PATH: string;
export interface ChildExit {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
}
export interface CliResult extends ChildExit {
    readonly stdout: string;
    readonly stderr: string;
}
export interface ServeOptions {
    readonly dataDir: string;
    /** `host:port` (default `127.0.0.1:0`: a free port). */
    readonly listen?: string;
    /** `host:port` or `off` (default `off`). */
    readonly httpListen?: string;
    /** More flags after the defaults (e.g. `['--window-ahead', '1s']`). */
    readonly extraArgs?: readonly string[];
    readonly readyTimeoutMs?: number;
    /** Sends this signal from the very output event that carries `serving on` (a supervisor's fastest reaction). */
    readonly signalOnReady?: NodeJS.Signals;
}
/** A server child that printed `serving on H:P`. */
export interface ServerChild {
    readonly pid: number;
    /** The client endpoint from the `serving on` line. */
    readonly endpoint: string;
    /** The HTTP endpoint from the `http on` line, or null when HTTP is off. */
    readonly httpEndpoint: string | null;
    readonly exited: Promise<ChildExit>;
    hasExited(): boolean;
    stdout(): string;
    stderr(): string;
    /** SIGKILL, then wait for the exit. */
    kill9(): Promise<ChildExit>;
    /** SIGTERM, then wait (bounded) for the exit; rejects (after a SIGKILL) if it does not come. */
    terminate(timeoutMs?: number): Promise<ChildExit>;
}
/** Owns the children of one test file; call `cleanup()` in afterEach. */
export declare class ChildTracker {
    private readonly children;
    private spawnCli;
    /** Runs one CLI command to completion (bounded); never rejects for a non-zero exit. */
    run(args: readonly string[], timeoutMs?: number): Promise<CliResult>;
    /** Spawns `tsoracle serve file ...` and resolves once it printed `serving on` (and `http on`). */
    serve(options: ServeOptions): Promise<ServerChild>;
    /** How many children are still running. */
    get liveCount(): number;
    /** SIGKILLs every child still running and waits (bounded) until each is reaped. */
    cleanup(): Promise<void>;
}
/** Polls `done` every few ms until true; rejects after `timeoutMs`. */
export declare function waitFor(done: () => boolean, what: string, timeoutMs?: number): Promise<void>;
/** Real-time sleep. */
export declare function sleepMs(ms: number): Promise<void>;
