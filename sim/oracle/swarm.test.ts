// The smoke swarm of `npm test`: a few hundred seeds of the default swarm profile — every fault
// family, each seed drawing its own subset, rates, workload and configuration — must all pass,
// and every family must have been on, and have struck, in some seed. `npm run sim:nightly`
// runs thousands. A failing seed is printed with the command that reproduces it.
import { describe, expect, it } from 'vitest';
import { FAULT_FAMILIES, type FaultFamily, RAFT_NEMESIS_FAMILIES } from './options.js';
import { mergeReach } from './reach.js';
import { runSwarm, type SwarmSummary } from './runner.js';

const SEEDS = 300;
const CHUNK = 50;
const CHUNK_TIMEOUT_MS = 240_000;

describe(`the smoke swarm (${SEEDS} seeds, all fault families)`, () => {
  const summaries: SwarmSummary[] = [];
  for (let from = 1; from <= SEEDS; from += CHUNK) {
    const to = Math.min(SEEDS, from + CHUNK - 1);
    it(
      `passes seeds ${from}..${to}`,
      async () => {
        const summary = await runSwarm({ fromSeed: from, toSeed: to, profile: 'swarm', planted: null });
        summaries.push(summary);
        const failing = summary.failures.map((f) => `seed ${f.seed} ${f.result}: ${f.violations[0]?.kind ?? ''} ${f.violations[0]?.message ?? ''} (tsoracle sim run --seed ${f.seed})`);
        expect(failing).toEqual([]);
      },
      CHUNK_TIMEOUT_MS,
    );
  }

  it('had every fault family on, and striking, in some seed', () => {
    expect(summaries.length).toBe(Math.ceil(SEEDS / CHUNK));
    const missing: string[] = [];
    // The Raft families need a cluster (raft-swarm.test.ts covers them).
    for (const family of (FAULT_FAMILIES as readonly FaultFamily[]).filter((f) => !(RAFT_NEMESIS_FAMILIES as readonly string[]).includes(f))) {
      const seeds = summaries.reduce((n, s) => n + s.coverage[family].seeds, 0);
      const struck = summaries.reduce((n, s) => n + s.coverage[family].struck, 0);
      if (seeds === 0 || struck === 0) missing.push(`${family}: on in ${seeds} seeds, struck in ${struck}`);
    }
    expect(missing).toEqual([]);
  });

  it('reached every rare path a single node can take (sometimes marks; the nightly ones apart)', () => {
    expect(summaries.length).toBe(Math.ceil(SEEDS / CHUNK));
    const reach = mergeReach(summaries.map((s) => s.reach));
    expect(reach.undeclared).toEqual([]);
    expect(reach.unreached, `marks no seed of 1..${SEEDS} reached`).toEqual([]);
  });
});
