// Proof that the service checkers catch the service calls' planted bugs in the swarm (issue 16):
// each bug is planted in the real code path behind its test-only switch, its profile's seeds are
// run from 1 until one fails (the search is recorded here, so a change that makes a bug harder to
// find shows), the violation is of the kind the bug must cause, the seed replays to the same
// trace and violation, and the same seed with the bug off passes.
//   - frontierIgnoresSupersededLeases (serving node, every driver): a holder supersedes its lease,
//     and a later frontier passes the superseded lease's bound while it still binds;
//   - answerLeasesBeforeDurable (file driver): a lease answered, then a power loss takes back the
//     set's unsynced rename, and the restarted server's frontier passes the lost lease's bound;
//   - batchAppliedKeyByKey (etcd driver): a getSeqBatch written one transaction per key, and the
//     etcd store holds part of a batch (seq_batch_partial).
import { describe, expect, it } from 'vitest';
import { runSeed } from './cluster.js';
import { profileForBug, SERVICE_BUGS } from './options.js';
import type { ViolationKind } from './violations.js';

interface PlantedCase {
  readonly bug: (typeof SERVICE_BUGS)[number];
  readonly nodes: number;
  /** The first seed of the bug's profile that finds it (from a search of seeds 1..40). */
  readonly foundAt: number;
  readonly expected: readonly ViolationKind[];
  /** The driver the bug lives in, when not the default one. */
  readonly driver?: string;
}

const CASES: readonly PlantedCase[] = [
  { bug: 'frontierIgnoresSupersededLeases', nodes: 1, foundAt: 1, expected: ['frontier_above_live_lease'] },
  { bug: 'frontierIgnoresSupersededLeases', nodes: 3, foundAt: 1, expected: ['frontier_above_live_lease'] },
  { bug: 'answerLeasesBeforeDurable', nodes: 1, foundAt: 1, expected: ['frontier_above_live_lease'] },
  // A getSeqBatch written one etcd transaction per key: a failed or lost transaction, or a crash,
  // between them leaves part of the batch in etcd (the etcd store is the ground truth).
  { bug: 'batchAppliedKeyByKey', nodes: 3, foundAt: 2, expected: ['seq_batch_partial'], driver: 'etcd' },
];

describe('the swarm finds the planted bugs of the service calls, and the seed replays to the same violation', () => {
  it('every service bug has a case', () => {
    expect(new Set(CASES.map((c) => c.bug))).toEqual(new Set(SERVICE_BUGS));
  });

  for (const c of CASES) {
    it(`finds ${c.bug} on ${c.nodes} node(s) at seed ${c.foundAt}; the seed passes with the bug off`, async () => {
      const spec = { seed: c.foundAt, profile: profileForBug(c.bug), planted: c.bug, ...(c.nodes === 1 ? {} : { nodes: c.nodes }), ...(c.driver === undefined ? {} : { driver: { module: c.driver } }) };
      const report = await runSeed(spec);
      expect(report.result).toBe('safety');
      const first = report.violations[0];
      expect(c.expected).toContain(first?.kind);
      const replay = await runSeed(spec);
      expect(replay.traceHash).toBe(report.traceHash);
      expect(replay.violations[0]?.message).toBe(first?.message);
      const off = await runSeed({ ...spec, planted: null });
      expect(off.violations.map((v) => v.message)).toEqual([]);
    });
  }
});

// Seeds of the default swarm that once failed with the service callers on, and pass now.
describe('service swarm regressions', () => {
  it('1-node seed 84: a renew retried under faults raised a lease bound after its answer; the frontier may pass the answered bound', async () => {
    const report = await runSeed({ seed: 84, profile: 'swarm', planted: null });
    expect(report.violations.map((v) => v.message)).toEqual([]);
  });
});
