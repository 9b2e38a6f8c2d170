// Proof that the Paxos checkers of the oracle swarm (paxos-checkers.ts, wired through the paxos
// module's extras) catch the Paxos core's planted bugs (core/paxos/node.ts PaxosFaults, reached
// with `sim swarm --driver paxos --plant BUG`): each test runs the bug's profile from seed 1
// until a seed fails, checks the checker that names it, replays that seed to the same trace, and
// runs it again with the bug off: it passes. The seeds are where the swarm first found each bug
// (the search is recorded here, so a change that makes a bug harder to find shows).
import { describe, expect, it } from 'vitest';
import { runSeed } from './cluster.js';
import { builtinSimDriver } from './drivers.js';
import { PAXOS_BUGS, profileForBug, type PaxosBug } from './options.js';
import type { PaxosCheckerName } from './paxos-checkers.js';
import { runSwarm } from './runner.js';

interface PlantedCase {
  /** The first seed of the bug's profile (3 nodes) that finds it. */
  readonly foundAt: number;
  readonly checker: PaxosCheckerName;
}

const CASES: Partial<Record<PaxosBug, PlantedCase>> = {
  // A promise that left before it was durable, forgotten by a crash: a later leader is elected
  // by a quorum that includes the forgetful acceptor and misses a slot decided before.
  // (Seed 4 until the swarm's paxos drivers served batches and leases through the claims witness,
  // 2026-12-04: the calls moved every schedule, and the first seed of 1..300 was 175; 297 since
  // the peer timings follow the election timeout and a timed-out client attempt keeps a live
  // connection, which moved every schedule again.)
  promiseBeforePersist: { foundAt: 297, checker: 'decided-completeness' },
  // A new leader keeps its own log: a slot decided under a lower ballot is missing from it.
  // (3 before the peer-timing and client-connection changes.)
  skipReproposeHighest: { foundAt: 4, checker: 'decided-completeness' },
  // A decision one acceptor short of a quorum: the next leader's promise quorum does not hold it.
  // (4 before the peer-timing and client-connection changes.)
  decideBeforeQuorum: { foundAt: 2, checker: 'decided-completeness' },
  // An acceptor already synced to an old ballot takes its leader's Accept after promising a higher
  // ballot: its status shows nothing (the accepted round does not change), so the checker reads
  // the Accepted it sends (no seed of 1..40 found it while the checkers read only the status).
  // (4 before the peer-timing and client-connection changes.)
  acceptBelowPromise: { foundAt: 18, checker: 'promise-keeping' },
};

const SEED_TIMEOUT_MS = 300_000;

describe('the oracle swarm on the paxos driver finds every planted Paxos core bug, replays it, and passes the seed with the bug off', () => {
  const paxos = builtinSimDriver('paxos');
  for (const bug of PAXOS_BUGS) {
    const c = CASES[bug];
    if (c === undefined) continue;
    it(
      `finds ${bug} on 3 nodes first at seed ${c.foundAt}, by the ${c.checker} checker`,
      async () => {
        expect(paxos).toBeDefined();
        if (paxos === undefined) return;
        const driver = { module: paxos, ref: { module: 'paxos' } };
        const profile = profileForBug(bug);
        const summary = await runSwarm({ fromSeed: 1, toSeed: c.foundAt, profile, planted: bug, nodes: 3, driver, stopAtFirstFailure: true });
        const failure = summary.failures[0];
        expect(failure?.seed, `no seed in 1..${c.foundAt} found ${bug}`).toBe(c.foundAt);
        if (failure === undefined) return;
        expect(failure.result).toBe('safety');
        const first = failure.violations[0];
        expect(first?.kind).toBe('driver_invariant');
        expect(first?.details['checker'], first?.message).toBe(c.checker);
        const spec = { seed: failure.seed, profile, planted: bug, nodes: 3, driver: { module: 'paxos' } };
        const replay = await runSeed(spec, { driver: paxos });
        expect(replay.traceHash).toBe(failure.traceHash);
        const off = await runSeed({ ...spec, planted: null }, { driver: paxos });
        expect(off.violations.map((v) => v.message)).toEqual([]);
      },
      SEED_TIMEOUT_MS,
    );
  }
});
