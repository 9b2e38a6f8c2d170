import { type ClockOptions, NodeClockModel } from './clock.js';
import { type DiskOptions, SimDisk } from './disk.js';
import { type NetworkOptions, SimNetwork } from './network.js';
import { Incarnation, type NodePorts, type Program } from './process.js';
import { Rng } from './random.js';
import { type RunOptions, type RunStopReason, Scheduler, type SimEvent } from './scheduler.js';
import { Trace, type TraceDetails, type TraceOptions } from './trace.js';
export interface WorldOptions {
    readonly seed: number | string;
    readonly trace?: TraceOptions;
    readonly network?: NetworkOptions;
    /** Disk options of every node unless the node gives its own. */
    readonly disk?: DiskOptions;
    /** Clock options of every node unless the node gives its own. */
    readonly clock?: ClockOptions;
    /** What an exception escaping a program does: stop the run (default) or kill that process. */
    readonly onUncaught?: 'stop' | 'crash-node';
}
export interface NodeSpec {
    readonly name: string;
    /** Host name on the simulated network (default: the node name). */
    readonly host?: string;
    /** The program the node runs; started at once unless `start` is false. */
    readonly program?: Program;
    readonly start?: boolean;
    readonly disk?: DiskOptions;
    readonly clock?: ClockOptions;
}
export type NodeStatus = 'down' | 'starting' | 'running' | 'paused' | 'stopping';
export interface WorldFailure {
    readonly t: number;
    readonly node: string;
    readonly incarnation: number;
    readonly error: unknown;
}
export type WorldStopReason = RunStopReason | 'stalled';
export interface RunReport {
    readonly reason: WorldStopReason;
    /** Events run by this call. */
    readonly events: number;
    readonly nowMs: number;
    /** Why work is pending (set when the queue ran empty, and on every report). */
    readonly pending: readonly string[];
    /** Failures recorded so far in the world. */
    readonly failures: readonly WorldFailure[];
    readonly error?: unknown;
}
export declare class SimNode {
    readonly name: string;
    readonly host: string;
    readonly disk: SimDisk;
    readonly clock: NodeClockModel;
    program: Program | null;
    current: Incarnation | null;
    ports: NodePorts | null;
    incarnations: number;
    pauseToken: number;
    constructor(name: string, host: string, disk: SimDisk, clock: NodeClockModel, program: Program | null);
    get status(): NodeStatus;
}
export declare class World {
    readonly seed: string;
    readonly rng: Rng;
    readonly scheduler: Scheduler;
    readonly trace: Trace;
    readonly network: SimNetwork;
    readonly failures: WorldFailure[];
    private readonly nodes;
    private readonly hostToNode;
    private readonly probes;
    private readonly options;
    /** The failure that halted the current run, if one did. */
    private haltingFailure;
    constructor(options: WorldOptions);
    /** Current virtual time (ms). */
    get nowMs(): number;
    addNode(spec: NodeSpec): SimNode;
    node(name: string): SimNode;
    nodeNames(): string[];
    /** The ports of the node's running incarnation (for test code acting from outside a program). */
    portsOf(name: string): NodePorts;
    /** Starts a new incarnation of the node's program (or `program`, which becomes its program). */
    start(name: string, program?: Program): Incarnation;
    /** Crash and start again (the node may already be down). */
    restart(name: string, options?: {
        readonly keepPageCache?: boolean;
        readonly program?: Program;
    }): Incarnation;
    /** Kills the node's process at once (kill -9; power loss of the page cache unless kept). */
    crash(name: string, options?: {
        readonly keepPageCache?: boolean;
    }): void;
    /**
     * Graceful shutdown: calls the program's `stop()` (in an event of the process), then the
     * process exits. The returned promise settles when it has exited.
     */
    shutdown(name: string): Promise<void>;
    /** Pauses the node's process (nothing of it runs) for `durationMs`, or until `resume`. */
    pause(name: string, durationMs?: number): void;
    resume(name: string): void;
    private exit;
    private recordFailure;
    private processFailed;
    private onEventError;
    private makePorts;
    private hostOf;
    /** Partitions the nodes (or hosts) of `a` from those of `b`; both ways unless `oneWay` (a → b blocked). */
    partition(a: readonly string[], b: readonly string[], options?: {
        readonly oneWay?: boolean;
    }): void;
    /** Cuts a node off from all others. */
    isolate(name: string): void;
    /** Heals the partition between `a` and `b`, or all partitions. */
    heal(a?: readonly string[], b?: readonly string[]): void;
    /** Steps the node's wall clock by `deltaMs` now (an NTP step; negative goes back). */
    clockStep(name: string, deltaMs: number): void;
    /** Freezes the node's wall clock for `durationMs`. */
    clockStall(name: string, durationMs: number): void;
    /** Sets the node's clock drift (ppm) from now on. */
    clockDrift(name: string, driftPpm: number): void;
    /** Runs `fn` at virtual time `timeMs` (a world action: a fault, a workload step, a check). */
    at(timeMs: number, fn: () => void, label?: string): SimEvent;
    /** Runs `fn` after `delayMs` of virtual time. */
    after(delayMs: number, fn: () => void, label?: string): SimEvent;
    /** Appends a world-level entry to the trace. */
    record(kind: string, details?: TraceDetails, node?: string): void;
    /** Adds a probe `run` consults when the queue runs empty: a string says what is still pending. */
    addPendingProbe(probe: () => string | null): void;
    /** What is pending now: programs still starting, paused nodes, probes. */
    pendingWork(): string[];
    /** Asks a running `run` to return after the current event (a checker found a violation). */
    halt(): void;
    /** Runs the world; see RunOptions (untilMs, maxEvents). */
    run(options?: RunOptions): Promise<RunReport>;
    /**
     * Runs until `done()` holds (checked before every event). If the queue runs empty first,
     * virtual time still passes in steps of `idleStepMs` (so a predicate waiting on time, or
     * counting polls, can come true) until `untilMs`. Returns whether `done()` held.
     */
    runUntil(done: () => boolean, options?: {
        readonly maxEvents?: number;
        readonly untilMs?: number;
        readonly idleStepMs?: number;
    }): Promise<boolean>;
    /**
     * Runs the world until `promise` settles and returns it (for test code that awaits a port
     * operation from outside the world). Throws if the world cannot settle it within the bounds.
     */
    settle<T>(promise: Promise<T>, options?: {
        readonly maxEvents?: number;
        readonly untilMs?: number;
    }): Promise<T>;
    /** Runs for `durationMs` of virtual time from now. */
    runFor(durationMs: number, maxEvents?: number): Promise<RunReport>;
}
