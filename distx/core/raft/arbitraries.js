// TEST SUPPORT ONLY (imports fast-check, a dev dependency; not exported from any index):
// fast-check arbitraries for Raft messages, entries, snapshots and WAL records, shared by the
// codec tests and the fuzz targets.
//
// Invariant: everything drawn here is what the core could send, so it satisfies every structural
// check of `decodeRaftMessage` (ids ≥ 1 and distinct, entries consecutive after prevLogIndex with
// terms non-decreasing within [prevLogTerm, term], no-ops empty, sizes within their limits):
// encode then decode gives the same value back.
import fc from 'fast-check';
const SAFE_MAX = Number.MAX_SAFE_INTEGER;
/** Terms, indexes and rounds: mostly small, sometimes at the edges of the safe range. */
export const raftCounterArbitrary = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: SAFE_MAX }), fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, SAFE_MAX - 1, SAFE_MAX));
const positiveCounter = raftCounterArbitrary.map((n) => Math.max(1, n));
const nodeIdArbitrary = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: SAFE_MAX }));
const dataArbitrary = fc.uint8Array({ maxLength: 64 });
function entriesAfter(prevLogIndex, prevLogTerm, term, count) {
    return fc
        .array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean(), dataArbitrary), { minLength: count, maxLength: count })
        .map((parts) => {
        let entryTerm = Math.max(prevLogTerm, 1);
        return parts.map(([step, noop, data], i) => {
            entryTerm = Math.min(term, entryTerm + step);
            return { term: entryTerm, index: prevLogIndex + 1 + i, kind: noop ? 'noop' : 'normal', data: noop ? new Uint8Array(0) : data };
        });
    });
}
/** A snapshot whose term is at most `termMax`. */
export function snapshotArbitrary(termMax = SAFE_MAX) {
    return fc.record({
        lastIncludedIndex: positiveCounter,
        lastIncludedTerm: fc.integer({ min: 1, max: Math.max(1, termMax) }),
        data: fc.uint8Array({ maxLength: 256 }),
    });
}
const head = fc
    .tuple(nodeIdArbitrary, nodeIdArbitrary, raftCounterArbitrary)
    .filter(([from, to]) => from !== to)
    .map(([from, to, term]) => ({ from, to, term }));
const appendArbitrary = fc
    .tuple(head.filter((h) => h.term >= 1), raftCounterArbitrary, raftCounterArbitrary, raftCounterArbitrary, fc.integer({ min: 0, max: 5 }))
    .chain(([h, round, prevIndexRaw, commit, count]) => {
    const prevLogIndex = Math.min(prevIndexRaw, SAFE_MAX - 10);
    return fc.integer({ min: prevLogIndex === 0 ? 0 : 1, max: prevLogIndex === 0 ? 0 : h.term }).chain((prevLogTerm) => entriesAfter(prevLogIndex, prevLogTerm, h.term, count).map((entries) => ({ type: 'append', ...h, round, prevLogIndex, prevLogTerm, entries, commit })));
});
const appendResponseArbitrary = fc
    .tuple(head, raftCounterArbitrary, fc.boolean(), raftCounterArbitrary, positiveCounter, raftCounterArbitrary, fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([h, round, success, matchIndex, rejectedIndex, conflictTerm, fraction]) => success
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
    });
const voteArbitrary = fc
    .tuple(head.filter((h) => h.term >= 1), fc.boolean(), raftCounterArbitrary)
    .chain(([h, preVote, lastLogIndex]) => fc
    .integer({ min: lastLogIndex === 0 ? 0 : 1, max: lastLogIndex === 0 ? 0 : h.term })
    .map((lastLogTerm) => ({ type: 'vote', ...h, preVote, lastLogIndex, lastLogTerm })));
const voteResponseArbitrary = fc
    .tuple(head, fc.boolean(), fc.boolean())
    .map(([h, preVote, granted]) => ({ type: 'vote-response', ...h, preVote, granted }));
const snapshotMessageArbitrary = head
    .filter((h) => h.term >= 1)
    .chain((h) => fc.tuple(raftCounterArbitrary, snapshotArbitrary(h.term)).map(([round, snapshot]) => ({ type: 'snapshot', ...h, round, snapshot })));
const snapshotResponseArbitrary = fc
    .tuple(head, raftCounterArbitrary, raftCounterArbitrary)
    .map(([h, round, matchIndex]) => ({ type: 'snapshot-response', ...h, round, matchIndex }));
const heartbeatArbitrary = fc
    .tuple(head, raftCounterArbitrary, raftCounterArbitrary)
    .map(([h, round, commit]) => ({ type: 'heartbeat', ...h, round, commit }));
const heartbeatResponseArbitrary = fc
    .tuple(head, raftCounterArbitrary)
    .map(([h, round]) => ({ type: 'heartbeat-response', ...h, round }));
/** Every message type, structurally valid. */
export const raftMessageArbitrary = fc.oneof(appendArbitrary, appendResponseArbitrary, voteArbitrary, voteResponseArbitrary, snapshotMessageArbitrary, snapshotResponseArbitrary, heartbeatArbitrary, heartbeatResponseArbitrary);
export const hardStateArbitrary = fc.record({
    term: raftCounterArbitrary,
    vote: raftCounterArbitrary,
    commit: raftCounterArbitrary,
});
export const entryArbitrary = fc
    .tuple(positiveCounter, positiveCounter)
    .chain(([term, index]) => entriesAfter(index - 1, term, term, 1).map((entries) => entries[0]));
export const walRecordArbitrary = fc.oneof(entryArbitrary.map((entry) => ({ kind: 'entry', entry })), hardStateArbitrary.map((hardState) => ({ kind: 'hard-state', hardState })), fc.tuple(raftCounterArbitrary, raftCounterArbitrary).map(([lastIncludedIndex, lastIncludedTerm]) => ({ kind: 'snapshot', lastIncludedIndex, lastIncludedTerm })));
//# sourceMappingURL=arbitraries.js.map