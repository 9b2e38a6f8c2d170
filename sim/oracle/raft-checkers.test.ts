// The Raft checkers across membership changes, fed violating histories by hand: two leaders of
// one term in different configurations, a new member elected without a committed entry, a
// committed configuration two voters away from the one before it, a log whose configuration
// entries jump, and a leader that took a change with another in flight or before its term
// committed. The correct histories next to them pass; a property drives random single-server
// change sequences through the committed-configuration check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMembershipChange, encodeMembership, type Entry, type Membership, type MembershipChange, membershipOfVoters, votersOf } from '../../core/raft/index.js';
import { configChangeProblem, RaftChecker, type RaftLogView } from './raft-checkers.js';
import type { ViolationKind } from './violations.js';

const NO_ADDRESSES = { raft: '', service: '', admin: '' };

function config(index: number, term: number, m: Membership): Entry {
  return { index, term, kind: 'config', data: encodeMembership(m) };
}

function normal(index: number, term: number): Entry {
  return { index, term, kind: 'noop', data: new Uint8Array(0) };
}

function logOf(entries: readonly Entry[], snapshotIndex = 0): RaftLogView {
  const byIndex = new Map(entries.map((e) => [e.index, e]));
  return { snapshotIndex, lastIndex: entries.length === 0 ? snapshotIndex : Math.max(...entries.map((e) => e.index)), entryAt: (i) => byIndex.get(i) };
}

function checker(bootstrapVoters: readonly number[]): { readonly raft: RaftChecker; readonly kinds: ViolationKind[]; readonly messages: string[] } {
  const kinds: ViolationKind[] = [];
  const messages: string[] = [];
  const raft = new RaftChecker((kind, message) => {
    kinds.push(kind);
    messages.push(message);
  }, bootstrapVoters);
  return { raft, kinds, messages };
}

function change(m: Membership, c: MembershipChange): Membership {
  const next = applyMembershipChange(m, c);
  if (!next.ok || next.unchanged) throw new Error(`change ${c.type} ${c.id} does not apply`);
  return next.membership;
}

describe('the Raft checkers across configurations', () => {
  it('report two leaders of one term even when they lead different configurations', () => {
    const c = checker([1, 2, 3]);
    c.raft.onRole('n1', 'leader', 4);
    // n4 joined, was promoted, and (with a quorum of another configuration) won the same term.
    c.raft.onRole('n4', 'leader', 4);
    expect(c.kinds).toEqual(['raft_two_leaders_in_term']);
  });

  it('report a newly added member that wins a term without an entry committed before it', () => {
    const c = checker([1, 2, 3]);
    const joined = change(membershipOfVoters([1, 2, 3]), { type: 'add-learner', id: 4, addresses: NO_ADDRESSES });
    c.raft.onApplied('n1', [normal(1, 1), config(2, 1, joined), normal(3, 1)], 1);
    // n4 holds index 1 and 2 but not 3, and wins term 2.
    c.raft.onLeaderLog('n4', 2, logOf([normal(1, 1), config(2, 1, joined)]));
    expect(c.kinds).toEqual(['raft_leader_incomplete']);
  });

  it('pass committed configurations one voter apart: add a learner, promote it, remove the leader', () => {
    const c = checker([1, 2, 3]);
    const m0 = membershipOfVoters([1, 2, 3]);
    const m1 = change(m0, { type: 'add-learner', id: 4, addresses: NO_ADDRESSES });
    const m2 = change(m1, { type: 'promote', id: 4 });
    const m3 = change(m2, { type: 'remove', id: 1 });
    const entries = [normal(1, 1), config(2, 1, m1), config(3, 1, m2), normal(4, 1), config(5, 1, m3)];
    c.raft.onApplied('n2', entries, 1);
    expect(c.raft.checkConfigChain('n2', logOf(entries))).toBe(true);
    expect(c.kinds).toEqual([]);
    expect(c.raft.configsCommitted).toBe(3);
  });

  it('report a committed configuration two voters away from the committed one before it (disjoint majorities)', () => {
    const c = checker([1, 2, 3]);
    // {1, 2, 3} → {1, 4, 5}: a majority {2, 3} of the first and {4, 5} of the second share no node.
    c.raft.onApplied('n1', [normal(1, 1), config(2, 1, membershipOfVoters([1, 4, 5]))], 1);
    expect(c.kinds).toEqual(['raft_config_jump']);
    expect(c.messages[0]).toContain('{1, 4, 5}');
  });

  it('report a log whose configuration entries jump by two voters, even uncommitted', () => {
    const c = checker([1, 2, 3]);
    const log = logOf([normal(1, 1), config(2, 2, membershipOfVoters([1, 2])), config(3, 2, membershipOfVoters([1, 3, 4]))]);
    expect(c.raft.checkConfigChain('n1', log)).toBe(false);
    expect(c.kinds).toEqual(['raft_config_jump']);
  });

  it('hold for any sequence of single-server changes, and catch a jump anywhere in it', () => {
    const changeArbitrary = fc.record({ type: fc.constantFrom('add-learner' as const, 'promote' as const, 'remove' as const), id: fc.integer({ min: 1, max: 7 }) });
    fc.assert(
      fc.property(fc.array(changeArbitrary, { maxLength: 30 }), fc.integer({ min: 0, max: 30 }), (changes, jumpAt) => {
        const c = checker([1, 2, 3]);
        let m = membershipOfVoters([1, 2, 3]);
        const entries: Entry[] = [];
        let jumped = false;
        for (const [k, ch] of changes.entries()) {
          const r = applyMembershipChange(m, ch.type === 'add-learner' ? { type: ch.type, id: ch.id, addresses: NO_ADDRESSES } : { type: ch.type, id: ch.id });
          if (!r.ok || r.unchanged || votersOf(r.membership).length === 0) continue;
          m = r.membership;
          if (k === jumpAt && votersOf(m).length >= 1) {
            // Replace two voters in one entry.
            const voters = votersOf(m);
            m = membershipOfVoters([...voters.slice(1), 90, 91]);
            jumped = true;
          }
          entries.push(config(entries.length + 1, 1, m));
        }
        c.raft.onApplied('n1', entries, 1);
        expect(c.kinds.length > 0).toBe(jumped);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the rules a leader keeps when it takes a membership change (configChangeProblem)', () => {
  const m0 = membershipOfVoters([1, 2, 3]);
  const m1 = change(m0, { type: 'add-learner', id: 4, addresses: NO_ADDRESSES });
  const m2 = change(m1, { type: 'promote', id: 4 });

  it('pass one change in flight after an entry of the leader term committed', () => {
    expect(configChangeProblem(logOf([normal(1, 1), normal(2, 2), config(3, 2, m1)]), 2, 2)).toBeNull();
  });

  it('report two configuration entries above the commit index (two changes in flight)', () => {
    expect(configChangeProblem(logOf([normal(1, 1), normal(2, 2), config(3, 2, m1), config(4, 2, m2)]), 2, 2)).toMatch(/two changes in flight/);
  });

  it('report a change of a new leader before any entry of its term committed (the 2015 bug)', () => {
    // Term 3's no-op at 3 is not committed yet; the commit index 2 holds term 2.
    expect(configChangeProblem(logOf([normal(1, 1), normal(2, 2), normal(3, 3), config(4, 3, m1)]), 3, 2)).toMatch(/no entry of term 3 is committed/);
  });

  it('leave a configuration entry of an earlier leader alone (the new leader did not take it)', () => {
    expect(configChangeProblem(logOf([normal(1, 1), config(2, 1, m1), normal(3, 2)]), 2, 1)).toBeNull();
  });
});
