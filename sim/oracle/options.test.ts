import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  drawOptions,
  familiesOn,
  FAULT_FAMILIES,
  isEtcdBug,
  isPaxosBug,
  isMembershipBug,
  isRaftBug,
  livenessEnvelope,
  PLANTED_BUGS,
  SERVICE_BUGS,
  profileForBug,
  PROFILES,
  type ProfileName,
  RAFT_NEMESIS_FAMILIES,
  specProblem,
  valueChecksSound,
} from './options.js';

/** The cluster size a profile runs on by default (the Raft-only ones need a cluster). */
function nodesFor(profile: ProfileName): number {
  return profile === 'beyondDriftBound' || profile === 'failover' || (profile.startsWith('planted:') && isRaftBug(profile.slice('planted:'.length) as never)) ? 3 : 1;
}

const seedArbitrary = fc.nat({ max: 1_000_000_000 });

describe('swarm options', () => {
  it('are a function of the spec', () => {
    fc.assert(
      fc.property(seedArbitrary, fc.constantFrom(...(PROFILES as readonly ProfileName[])), (seed, profile) => {
        const nodes = nodesFor(profile);
        expect(drawOptions({ seed, profile, planted: null, nodes })).toEqual(drawOptions({ seed, profile, planted: null, nodes }));
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
    for (let seed = 0; seed < seeds; seed++) {
      for (const f of familiesOn(drawOptions({ seed, profile: 'swarm', planted: null, nodes: seed % 2 === 0 ? 1 : 3 }))) on.set(f, (on.get(f) ?? 0) + 1);
    }
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
      // The etcd driver's bugs need the faults between the nodes and etcd, which its module draws (etcd-module.ts).
      if (isEtcdBug(bug)) {
        expect(familiesOn(drawOptions({ seed: 1, profile: profileForBug(bug), planted: bug, nodes: 3, driver: { module: 'etcd' } })), bug).toEqual([]);
        continue;
      }
      const paxos = isPaxosBug(bug);
      // batchAppliedKeyByKey is a service-call bug planted in the etcd driver.
      const etcd = bug === 'batchAppliedKeyByKey';
      const o = drawOptions({
        seed: 1,
        profile: profileForBug(bug),
        planted: bug,
        nodes: isRaftBug(bug) || isMembershipBug(bug) || paxos || etcd ? 3 : 1,
        ...(paxos ? { driver: { module: 'paxos' } } : etcd ? { driver: { module: 'etcd' } } : {}),
      });
      // The service calls' bugs need their callers; the frontier's needs no fault at all.
      if ((SERVICE_BUGS as readonly string[]).includes(bug)) expect(o.services, bug).toBeDefined();
      if (bug === 'frontierIgnoresSupersededLeases') continue;
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

  it('keep the Raft families off a single node, and a cluster\'s clock drift within the configured bound', () => {
    fc.assert(
      fc.property(seedArbitrary, fc.constantFrom(3, 5), (seed, nodes) => {
        const single = drawOptions({ seed, profile: 'swarm', planted: null });
        expect(single.raft).toBeNull();
        for (const f of RAFT_NEMESIS_FAMILIES) expect(single.nemesis[f]).toBeUndefined();
        const o = drawOptions({ seed, profile: 'swarm', planted: null, nodes });
        const raft = o.raft;
        expect(raft?.nodes).toBe(nodes);
        if (raft === null) return;
        expect(raft.driftPpmMax).toBeLessThanOrEqual(raft.clockDriftBound * 1_000_000);
        for (const ppm of raft.initialDriftPpm) expect(Math.abs(ppm)).toBeLessThanOrEqual(raft.driftPpmMax);
        expect(o.nemesis.clockDrift?.size[1] ?? 0).toBeLessThanOrEqual(raft.driftPpmMax);
        expect(raft.livenessDownNodes).toBeLessThanOrEqual(Math.floor((nodes - 1) / 2));
        expect(raft.heartbeatIntervalMs).toBeLessThan(raft.electionTimeoutMs);
      }),
      { numRuns: 200 },
    );
  });

  it('drift beyond the bound only in the profile made to show what that breaks', () => {
    const o = drawOptions({ seed: 1, profile: 'beyondDriftBound', planted: null, nodes: 3 });
    expect(o.raft?.driftPpmMax).toBeGreaterThan((o.raft?.clockDriftBound ?? 1) * 1_000_000);
  });

  it('refuse specs that cannot run: other sizes, Raft bugs on one node, file-driver bugs in a cluster', () => {
    expect(specProblem({ seed: 1, profile: 'swarm', planted: null, nodes: 4 })).toMatch(/--nodes must be one of 1, 3, 5/);
    expect(specProblem({ seed: 1, profile: 'swarm', planted: 'forgetVote' })).toMatch(/needs a Raft cluster/);
    expect(specProblem({ seed: 1, profile: 'swarm', planted: 'skipDirFsync', nodes: 3 })).toMatch(/bug of the file driver/);
    expect(specProblem({ seed: 1, profile: 'swarm', planted: 'fenceAtPrior', nodes: 5 })).toBeNull();
  });
});

describe('the draws that reach rare paths', () => {
  it('are off in every profile but the swarm, so the planted bugs\' searches run as before', () => {
    for (const profile of PROFILES.filter((p) => p !== 'swarm' && p !== 'membership' && p !== 'failover' && p !== 'beyondDriftBound' && !p.startsWith('planted:'))) {
      for (let seed = 1; seed <= 30; seed++) {
        const o = drawOptions({ seed, profile, planted: null });
        expect(o.rare).toEqual({ sessionChurn: null, journalCompactBytes: null, journalZeroFillBytes: null });
        expect(familiesOn(o)).not.toContain('diskTailLost');
      }
    }
    const bug = 'fenceAtPrior' as const;
    for (let seed = 1; seed <= 30; seed++) {
      const o = drawOptions({ seed, profile: profileForBug(bug), planted: bug });
      expect(o.rare).toEqual({ sessionChurn: null, journalCompactBytes: null, journalZeroFillBytes: null });
      expect(familiesOn(o)).not.toContain('diskTailLost');
    }
  });

  it('in the swarm, draw a churn past the session table, small compaction sizes for one node only, and the lost-tail family', () => {
    let churns = 0;
    let compactions = 0;
    let tailLost = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const one = drawOptions({ seed, profile: 'swarm', planted: null });
      const three = drawOptions({ seed, profile: 'swarm', planted: null, nodes: 3 });
      expect(three.rare.journalCompactBytes).toBeNull();
      const churn = one.rare.sessionChurn;
      if (churn !== null) {
        churns++;
        expect(churn.sessionsMax).toBeGreaterThan(256);
        expect(churn.sleeperWakeAfterSessions).toBeGreaterThan(256);
        expect(churn.sleeperWakeAfterSessions).toBeLessThan(churn.sessionsMax);
      }
      if (one.rare.journalCompactBytes !== null) compactions++;
      if (familiesOn(one).includes('diskTailLost')) tailLost++;
    }
    expect(churns).toBeGreaterThan(0);
    expect(compactions).toBeGreaterThan(0);
    expect(tailLost).toBeGreaterThan(0);
  });
});
