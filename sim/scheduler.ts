// The one scheduler of a simulated world: an event queue ordered by (virtual time, sequence
// number). Virtual time jumps to the next event; nothing runs on real timers or real I/O, so
// an hour of idle simulated time costs nothing.
//
// Invariants:
//   - Events run in (timeMs, seq) order; `seq` is the order of scheduling, so two events due at
//     the same time run in the order they were scheduled. `nowMs` never decreases.
//   - Time is kept on a grid of 1/1024 ms (`TICKS_PER_MS`): every delay is rounded up to the
//     grid, so every time is a dyadic number and sums and differences of times are exact in
//     floating point (a timer set for 10 ms fires when the clock reads exactly 10 ms later,
//     not 9.999999). Times stay exact up to 2^53/1024 ms (~278 years).
//   - Promise continuations: when an event may have settled a promise or run code of the
//     program under test (a "waking" event), the loop waits until the microtask queue is empty
//     before the next event (see `drain`), so the whole chain of `await` continuations
//     triggered by the event runs at the event's virtual time, before any later event. Events that only move the simulator's own state ("quiet" events, and events of a
//     dead incarnation that are dropped) skip the yield; a quiet event that ends up calling
//     into the program calls `wake()`. The order of everything is still a function of the
//     seed: the yield only decides when continuations run, never which.
//   - Owners: an event may belong to an owner (a process incarnation). A dead owner's events
//     are dropped when they come due; a paused owner's events are handed to the owner, which
//     requeues them when it resumes (`requeue`), in their original order.
//   - `maxEvents` bounds a run so a livelock fails instead of hanging; a throwing event stops
//     the run unless the `onError` hook says to continue.
//
// Measured cost (sim/bench.ts): see the report of `benchScheduler`.

import process from 'node:process';
import { setImmediate } from 'node:timers';
import { assert } from '../core/assert.js';
import { SCHEDULER_EVENTS_QUEUED_MAX } from './limits.js';

/** Virtual time resolution: every time is a multiple of 1/TICKS_PER_MS ms. */
export const TICKS_PER_MS = 1024;

/** Rounds a delay up to the time grid (so a deadline is never early). */
export function quantizeUpMs(ms: number): number {
  // The detail string is built only on failure: this runs for every scheduled event.
  if (!(Number.isFinite(ms) && ms >= 0)) assert(false, 'delay_finite_nonnegative', () => String(ms));
  return Math.ceil(ms * TICKS_PER_MS) / TICKS_PER_MS;
}

/** Rounds a time down to the grid. */
export function quantizeDownMs(ms: number): number {
  return Math.floor(ms * TICKS_PER_MS) / TICKS_PER_MS;
}

export interface EventOwner {
  /** Events of a dead owner are dropped. */
  readonly dead: boolean;
  /** Events of a paused owner are handed to `defer` instead of running. */
  readonly paused: boolean;
  defer(event: SimEvent): void;
}

export interface SimEvent {
  timeMs: number;
  seq: number;
  readonly fn: () => void;
  readonly owner: EventOwner | null;
  /** Runs foreign code or settles promises: the loop drains continuations after it. */
  readonly waking: boolean;
  readonly label: string;
  cancelled: boolean;
  inQueue: boolean;
}

export interface ScheduleOptions {
  readonly owner?: EventOwner | null;
  /** Default true: the event may run code of the program (drain continuations after it). */
  readonly waking?: boolean;
  /** A short name for diagnostics (not traced by the scheduler). */
  readonly label?: string;
}

export interface RunOptions {
  /** Run events due at or before this virtual time; then time stands at `untilMs`. */
  readonly untilMs?: number;
  /** Stop after running this many events (a livelock bound). */
  readonly maxEvents?: number;
  /** Checked before each event (after the previous one's continuations ran): true stops the run. */
  readonly stopWhen?: () => boolean;
}

export type RunStopReason =
  | 'idle' // the queue is empty
  | 'until' // the next event is after `untilMs`
  | 'max_events' // the event bound was reached
  | 'stopped' // `stop()` was called, or `stopWhen` returned true
  | 'failed'; // an event threw and `onError` said stop

export interface RunOutcome {
  readonly reason: RunStopReason;
  /** Events run by this call. */
  readonly events: number;
  readonly nowMs: number;
  /** The error of a failed run. */
  readonly error?: unknown;
  /** The label of the event that threw, for a failed run. */
  readonly failedEvent?: string;
}

export type ErrorDecision = 'stop' | 'continue';

function before(a: SimEvent, b: SimEvent): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);
}

/** The options of an event scheduled without any (shared: no allocation per event). */
const NO_OPTIONS: ScheduleOptions = Object.freeze({});

/** Every this many drains, the loop yields to the real event loop (see `drain`). */
export const SCHEDULER_DRAINS_PER_MACROTASK = 1_024;

export class Scheduler {
  private heap: SimEvent[] = [];
  private seqNext = 0;
  private now = 0;
  private cancelledQueued = 0;
  private running = false;
  private stopRequested = false;
  private wakeRequested = false;
  /** Events run over the scheduler's life. */
  eventsRun = 0;
  /** Times the loop yielded to drain promise continuations. */
  drains = 0;
  /** Decides what a throwing event does to the run (default: stop). */
  onError: (event: SimEvent, error: unknown) => ErrorDecision = () => 'stop';

  /** Current virtual time in ms (a multiple of 1/1024). */
  get nowMs(): number {
    return this.now;
  }

  /** Whether `run` is in progress. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Events queued and not cancelled. */
  get queued(): number {
    return this.heap.length - this.cancelledQueued;
  }

  /** Virtual time of the next live event, or null when none is queued. */
  nextEventMs(): number | null {
    this.dropCancelledHead();
    const head = this.heap[0];
    return head === undefined ? null : head.timeMs;
  }

  /** Schedules `fn` after `delayMs` (rounded up to the time grid). */
  after(delayMs: number, fn: () => void, options: ScheduleOptions = NO_OPTIONS): SimEvent {
    return this.at(this.now + quantizeUpMs(delayMs), fn, options);
  }

  /** Schedules `fn` at virtual time `timeMs` (not before now; rounded up to the grid). */
  at(timeMs: number, fn: () => void, options: ScheduleOptions = NO_OPTIONS): SimEvent {
    if (!Number.isFinite(timeMs)) assert(false, 'event_time_finite', () => String(timeMs));
    const quantized = quantizeUpMs(timeMs > this.now ? timeMs : this.now);
    const event: SimEvent = {
      timeMs: quantized,
      seq: this.seqNext++,
      fn,
      owner: options.owner ?? null,
      waking: options.waking ?? true,
      label: options.label ?? '',
      cancelled: false,
      inQueue: false,
    };
    this.push(event);
    return event;
  }

  /** Cancels a queued event (a no-op if it already ran or was cancelled). */
  cancel(event: SimEvent): void {
    if (event.cancelled) return;
    event.cancelled = true;
    if (event.inQueue) {
      this.cancelledQueued++;
      this.maybeCompact();
    }
  }

  /**
   * Puts back an event its owner deferred while paused: it runs at the current time, after the
   * events already due now, keeping the order of requeue calls.
   */
  requeue(event: SimEvent): void {
    assert(!event.inQueue, 'requeue_not_queued');
    if (event.cancelled) return;
    event.timeMs = this.now;
    event.seq = this.seqNext++;
    this.push(event);
  }

  /** Asks the loop to drain promise continuations after the current event. */
  wake(): void {
    this.wakeRequested = true;
  }

  /** Asks a running loop to return after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Runs events until a stop condition; see `RunStopReason`. */
  run(options: RunOptions = {}): Promise<RunOutcome> {
    assert(!this.running, 'scheduler_not_reentrant');
    const untilMs = options.untilMs ?? Number.POSITIVE_INFINITY;
    const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
    const stopWhen = options.stopWhen;
    assert(untilMs >= this.now, 'run_until_not_in_past', () => `${untilMs} < ${this.now}`);
    this.running = true;
    this.stopRequested = false;
    return new Promise<RunOutcome>((resolve, reject) => {
      let events = 0;
      const end = (outcome: RunOutcome): void => {
        this.running = false;
        this.stopRequested = false;
        resolve(outcome);
      };
      // One turn of the loop: events until one asks for a drain (then the drain calls it again)
      // or a stop condition ends the run. Not an async function: the loop drains after most
      // events, and a callback costs no promise or frame per drain.
      const turn = (): void => {
        try {
          for (;;) {
            if (this.stopRequested || (stopWhen !== undefined && stopWhen())) return end({ reason: 'stopped', events, nowMs: this.now });
            if (events >= maxEvents) return end({ reason: 'max_events', events, nowMs: this.now });
            const event = this.heap[0];
            if (event === undefined) {
              if (untilMs !== Number.POSITIVE_INFINITY) this.now = quantizeDownMs(untilMs);
              return end({ reason: 'idle', events, nowMs: this.now });
            }
            if (event.timeMs > untilMs) {
              this.now = quantizeDownMs(untilMs);
              return end({ reason: 'until', events, nowMs: this.now });
            }
            this.pop();
            if (event.cancelled) {
              this.cancelledQueued--;
              continue;
            }
            if (event.timeMs < this.now) assert(false, 'virtual_time_monotonic');
            this.now = event.timeMs;
            const owner = event.owner;
            if (owner !== null) {
              if (owner.dead) continue;
              if (owner.paused) {
                owner.defer(event);
                continue;
              }
            }
            events++;
            this.eventsRun++;
            this.wakeRequested = event.waking;
            try {
              event.fn();
            } catch (error) {
              this.wakeRequested = true;
              if (this.onError(event, error) === 'stop') {
                const failed: RunOutcome = { reason: 'failed', events, nowMs: this.now, error, failedEvent: event.label };
                return this.drain(() => end(failed));
              }
            }
            if (this.wakeRequested) return this.drain(turn);
          }
        } catch (error) {
          this.running = false;
          this.stopRequested = false;
          reject(error);
        }
      };
      turn();
    });
  }

  /** What runs once the current drain is over (the loop's next turn). */
  private afterDrain: (() => void) | null = null;
  /** Queued as a microtask: from inside one, a nextTick callback runs once the queue is empty. */
  private readonly tickAfterMicrotasks = (): void => {
    process.nextTick(this.runAfterDrain);
  };
  private readonly runAfterDrain = (): void => {
    const next = this.afterDrain;
    this.afterDrain = null;
    next?.();
  };

  /**
   * Lets every promise continuation queued by the event run before `next` (the loop's next
   * turn). Node runs a process.nextTick callback queued from inside a microtask only once V8's
   * microtask queue is empty, including the microtasks those microtasks queue. So: a microtask
   * queued behind the event's continuations queues the nextTick callback, which fires after the
   * whole chain and runs `next` (measured: ~10x cheaper than a turn of the event loop; the
   * callbacks are made once, so a drain allocates nothing). Program code must not use
   * process.nextTick itself (its ticks could run after the loop resumes); the ports never do.
   * Every SCHEDULER_DRAINS_PER_MACROTASK drains the loop takes a full setImmediate turn instead,
   * so the real event loop (test runner timeouts, I/O) is never starved; that turn drains a
   * superset of the same queues, so the order of the run does not change.
   */
  private drain(next: () => void): void {
    this.wakeRequested = false;
    this.drains++;
    assert(this.afterDrain === null, 'scheduler_one_drain_at_a_time');
    if (this.drains % SCHEDULER_DRAINS_PER_MACROTASK === 0) {
      setImmediate(next);
      return;
    }
    this.afterDrain = next;
    queueMicrotask(this.tickAfterMicrotasks);
  }

  // --- binary heap ---------------------------------------------------------------------------

  private push(event: SimEvent): void {
    const heap = this.heap;
    assert(heap.length < SCHEDULER_EVENTS_QUEUED_MAX, 'scheduler_queue_within_limit');
    event.inQueue = true;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as SimEvent;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  private pop(): SimEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as SimEvent;
    if (heap.length > 0) this.siftDown(0, last);
    top.inQueue = false;
    return top;
  }

  private siftDown(start: number, event: SimEvent): void {
    const heap = this.heap;
    const n = heap.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right] as SimEvent, heap[left] as SimEvent)) child = right;
      const c = heap[child] as SimEvent;
      if (!before(c, event)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = event;
  }

  private dropCancelledHead(): void {
    for (;;) {
      const head = this.heap[0];
      if (head === undefined || !head.cancelled) return;
      this.pop();
      this.cancelledQueued--;
    }
  }

  /** Rebuilds the heap without cancelled events once they are most of it (many cancelled timers). */
  private maybeCompact(): void {
    if (this.cancelledQueued < 4096 || this.cancelledQueued * 2 < this.heap.length) return;
    const live = this.heap.filter((e) => {
      if (e.cancelled) e.inQueue = false;
      return !e.cancelled;
    });
    this.heap = live;
    this.cancelledQueued = 0;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.siftDown(i, live[i] as SimEvent);
  }
}
