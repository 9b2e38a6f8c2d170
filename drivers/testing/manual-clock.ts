// Test support: a Clock a test moves by hand. Wall time can be set anywhere (steps back and
// forward); monotonic time only advances through `advance`, which fires due timers in deadline
// order. Deterministic, no real timers.

import type { Clock, TimerHandle } from '../ports.js';

interface Timer {
  readonly deadlineMs: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private monotonic = 0;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(public wall = 1_700_000_000_000) {}

  wallMs(): number {
    return this.wall;
  }

  monotonicMs(): number {
    return this.monotonic;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: Timer = { deadlineMs: this.monotonic + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Advances both clocks by `ms`, firing due timers in (deadline, creation) order. */
  advance(ms: number): void {
    const target = this.monotonic + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => !t.cancelled && t.deadlineMs <= target)
        .sort((a, b) => a.deadlineMs - b.deadlineMs || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.wall += due.deadlineMs - this.monotonic;
      this.monotonic = due.deadlineMs;
      due.fn();
    }
    this.wall += target - this.monotonic;
    this.monotonic = target;
  }

  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
