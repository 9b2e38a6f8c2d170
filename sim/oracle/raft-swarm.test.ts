// The Raft smoke swarm of `npm test`: seeds of the default swarm profile on 3-node clusters —
// every fault family of the single-node swarm plus the Raft ones, each seed drawing its own
// subset, rates, workload and Raft configuration — must all pass every checker (the Raft ones
// and the oracle's, across failovers) and the liveness phase; every family must have been on,
// and have struck, in some seed. A few 5-node seeds run too. `npm run sim:nightly` runs
// thousands of both sizes. A failing seed is printed with the command that reproduces it.
import { describe, expect, it } from 'vitest';
import { FAULT_FAMILIES, type FaultFamily } from './options.js';
import { mergeReach } from './reach.js';
import { runSwarm, type SwarmSummary } from './runner.js';

const SEEDS_3 = 120;
const SEEDS_5 = 20;
const CHUNK = 40;
const CHUNK_TIMEOUT_MS = 300_000;

function failing(summary: SwarmSummary, nodes: number): string[] {
  return summary.failures.map(
    (f) => `seed ${f.seed} ${f.result}: ${f.violations[0]?.kind ?? ''} ${f.violations[0]?.message ?? ''} (tsoracle sim run --seed ${f.seed} --nodes ${nodes})`,
  );
}

describe(`the Raft smoke swarm (${SEEDS_3} seeds of 3 nodes, ${SEEDS_5} of 5, all fault families)`, () => {
  const summaries: SwarmSummary[] = [];
  for (let from = 1; from <= SEEDS_3; from += CHUNK) {
    const to = Math.min(SEEDS_3, from + CHUNK - 1);
    it(
      `passes 3-node seeds ${from}..${to}`,
      async () => {
        const summary = await runSwarm({ fromSeed: from, toSeed: to, profile: 'swarm', planted: null, nodes: 3 });
        summaries.push(summary);
        expect(failing(summary, 3)).toEqual([]);
      },
      CHUNK_TIMEOUT_MS,
    );
  }

  it(
    `passes 5-node seeds 1..${SEEDS_5}`,
    async () => {
      const summary = await runSwarm({ fromSeed: 1, toSeed: SEEDS_5, profile: 'swarm', planted: null, nodes: 5 });
      summaries.push(summary);
      expect(failing(summary, 5)).toEqual([]);
    },
    CHUNK_TIMEOUT_MS,
  );

  it('had every fault family on, and striking, in some seed; leaders died and new ones served', () => {
    expect(summaries.length).toBe(Math.ceil(SEEDS_3 / CHUNK) + 1);
    const missing: string[] = [];
    for (const family of FAULT_FAMILIES as readonly FaultFamily[]) {
      const seeds = summaries.reduce((n, s) => n + s.coverage[family].seeds, 0);
      const struck = summaries.reduce((n, s) => n + s.coverage[family].struck, 0);
      if (seeds === 0 || struck === 0) missing.push(`${family}: on in ${seeds} seeds, struck in ${struck}`);
    }
    expect(missing).toEqual([]);
    const deaths = summaries.reduce((n, s) => n + (s.failover?.leaderDeaths ?? 0), 0);
    const served = summaries.reduce((n, s) => n + (s.failover?.serveMs?.count ?? 0), 0);
    expect(deaths).toBeGreaterThan(0);
    expect(served).toBeGreaterThan(0);
    // The election-time faults struck too.
    expect(summaries.reduce((n, s) => n + (s.failover?.isolateNewLeader ?? 0), 0)).toBeGreaterThan(0);
    expect(summaries.reduce((n, s) => n + (s.failover?.followerPowerLoss ?? 0), 0)).toBeGreaterThan(0);
  });

  it('reached every rare path a Raft cluster can take (sometimes marks; the nightly ones apart)', () => {
    expect(summaries.length).toBe(Math.ceil(SEEDS_3 / CHUNK) + 1);
    const reach = mergeReach(summaries.map((s) => s.reach));
    expect(reach.undeclared).toEqual([]);
    expect(reach.unreached, `marks no seed of 3-node 1..${SEEDS_3} or 5-node 1..${SEEDS_5} reached`).toEqual([]);
  });
});
