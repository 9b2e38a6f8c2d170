// Target: Raft peer messages (core/raft/codec.ts decodeRaftMessage/encodeRaftMessage), the
// bytes a node reads from another node: a versioned envelope around a postcard enum of the eight
// message types, with structural checks (ids, consecutive entries, term order, size limits).
// Not canonical (postcard accepts padded varints); decoded messages must re-encode, decode to
// themselves and encode stably. The length walker finds the entry-count and data-length varints.
import { Reader } from '../../core/codec/postcard.js';
import { raftMessageArbitrary } from '../../core/raft/arbitraries.js';
import { decodeRaftMessage, encodeRaftMessage, RAFT_MESSAGE_VERSION } from '../../core/raft/codec.js';
import { defineTarget, onlyDecodeError } from '../target.js';
const VARIANT_APPEND = 0;
const VARIANT_SNAPSHOT = 4;
/** The entries count and each entry's data length (append), or the snapshot data length. */
function raftMessageLengthFields(bytes) {
    const fields = [];
    try {
        const r = new Reader(bytes, 1);
        const variant = r.u32();
        for (let i = 0; i < 3; i += 1)
            r.u64(); // from, to, term
        if (variant === VARIANT_APPEND) {
            for (let i = 0; i < 4; i += 1)
                r.u64(); // round, prevLogIndex, prevLogTerm, commit
            fields.push({ offset: r.offset, encoding: 'varint' });
            const count = Math.min(r.u32(), 64);
            for (let i = 0; i < count; i += 1) {
                r.u64();
                r.u64();
                r.u32();
                fields.push({ offset: r.offset, encoding: 'varint' });
                r.bytes();
            }
        }
        else if (variant === VARIANT_SNAPSHOT) {
            for (let i = 0; i < 3; i += 1)
                r.u64(); // round, lastIncludedIndex, lastIncludedTerm
            fields.push({ offset: r.offset, encoding: 'varint' });
        }
    }
    catch {
        // A mutated message stops parsing somewhere; what was found is still useful.
    }
    return fields;
}
const seedMessages = [
    { type: 'append', from: 1, to: 2, term: 3, round: 7, prevLogIndex: 10, prevLogTerm: 2, commit: 9, entries: [
            { term: 2, index: 11, kind: 'normal', data: Uint8Array.of(1, 2, 3) },
            { term: 3, index: 12, kind: 'noop', data: new Uint8Array(0) },
        ] },
    { type: 'append-response', from: 2, to: 1, term: 3, round: 7, success: false, matchIndex: 0, rejectedIndex: 12, conflictTerm: 2, conflictIndex: 5 },
    { type: 'vote', from: 3, to: 1, term: 4, preVote: true, lastLogIndex: 12, lastLogTerm: 3 },
    { type: 'vote-response', from: 1, to: 3, term: 4, preVote: true, granted: true },
    { type: 'snapshot', from: 1, to: 2, term: 5, round: 8, snapshot: { lastIncludedIndex: 100, lastIncludedTerm: 4, data: Uint8Array.of(9, 9) } },
    { type: 'snapshot-response', from: 2, to: 1, term: 5, round: 8, matchIndex: 100 },
    { type: 'heartbeat', from: 1, to: 2, term: 5, round: 9, commit: 100 },
    { type: 'heartbeat-response', from: 2, to: 1, term: 5, round: 9 },
];
export default defineTarget({
    name: 'raft-message',
    description: 'Raft peer messages: decodeRaftMessage/encodeRaftMessage (envelope + postcard enum)',
    decode: decodeRaftMessage,
    encode: encodeRaftMessage,
    canonical: false,
    isExpectedError: onlyDecodeError,
    arbitrary: raftMessageArbitrary,
    seeds: () => seedMessages.map(encodeRaftMessage),
    lengthFields: raftMessageLengthFields,
    dictionary: [Uint8Array.of(RAFT_MESSAGE_VERSION), ...[0, 1, 2, 3, 4, 5, 6, 7].map((v) => Uint8Array.of(v)), Uint8Array.of(0x80, 0x08), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f)],
});
//# sourceMappingURL=raft-message.js.map