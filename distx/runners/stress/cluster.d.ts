import { type ChildProcess } from 'node:child_process';
import type { StressDriver } from './options.js';
/** Bound on a node's start: spawn, open (WAL replay), `serving on`. */
export declare const NODE_READY_TIMEOUT_MS = 30000;
/** Bound on a node's exit after SIGKILL, or after SIGTERM before a SIGKILL follows. */
export declare const NODE_EXIT_TIMEOUT_MS = 10000;
/** Bound on one /readyz probe (a paused node never answers). */
export declare const READYZ_TIMEOUT_MS = 300;
/** Starts of one node retried when its port was taken meanwhile. */
export declare const NODE_START_ATTEMPTS_MAX = 3;
/** Bytes of a node's log quoted in a crash report. */
export declare const LOG_TAIL_BYTES: number;
export type NodeState = 'down' | 'starting' | 'up' | 'paused';
export interface NodeExit {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
}
/** Why a start failed: the process exited (its port was taken, or it crashed), or it never said `serving on`. */
export declare class NodeStartError extends Error {
    readonly nodeId: number;
    readonly reason: 'port_in_use' | 'exited' | 'timeout';
    constructor(nodeId: number, reason: 'port_in_use' | 'exited' | 'timeout', detail: string);
}
export declare class StressNode {
    readonly id: number;
    readonly raftEndpoint: string;
    readonly serviceEndpoint: string;
    readonly httpEndpoint: string;
    readonly dataDir: string;
    readonly logPath: string;
    state: NodeState;
    child: ChildProcess | null;
    exited: Promise<NodeExit> | null;
    /** True from the moment the harness sends a signal that ends the process. */
    exitExpected: boolean;
    starts: number;
    readonly pids: number[];
    constructor(id: number, raftEndpoint: string, serviceEndpoint: string, httpEndpoint: string, dataDir: string, logPath: string);
    get pid(): number | null;
    get alive(): boolean;
}
export interface ClusterOptions {
    readonly driver: StressDriver;
    readonly nodes: number;
    /** Holds one data directory and one log per node. */
    readonly rootDir: string;
    readonly electionTimeoutMs: number | null;
    readonly heartbeatIntervalMs: number | null;
    readonly random: () => number;
    /** A node exited although the harness did not end it. */
    readonly onCrash: (node: StressNode, exit: NodeExit, logTail: string) => void;
    /** Harness log lines (progress). */
    readonly log: (line: string) => void;
}
/** The last `bytes` of a file, or '' when it cannot be read. */
export declare function readTail(path: string, bytes?: number): string;
/** GET `url`; the HTTP status, or null when there is no answer within `timeoutMs`. No keep-alive. */
export declare function httpStatus(url: string, timeoutMs: number): Promise<number | null>;
export declare class Cluster {
    private readonly options;
    readonly nodes: StressNode[];
    private stopping;
    private readonly logs;
    private constructor();
    /** Chooses the ports and directories (nothing is started). */
    static create(options: ClusterOptions): Promise<Cluster>;
    /** The directory holding every node's data and log. */
    get rootDir(): string;
    /** The client endpoints of every node. */
    get serviceEndpoints(): string[];
    /** Every pid any node ever had (the caller can check none is left). */
    get allPids(): number[];
    /** Nodes down or paused: not part of a quorum right now. */
    get unavailableCount(): number;
    private argsOf;
    private logOf;
    /** Starts `node` and resolves once it prints `serving on`; retries a start that lost its port. */
    start(node: StressNode): Promise<void>;
    /** One start; null when serving, else why not (the child is gone by then). */
    private startOnce;
    /** Starts every node at once; resolves when all print `serving on`. */
    startAll(): Promise<void>;
    /** kill -9 and wait for the exit. */
    kill9(node: StressNode): Promise<void>;
    /** SIGSTOP: the process freezes (its sockets stay open, the kernel queues what peers send). */
    pause(node: StressNode): void;
    /** SIGCONT. */
    resume(node: StressNode): void;
    private boundedExit;
    /**
     * The node whose /readyz answers 200 (the serving leader), asking every running node; null
     * when none or several do within `timeoutMs` (an election, or a deposed leader not yet aware).
     */
    findLeader(timeoutMs: number): Promise<StressNode | null>;
    /** Stops every node with SIGTERM (SIGCONT first for a paused one); SIGKILL after the bound. Returns the nodes that did not exit 0. */
    stopAll(): Promise<Array<{
        readonly id: number;
        readonly exit: NodeExit | null;
    }>>;
    /** Last resort (process 'exit', fatal errors): SIGKILL every child still alive, synchronously. */
    killAllSync(): void;
    /** Waits (bounded) for every child to be reaped after killAllSync(). */
    reapAll(): Promise<void>;
    private closeLogs;
}
