// The Node implementation of the Clock port: wall time from `Date.now()`, monotonic time from
// `performance.now()`, timers from one native `setTimeout` at a time.
//
// Invariants:
//   - `monotonicMs()` never decreases. The source is monotonic by specification, but a
//     guard costs nothing: if it ever reads lower than the last value returned, the last value
//     is returned again and `backwardsReadings` counts the event (worth a metric, not a crash).
//   - Timers fire at or after their deadline measured on `monotonicMs()`, in deadline order,
//     ties in the order they were set. Node's own timers cannot promise either: libuv measures
//     from a cached, millisecond-truncated loop time, so a `setTimeout` can fire up to a
//     millisecond early by `performance.now()`, and timers of different durations live in
//     different lists. So pending timers sit in one indexed min-heap and a single native timer
//     is armed no later than the earliest deadline; a native timer that fires early (before its
//     own deadline, or at a deadline since cancelled) is simply re-armed.
//   - A timer set from inside a firing callback never fires in the same batch (even with a zero
//     delay), so a callback that keeps re-arming itself cannot starve I/O.
//   - Pending timers are bounded by CLOCK_TIMERS_PENDING_MAX; cancellation removes the entry
//     from the heap at once, so cancelled timeouts do not pile up.
//   - By default the native timer keeps the process alive while a timer is pending (a server's
//     timers must); `{ unrefTimers: true }` lets the process exit with timers pending.
import { performance } from 'node:perf_hooks';
import { assert } from '../../core/assert.js';
import type { Clock, TimerHandle } from '../ports.js';

/** Most timers that may be pending on one NodeClock at once. */
export const CLOCK_TIMERS_PENDING_MAX = 1_000_000;
/** Longest delay Node's `setTimeout` accepts; longer waits are armed in steps. */
const NATIVE_TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

export interface NodeClockOptions {
  /** Let pending timers not keep the process alive (default false: they do). */
  readonly unrefTimers?: boolean;
  /** Monotonic source in milliseconds; defaults to `performance.now()`. For tests of the guard. */
  readonly monotonicSource?: () => number;
}

interface PendingTimer {
  readonly deadlineMs: number;
  /** Insertion order, the tie-breaker between equal deadlines. */
  readonly seq: number;
  readonly fn: () => void;
  /** Position in the heap, or -1 once fired or cancelled. */
  heapIndex: number;
}

export class NodeClock implements Clock {
  /** How many times the monotonic source read lower than a value already returned. */
  backwardsReadings = 0;

  private readonly unrefTimers: boolean;
  private readonly monotonicSource: () => number;
  private lastMonotonicMs = -Infinity;
  private readonly heap: PendingTimer[] = [];
  private nextSeq = 0;
  private native: ReturnType<typeof setTimeout> | null = null;
  /** Deadline the native timer is armed for (to avoid re-arming for the same instant). */
  private nativeDeadlineMs = Infinity;

  constructor(options: NodeClockOptions = {}) {
    this.unrefTimers = options.unrefTimers ?? false;
    this.monotonicSource = options.monotonicSource ?? (() => performance.now());
  }

  wallMs(): number {
    return Date.now();
  }

  monotonicMs(): number {
    const reading = this.monotonicSource();
    assert(Number.isFinite(reading), 'monotonic_source_finite');
    if (reading < this.lastMonotonicMs) {
      this.backwardsReadings += 1;
      return this.lastMonotonicMs;
    }
    this.lastMonotonicMs = reading;
    return reading;
  }

  /** Number of timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.heap.length;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    assert(Number.isFinite(delayMs), 'timer_delay_finite', () => String(delayMs));
    assert(this.heap.length < CLOCK_TIMERS_PENDING_MAX, 'timers_pending_within_max');
    const timer: PendingTimer = {
      deadlineMs: this.monotonicMs() + Math.max(0, delayMs),
      seq: this.nextSeq++,
      fn,
      heapIndex: -1,
    };
    this.heapInsert(timer);
    this.arm();
    return {
      cancel: () => {
        if (timer.heapIndex < 0) return; // fired or cancelled already
        this.heapRemove(timer);
        this.arm();
      },
    };
  }

  /** Fires every timer that is due and was set before this batch began, then re-arms. */
  private fire(): void {
    this.native = null;
    this.nativeDeadlineMs = Infinity;
    const nowMs = this.monotonicMs();
    const seqLimit = this.nextSeq;
    try {
      for (;;) {
        const first = this.heap[0];
        if (first === undefined || first.deadlineMs > nowMs || first.seq >= seqLimit) break;
        this.heapRemove(first);
        first.fn();
      }
    } finally {
      // Re-arm even when a callback throws: the exception goes on to be uncaught, exactly as
      // from a native timer, and the other timers keep their schedule.
      this.arm();
    }
  }

  /**
   * Makes the native timer fire no later than the earliest pending deadline. A native timer armed
   * for an earlier instant is kept (firing early finds nothing due and re-arms), so a timer set
   * and cancelled per request (a client's attempt and deadline timers, each one call long) costs
   * no native setTimeout/clearTimeout pair per call. With no timer pending it is cleared, unless
   * it is unref'd: then it holds nothing and may stay until it fires.
   */
  private arm(): void {
    const first = this.heap[0];
    if (first === undefined) {
      if (this.native !== null && !this.unrefTimers) {
        clearTimeout(this.native);
        this.native = null;
        this.nativeDeadlineMs = Infinity;
      }
      return;
    }
    if (this.native !== null && this.nativeDeadlineMs <= first.deadlineMs) return;
    if (this.native !== null) clearTimeout(this.native);
    const remainingMs = first.deadlineMs - this.monotonicMs();
    // Round up: firing late is allowed, firing early only costs a re-arm.
    const delayMs = Math.min(NATIVE_TIMER_DELAY_MS_MAX, Math.max(0, Math.ceil(remainingMs)));
    const native = setTimeout(() => this.fire(), delayMs);
    if (this.unrefTimers) native.unref();
    this.native = native;
    this.nativeDeadlineMs = first.deadlineMs;
  }

  // --- indexed binary min-heap on (deadlineMs, seq) -------------------------------------------

  private static before(a: PendingTimer, b: PendingTimer): boolean {
    return a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && a.seq < b.seq);
  }

  private heapInsert(timer: PendingTimer): void {
    timer.heapIndex = this.heap.length;
    this.heap.push(timer);
    this.siftUp(timer.heapIndex);
  }

  private heapRemove(timer: PendingTimer): void {
    const index = timer.heapIndex;
    assert(index >= 0 && this.heap[index] === timer, 'timer_in_heap');
    const last = this.heap.pop();
    assert(last !== undefined, 'timer_heap_not_empty');
    timer.heapIndex = -1;
    if (last === timer) return;
    this.heap[index] = last;
    last.heapIndex = index;
    this.siftUp(index);
    this.siftDown(last.heapIndex);
  }

  private siftUp(start: number): void {
    let index = start;
    const timer = this.heap[index];
    assert(timer !== undefined, 'timer_heap_index_valid');
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.heap[parentIndex];
      assert(parent !== undefined, 'timer_heap_parent_present');
      if (!NodeClock.before(timer, parent)) break;
      this.heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    this.heap[index] = timer;
    timer.heapIndex = index;
  }

  private siftDown(start: number): void {
    let index = start;
    const timer = this.heap[index];
    assert(timer !== undefined, 'timer_heap_index_valid');
    for (;;) {
      const leftIndex = 2 * index + 1;
      if (leftIndex >= this.heap.length) break;
      const rightIndex = leftIndex + 1;
      const left = this.heap[leftIndex];
      const right = this.heap[rightIndex];
      assert(left !== undefined, 'timer_heap_child_present');
      const child = right !== undefined && NodeClock.before(right, left) ? right : left;
      const childIndex = child === right ? rightIndex : leftIndex;
      if (!NodeClock.before(child, timer)) break;
      this.heap[index] = child;
      child.heapIndex = index;
      index = childIndex;
    }
    this.heap[index] = timer;
    timer.heapIndex = index;
  }
}
