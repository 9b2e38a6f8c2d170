import type { World } from '../world.js';
import type { Checker } from './checkers.js';
import { type History, type Op } from './history.js';
import type { SimOptions } from './options.js';
/** Slack on the client's deadline (timer granularity). */
export declare const DEADLINE_SLACK_MS = 10;
export declare function errorText(error: unknown): string;
export interface WorkloadContext {
    readonly world: World;
    readonly history: History;
    readonly checker: Checker;
    readonly options: SimOptions;
    /** The client protocol endpoints of every server node. */
    readonly endpoints: readonly string[];
}
export declare class ClientWorkload {
    private readonly ctx;
    readonly clientNames: string[];
    private readonly sessionsByNode;
    /** Callers stop calling from then on (unless `holdOpen` says to go on). */
    workloadEndMs: number;
    /** Keeps the callers calling past `workloadEndMs` while it holds (a run waiting to converge). */
    holdOpen: () => boolean;
    constructor(ctx: WorkloadContext);
    startAll(): void;
    startIfDown(name: string): void;
    crash(name: string): void;
    /** A client process exited on an error: its session is lost and the supervisor restarts it. */
    onExit(name: string): void;
    private clientProgram;
    private pickOp;
    /** One caller: calls in a loop until the workload ends or its process dies. Never throws. */
    private caller;
    private call;
    /**
     * The per-call liveness checks at the end of a run: no call is stuck, none overran its
     * deadline, and after convergence every client made progress (and, inside the envelope,
     * every call succeeded). `whyStuck` explains a call that never ended.
     */
    checkCalls(envelope: boolean, whyStuck: (op: Op) => string): void;
    /** The op's client's last event, for a stuck call's explanation. */
    static lastEventOf(op: Op): string;
}
