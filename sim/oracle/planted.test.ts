// Proof that the checkers catch bugs: each test plants one known bug in the real code path
// (file driver, serving node or client, behind a test-only switch), runs the swarm with that
// bug's profile over a bounded range of seeds until a seed fails, checks that the violation is
// of the kind the bug must cause, and replays the seed to the same violation and trace.
import { describe, expect, it } from 'vitest';
import { runSeed } from './cluster.js';
import { SINGLE_NODE_BUGS, profileForBug } from './options.js';
import { runSwarm } from './runner.js';
import type { ViolationKind } from './violations.js';

/** Seeds each bug may take to show itself (every one so far shows on the first). */
const SEEDS_MAX = 20;

const EXPECTED: Record<(typeof SINGLE_NODE_BUGS)[number], readonly ViolationKind[]> = {
  // Served from a window not yet durable: a timestamp above the durable high-water.
  serveBeforePersist: ['ts_served_not_durable', 'ts_rewind_after_restart', 'ts_real_time_order', 'ts_duplicate'],
  // Fenced at prior: the new incarnation reissues the prior millisecond's timestamps.
  fenceAtPrior: ['ts_rewind_after_restart', 'ts_duplicate', 'ts_real_time_order'],
  // The rename is not durable: the driver publishes a high-water the disk does not hold.
  skipDirFsync: ['high_water_published_not_durable', 'ts_served_not_durable', 'durable_high_water_went_back', 'seq_acknowledged_lost'],
  // Published before the fsync: the same, and the record may not even decode after a crash.
  publishHighWaterBeforeFsync: ['high_water_published_not_durable', 'ts_served_not_durable', 'durable_record_corrupt', 'durable_high_water_went_back'],
  // A retry under a new request id: a second block, or a block recorded under another id.
  // A retry under a new id takes an id another call of the session owns: the ledger remembers a
  // batch's id with another call's grants.
  newRequestIdOnRetry: ['seq_request_two_blocks', 'seq_block_under_other_request', 'seq_call_request_id_unexpected', 'seq_batch_partial'],
};

describe('the swarm finds every planted bug of the single-node oracle, and the seed replays to the same violation', () => {
  for (const bug of SINGLE_NODE_BUGS) {
    it(`finds ${bug} within ${SEEDS_MAX} seeds`, async () => {
      const profile = profileForBug(bug);
      const summary = await runSwarm({ fromSeed: 1, toSeed: SEEDS_MAX, profile, planted: bug, stopAtFirstFailure: true });
      const failure = summary.failures[0];
      expect(failure, `no seed in 1..${SEEDS_MAX} found ${bug}`).toBeDefined();
      if (failure === undefined) return;
      expect(failure.result).toBe('safety');
      const first = failure.violations[0];
      expect(EXPECTED[bug]).toContain(first?.kind);
      const replay = await runSeed({ seed: failure.seed, profile, planted: bug });
      expect(replay.traceHash).toBe(failure.traceHash);
      expect(replay.violations[0]?.kind).toBe(first?.kind);
      expect(replay.violations[0]?.message).toBe(first?.message);
    });
  }

  it('finds the bugs under the default swarm mix too, within a few seeds each', async () => {
    // fenceAtPrior needs a restart whose clock is behind the prior high-water with no failover
    // advance, rare in the default mix (seeds 92 and 150 of 1..150 find it); its profile finds
    // it on every seed.
    for (const bug of SINGLE_NODE_BUGS.filter((b) => b !== 'fenceAtPrior')) {
      const summary = await runSwarm({ fromSeed: 1, toSeed: SEEDS_MAX, profile: 'swarm', planted: bug, stopAtFirstFailure: true });
      const first = summary.failures[0]?.violations[0];
      expect(first, `the default swarm did not find ${bug} in 1..${SEEDS_MAX}`).toBeDefined();
      expect(EXPECTED[bug], bug).toContain(first?.kind);
    }
  });

  it('finds nothing with the bugs off on the same seeds and profiles', async () => {
    for (const bug of SINGLE_NODE_BUGS) {
      const summary = await runSwarm({ fromSeed: 1, toSeed: 3, profile: profileForBug(bug), planted: null });
      expect(summary.failures.map((f) => `${bug} seed ${f.seed}: ${f.violations[0]?.message ?? f.result}`)).toEqual([]);
    }
  });
});
