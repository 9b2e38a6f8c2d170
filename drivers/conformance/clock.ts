// Conformance suite of the Clock port, written against drivers/ports.ts only, so the Node clock
// and the simulator's virtual clock keep the same contract: monotonic time never decreases,
// timers fire at or after their deadline and in deadline order, cancelled timers never fire.
//
// The fixture's `until` lets time pass until a condition holds: real waiting for Node, running
// the scheduler for a simulation. It rejects when the condition does not come true within the
// fixture's own bound, so a broken clock fails the test instead of hanging it.
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../ports.js';

export interface ClockFixture {
  readonly clock: Clock;
  /** Lets time pass until `done()` is true; rejects (naming `what`) past the fixture's bound. */
  until(done: () => boolean, what: string): Promise<void>;
  readonly dispose?: () => Promise<void>;
}

export function clockConformance(name: string, makeClock: () => Promise<ClockFixture>): void {
  describe(`Clock conformance: ${name}`, () => {
    let fixtures: ClockFixture[] = [];
    const setup = async (): Promise<ClockFixture> => {
      const fixture = await makeClock();
      fixtures.push(fixture);
      return fixture;
    };
    afterEach(async () => {
      const done = fixtures;
      fixtures = [];
      for (const fixture of done) await fixture.dispose?.();
    });

    it('monotonicMs never decreases while time passes', async () => {
      const { clock, until } = await setup();
      const readings: number[] = [clock.monotonicMs()];
      let fired = 0;
      for (let i = 0; i < 5; i++) clock.setTimer(i * 3, () => (fired += 1));
      await until(() => {
        readings.push(clock.monotonicMs());
        return fired === 5;
      }, 'five timers');
      readings.push(clock.monotonicMs());
      for (let i = 1; i < readings.length; i++) expect(readings[i]).toBeGreaterThanOrEqual(readings[i - 1] ?? -Infinity);
      expect(readings.at(-1)).toBeGreaterThanOrEqual((readings[0] ?? 0) + 12);
    });

    it('wallMs is an integer', async () => {
      const { clock } = await setup();
      const wall = clock.wallMs();
      expect(Number.isSafeInteger(wall)).toBe(true);
    });

    it('fires timers in deadline order, not in the order they were set', async () => {
      const { clock, until } = await setup();
      const order: number[] = [];
      for (const delayMs of [40, 5, 25, 0, 15, 30, 10]) clock.setTimer(delayMs, () => order.push(delayMs));
      await until(() => order.length === 7, 'seven timers');
      expect(order).toEqual([0, 5, 10, 15, 25, 30, 40]);
    });

    it('fires a timer at or after its deadline on the monotonic clock', async () => {
      const { clock, until } = await setup();
      const lateness: number[] = [];
      for (const delayMs of [0, 1, 2, 7, 20]) {
        const setAtMs = clock.monotonicMs();
        clock.setTimer(delayMs, () => lateness.push(clock.monotonicMs() - (setAtMs + delayMs)));
      }
      await until(() => lateness.length === 5, 'five timers');
      for (const late of lateness) expect(late).toBeGreaterThanOrEqual(0);
    });

    it('never fires a timer synchronously, even with a zero delay', async () => {
      const { clock, until } = await setup();
      let fired = false;
      clock.setTimer(0, () => (fired = true));
      expect(fired).toBe(false);
      await until(() => fired, 'zero-delay timer');
    });

    it('a cancelled timer never fires; cancelling twice or after firing is harmless', async () => {
      const { clock, until } = await setup();
      const fired: string[] = [];
      const cancelled = clock.setTimer(5, () => fired.push('cancelled'));
      const early = clock.setTimer(1, () => fired.push('early'));
      clock.setTimer(20, () => fired.push('later'));
      cancelled.cancel();
      cancelled.cancel();
      await until(() => fired.includes('later'), 'the later timer');
      early.cancel();
      expect(fired).toEqual(['early', 'later']);
    });

    it('a timer set from inside a callback fires after it, in order with the others', async () => {
      const { clock, until } = await setup();
      const order: string[] = [];
      clock.setTimer(1, () => {
        order.push('outer');
        clock.setTimer(0, () => order.push('inner'));
      });
      clock.setTimer(30, () => order.push('last'));
      await until(() => order.length === 3, 'three timers');
      expect(order).toEqual(['outer', 'inner', 'last']);
    });
  });
}
