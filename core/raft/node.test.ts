// Unit checks of the Raft node's surface: configuration and the lease formula, the election
// timeout's range (§5.2: randomized in [electionTimeout, 2 × electionTimeout)), a single-node
// group, refusals of proposals and reads, and the Ready/advance contract.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RAFT_ENTRY_DATA_BYTES_MAX, RAFT_UNCOMMITTED_ENTRIES_MAX } from '../limits.js';
import { leaseDurationMs, makeRaftConfig, quorumSize, type RaftConfig, type RaftConfigOptions } from './config.js';
import { seededRandom } from './interaction-harness.js';
import { RaftNode, sortDescending } from './node.js';

function config(options: RaftConfigOptions): RaftConfig {
  const made = makeRaftConfig(options);
  if (!made.ok) throw new Error(made.message);
  return made.config;
}

/** Runs the Ready loop once the way a host would (nothing is sent anywhere). */
function drain(node: RaftNode): void {
  while (node.hasReady()) node.advance(node.ready());
}

describe('raft config', () => {
  it('fills the documented defaults', () => {
    const c = config({ id: 2, voters: [3, 1, 2] });
    expect(c).toMatchObject({ heartbeatIntervalMs: 50, electionTimeoutMs: 300, clockDriftBound: 0.01, preVote: true, checkQuorum: true });
    expect(c.voters).toEqual([1, 2, 3]);
    expect(leaseDurationMs(c)).toBe(284); // floor(300 × 0.98) − 10
  });

  it('accepts no voters: a node that joins an existing group', () => {
    const made = makeRaftConfig({ id: 4, voters: [] });
    expect(made.ok).toBe(true);
  });

  it('refuses invalid configurations with INVALID_CONFIG naming the problem', () => {
    const cases: Array<[RaftConfigOptions, string]> = [
      [{ id: 0, voters: [0] }, 'id_not_positive_safe_integer'],
      [{ id: 1, voters: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, 'voter_count_out_of_range'],
      [{ id: 1, voters: [1, 1] }, 'voter_ids_not_distinct'],
      [{ id: 4, voters: [1, 2, 3] }, 'id_not_a_voter'],
      [{ id: 1, voters: [1], heartbeatIntervalMs: 300 }, 'heartbeat_interval_not_below_election_timeout'],
      [{ id: 1, voters: [1], clockDriftBound: 0.3 }, 'clock_drift_bound_out_of_range'],
      [{ id: 1, voters: [1], leaseMarginMs: 400 }, 'lease_not_positive'],
      [{ id: 1, voters: [1], maxInflightMessages: 0 }, 'max_inflight_messages_out_of_range'],
      [{ id: 1, voters: [1], maxEntriesPerMessage: 100_000 }, 'max_entries_per_message_out_of_range'],
    ];
    for (const [options, problem] of cases) {
      const made = makeRaftConfig(options);
      expect(made.ok).toBe(false);
      if (!made.ok) {
        expect(made.code).toBe('INVALID_CONFIG');
        expect(made.message).toContain(problem);
      }
    }
  });

  it('the lease is shorter than the election timeout shrunk by twice the drift bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 10_000 }), fc.double({ min: 0, max: 0.2, noNaN: true }), (electionTimeoutMs, drift) => {
        const made = makeRaftConfig({ id: 1, voters: [1], electionTimeoutMs, heartbeatIntervalMs: 10, clockDriftBound: drift, leaseMarginMs: 1 });
        if (!made.ok) return;
        const leaseMs = leaseDurationMs(made.config);
        // The safety condition of docs/raft.md: leaseMs / (1 − ρ) < electionTimeoutMs / (1 + ρ).
        expect(leaseMs / (1 - drift)).toBeLessThan(electionTimeoutMs / (1 + drift));
      }),
    );
  });

  it('a quorum is a strict majority', () => {
    expect([1, 2, 3, 4, 5].map(quorumSize)).toEqual([1, 2, 2, 3, 3]);
  });
});

describe('raft node', () => {
  it('draws every election timeout in [electionTimeoutMs, 2 × electionTimeoutMs) from the injected PRNG', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 1_000_000 }), (seed, startMs) => {
        const node = RaftNode.create(config({ id: 1, voters: [1, 2, 3] }), seededRandom(seed), startMs);
        const timeoutMs = node.deadlineMs() - startMs;
        expect(timeoutMs).toBeGreaterThanOrEqual(300);
        expect(timeoutMs).toBeLessThan(600);
      }),
    );
  });

  it('a follower campaigns when its deadline passes, and not before', () => {
    const node = RaftNode.create(config({ id: 1, voters: [1, 2, 3] }), seededRandom(5), 0);
    node.handle({ kind: 'tick', nowMs: node.deadlineMs() - 1 });
    expect(node.status().role).toBe('follower');
    node.handle({ kind: 'tick', nowMs: node.deadlineMs() });
    expect(node.status().role).toBe('pre-candidate');
    const ready = node.ready();
    expect(ready.messages.map((m) => m.type)).toEqual(['vote', 'vote']);
    expect(ready.hardState).toBeUndefined(); // a pre-vote moves no term
  });

  it('a single-node group elects itself, commits alone, and answers reads at once', () => {
    const node = RaftNode.create(config({ id: 7, voters: [7] }), seededRandom(1), 0);
    expect(node.handle({ kind: 'campaign' })).toEqual({ ok: true });
    expect(node.status().role).toBe('leader');
    expect(node.handle({ kind: 'propose', command: Uint8Array.of(1) })).toEqual({ ok: true, index: 2, term: 1 });
    expect(node.handle({ kind: 'read-index', context: 42 })).toEqual({ ok: true });
    const ready = node.ready();
    expect(ready.hardState).toEqual({ term: 1, vote: 7, commit: 2 });
    expect(ready.committed.map((e) => e.kind)).toEqual(['noop', 'normal']);
    expect(ready.readStates).toEqual([{ index: 2, context: 42 }]);
    expect(ready.messages).toEqual([]);
    expect(node.canServe(0)).toBe(false); // the no-op is committed, but not applied yet
    node.advance(ready);
    expect(node.hasLease(0)).toBe(true);
    expect(node.canServe(0)).toBe(true);
    expect(node.canServe(node.leaseMs)).toBe(false);
  });

  it('refuses proposals and reads on a follower, naming the leader it knows', () => {
    const node = RaftNode.create(config({ id: 2, voters: [1, 2, 3] }), seededRandom(1), 0);
    node.handle({
      kind: 'message',
      nowMs: 0,
      message: { type: 'heartbeat', from: 1, to: 2, term: 1, round: 1, commit: 0 },
    });
    expect(node.handle({ kind: 'propose', command: Uint8Array.of(1) })).toMatchObject({ ok: false, code: 'NOT_LEADER', leaderId: 1 });
    expect(node.handle({ kind: 'read-index', context: 1 })).toMatchObject({ ok: false, code: 'NOT_LEADER', leaderId: 1 });
  });

  it('refuses an oversized command and proposals past the uncommitted limit', () => {
    const node = RaftNode.create(config({ id: 1, voters: [1, 2, 3], preVote: false }), seededRandom(1), 0);
    node.handle({ kind: 'campaign' });
    node.handle({ kind: 'message', nowMs: 0, message: { type: 'vote-response', from: 2, to: 1, term: 1, preVote: false, granted: true } });
    expect(node.status().role).toBe('leader');
    expect(node.handle({ kind: 'propose', command: new Uint8Array(RAFT_ENTRY_DATA_BYTES_MAX + 1) })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    let refused = 0;
    // The no-op counts too: RAFT_UNCOMMITTED_ENTRIES_MAX − 1 proposals fit, the next is refused.
    for (let i = 0; i < RAFT_UNCOMMITTED_ENTRIES_MAX; i += 1) {
      const result = node.handle({ kind: 'propose', command: Uint8Array.of(i & 0xff) });
      if (!result.ok) {
        expect(result.code).toBe('RESOURCE_EXHAUSTED');
        refused += 1;
      }
      drain(node);
    }
    expect(refused).toBe(1);
    node.invariants();
  });

  it('allows one outstanding Ready and asserts the host acknowledges that one', () => {
    const node = RaftNode.create(config({ id: 1, voters: [1] }), seededRandom(1), 0);
    node.handle({ kind: 'campaign' });
    const ready = node.ready();
    expect(() => node.ready()).toThrow(/one_ready_outstanding/);
    expect(node.hasReady()).toBe(false);
    expect(() => node.advance({ ...ready })).toThrow(/advance_matches_ready/);
    node.advance(ready);
    expect(node.hasReady()).toBe(false);
  });

  it('asserts its clock never goes back', () => {
    const node = RaftNode.create(config({ id: 1, voters: [1, 2, 3] }), seededRandom(1), 100);
    expect(() => node.handle({ kind: 'tick', nowMs: 99 })).toThrow(/clock_monotonic/);
  });

  it('restores term, vote and log from persisted state, and refuses to campaign within a timeout of the restart', () => {
    const persisted = {
      hardState: { term: 3, vote: 2, commit: 2 },
      entries: [
        { term: 1, index: 1, kind: 'noop' as const, data: new Uint8Array() },
        { term: 3, index: 2, kind: 'normal' as const, data: Uint8Array.of(9) },
      ],
    };
    const node = RaftNode.restore(config({ id: 1, voters: [1, 2, 3] }), persisted, seededRandom(1), 1_000);
    expect(node.status()).toMatchObject({ term: 3, vote: 2, commit: 2, lastIndex: 2, applied: 0 });
    expect(node.handle({ kind: 'campaign' })).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    const ready = node.ready();
    expect(ready.committed.map((e) => e.index)).toEqual([1, 2]);
    expect(ready.entries).toEqual([]);
    node.advance(ready);
    node.handle({ kind: 'tick', nowMs: 1_300 });
    expect(node.handle({ kind: 'campaign' })).toEqual({ ok: true });
  });
});

describe('sortDescending (the quorum picks, without a sort work array)', () => {
  it('orders any few numbers as Array.prototype.sort does, largest first', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 2 ** 40 }), { maxLength: 12 }), (values) => {
        const mine = [...values];
        sortDescending(mine);
        expect(mine).toEqual([...values].sort((a, b) => b - a));
      }),
      { numRuns: 2000 },
    );
  });
});
