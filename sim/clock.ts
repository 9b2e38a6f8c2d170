// The clocks of a simulated node. `NodeClockModel` is the machine's clock hardware and NTP
// state; it survives restarts. `SimClock` is the `Clock` port one incarnation sees.
//
// Model, in virtual time t (ms, on the scheduler's 1/1024 ms grid):
//   - local time L(t) runs at rate (1 + driftPpm / 10^6) from an anchor; changing the drift
//     re-anchors at the current instant, so L is continuous and increasing. Lq(t) is L rounded
//     down to the grid: non-decreasing, and exact when the drift is 0.
//   - wallMs = floor(epochMs + Lq(t) + offsetMs), never below 0. `step(deltaMs)` is an NTP step
//     (forward or back) applied to the offset; `stall(durationMs)` freezes the wall clock at its
//     current reading for the duration, after which it goes on from the frozen value (it lags
//     by the stall: add a `step` to model a catch-up).
//   - monotonicMs (per incarnation) = Lq(t) + a base drawn per incarnation, so a program cannot
//     carry monotonic readings across a restart; it never decreases and drifts with L.
//   - setTimer: the deadline is on the incarnation's monotonic clock. The timers of an
//     incarnation sit in their own heap ordered by (deadline, order of setting), and one
//     scheduler event is armed for the earliest: so timers fire in deadline order even when a
//     positive drift maps two deadlines to the same virtual instant, and at or after their
//     deadline even if the drift changes while they wait (the armed event re-checks).
//   - The timer events are owned by the incarnation: a crash drops them, a pause defers them.

import { assert } from '../core/assert.js';
import type { Clock, TimerHandle } from '../drivers/ports.js';
import { MinHeap } from './heap.js';
import { Incarnation } from './process.js';
import type { Rng } from './random.js';
import { quantizeDownMs, quantizeUpMs, Scheduler, type SimEvent, TICKS_PER_MS } from './scheduler.js';
import type { Trace } from './trace.js';

/** Timers pending on one incarnation's clock. */
export const CLOCK_TIMERS_PENDING_MAX = 1_000_000;
/** Largest drift magnitude accepted (a clock at half or 1.5 times the true rate). */
export const CLOCK_DRIFT_PPM_MAX = 500_000;
/** Wall clock at virtual time 0 unless configured (2023-11-14T22:13:20Z). */
export const CLOCK_EPOCH_MS_DEFAULT = 1_700_000_000_000;
/** Monotonic readings of a fresh incarnation start somewhere in [0, this). */
export const CLOCK_MONOTONIC_BASE_MS_MAX = 1_000_000;

export interface ClockOptions {
  /** Wall-clock reading at virtual time 0 before offset (default CLOCK_EPOCH_MS_DEFAULT). */
  readonly epochMs?: number;
  /** Initial wall offset in ms (skew against other nodes). */
  readonly offsetMs?: number;
  /** Drift of the local oscillator in parts per million (positive runs fast). */
  readonly driftPpm?: number;
}

export class NodeClockModel {
  private readonly epochMs: number;
  private offsetMs: number;
  private drift: number;
  private rate: number;
  private anchorVirtualMs: number;
  private anchorLocalMs = 0;
  private stallState: { readonly untilMs: number; readonly startLocalMs: number; readonly frozenWallMs: number } | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    options: ClockOptions = {},
  ) {
    this.epochMs = options.epochMs ?? CLOCK_EPOCH_MS_DEFAULT;
    this.offsetMs = options.offsetMs ?? 0;
    assert(Number.isSafeInteger(this.epochMs) && this.epochMs >= 0, 'clock_epoch_valid');
    assert(Number.isFinite(this.offsetMs), 'clock_offset_finite');
    this.drift = 0;
    this.rate = 1;
    this.anchorVirtualMs = scheduler.nowMs;
    this.setDriftPpm(options.driftPpm ?? 0);
  }

  get driftPpm(): number {
    return this.drift;
  }

  /** Changes the oscillator drift from now on (re-anchoring so local time stays continuous). */
  setDriftPpm(ppm: number): void {
    assert(Number.isSafeInteger(ppm) && Math.abs(ppm) <= CLOCK_DRIFT_PPM_MAX, 'clock_drift_ppm_valid', () => String(ppm));
    const now = this.scheduler.nowMs;
    this.anchorLocalMs = this.localExactMs(now);
    this.anchorVirtualMs = now;
    this.drift = ppm;
    this.rate = 1 + ppm / 1_000_000;
  }

  /** Local time at virtual time `t` (not rounded). */
  private localExactMs(t: number): number {
    // elapsed + elapsed·ppm/10^6 rather than elapsed·(1 + ppm/10^6): 1.001 is not exact in
    // binary, but 10000·1000/10^6 is, so whole-ms drifts come out whole.
    const elapsed = t - this.anchorVirtualMs;
    return this.anchorLocalMs + elapsed + (elapsed * this.drift) / 1_000_000;
  }

  /** Local time at virtual time `t`, rounded down to the grid (non-decreasing in t). */
  localMs(t: number = this.scheduler.nowMs): number {
    return quantizeDownMs(this.localExactMs(t));
  }

  /** The smallest grid time ≥ now at which `localMs` reaches `targetLocalMs`. */
  virtualTimeForLocal(targetLocalMs: number): number {
    const now = this.scheduler.nowMs;
    let t = Math.max(now, quantizeUpMs(Math.max(0, this.anchorVirtualMs + (targetLocalMs - this.anchorLocalMs) / this.rate)));
    // Floating point may leave Lq(t) a tick short of the target: step forward on the grid.
    while (this.localMs(t) < targetLocalMs) t += 1 / TICKS_PER_MS;
    return t;
  }

  /** The wall clock now (integer ms since the epoch). */
  wallMs(): number {
    const now = this.scheduler.nowMs;
    const stall = this.stallState;
    if (stall !== null) {
      if (now < stall.untilMs) return stall.frozenWallMs;
      // The stall is over: the clock goes on from the frozen value, so it lags by the stall.
      this.offsetMs -= this.localMs(stall.untilMs) - stall.startLocalMs;
      this.stallState = null;
    }
    return Math.max(0, Math.floor(this.epochMs + this.localMs(now) + this.offsetMs));
  }

  /** Current wall offset (ms) against an ideal clock with this drift. */
  get wallOffsetMs(): number {
    return this.offsetMs;
  }

  /** An NTP step: the wall clock jumps by `deltaMs` (negative steps back). */
  step(deltaMs: number): void {
    assert(Number.isFinite(deltaMs), 'clock_step_finite');
    this.wallMs(); // settle a finished stall first
    this.offsetMs += deltaMs;
  }

  /** Freezes the wall clock at its current reading for `durationMs` of virtual time. */
  stall(durationMs: number): void {
    assert(Number.isFinite(durationMs) && durationMs >= 0, 'clock_stall_duration_valid');
    const frozenWallMs = this.wallMs();
    const now = this.scheduler.nowMs;
    this.stallState = { untilMs: now + quantizeUpMs(durationMs), startLocalMs: this.localMs(now), frozenWallMs };
  }

  /** Whether the wall clock is stalled now. */
  get stalled(): boolean {
    return this.stallState !== null && this.scheduler.nowMs < this.stallState.untilMs;
  }
}

interface PendingTimer {
  readonly deadlineMs: number;
  readonly order: number;
  readonly fn: () => void;
  cancelled: boolean;
}

const timerBefore = (a: PendingTimer, b: PendingTimer): boolean =>
  a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && a.order < b.order);

/** The Clock port of one incarnation. */
export class SimClock implements Clock {
  private readonly monotonicBaseMs: number;
  private readonly timers = new MinHeap<PendingTimer>(timerBefore);
  private timerOrder = 0;
  private armed: SimEvent | null = null;
  private cancelledPending = 0;
  /** Timers fired so far. */
  firedCount = 0;

  constructor(
    private readonly model: NodeClockModel,
    private readonly scheduler: Scheduler,
    private readonly owner: Incarnation,
    private readonly trace: Trace,
    rng: Rng,
  ) {
    const baseMs = rng.int(0, CLOCK_MONOTONIC_BASE_MS_MAX * TICKS_PER_MS - 1) / TICKS_PER_MS;
    this.monotonicBaseMs = baseMs - model.localMs();
  }

  wallMs(): number {
    return this.model.wallMs();
  }

  monotonicMs(): number {
    return this.model.localMs() + this.monotonicBaseMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    if (Number.isNaN(delayMs) || delayMs === Number.POSITIVE_INFINITY) assert(false, 'timer_delay_finite', () => String(delayMs));
    if (this.owner.dead) return { cancel: () => {} };
    const timer: PendingTimer = {
      deadlineMs: this.monotonicMs() + quantizeUpMs(Math.max(0, delayMs)),
      order: this.timerOrder++,
      fn,
      cancelled: false,
    };
    this.timers.push(timer, CLOCK_TIMERS_PENDING_MAX, 'clock_timers_within_limit');
    if (this.timers.peek() === timer) this.arm();
    return {
      cancel: () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        this.cancelledPending++;
        this.maybeCompact();
      },
    };
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.size - this.cancelledPending;
  }

  /** Arms one scheduler event for the earliest live timer (replacing a later armed one). */
  private arm(): void {
    let head = this.timers.peek();
    while (head !== undefined && head.cancelled) {
      this.timers.pop();
      this.cancelledPending--;
      head = this.timers.peek();
    }
    if (head === undefined) {
      if (this.armed !== null) this.scheduler.cancel(this.armed);
      this.armed = null;
      return;
    }
    const atMs = this.model.virtualTimeForLocal(head.deadlineMs - this.monotonicBaseMs);
    if (this.armed !== null) {
      if (!this.armed.cancelled && this.armed.timeMs <= atMs) return;
      this.scheduler.cancel(this.armed);
    }
    this.armed = this.scheduler.at(atMs, () => this.fireHead(), { owner: this.owner, waking: false, label: 'timer' });
  }

  private fireHead(): void {
    this.armed = null;
    let head = this.timers.peek();
    while (head !== undefined && head.cancelled) {
      this.timers.pop();
      this.cancelledPending--;
      head = this.timers.peek();
    }
    if (head === undefined) return;
    if (this.monotonicMs() < head.deadlineMs) {
      this.arm(); // the drift slowed down since arming: not due yet
      return;
    }
    this.timers.pop();
    this.firedCount++;
    this.trace.record(this.scheduler.nowMs, this.owner.label, 'timer', { deadline: head.deadlineMs });
    this.scheduler.wake();
    try {
      head.fn();
    } finally {
      this.arm();
    }
  }

  /** Rebuilds the timer heap once cancelled timers are most of it (client timeouts cancelled on success). */
  private maybeCompact(): void {
    if (this.cancelledPending < 1024 || this.cancelledPending * 2 < this.timers.size) return;
    const live: PendingTimer[] = [];
    for (let t = this.timers.pop(); t !== undefined; t = this.timers.pop()) if (!t.cancelled) live.push(t);
    this.cancelledPending = 0;
    for (const t of live) this.timers.push(t, CLOCK_TIMERS_PENDING_MAX, 'clock_timers_within_limit');
  }
}
