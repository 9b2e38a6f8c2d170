// TEST SUPPORT ONLY (imports fast-check, a dev dependency; not exported from any index):
// fast-check arbitraries for Raft messages, entries, snapshots and WAL records, shared by the
// codec tests and the fuzz targets.
//
// Invariant: everything drawn here is what the core could send, so it satisfies every structural
// check of `decodeRaftMessage` (ids ≥ 1 and distinct, entries consecutive after prevLogIndex with
// terms non-decreasing within [prevLogTerm, term], no-ops empty, sizes within their limits):
// encode then decode gives the same value back.
import fc from 'fast-check';
import type { WalRecord } from './codec.js';
import { encodeMembership, type Member, type Membership } from './membership.js';
import type { Entry, HardState, Message, Snapshot } from './types.js';

const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** Terms, indexes and rounds: mostly small, sometimes at the edges of the safe range. */
export const raftCounterArbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 20 }),
  fc.integer({ min: 0, max: SAFE_MAX }),
  fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, SAFE_MAX - 1, SAFE_MAX),
);

const positiveCounter = raftCounterArbitrary.map((n) => Math.max(1, n));
const nodeIdArbitrary = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: SAFE_MAX }));
const dataArbitrary = fc.uint8Array({ maxLength: 64 });

const addressArbitrary = fc.stringMatching(/^[\x21-\x7e]{0,24}$/);

/** A valid membership: 1..9 voters, 0..8 learners, distinct ids, printable addresses. */
export const membershipArbitrary: fc.Arbitrary<Membership> = fc
  .uniqueArray(nodeIdArbitrary, { minLength: 1, maxLength: 17 })
  .chain((ids) =>
    fc.tuple(fc.integer({ min: 1, max: Math.min(9, ids.length) }), fc.array(fc.tuple(addressArbitrary, addressArbitrary, addressArbitrary), { minLength: ids.length, maxLength: ids.length })).map(
      ([voterCount, addresses]): Membership => {
        const voters = ids.slice(0, voterCount).sort((a, b) => a - b);
        const learners = ids.slice(voterCount, voterCount + 8).sort((a, b) => a - b);
        const member = (id: number, role: Member['role'], i: number): Member => {
          const [raft, service, admin] = addresses[i] as [string, string, string];
          return { id, role, raft, service, admin };
        };
        return { members: [...voters.map((id, i) => member(id, 'voter', i)), ...learners.map((id, i) => member(id, 'learner', voterCount + i))] };
      },
    ),
  );

function entriesAfter(prevLogIndex: number, prevLogTerm: number, term: number, count: number): fc.Arbitrary<Entry[]> {
  return fc
    .array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('normal', 'normal', 'noop', 'config'), dataArbitrary, membershipArbitrary), { minLength: count, maxLength: count })
    .map((parts) => {
      let entryTerm = Math.max(prevLogTerm, 1);
      return parts.map(([step, kind, data, membership], i) => {
        entryTerm = Math.min(term, entryTerm + step);
        const entryData = kind === 'noop' ? new Uint8Array(0) : kind === 'config' ? encodeMembership(membership) : data;
        return { term: entryTerm, index: prevLogIndex + 1 + i, kind, data: entryData } satisfies Entry;
      });
    });
}

/** A snapshot whose term is at most `termMax`. */
export function snapshotArbitrary(termMax = SAFE_MAX): fc.Arbitrary<Snapshot> {
  return fc
    .tuple(
      fc.record({
        lastIncludedIndex: positiveCounter,
        lastIncludedTerm: fc.integer({ min: 1, max: Math.max(1, termMax) }),
        data: fc.uint8Array({ maxLength: 256 }),
      }),
      fc.option(membershipArbitrary, { nil: undefined }),
    )
    .map(([snapshot, membership]): Snapshot => (membership === undefined ? snapshot : { ...snapshot, membership }));
}

const head = fc
  .tuple(nodeIdArbitrary, nodeIdArbitrary, raftCounterArbitrary)
  .filter(([from, to]) => from !== to)
  .map(([from, to, term]) => ({ from, to, term }));

const appendArbitrary: fc.Arbitrary<Message> = fc
  .tuple(head.filter((h) => h.term >= 1), raftCounterArbitrary, raftCounterArbitrary, raftCounterArbitrary, fc.integer({ min: 0, max: 5 }))
  .chain(([h, round, prevIndexRaw, commit, count]) => {
    const prevLogIndex = Math.min(prevIndexRaw, SAFE_MAX - 10);
    return fc.integer({ min: prevLogIndex === 0 ? 0 : 1, max: prevLogIndex === 0 ? 0 : h.term }).chain((prevLogTerm) =>
      entriesAfter(prevLogIndex, prevLogTerm, h.term, count).map(
        (entries): Message => ({ type: 'append', ...h, round, prevLogIndex, prevLogTerm, entries, commit }),
      ),
    );
  });

const appendResponseArbitrary: fc.Arbitrary<Message> = fc
  .tuple(head, raftCounterArbitrary, fc.boolean(), raftCounterArbitrary, positiveCounter, raftCounterArbitrary, fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([h, round, success, matchIndex, rejectedIndex, conflictTerm, fraction]) =>
    success
      ? { type: 'append-response', ...h, round, success, matchIndex, rejectedIndex: 0, conflictTerm: 0, conflictIndex: 0 }
      : {
          type: 'append-response',
          ...h,
          round,
          success,
          matchIndex: 0,
          rejectedIndex,
          conflictTerm,
          conflictIndex: Math.max(1, Math.floor(fraction * rejectedIndex)),
        },
  );

const voteArbitrary: fc.Arbitrary<Message> = fc
  .tuple(head.filter((h) => h.term >= 1), fc.boolean(), raftCounterArbitrary)
  .chain(([h, preVote, lastLogIndex]) =>
    fc
      .integer({ min: lastLogIndex === 0 ? 0 : 1, max: lastLogIndex === 0 ? 0 : h.term })
      .map((lastLogTerm): Message => ({ type: 'vote', ...h, preVote, lastLogIndex, lastLogTerm })),
  );

const voteResponseArbitrary: fc.Arbitrary<Message> = fc
  .tuple(head, fc.boolean(), fc.boolean())
  .map(([h, preVote, granted]): Message => ({ type: 'vote-response', ...h, preVote, granted }));

const snapshotMessageArbitrary: fc.Arbitrary<Message> = head
  .filter((h) => h.term >= 1)
  .chain((h) => fc.tuple(raftCounterArbitrary, snapshotArbitrary(h.term)).map(([round, snapshot]): Message => ({ type: 'snapshot', ...h, round, snapshot })));

const snapshotResponseArbitrary: fc.Arbitrary<Message> = fc
  .tuple(head, raftCounterArbitrary, raftCounterArbitrary)
  .map(([h, round, matchIndex]): Message => ({ type: 'snapshot-response', ...h, round, matchIndex }));

const heartbeatArbitrary: fc.Arbitrary<Message> = fc
  .tuple(head, raftCounterArbitrary, raftCounterArbitrary)
  .map(([h, round, commit]): Message => ({ type: 'heartbeat', ...h, round, commit }));

const heartbeatResponseArbitrary: fc.Arbitrary<Message> = fc
  .tuple(head, raftCounterArbitrary)
  .map(([h, round]): Message => ({ type: 'heartbeat-response', ...h, round }));

/** Every message type, structurally valid. */
export const raftMessageArbitrary: fc.Arbitrary<Message> = fc.oneof(
  appendArbitrary,
  appendResponseArbitrary,
  voteArbitrary,
  voteResponseArbitrary,
  snapshotMessageArbitrary,
  snapshotResponseArbitrary,
  heartbeatArbitrary,
  heartbeatResponseArbitrary,
);

export const hardStateArbitrary: fc.Arbitrary<HardState> = fc.record({
  term: raftCounterArbitrary,
  vote: raftCounterArbitrary,
  commit: raftCounterArbitrary,
});

export const entryArbitrary: fc.Arbitrary<Entry> = fc
  .tuple(positiveCounter, positiveCounter)
  .chain(([term, index]) => entriesAfter(index - 1, term, term, 1).map((entries) => entries[0] as Entry));

export const walRecordArbitrary: fc.Arbitrary<WalRecord> = fc.oneof(
  entryArbitrary.map((entry): WalRecord => ({ kind: 'entry', entry })),
  hardStateArbitrary.map((hardState): WalRecord => ({ kind: 'hard-state', hardState })),
  fc.tuple(raftCounterArbitrary, raftCounterArbitrary).map(([lastIncludedIndex, lastIncludedTerm]): WalRecord => ({ kind: 'snapshot', lastIncludedIndex, lastIncludedTerm })),
);
