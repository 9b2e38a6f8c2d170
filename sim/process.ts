// Processes of the simulated world. A node (a machine with a host name, a disk and a clock)
// runs one program at a time; each start of the program is an incarnation. Every port object a
// program gets is bound to its incarnation, and every event the ports schedule for it (timer,
// disk completion, frame delivery) is owned by the incarnation:
//   - crash (kill -9) marks the incarnation dead: its queued events are dropped when they come
//     due, so its pending port operations never complete and its timers never fire, and calls
//     on its ports from late continuations do nothing (operations return promises that never
//     settle). A restart is a new incarnation with fresh ports.
//   - pause marks it paused: its events are deferred, in order, and requeued at the resume
//     time; nothing of the program runs meanwhile, while the world (and its clock) go on.

import type { Clock, Disk, Transport } from '../drivers/ports.js';
import { assert } from '../core/assert.js';
import { NODE_DEFERRED_EVENTS_MAX } from './limits.js';
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

export class Incarnation implements EventOwner {
  private deadFlag = false;
  private pausedFlag = false;
  private readonly deferred: SimEvent[] = [];
  state: IncarnationState = 'starting';
  handle: ProcessHandle | null = null;
  /** The error that failed this incarnation (its program threw or rejected, or an event threw). */
  failure: unknown = undefined;

  constructor(
    readonly node: string,
    readonly number: number,
  ) {}

  /** `name#number`, as it appears in traces. */
  get label(): string {
    return `${this.node}#${this.number}`;
  }

  get dead(): boolean {
    return this.deadFlag;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** Events deferred while paused. */
  get deferredCount(): number {
    return this.deferred.length;
  }

  defer(event: SimEvent): void {
    assert(this.pausedFlag, 'defer_only_when_paused');
    assert(this.deferred.length < NODE_DEFERRED_EVENTS_MAX, 'node_deferred_events_within_limit');
    this.deferred.push(event);
  }

  pause(): void {
    assert(!this.deadFlag, 'pause_live_incarnation');
    this.pausedFlag = true;
  }

  /** Ends a pause: deferred events run now, in the order they came due. */
  resume(scheduler: Scheduler): void {
    if (!this.pausedFlag) return;
    this.pausedFlag = false;
    for (const event of this.deferred) scheduler.requeue(event);
    this.deferred.length = 0;
  }

  /** Marks the incarnation dead: nothing of it runs again. */
  kill(state: 'crashed' | 'exited' | 'failed'): void {
    this.deadFlag = true;
    this.pausedFlag = false;
    this.deferred.length = 0;
    this.state = state;
  }
}

/** A promise that never settles: what a dead incarnation's port operations return. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}
