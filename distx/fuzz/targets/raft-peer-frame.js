// Target: one Raft peer frame (drivers/raft/peer-wire.ts PeerFrameReader.read), the bytes a
// node reads from another node's connection: `[u8 tag | payload | u32 LE CRC-32C]`, a HELLO
// (envelope: cluster id, from, to), a whole MESSAGE (core/raft/codec.ts), or a FRAGMENT / LAST
// piece of a larger one. A fresh reader per input: a lone LAST is a one-piece message, a lone
// FRAGMENT is kept. The fixup repairs the CRC so mutations reach the tag and the decoders behind
// it. Not canonical (the Raft message codec accepts padded varints); decoded frames re-encode
// (a message as one MESSAGE frame, a kept fragment as a one-byte FRAGMENT) and decode to
// themselves.
import * as fc from 'fast-check';
import { crc32c } from '../../core/codec/crc32c.js';
import { writeU32LeAt } from '../../core/codec/le.js';
import { raftMessageArbitrary } from '../../core/raft/arbitraries.js';
import { encodeRaftMessage } from '../../core/raft/codec.js';
import { encodeHello, framesOf, PEER_FRAME_CRC_BYTES, PEER_FRAME_FRAGMENT, PEER_FRAME_HELLO, PEER_FRAME_LAST, PEER_FRAME_MESSAGE, PEER_FRAME_OVERHEAD_BYTES, PEER_HELLO_VERSION, PeerFrameReader, } from '../../drivers/raft/peer-wire.js';
import { defineTarget, onlyDecodeError } from '../target.js';
/** A frame body with `tag`, `payload` and its CRC. */
function frame(tag, payload) {
    const body = new Uint8Array(1 + payload.length + PEER_FRAME_CRC_BYTES);
    body[0] = tag;
    body.set(payload, 1);
    return fixCrc(body);
}
/** Rewrites the trailing CRC-32C of a frame body (inputs too short to hold one are left alone). */
function fixCrc(bytes) {
    if (bytes.length < PEER_FRAME_OVERHEAD_BYTES)
        return bytes;
    const out = bytes.slice();
    writeU32LeAt(out, out.length - PEER_FRAME_CRC_BYTES, crc32c(out, 0, out.length - PEER_FRAME_CRC_BYTES));
    return out;
}
function encodeFrame(value) {
    switch (value.kind) {
        case 'hello':
            return encodeHello(value.hello);
        case 'message': {
            const encoded = encodeRaftMessage(value.message);
            const frames = framesOf(encoded, encoded.length + PEER_FRAME_OVERHEAD_BYTES);
            return frames[0];
        }
        case 'fragment':
            return frame(PEER_FRAME_FRAGMENT, Uint8Array.of(0));
    }
}
const seedMessages = [
    { type: 'vote', from: 3, to: 1, term: 4, preVote: true, lastLogIndex: 12, lastLogTerm: 3 },
    { type: 'heartbeat', from: 1, to: 2, term: 5, round: 9, commit: 100 },
    { type: 'append', from: 1, to: 2, term: 3, round: 7, prevLogIndex: 10, prevLogTerm: 2, commit: 9, entries: [{ term: 3, index: 11, kind: 'normal', data: Uint8Array.of(1, 2, 3) }] },
];
const helloArbitrary = fc
    .record({ clusterId: fc.nat({ max: 0xffff_ffff }), from: fc.integer({ min: 1, max: 9 }), to: fc.integer({ min: 1, max: 9 }) })
    .filter((h) => h.from !== h.to)
    .map((hello) => ({ kind: 'hello', hello }));
export default defineTarget({
    name: 'raft-peer-frame',
    description: 'Raft peer frames: PeerFrameReader.read (tag, payload, CRC-32C; hello, message, fragments)',
    decode: (bytes) => new PeerFrameReader().read(bytes),
    encode: encodeFrame,
    canonical: false,
    isExpectedError: onlyDecodeError,
    arbitrary: fc.oneof(helloArbitrary, raftMessageArbitrary.map((message) => ({ kind: 'message', message }))),
    seeds: () => [
        encodeHello({ clusterId: 0xdead_beef, from: 1, to: 2 }),
        ...seedMessages.map((m) => encodeFrame({ kind: 'message', message: m })),
        // The pieces of one message, each a frame of its own (a lone LAST decodes as a message).
        ...framesOf(encodeRaftMessage(seedMessages[2]), 12),
    ],
    fixup: fixCrc,
    dictionary: [PEER_FRAME_HELLO, PEER_FRAME_MESSAGE, PEER_FRAME_FRAGMENT, PEER_FRAME_LAST, PEER_HELLO_VERSION].map((t) => Uint8Array.of(t)),
});
//# sourceMappingURL=raft-peer-frame.js.map