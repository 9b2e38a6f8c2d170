// A seed's plan as a value: recording it draws nothing (the trace hash is the seed's), and the
// recorded plan, run with nothing drawn, gives the seed's trace again, event for event.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScriptedRng } from './capsule-plan.js';
import { runSeed } from './cluster.js';
import type { RunSpec } from './options.js';

async function recordedAndReplayed(spec: RunSpec): Promise<void> {
  const drawn = await runSeed(spec);
  const recorded = await runSeed(spec, { recordPlan: true });
  expect(recorded.traceHash).toBe(drawn.traceHash);
  const plan = recorded.plan;
  if (plan === undefined) throw new Error('a run with recordPlan hands its plan back');
  expect(plan.callers.length).toBeGreaterThan(0);
  // Through JSON, as a capsule holds it.
  const replayed = await runSeed(spec, { plan: JSON.parse(JSON.stringify(plan)) as typeof plan });
  expect(replayed.traceHash).toBe(drawn.traceHash);
  expect(replayed.events).toBe(drawn.events);
  expect(replayed.stats.nemesisStrikes).toEqual(drawn.stats.nemesisStrikes);
}

describe('a seed run hands back the plan it drew, and that plan replays the seed', () => {
  it('single node, a seed with strikes', async () => {
    for (const seed of [3]) await recordedAndReplayed({ seed, profile: 'swarm', planted: null });
  });

  it('a three-node Raft cluster', async () => {
    await recordedAndReplayed({ seed: 2, profile: 'swarm', planted: null, nodes: 3 });
  });

  it('a planted bug halted at its violation', async () => {
    await recordedAndReplayed({ seed: 1, profile: 'planted:serveBeforePersist', planted: 'serveBeforePersist' });
  });

  it('a plan with its strikes and calls removed runs fewer of them, deterministically', async () => {
    const spec: RunSpec = { seed: 3, profile: 'swarm', planted: null };
    const { plan } = await runSeed(spec, { recordPlan: true });
    if (plan === undefined) throw new Error('no plan');
    const smaller = { ...plan, strikes: plan.strikes.slice(0, 1), callers: plan.callers.map((c) => ({ ...c, ops: c.ops.slice(0, 2) })) };
    const a = await runSeed(spec, { plan: smaller, recordPlan: true });
    const b = await runSeed(spec, { plan: smaller });
    expect(a.traceHash).toBe(b.traceHash);
    expect(Object.values(a.stats.nemesisStrikes).reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(1);
    const ops = (r: typeof a): number => Object.values(r.stats.ops).reduce((n, byOutcome) => n + Object.values(byOutcome).reduce((x, y) => x + y, 0), 0);
    const planned = smaller.callers.reduce((n, c) => n + c.ops.length, 0);
    // The planned calls, and the ones of client incarnations the plan does not name (none here but restarts).
    expect(ops(a)).toBeLessThan(ops(await runSeed(spec)));
    expect(ops(a)).toBeGreaterThanOrEqual(Math.min(planned, 1));
  });
});

describe('a scripted strike stream', () => {
  it('answers every draw within its range, whatever the recorded choices (a shrunk plan may not fit)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 8 }), fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 10 })), { minLength: 1, maxLength: 12 }), (choices, ranges) => {
        const rng = new ScriptedRng('1/plan/serverCrash/0', choices);
        for (const [lo, width] of ranges) {
          const v = rng.int(lo, lo + width);
          expect(v).toBeGreaterThanOrEqual(lo);
          expect(v).toBeLessThanOrEqual(lo + width);
        }
        expect(rng.used.length).toBe(ranges.filter(([, w]) => w > 0).length);
      }),
    );
  });

  it('replays the choices that fit, in order', () => {
    const rng = new ScriptedRng('1/plan/partition/0', [2, 9, 0]);
    expect([rng.int(0, 3), rng.int(0, 3), rng.int(0, 1)]).toEqual([2, rng.used[1], 0]);
    expect(rng.used[1]).toBeLessThanOrEqual(3);
  });
});

describe('any part of a plan runs deterministically', () => {
  it('removing any strikes and calls of a recorded plan gives a run that repeats exactly', async () => {
    const spec: RunSpec = { seed: 1, profile: 'planted:fenceAtPrior', planted: 'fenceAtPrior' };
    const { plan } = await runSeed(spec, { recordPlan: true });
    if (plan === undefined) throw new Error('no plan');
    const ops = plan.callers.reduce((n, c) => n + c.ops.length, 0);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: plan.strikes.length, maxLength: plan.strikes.length }), fc.array(fc.boolean(), { minLength: ops, maxLength: ops }), async (keepStrike, keepOp) => {
        let k = 0;
        const part = { ...plan, strikes: plan.strikes.filter((_, i) => keepStrike[i]), callers: plan.callers.map((c) => ({ ...c, ops: c.ops.filter(() => keepOp[k++]) })) };
        const a = await runSeed(spec, { plan: part });
        const b = await runSeed(spec, { plan: part });
        expect(b.traceHash).toBe(a.traceHash);
      }),
      { numRuns: 4 },
    );
  });
});
