// A failure capsule holds a run whole: written from a seed's recorded plan it replays to the
// seed's trace and violation; a file this build cannot run is refused with the field named.

import { describe, expect, it } from 'vitest';
import { runSeed } from './cluster.js';
import { CapsuleError, capsuleOf, capsuleText, parseCapsule, runCapsule, showsExpected } from './capsule.js';
import type { RunSpec } from './options.js';

const SPEC: RunSpec = { seed: 1, profile: 'planted:serveBeforePersist', planted: 'serveBeforePersist' };

describe('a failure capsule', () => {
  it('written from a failing seed, replays through its file to the same trace and violation', async () => {
    const seed = await runSeed(SPEC, { recordPlan: true });
    expect(seed.result).toBe('safety');
    const capsule = parseCapsule(capsuleText(capsuleOf(seed)));
    expect(capsule.expect).toEqual({ result: 'safety', violation: { kind: seed.violations[0]?.kind, message: seed.violations[0]?.message }, traceHash: seed.traceHash });
    expect(capsule.size.events).toBe(seed.events);
    const replayed = await runCapsule(capsule);
    expect(replayed.traceHash).toBe(seed.traceHash);
    expect(showsExpected(capsule, replayed)).toBe(true);
  });

  it('refuses what this build cannot run, naming the field', async () => {
    const seed = await runSeed(SPEC, { recordPlan: true });
    const good = JSON.parse(capsuleText(capsuleOf(seed))) as Record<string, unknown> & { plan: Record<string, unknown> & { strikes: unknown[]; options: Record<string, unknown> } };
    const refused = (mutate: (c: typeof good) => void): string => {
      const c = JSON.parse(JSON.stringify(good)) as typeof good;
      mutate(c);
      try {
        parseCapsule(JSON.stringify(c));
      } catch (e) {
        expect(e).toBeInstanceOf(CapsuleError);
        return (e as CapsuleError).field;
      }
      throw new Error('accepted');
    };
    expect(() => parseCapsule('{')).toThrow(CapsuleError);
    expect(refused((c) => (c.version = 2))).toBe('version');
    expect(refused((c) => (c.format = 'trace'))).toBe('format');
    expect(refused((c) => ((c.spec as Record<string, unknown>).planted = 'noSuchBug'))).toBe('spec.planted');
    expect(refused((c) => c.plan.strikes.push({ atMs: 5, family: 'leaderPartition', size: 10, choices: [] }))).toBe(`plan.strikes[${c0(good)}].family`);
    expect(refused((c) => c.plan.strikes.push({ atMs: -1, family: 'serverCrash', size: 10, choices: [] }))).toBe(`plan.strikes[${c0(good)}].atMs`);
    expect(refused((c) => ((c.plan.options.workload as Record<string, unknown>).clientz = 3))).toBe('plan.options.workload.clientz');
    expect(refused((c) => ((c.plan.options.disk as Record<string, unknown>).diskTorn = { rate: [2, 1] }))).toBe('plan.options.disk.diskTorn.rate');
    expect(refused((c) => (c.plan.callers = [{ client: 'c1', incarnation: 1, caller: 0, ops: [{ kind: 'getSeq', count: 1, key: null, thinkMs: 0 }] }]))).toBe('plan.callers[0].ops[0].key');
  });
});

function c0(capsule: { plan: { strikes: unknown[] } }): number {
  return capsule.plan.strikes.length;
}
