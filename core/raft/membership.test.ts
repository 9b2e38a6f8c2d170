// Membership rules and bytes: single-server changes never move more than one voter, the
// original's idempotence and refusals, one canonical encoding, and snapshots/messages that carry
// a membership only when there is one (a group that never changed writes its old bytes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors.js';
import { membershipArbitrary } from './arbitraries.js';
import { decodeRaftMessage, decodeSnapshotRecord, encodeRaftMessage, encodeSnapshotRecord, RAFT_MESSAGE_VERSION, RAFT_SNAPSHOT_RECORD_VERSION } from './codec.js';
import {
  applyMembershipChange,
  decodeMembership,
  encodeMembership,
  learnersOf,
  membershipOfVoters,
  membershipProblem,
  voterDifference,
  votersOf,
  type Membership,
  type MembershipChange,
} from './membership.js';

const addresses = { raft: '127.0.0.1:7001', service: '127.0.0.1:7000', admin: '' };

const changeArbitrary: fc.Arbitrary<MembershipChange> = fc.oneof(
  fc.integer({ min: 1, max: 12 }).map((id): MembershipChange => ({ type: 'add-learner', id, addresses })),
  fc.integer({ min: 1, max: 12 }).map((id): MembershipChange => ({ type: 'promote', id })),
  fc.integer({ min: 1, max: 12 }).map((id): MembershipChange => ({ type: 'remove', id })),
);

describe('membership changes', () => {
  it('move at most one voter, keep the membership valid, and never remove the last voter', () => {
    fc.assert(
      fc.property(fc.array(changeArbitrary, { maxLength: 40 }), (changes) => {
        let m: Membership = membershipOfVoters([1, 2, 3]);
        for (const change of changes) {
          const result = applyMembershipChange(m, change);
          if (!result.ok || result.unchanged) continue;
          expect(voterDifference(m, result.membership)).toBeLessThanOrEqual(1);
          expect(membershipProblem(result.membership)).toBeUndefined();
          expect(votersOf(result.membership).length).toBeGreaterThanOrEqual(1);
          m = result.membership;
        }
      }),
    );
  });

  it('follow the original: re-adding and removing a stranger are no-ops, promoting a stranger is NOT_MEMBER, the last voter stays', () => {
    const m = membershipOfVoters([1]);
    expect(applyMembershipChange(m, { type: 'add-learner', id: 1, addresses })).toEqual({ ok: true, unchanged: true });
    expect(applyMembershipChange(m, { type: 'remove', id: 9 })).toEqual({ ok: true, unchanged: true });
    expect(applyMembershipChange(m, { type: 'promote', id: 1 })).toEqual({ ok: true, unchanged: true });
    expect(applyMembershipChange(m, { type: 'promote', id: 9 })).toMatchObject({ ok: false, code: 'MEMBERSHIP_NOT_MEMBER' });
    expect(applyMembershipChange(m, { type: 'remove', id: 1 })).toMatchObject({ ok: false, code: 'MEMBERSHIP_WOULD_LOSE_QUORUM' });
    expect(applyMembershipChange(m, { type: 'add-learner', id: 0, addresses })).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(applyMembershipChange(m, { type: 'add-learner', id: 2, addresses: { ...addresses, raft: 'a b' } })).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    const added = applyMembershipChange(m, { type: 'add-learner', id: 2, addresses });
    expect(added.ok && !added.unchanged && learnersOf(added.membership)).toEqual([2]);
  });
});

describe('membership bytes', () => {
  it('round-trip, and only the canonical encoding of a valid membership decodes', () => {
    fc.assert(
      fc.property(membershipArbitrary, (m) => {
        expect(decodeMembership(encodeMembership(m))).toEqual(m);
      }),
    );
    const unordered: Membership = { members: [...membershipOfVoters([1, 2]).members].reverse() };
    expect(() => decodeMembership(encodeMembership(unordered))).toThrow(DecodeError);
    const duplicate: Membership = { members: [...membershipOfVoters([1]).members, ...membershipOfVoters([1]).members] };
    expect(() => decodeMembership(encodeMembership(duplicate))).toThrow(/not_distinct/);
  });

  it('a snapshot without a membership keeps the version-1 file and message bytes', () => {
    const snapshot = { lastIncludedIndex: 5, lastIncludedTerm: 2, data: Uint8Array.of(1) };
    expect(encodeSnapshotRecord(snapshot)[4]).toBe(RAFT_SNAPSHOT_RECORD_VERSION);
    expect(decodeSnapshotRecord(encodeSnapshotRecord(snapshot))).toEqual(snapshot);
    const message = { type: 'snapshot' as const, from: 1, to: 2, term: 2, round: 1, snapshot };
    expect(encodeRaftMessage(message)[0]).toBe(RAFT_MESSAGE_VERSION);
    expect(decodeRaftMessage(encodeRaftMessage(message))).toEqual(message);
  });

  it('a snapshot with a membership round-trips through the file and the message', () => {
    fc.assert(
      fc.property(membershipArbitrary, (membership) => {
        const snapshot = { lastIncludedIndex: 5, lastIncludedTerm: 2, data: Uint8Array.of(1, 2), membership };
        expect(decodeSnapshotRecord(encodeSnapshotRecord(snapshot))).toEqual(snapshot);
        const message = { type: 'snapshot' as const, from: 1, to: 2, term: 2, round: 1, snapshot };
        expect(decodeRaftMessage(encodeRaftMessage(message))).toEqual(message);
      }),
      { numRuns: 50 },
    );
  });
});
