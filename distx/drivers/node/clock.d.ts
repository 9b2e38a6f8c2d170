import type { Clock, TimerHandle } from '../ports.js';
/** Most timers that may be pending on one NodeClock at once. */
export declare const CLOCK_TIMERS_PENDING_MAX = 1000000;
export interface NodeClockOptions {
    /** Let pending timers not keep the process alive (default false: they do). */
    readonly unrefTimers?: boolean;
    /** Monotonic source in milliseconds; defaults to `performance.now()`. For tests of the guard. */
    readonly monotonicSource?: () => number;
}
export declare class NodeClock implements Clock {
    /** How many times the monotonic source read lower than a value already returned. */
    backwardsReadings: number;
    private readonly unrefTimers;
    private readonly monotonicSource;
    private lastMonotonicMs;
    private readonly heap;
    private nextSeq;
    private native;
    /** Deadline the native timer is armed for (to avoid re-arming for the same instant). */
    private nativeDeadlineMs;
    constructor(options?: NodeClockOptions);
    wallMs(): number;
    monotonicMs(): number;
    /** Number of timers set and neither fired nor cancelled. */
    get pendingTimers(): number;
    setTimer(delayMs: number, fn: () => void): TimerHandle;
    /** Fires every timer that is due and was set before this batch began, then re-arms. */
    private fire;
    /** Makes the native timer match the earliest pending deadline (or clears it when none). */
    private arm;
    private static before;
    private heapInsert;
    private heapRemove;
    private siftUp;
    private siftDown;
}
