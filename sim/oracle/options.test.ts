import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawOptions, familiesOn, FAULT_FAMILIES, livenessEnvelope, PLANTED_BUGS, profileForBug, PROFILES, type ProfileName, valueChecksSound } from './options.js';

const seedArbitrary = fc.nat({ max: 1_000_000_000 });

describe('swarm options', () => {
  it('are a function of the spec', () => {
    fc.assert(
      fc.property(seedArbitrary, fc.constantFrom(...(PROFILES as readonly ProfileName[])), (seed, profile) => {
        expect(drawOptions({ seed, profile, planted: null })).toEqual(drawOptions({ seed, profile, planted: null }));
      }),
      { numRuns: 50 },
    );
  });

  it('stay within their bounds and always call something', () => {
    fc.assert(
      fc.property(seedArbitrary, (seed) => {
        const o = drawOptions({ seed, profile: 'swarm', planted: null });
        const w = o.workload;
        expect(w.weights.getTs + w.weights.getTsBatch + w.weights.getSeq).toBeGreaterThan(0);
        expect(w.clients).toBeGreaterThanOrEqual(1);
        expect(w.callersPerClient).toBeGreaterThanOrEqual(1);
        expect(o.client.overallTimeoutMs).toBeGreaterThanOrEqual(2 * o.client.attemptTimeoutMs);
        expect(o.phases.safetyMs).toBeGreaterThan(0);
        for (const rule of Object.values(o.nemesis)) {
          expect(rule.gapMs[0]).toBeLessThanOrEqual(rule.gapMs[1]);
          expect(rule.size[0]).toBeLessThanOrEqual(rule.size[1]);
        }
        for (const rule of [...Object.values(o.disk), ...Object.values(o.net)]) expect(rule.rate[0]).toBeLessThanOrEqual(rule.rate[1]);
        // A crash outcome is only on with a way to crash the server.
        if (o.disk.diskTorn !== undefined) expect(o.nemesis.serverCrash).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('vary across seeds: every family is on in some seeds and off in others', () => {
    const on = new Map<string, number>();
    const seeds = 200;
    for (let seed = 0; seed < seeds; seed++) for (const f of familiesOn(drawOptions({ seed, profile: 'swarm', planted: null }))) on.set(f, (on.get(f) ?? 0) + 1);
    for (const family of FAULT_FAMILIES) {
      expect(on.get(family) ?? 0, family).toBeGreaterThan(0);
      expect(on.get(family) ?? 0, family).toBeLessThan(seeds);
    }
  });

  it('turn every fault off in the calm profile', () => {
    expect(familiesOn(drawOptions({ seed: 5, profile: 'calm', planted: null }))).toEqual([]);
  });

  it('give each planted bug a profile that turns on the families it needs', () => {
    for (const bug of PLANTED_BUGS) {
      const o = drawOptions({ seed: 1, profile: profileForBug(bug), planted: bug });
      expect(familiesOn(o).length, bug).toBeGreaterThan(0);
    }
    expect(familiesOn(drawOptions({ seed: 1, profile: 'planted:skipDirFsync', planted: 'skipDirFsync' }))).toEqual(['serverCrash', 'diskDirOpsVanish']);
  });

  it('turn the value checks off only with corrupted frame bodies, and the strict liveness demand on only for serviceable configurations', () => {
    let corrupt = 0;
    for (let seed = 0; seed < 100; seed++) {
      const o = drawOptions({ seed, profile: 'swarm', planted: null });
      expect(valueChecksSound(o)).toBe(o.net.netCorrupt === undefined);
      if (!valueChecksSound(o)) corrupt++;
      expect(livenessEnvelope(o)).toBe(o.server.windowAheadMs >= 50 && o.client.attemptTimeoutMs >= 100);
    }
    expect(corrupt).toBeGreaterThan(0);
    expect(corrupt).toBeLessThan(50);
  });
});
