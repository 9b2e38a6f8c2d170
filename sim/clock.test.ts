import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeClockModel, SimClock } from './clock.js';
import { Incarnation } from './process.js';
import { Rng } from './random.js';
import { Scheduler } from './scheduler.js';
import { Trace } from './trace.js';

function setup(options: { epochMs?: number; offsetMs?: number; driftPpm?: number } = {}) {
  const scheduler = new Scheduler();
  const model = new NodeClockModel(scheduler, { epochMs: 1_000_000, ...options });
  const owner = new Incarnation('n1', 1);
  const clock = new SimClock(model, scheduler, owner, new Trace({ keep: false }), new Rng(1));
  return { scheduler, model, owner, clock };
}

describe('NodeClockModel and SimClock', () => {
  it('reads wall = epoch + offset + elapsed, integer, and monotonic elapsed exactly', async () => {
    const { scheduler, clock } = setup({ offsetMs: 250 });
    const mono0 = clock.monotonicMs();
    expect(clock.wallMs()).toBe(1_000_250);
    scheduler.at(1234.5, () => {});
    await scheduler.run();
    expect(clock.wallMs()).toBe(1_001_484);
    expect(clock.monotonicMs() - mono0).toBe(1234.5);
  });

  it('drifts: a +1000 ppm clock gains 1 ms per second of virtual time', async () => {
    const { scheduler, clock } = setup({ driftPpm: 1_000 });
    const wall0 = clock.wallMs();
    const mono0 = clock.monotonicMs();
    await scheduler.run({ untilMs: 10_000 });
    expect(clock.wallMs() - wall0).toBe(10_010);
    expect(clock.monotonicMs() - mono0).toBeCloseTo(10_010, 2);
  });

  it('steps the wall clock back and forward while monotonic time is untouched', async () => {
    const { scheduler, model, clock } = setup();
    const mono0 = clock.monotonicMs();
    model.step(-5_000);
    expect(clock.wallMs()).toBe(995_000);
    await scheduler.run({ untilMs: 100 });
    model.step(+7_000);
    expect(clock.wallMs()).toBe(1_002_100);
    expect(clock.monotonicMs() - mono0).toBe(100);
  });

  it('a stalled wall clock reads frozen for the stall, then goes on from the frozen value', async () => {
    const { scheduler, model, clock } = setup();
    await scheduler.run({ untilMs: 50 });
    model.stall(200);
    expect(model.stalled).toBe(true);
    await scheduler.run({ untilMs: 249 });
    expect(clock.wallMs()).toBe(1_000_050);
    await scheduler.run({ untilMs: 300 });
    expect(clock.wallMs()).toBe(1_000_100); // 50 ms after the stall ended, lagging by 200
    expect(model.stalled).toBe(false);
  });

  it('monotonic time never decreases under any drift changes and steps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 5_000 }), drift: fc.integer({ min: -500_000, max: 500_000 }), step: fc.integer({ min: -10_000, max: 10_000 }) }), {
          maxLength: 20,
        }),
        async (changes) => {
          const { scheduler, model, clock } = setup();
          const readings: number[] = [];
          for (const c of changes) {
            scheduler.at(c.at, () => {
              model.setDriftPpm(c.drift);
              model.step(c.step);
              readings.push(clock.monotonicMs());
            });
            scheduler.at(c.at + 0.5, () => readings.push(clock.monotonicMs()));
          }
          await scheduler.run();
          for (let i = 1; i < readings.length; i++) expect(readings[i]).toBeGreaterThanOrEqual(readings[i - 1] as number);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('fires timers in deadline order and at or after the deadline, even on a fast-drifting clock', async () => {
    const { scheduler, clock } = setup({ driftPpm: 400_000 });
    const fired: Array<{ delay: number; late: number }> = [];
    const base = clock.monotonicMs();
    // Deadlines one grid tick apart: a fast clock maps several of them to one virtual instant.
    const delays = [5, 5 + 1 / 1024, 5 + 2 / 1024, 3, 5 + 3 / 1024, 0, 4.999];
    for (const delay of [...delays].reverse()) clock.setTimer(delay, () => fired.push({ delay, late: clock.monotonicMs() - (base + delay) }));
    await scheduler.run();
    expect(fired.map((f) => f.delay)).toEqual([...delays].sort((a, b) => a - b));
    for (const f of fired) expect(f.late).toBeGreaterThanOrEqual(0);
  });

  it('keeps a timer from firing early when the drift slows down while it waits', async () => {
    const { scheduler, model, clock } = setup({ driftPpm: 200_000 });
    const base = clock.monotonicMs();
    let firedAt = -1;
    clock.setTimer(1_000, () => (firedAt = clock.monotonicMs()));
    scheduler.at(100, () => model.setDriftPpm(-200_000));
    await scheduler.run();
    expect(firedAt - base).toBeGreaterThanOrEqual(1_000);
  });

  it('cancelled timers never fire and a dead incarnation’s timers are dropped', async () => {
    const { scheduler, owner, clock } = setup();
    const fired: string[] = [];
    const a = clock.setTimer(10, () => fired.push('a'));
    clock.setTimer(20, () => fired.push('b'));
    a.cancel();
    a.cancel();
    clock.setTimer(30, () => fired.push('c'));
    scheduler.at(25, () => owner.kill('crashed'));
    await scheduler.run();
    expect(fired).toEqual(['b']);
    clock.setTimer(1, () => fired.push('late'));
    await scheduler.run();
    expect(fired).toEqual(['b']);
  });

  it('compacts many cancelled timers without losing live ones', async () => {
    const { scheduler, clock } = setup();
    let fired = 0;
    for (let i = 0; i < 5_000; i++) {
      const h = clock.setTimer(1_000 + i, () => fired++);
      if (i % 100 !== 0) h.cancel();
    }
    expect(clock.pendingTimers).toBe(50);
    await scheduler.run();
    expect(fired).toBe(50);
  });
});
