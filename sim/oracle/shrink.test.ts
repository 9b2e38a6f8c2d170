// The shrinker on the planted bugs: each failing seed shrinks to a capsule no larger than the
// seed's run, which replays (through its file) to the same violation kind and the same trace.
// `npm test` runs one bug per family (the product's, a Raft one, the broken example driver)
// on a small budget; TSORACLE_SHRINK_ALL=1 runs every planted bug on the default budget and
// prints the table of docs/simulator.md ("Shrinking a failure").
//
// Not here: the Paxos core's planted bugs (core/paxos/planted.test.ts) live in the Paxos
// simulation harness, not in the oracle's runs, so this shrinker does not reach them.

import { describe, expect, it } from 'vitest';
import broken from '../../examples/broken-driver.js';
import { capsuleText, parseCapsule, runCapsule } from './capsule.js';
import type { SimDriverModule } from './drivers.js';
import { profileForBug, type PlantedBug, RAFT_BUGS, type RunSpec, SINGLE_NODE_BUGS } from './options.js';
import { runSwarm } from './runner.js';
import { capsuleOfSeed, SHRINK_RUNS_MAX, shrinkCapsule } from './shrink.js';

interface Case {
  readonly name: string;
  readonly spec: RunSpec;
  readonly driver?: SimDriverModule;
  readonly runsMax: number;
}

const planted = (bug: PlantedBug, seed: number, nodes: number, runsMax: number): Case => ({
  name: bug,
  spec: { seed, profile: profileForBug(bug), planted: bug, ...(nodes === 1 ? {} : { nodes }) },
  runsMax,
});

/**
 * The seed range each Raft bug's profile finds it within (sim/oracle/raft-planted.test.ts): the
 * full table runs the swarm over it and shrinks the first failing seed (seed 58 itself passes
 * for skipFenceLinearizedLoad: an earlier one fails).
 */
const RAFT_FOUND_AT: Record<(typeof RAFT_BUGS)[number], number> = {
  commitOlderTermByCounting: 58,
  forgetVote: 30,
  serveAfterLeaseExpired: 12,
  leaseWithoutDriftMargin: 47,
  skipFenceLinearizedLoad: 58,
};

/** The broken example driver: seed 3 is the first of the default swarm it fails. */
const BROKEN: Case = { name: 'examples/broken-driver', spec: { seed: 3, profile: 'swarm', planted: null, driver: { module: 'examples/broken-driver.ts' } }, driver: broken, runsMax: SHRINK_RUNS_MAX };

async function shrinksAndReplays(c: Case): Promise<string> {
  const driver = c.driver === undefined ? {} : { driver: c.driver };
  const start = await capsuleOfSeed(c.spec, c.driver);
  const result = await shrinkCapsule(start, { runsMax: c.runsMax, ...driver });
  expect(result.runs).toBeLessThanOrEqual(c.runsMax);
  expect(result.shrunk.expect.violation?.kind).toBe(start.expect.violation?.kind);
  const o = result.original.size;
  const s = result.shrunk.size;
  expect(s.strikes).toBeLessThanOrEqual(o.strikes);
  expect(s.ops).toBeLessThanOrEqual(o.ops);
  expect(s.events).toBeLessThanOrEqual(o.events);
  // Through its file, with nothing drawn: the same violation kind and the same trace.
  const capsule = parseCapsule(capsuleText(result.shrunk));
  const replay = await runCapsule(capsule, driver);
  expect(replay.violations[0]?.kind).toBe(result.target);
  expect(replay.traceHash).toBe(capsule.expect.traceHash);
  return `| ${c.name} | ${c.spec.seed} | ${result.target} | ${o.strikes} / ${o.ops} / ${o.events} / ${o.simMs} | ${s.strikes} / ${s.ops} / ${s.events} / ${s.simMs} | ${result.runs} |`;
}

describe('every planted bug shrinks to a capsule that replays to the same violation', () => {
  it('the product: fenceAtPrior (one node)', async () => {
    await shrinksAndReplays(planted('fenceAtPrior', 1, 1, 12));
  });

  it('Raft: serveAfterLeaseExpired (three nodes)', async () => {
    await shrinksAndReplays(planted('serveAfterLeaseExpired', RAFT_FOUND_AT.serveAfterLeaseExpired, 3, 3));
  }, 60_000);

  it('the broken example driver', async () => {
    await shrinksAndReplays({ ...BROKEN, runsMax: 12 });
  });

  it('is deterministic: the same start and budget give the same capsule', async () => {
    const start = await capsuleOfSeed(planted('serveBeforePersist', 1, 1, 0).spec);
    const a = await shrinkCapsule(start, { runsMax: 30 });
    const b = await shrinkCapsule(start, { runsMax: 30 });
    expect(a.steps.length).toBeGreaterThan(0);
    expect(capsuleText(b.shrunk)).toBe(capsuleText(a.shrunk));
    expect(b.steps).toEqual(a.steps);
  });

  it.runIf(process.env.TSORACLE_SHRINK_ALL === '1')(
    'all of them, on the default budget or TSORACLE_SHRINK_RUNS (the table of docs/simulator.md)',
    async () => {
      const runsMax = Number(process.env.TSORACLE_SHRINK_RUNS ?? SHRINK_RUNS_MAX);
      console.log(`runs per shrink at most ${runsMax}\n| bug | seed | violation | original strikes / calls / events / virtual ms | capsule | runs |\n|---|---|---|---|---|---|`);
      const cases = [...SINGLE_NODE_BUGS.map((bug) => planted(bug, 1, 1, runsMax)), { ...BROKEN, runsMax }];
      for (const c of cases) console.log(await shrinksAndReplays(c));
      for (const bug of RAFT_BUGS) {
        const swarm = await runSwarm({ fromSeed: 1, toSeed: RAFT_FOUND_AT[bug], profile: profileForBug(bug), planted: bug, nodes: 3, stopAtFirstFailure: true });
        const seed = swarm.failures[0]?.seed;
        expect(seed, `no seed of 1..${RAFT_FOUND_AT[bug]} finds ${bug}`).toBeDefined();
        console.log(await shrinksAndReplays(planted(bug, seed as number, 3, runsMax)));
      }
    },
    3_600_000,
  );
});
