import type { Clock, TimerHandle } from '../drivers/ports.js';
import { Incarnation } from './process.js';
import type { Rng } from './random.js';
import { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';
/** Timers pending on one incarnation's clock. */
export declare const CLOCK_TIMERS_PENDING_MAX = 1000000;
/** Largest drift magnitude accepted (a clock at half or 1.5 times the true rate). */
export declare const CLOCK_DRIFT_PPM_MAX = 500000;
/** Wall clock at virtual time 0 unless configured (2023-11-14T22:13:20Z). */
export declare const CLOCK_EPOCH_MS_DEFAULT = 1700000000000;
/** Monotonic readings of a fresh incarnation start somewhere in [0, this). */
export declare const CLOCK_MONOTONIC_BASE_MS_MAX = 1000000;
export interface ClockOptions {
    /** Wall-clock reading at virtual time 0 before offset (default CLOCK_EPOCH_MS_DEFAULT). */
    readonly epochMs?: number;
    /** Initial wall offset in ms (skew against other nodes). */
    readonly offsetMs?: number;
    /** Drift of the local oscillator in parts per million (positive runs fast). */
    readonly driftPpm?: number;
}
export declare class NodeClockModel {
    private readonly scheduler;
    private readonly epochMs;
    private offsetMs;
    private drift;
    private rate;
    private anchorVirtualMs;
    private anchorLocalMs;
    private stallState;
    constructor(scheduler: Scheduler, options?: ClockOptions);
    get driftPpm(): number;
    /** Changes the oscillator drift from now on (re-anchoring so local time stays continuous). */
    setDriftPpm(ppm: number): void;
    /** Local time at virtual time `t` (not rounded). */
    private localExactMs;
    /** Local time at virtual time `t`, rounded down to the grid (non-decreasing in t). */
    localMs(t?: number): number;
    /** The smallest grid time ≥ now at which `localMs` reaches `targetLocalMs`. */
    virtualTimeForLocal(targetLocalMs: number): number;
    /** The wall clock now (integer ms since the epoch). */
    wallMs(): number;
    /** Current wall offset (ms) against an ideal clock with this drift. */
    get wallOffsetMs(): number;
    /** An NTP step: the wall clock jumps by `deltaMs` (negative steps back). */
    step(deltaMs: number): void;
    /** Freezes the wall clock at its current reading for `durationMs` of virtual time. */
    stall(durationMs: number): void;
    /** Whether the wall clock is stalled now. */
    get stalled(): boolean;
}
/** The Clock port of one incarnation. */
export declare class SimClock implements Clock {
    private readonly model;
    private readonly scheduler;
    private readonly owner;
    private readonly trace;
    private readonly monotonicBaseMs;
    private readonly timers;
    private timerOrder;
    private armed;
    private cancelledPending;
    /** Timers fired so far. */
    firedCount: number;
    constructor(model: NodeClockModel, scheduler: Scheduler, owner: Incarnation, trace: Trace, rng: Rng);
    wallMs(): number;
    monotonicMs(): number;
    setTimer(delayMs: number, fn: () => void): TimerHandle;
    /** Timers set and neither fired nor cancelled. */
    get pendingTimers(): number;
    /** Arms one scheduler event for the earliest live timer (replacing a later armed one). */
    private arm;
    private fireHead;
    /** Rebuilds the timer heap once cancelled timers are most of it (client timeouts cancelled on success). */
    private maybeCompact;
}
