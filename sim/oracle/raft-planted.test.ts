// Proof that the cluster checkers catch Raft bugs: each test plants one known bug in the real
// code path (the Raft core or the raft driver, behind a test-only switch), runs the swarm with
// that bug's profile from seed 1 until a seed fails, checks that the violation is of the kind
// the bug must cause, replays the seed to the same violation and trace, and runs the seeds that
// found it again with the bug off: they pass. The seed ranges are where the swarm first found
// each bug (the search is recorded here, so a change that makes a bug harder to find shows).
//
// And the lease's one assumption: clocks that drift beyond the configured bound break it. A
// correct cluster run with the bound at 1% and clocks drifting 40% the worst way serves from two
// leaders at once, and the checkers report the real-time violation; with the drift within the
// bound (the same mix at the bound, correct code) nothing is found.
import { describe, expect, it } from 'vitest';
import { runSeed } from './cluster.js';
import { profileForBug, RAFT_BUGS, type RaftBug } from './options.js';
import { runSwarm } from './runner.js';
import type { ViolationKind } from './violations.js';

const TIMESTAMP_ORDER: readonly ViolationKind[] = ['ts_real_time_order', 'ts_rewind_after_restart', 'ts_duplicate'];

interface PlantedCase {
  readonly nodes: number;
  /** The first seed of the bug's profile that finds it (from a search of seeds 1..300). */
  readonly foundAt: number;
  readonly expected: readonly ViolationKind[];
}

// The WAL's move to an open append handle (one write and one sync per Ready, no open or close)
// changed the disk operations and so the latency draws of every run: commitOlderTermByCounting
// moved from seed 18 to 58, forgetVote from 4 to 30 and the drift-bound case from 6 to 12 (each
// the first seed of 1..300 that finds it now). The peer links' redial on a hello (a restarted
// peer is heard at once) moved forgetVote again from 30 to 40, skipFenceLinearizedLoad from 58
// to 98 and the drift-bound case from 12 to 26.
const CASES: Record<RaftBug, PlantedCase> = {
  // Figure 8 (§5.4.2): a leader counts replicas of an older term's entry and commits it; a
  // later leader whose log holds another entry there wins without it (leader completeness),
  // and would overwrite it.
  commitOlderTermByCounting: { nodes: 3, foundAt: 58, expected: ['raft_leader_incomplete', 'raft_state_machine_divergence'] },
  // A vote not persisted: a follower votes, loses power right behind its write of the new
  // leader's first entry, comes back in the same term with no vote and votes again.
  forgetVote: { nodes: 3, foundAt: 40, expected: ['raft_two_leaders_in_term'] },
  // A deposed leader serves from its window after a new leader served larger timestamps.
  serveAfterLeaseExpired: { nodes: 3, foundAt: 12, expected: TIMESTAMP_ORDER },
  // A lease with no margin for drift outlives the followers' election timeout.
  leaseWithoutDriftMargin: { nodes: 3, foundAt: 47, expected: TIMESTAMP_ORDER },
  // A fence on a stale high-water: the new leader reissues timestamps the old one served.
  skipFenceLinearizedLoad: { nodes: 3, foundAt: 98, expected: TIMESTAMP_ORDER },
};

const SEED_TIMEOUT_MS = 300_000;

describe('the cluster swarm finds every planted Raft bug, replays it, and passes the same seeds with the bug off', () => {
  for (const bug of RAFT_BUGS) {
    const c = CASES[bug];
    it(
      `finds ${bug} on ${c.nodes} nodes by seed ${c.foundAt}`,
      async () => {
        const profile = profileForBug(bug);
        const summary = await runSwarm({ fromSeed: 1, toSeed: c.foundAt, profile, planted: bug, nodes: c.nodes, stopAtFirstFailure: true });
        const failure = summary.failures[0];
        expect(failure, `no seed in 1..${c.foundAt} found ${bug}`).toBeDefined();
        if (failure === undefined) return;
        expect(failure.result).toBe('safety');
        const first = failure.violations[0];
        expect(c.expected, `${bug}: ${first?.message ?? ''}`).toContain(first?.kind);
        const spec = { seed: failure.seed, profile, planted: bug, nodes: c.nodes };
        const replay = await runSeed(spec);
        expect(replay.traceHash).toBe(failure.traceHash);
        expect(replay.violations[0]?.message).toBe(first?.message);
        const off = await runSeed({ ...spec, planted: null });
        expect(off.violations.map((v) => v.message)).toEqual([]);
      },
      SEED_TIMEOUT_MS,
    );
  }
});

describe('the lease holds only while clocks drift within the configured bound', () => {
  const FOUND_AT = 26;

  it(
    `with clocks drifting 40% against a 1% bound, a correct cluster serves from two leaders and the checkers say so (by seed ${FOUND_AT})`,
    async () => {
      const summary = await runSwarm({ fromSeed: 1, toSeed: FOUND_AT, profile: 'beyondDriftBound', planted: null, nodes: 3, stopAtFirstFailure: true });
      const first = summary.failures[0]?.violations[0];
      expect(first, `no seed in 1..${FOUND_AT} broke the lease`).toBeDefined();
      expect(TIMESTAMP_ORDER).toContain(first?.kind);
    },
    SEED_TIMEOUT_MS,
  );

  it(
    'with the same mix at the bound (the worst drift it allows), the same seeds pass',
    async () => {
      const summary = await runSwarm({ fromSeed: 1, toSeed: FOUND_AT, profile: 'planted:leaseWithoutDriftMargin', planted: null, nodes: 3 });
      expect(summary.failures.map((f) => `seed ${f.seed}: ${f.violations[0]?.message ?? f.result}`)).toEqual([]);
    },
    SEED_TIMEOUT_MS,
  );
});
