// The Node clock against the Clock conformance suite, plus what only the Node clock has: the
// guard against a monotonic source that steps back, and tie-breaking by the order timers were set.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { clockConformance } from '../conformance/clock.js';
import { NodeClock } from './clock.js';
import { waitUntil } from './test-support.js';

clockConformance('NodeClock', async () => ({ clock: new NodeClock(), until: (done, what) => waitUntil(done, what) }));
clockConformance('NodeClock with unref timers', async () => ({
  clock: new NodeClock({ unrefTimers: true }),
  until: (done, what) => waitUntil(done, what),
}));

describe('NodeClock', () => {
  it('returns the last value and counts the event when the monotonic source steps back', () => {
    const readings = [10, 12, 11, 12.5, 5, 13];
    let i = 0;
    const clock = new NodeClock({ monotonicSource: () => readings[i++] ?? 100 });
    const seen = readings.map(() => clock.monotonicMs());
    expect(seen).toEqual([10, 12, 12, 12.5, 12.5, 13]);
    expect(clock.backwardsReadings).toBe(2);
  });

  it('keeps the process alive while a timer is pending, unless built with unrefTimers', () => {
    const refTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = refTimers();
    const held = new NodeClock().setTimer(60_000, () => undefined);
    expect(refTimers()).toBe(before + 1);
    held.cancel();
    expect(refTimers()).toBe(before);
    const loose = new NodeClock({ unrefTimers: true }).setTimer(60_000, () => undefined);
    expect(refTimers()).toBe(before);
    loose.cancel();
  });

  it('keeps a native timer armed early rather than re-arming it for each timer set and cancelled (a client call sets two)', () => {
    const setSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const clock = new NodeClock({ unrefTimers: true });
      for (let call = 0; call < 200; call++) {
        // A call's deadline sweeper and its attempt timer, both cancelled when the answer comes.
        const sweep = clock.setTimer(10_000, () => undefined);
        const attempt = clock.setTimer(2_000, () => undefined);
        attempt.cancel();
        sweep.cancel();
      }
      // The first call arms for its sweeper, then earlier for its attempt; every later deadline
      // is at or after that native timer's, which stays (it is unref'd: it holds no process).
      expect(setSpy.mock.calls.length).toBe(2);
      expect(clearSpy.mock.calls.length).toBe(1);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  it('fires a timer set after an earlier one was cancelled at its own deadline, not at the cancelled one', async () => {
    const clock = new NodeClock();
    const startedMs = clock.monotonicMs();
    clock.setTimer(10, () => undefined).cancel();
    let firedAtMs: number | null = null;
    clock.setTimer(60, () => (firedAtMs = clock.monotonicMs()));
    // The native timer still armed for 10 ms fires, finds nothing due and re-arms.
    await waitUntil(() => firedAtMs !== null, 'the 60 ms timer');
    expect((firedAtMs as unknown as number) - startedMs).toBeGreaterThanOrEqual(60);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires timers with equal deadlines in the order they were set', async () => {
    let nowMs = 0;
    const clock = new NodeClock({ monotonicSource: () => nowMs });
    const order: string[] = [];
    for (const label of ['a', 'b', 'c']) clock.setTimer(5, () => order.push(label));
    clock.setTimer(2, () => order.push('first'));
    nowMs = 5;
    await waitUntil(() => order.length === 4, 'four timers');
    expect(order).toEqual(['first', 'a', 'b', 'c']);
  });

  it('does not fire before the deadline even when the native timer comes back early', async () => {
    // The monotonic source is frozen short of the deadline: native timers will fire, be found
    // early, and re-arm, and the callback must not run until the source reaches the deadline.
    let nowMs = 0;
    const clock = new NodeClock({ monotonicSource: () => nowMs });
    let fired = false;
    clock.setTimer(3, () => (fired = true));
    nowMs = 2.9;
    let polls = 0;
    await waitUntil(() => ++polls > 20, 'twenty polls');
    expect(fired).toBe(false);
    nowMs = 3;
    await waitUntil(() => fired, 'the timer');
  });

  it('fires exactly the timers not cancelled, sorted by deadline, under any set/cancel mix', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ delayMs: fc.integer({ min: 0, max: 12 }), cancel: fc.boolean() }), { minLength: 1, maxLength: 25 }),
        async (plan) => {
          // Time stands still while the timers are set (so deadlines follow delays exactly, however
          // slow the machine), then runs at real speed.
          let frozenAtMs: number | null = performance.now();
          const clock = new NodeClock({ monotonicSource: () => frozenAtMs ?? performance.now() });
          const fired: number[] = [];
          const handles = plan.map((p, index) => clock.setTimer(p.delayMs, () => fired.push(index)));
          plan.forEach((p, index) => p.cancel && handles[index]?.cancel());
          frozenAtMs = null;
          const expected = plan
            .map((p, index) => ({ ...p, index }))
            .filter((p) => !p.cancel)
            .sort((x, y) => x.delayMs - y.delayMs || x.index - y.index)
            .map((p) => p.index);
          await waitUntil(() => fired.length >= expected.length && clock.pendingTimers === 0, 'all timers');
          // Equal deadlines keep the order the timers were set in.
          expect(fired).toEqual(expected);
        },
      ),
      { numRuns: 15 },
    );
  });
});
