// Test support: a Clock a test moves by hand. Wall time can be set anywhere (steps back and
// forward); monotonic time only advances through `advance`, which fires due timers in deadline
// order. Deterministic, no real timers.
export class ManualClock {
    wall;
    monotonic = 0;
    seq = 0;
    timers = [];
    constructor(wall = 1_700_000_000_000) {
        this.wall = wall;
    }
    wallMs() {
        return this.wall;
    }
    monotonicMs() {
        return this.monotonic;
    }
    setTimer(delayMs, fn) {
        const timer = { deadlineMs: this.monotonic + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
        this.timers.push(timer);
        return {
            cancel: () => {
                timer.cancelled = true;
            },
        };
    }
    /** Advances both clocks by `ms`, firing due timers in (deadline, creation) order. */
    advance(ms) {
        const target = this.monotonic + ms;
        for (;;) {
            const due = this.timers
                .filter((t) => !t.cancelled && t.deadlineMs <= target)
                .sort((a, b) => a.deadlineMs - b.deadlineMs || a.seq - b.seq)[0];
            if (due === undefined)
                break;
            this.timers = this.timers.filter((t) => t !== due);
            this.wall += due.deadlineMs - this.monotonic;
            this.monotonic = due.deadlineMs;
            due.fn();
        }
        this.wall += target - this.monotonic;
        this.monotonic = target;
    }
    get pendingTimers() {
        return this.timers.filter((t) => !t.cancelled).length;
    }
}
//# sourceMappingURL=manual-clock.js.map