import type { Clock, TimerHandle } from '../ports.js';
export declare class ManualClock implements Clock {
    wall: number;
    private monotonic;
    private seq;
    private timers;
    constructor(wall?: number);
    wallMs(): number;
    monotonicMs(): number;
    setTimer(delayMs: number, fn: () => void): TimerHandle;
    /** Advances both clocks by `ms`, firing due timers in (deadline, creation) order. */
    advance(ms: number): void;
    get pendingTimers(): number;
}
