import { describe, expect, it } from 'vitest';
import { Incarnation } from './process.js';
import { quantizeUpMs, Scheduler } from './scheduler.js';

describe('Scheduler', () => {
  it('runs events in (time, scheduling order) and time never goes back', async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.after(5, () => seen.push('b@5'));
    s.after(1, () => seen.push('a@1'));
    s.after(5, () => seen.push('c@5'));
    s.after(0, () => {
      seen.push('z@0');
      s.after(5, () => seen.push('d@5'));
    });
    const out = await s.run();
    expect(seen).toEqual(['z@0', 'a@1', 'b@5', 'c@5', 'd@5']);
    expect(out).toMatchObject({ reason: 'idle', events: 5, nowMs: 5 });
  });

  it('jumps virtual time: an hour of sleeping runs in one event', async () => {
    const s = new Scheduler();
    let woke = -1;
    const sleep = (ms: number): Promise<void> => new Promise((r) => s.after(ms, r));
    void (async () => {
      await sleep(3_600_000);
      woke = s.nowMs;
    })();
    const started = performance.now();
    const out = await s.run();
    expect(woke).toBe(3_600_000);
    expect(out.events).toBe(1);
    expect(performance.now() - started).toBeLessThan(5_000); // no real waiting (generous bound)
  });

  it('runs the continuations of an awaited chain at the virtual time of each completion', async () => {
    const s = new Scheduler();
    const op = (ms: number, value: string): Promise<string> => new Promise((r) => s.after(ms, () => r(value)));
    const log: string[] = [];
    void (async () => {
      const a = await op(3, 'a');
      log.push(`${a}@${s.nowMs}`);
      const b = await op(4, 'b');
      log.push(`${b}@${s.nowMs}`);
      await Promise.resolve(); // extra microtask hops still run before the next event
      await Promise.resolve();
      log.push(`after-b@${s.nowMs}`);
      const [c, d] = await Promise.all([op(1, 'c'), op(2, 'd')]);
      log.push(`${c}${d}@${s.nowMs}`);
    })();
    // An unrelated event due at t=7 but scheduled after the t=7 completion (from t=5) runs after
    // every continuation of that completion.
    s.at(5, () => s.at(7, () => log.push(`other@${s.nowMs}`)));
    await s.run();
    expect(log).toEqual(['a@3', 'b@7', 'after-b@7', 'other@7', 'cd@9']);
  });

  it('drains arbitrarily deep continuation chains (nested async, all, race, queueMicrotask) before the next event', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    const op = (name: string): Promise<void> =>
      new Promise((r) =>
        s.after(1, () => {
          log.push(`complete ${name}`);
          r();
        }),
      );
    const deep = async (n: number): Promise<number> => (n === 0 ? s.nowMs : deep(n - 1));
    const runner = async (name: string): Promise<void> => {
      for (let round = 0; round < 50; round++) {
        await op(name);
        for (let i = 0; i < 20; i++) await Promise.resolve();
        await deep(30);
        await Promise.all([Promise.resolve(1), Promise.race([Promise.resolve(2), new Promise(() => {})])]);
        await new Promise<void>((r) => queueMicrotask(r));
        log.push(`done ${name}`);
      }
    };
    void runner('x');
    void runner('y'); // completes at the same instants as x: the chains must not interleave
    await s.run();
    expect(log).toHaveLength(200);
    for (let i = 0; i < log.length; i += 2) {
      const name = (log[i] as string).slice('complete '.length);
      expect(log[i + 1]).toBe(`done ${name}`);
    }
  });

  it('rounds delays up to the 1/1024 ms grid so time differences are exact', async () => {
    const s = new Scheduler();
    const times: number[] = [];
    s.after(0.1, () => times.push(s.nowMs));
    s.after(10, () => times.push(s.nowMs));
    await s.run();
    expect(times[0]).toBe(quantizeUpMs(0.1));
    expect(times[0]).toBeGreaterThanOrEqual(0.1);
    expect((times[1] as number) - 0).toBe(10);
  });

  it('stops at untilMs with time standing there, and resumes later', async () => {
    const s = new Scheduler();
    const seen: number[] = [];
    for (const t of [10, 20, 30]) s.at(t, () => seen.push(t));
    expect(await s.run({ untilMs: 25 })).toMatchObject({ reason: 'until', nowMs: 25, events: 2 });
    expect(seen).toEqual([10, 20]);
    expect(await s.run({ untilMs: 100 })).toMatchObject({ reason: 'idle', nowMs: 100, events: 1 });
  });

  it('bounds a livelock with maxEvents instead of hanging', async () => {
    const s = new Scheduler();
    const spin = (): void => {
      s.after(0, spin, { waking: false });
    };
    spin();
    const out = await s.run({ maxEvents: 10_000 });
    expect(out).toMatchObject({ reason: 'max_events', events: 10_000 });
  });

  it('cancelled events never run, even after many cancellations compact the queue', async () => {
    const s = new Scheduler();
    let ran = 0;
    const events = Array.from({ length: 10_000 }, (_, i) => s.after(i + 1, () => ran++));
    for (const [i, e] of events.entries()) if (i % 10 !== 0) s.cancel(e);
    expect(s.queued).toBe(1_000);
    await s.run();
    expect(ran).toBe(1_000);
  });

  it('a throwing event stops the run with the error unless onError says continue', async () => {
    const s = new Scheduler();
    const boom = new Error('boom');
    s.after(1, () => {
      throw boom;
    });
    let after = false;
    s.after(2, () => (after = true));
    const out = await s.run();
    expect(out).toMatchObject({ reason: 'failed', error: boom });
    expect(after).toBe(false);
    s.onError = () => 'continue';
    s.after(1, () => {
      throw boom;
    });
    expect((await s.run()).reason).toBe('idle');
    expect(after).toBe(true);
  });

  it('drops events of a dead owner and defers a paused owner’s events, in order, to its resume', async () => {
    const s = new Scheduler();
    const owner = new Incarnation('n1', 1);
    const log: string[] = [];
    s.at(1, () => log.push(`a@${s.nowMs}`), { owner });
    s.at(2, () => log.push(`b@${s.nowMs}`), { owner });
    s.at(3, () => log.push(`free@${s.nowMs}`));
    owner.pause();
    s.at(10, () => owner.resume(s));
    await s.run();
    expect(log).toEqual(['free@3', 'a@10', 'b@10']);
    s.at(20, () => log.push('dead'), { owner });
    owner.kill('crashed');
    await s.run();
    expect(log).not.toContain('dead');
  });

  it('stop() from an event returns the run after that event', async () => {
    const s = new Scheduler();
    s.at(1, () => s.stop());
    s.at(2, () => {});
    expect(await s.run()).toMatchObject({ reason: 'stopped', events: 1, nowMs: 1 });
    expect(await s.run()).toMatchObject({ reason: 'idle', events: 1 });
  });
});
