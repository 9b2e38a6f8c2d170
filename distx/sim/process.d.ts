import type { Clock, Disk, Transport } from '../drivers/ports.js';
import type { Rng } from './random.js';
import type { EventOwner, Scheduler, SimEvent } from './scheduler.js';
import type { TraceDetails } from './trace.js';
/** What a program gets: the three ports, a seeded stream, and a way to write to the trace. */
export interface NodePorts {
    readonly disk: Disk;
    readonly transport: Transport;
    readonly clock: Clock;
    /** This incarnation's own stream (forked from the node's). */
    readonly rng: Rng;
    /** `rng` as a `() => number`, for code that takes a `random` function. */
    readonly random: () => number;
    /** The node's name and host, and the incarnation number (1 for the first start). */
    readonly node: string;
    readonly host: string;
    readonly incarnation: number;
    /** Appends an entry to the world's trace, attributed to this node. */
    trace(kind: string, details?: TraceDetails): void;
}
/** What a started program hands back. `stop` is a graceful shutdown (not called on crash). */
export interface ProcessHandle {
    stop?(): Promise<void>;
}
export type Program = (ports: NodePorts) => Promise<ProcessHandle | void>;
export type IncarnationState = 'starting' | 'running' | 'stopping' | 'exited' | 'crashed' | 'failed';
export declare class Incarnation implements EventOwner {
    readonly node: string;
    readonly number: number;
    private deadFlag;
    private pausedFlag;
    private readonly deferred;
    state: IncarnationState;
    handle: ProcessHandle | null;
    /** The error that failed this incarnation (its program threw or rejected, or an event threw). */
    failure: unknown;
    constructor(node: string, number: number);
    /** `name#number`, as it appears in traces. */
    get label(): string;
    get dead(): boolean;
    get paused(): boolean;
    /** Events deferred while paused. */
    get deferredCount(): number;
    defer(event: SimEvent): void;
    pause(): void;
    /** Ends a pause: deferred events run now, in the order they came due. */
    resume(scheduler: Scheduler): void;
    /** Marks the incarnation dead: nothing of it runs again. */
    kill(state: 'crashed' | 'exited' | 'failed'): void;
}
/** A promise that never settles: what a dead incarnation's port operations return. */
export declare function never<T>(): Promise<T>;
