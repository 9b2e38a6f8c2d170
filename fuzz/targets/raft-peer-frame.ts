// Target: one Raft peer frame (drivers/raft/peer-wire.ts PeerFrameReader.read), the bytes a
// node reads from another node's connection: `[u8 tag | payload | u32 LE CRC-32C]`, a HELLO
// (envelope: cluster id, from, to), a whole MESSAGE (core/raft/codec.ts), or a FRAGMENT / LAST
// piece of a larger one. A fresh reader per input: a lone LAST is a one-piece message, a lone
// FRAGMENT is kept. The fixup repairs the CRC so mutations reach the tag and the decoders behind
// it. Not canonical (the Raft message codec accepts padded varints); decoded frames re-encode
// (a message as one MESSAGE frame, a kept fragment as a one-byte FRAGMENT) and decode to
// themselves.
//
// What must be refused (`rejections`, on every accepted frame): any flipped bit in the CRC, the
// tag or the payload is RECORD_CRC_MISMATCH at the CRC's offset (the CRC is checked before the tag
// or payload is looked at); the frame one byte short or long (the CRC moves) likewise; a tag other
// than 1..4 behind a good CRC is DECODE_BAD_VARIANT at 0; a HELLO or MESSAGE payload with a byte
// after it is DECODE_TRAILING_BYTES, a hello naming one node twice DECODE_INVALID_VALUE. `limits`:
// an empty body (DECODE_EMPTY at 0), four bytes (RECORD_TOO_SHORT at 0), the five-byte frames
// with an empty payload (MESSAGE: DECODE_EMPTY; FRAGMENT and LAST: DECODE_INVALID_VALUE at 1).
// Payload errors carry offsets into the payload, not the frame (noted in fuzz/README.md): only
// their codes are promised. The fragment limit (65 MiB) is left to the unit tests.
import * as fc from 'fast-check';
import { crc32c } from '../../core/codec/crc32c.js';
import { writeU32LeAt } from '../../core/codec/le.js';
import { raftMessageArbitrary } from '../../core/raft/arbitraries.js';
import { encodeRaftMessage } from '../../core/raft/codec.js';
import type { Message } from '../../core/raft/types.js';
import {
  encodeHello,
  framesOf,
  PEER_FRAME_CRC_BYTES,
  PEER_FRAME_FRAGMENT,
  PEER_FRAME_HELLO,
  PEER_FRAME_LAST,
  PEER_FRAME_MESSAGE,
  PEER_FRAME_OVERHEAD_BYTES,
  PEER_HELLO_VERSION,
  PeerFrameReader,
  type PeerFrame,
} from '../../drivers/raft/peer-wire.js';
import { bytesOf, flipped, trailingCrcMatches, withByte } from '../near-misses.js';
import type { NearMiss } from '../target.js';
import { defineTarget, onlyDecodeError } from '../target.js';

/** A frame body with `tag`, `payload` and its CRC. */
function frame(tag: number, payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(1 + payload.length + PEER_FRAME_CRC_BYTES);
  body[0] = tag;
  body.set(payload, 1);
  return fixCrc(body);
}

/** Rewrites the trailing CRC-32C of a frame body (inputs too short to hold one are left alone). */
function fixCrc(bytes: Uint8Array): Uint8Array {
  if (bytes.length < PEER_FRAME_OVERHEAD_BYTES) return bytes;
  const out = bytes.slice();
  writeU32LeAt(out, out.length - PEER_FRAME_CRC_BYTES, crc32c(out, 0, out.length - PEER_FRAME_CRC_BYTES));
  return out;
}

function encodeFrame(value: PeerFrame): Uint8Array {
  switch (value.kind) {
    case 'hello':
      return encodeHello(value.hello);
    case 'message': {
      const encoded = encodeRaftMessage(value.message);
      const frames = framesOf(encoded, encoded.length + PEER_FRAME_OVERHEAD_BYTES);
      return frames[0] as Uint8Array;
    }
    case 'fragment':
      return frame(PEER_FRAME_FRAGMENT, Uint8Array.of(0));
  }
}

function peerFrameRejections(accepted: Uint8Array): NearMiss[] {
  let decoded: PeerFrame;
  try {
    decoded = new PeerFrameReader().read(accepted);
  } catch {
    return [];
  }
  const n = accepted.length;
  const crcAt = n - PEER_FRAME_CRC_BYTES;
  const out: NearMiss[] = [
    { name: 'crc-flipped', bytes: flipped(accepted, n - 1, 0x01), code: 'RECORD_CRC_MISMATCH', offset: crcAt },
    { name: 'crc-first-byte-flipped', bytes: flipped(accepted, crcAt, 0x80), code: 'RECORD_CRC_MISMATCH', offset: crcAt },
    { name: 'tag-flipped', bytes: flipped(accepted, 0, 0x40), code: 'RECORD_CRC_MISMATCH', offset: crcAt },
  ];
  if (crcAt > 1) out.push({ name: 'payload-byte-flipped', bytes: flipped(accepted, 1 + ((crcAt - 1) >> 1), 0x10), code: 'RECORD_CRC_MISMATCH', offset: crcAt });
  // A byte too few or too many moves the CRC: refused unless the moved bytes match by chance.
  const short = accepted.slice(0, n - 1);
  if (short.length >= PEER_FRAME_OVERHEAD_BYTES && !trailingCrcMatches(short)) {
    out.push({ name: 'one-byte-short', bytes: short, code: 'RECORD_CRC_MISMATCH', offset: short.length - PEER_FRAME_CRC_BYTES });
  }
  const long = bytesOf(accepted, 0);
  if (!trailingCrcMatches(long)) out.push({ name: 'one-byte-long', bytes: long, code: 'RECORD_CRC_MISMATCH', offset: n + 1 - PEER_FRAME_CRC_BYTES });
  for (const tag of [0, 5, 255]) out.push({ name: `tag-${tag}`, bytes: fixCrc(withByte(accepted, 0, tag)), code: 'DECODE_BAD_VARIANT', offset: 0 });
  const payload = accepted.subarray(1, crcAt);
  if (decoded.kind === 'hello' || (decoded.kind === 'message' && accepted[0] === PEER_FRAME_MESSAGE)) {
    out.push({ name: 'payload-trailing-byte', bytes: frame(accepted[0] ?? 0, bytesOf(payload, 0)), code: 'DECODE_TRAILING_BYTES' });
  }
  if (decoded.kind === 'hello') {
    out.push({ name: 'hello-ids-equal', bytes: encodeHello({ ...decoded.hello, to: decoded.hello.from }), code: 'DECODE_INVALID_VALUE' });
    out.push({ name: 'hello-version-2', bytes: frame(PEER_FRAME_HELLO, withByte(payload, 0, PEER_HELLO_VERSION + 1)), code: 'DECODE_UNKNOWN_VERSION' });
  }
  return out;
}

function peerFrameLimits(): NearMiss[] {
  return [
    { name: 'empty', bytes: new Uint8Array(0), code: 'DECODE_EMPTY', offset: 0 },
    { name: 'below-overhead', bytes: Uint8Array.of(PEER_FRAME_MESSAGE, 0, 0, 0), code: 'RECORD_TOO_SHORT', offset: 0 },
    { name: 'empty-message', bytes: frame(PEER_FRAME_MESSAGE, new Uint8Array(0)), code: 'DECODE_EMPTY' },
    { name: 'empty-fragment', bytes: frame(PEER_FRAME_FRAGMENT, new Uint8Array(0)), code: 'DECODE_INVALID_VALUE', offset: 1 },
    { name: 'empty-last', bytes: frame(PEER_FRAME_LAST, new Uint8Array(0)), code: 'DECODE_INVALID_VALUE', offset: 1 },
    { name: 'one-byte-fragment', bytes: frame(PEER_FRAME_FRAGMENT, Uint8Array.of(0)), code: 'accepted' },
  ];
}

let peerFrameLimitsBuilt: NearMiss[] | null = null;

const seedMessages: Message[] = [
  { type: 'vote', from: 3, to: 1, term: 4, preVote: true, lastLogIndex: 12, lastLogTerm: 3 },
  { type: 'heartbeat', from: 1, to: 2, term: 5, round: 9, commit: 100 },
  { type: 'append', from: 1, to: 2, term: 3, round: 7, prevLogIndex: 10, prevLogTerm: 2, commit: 9, entries: [{ term: 3, index: 11, kind: 'normal', data: Uint8Array.of(1, 2, 3) }] },
];

const helloArbitrary: fc.Arbitrary<PeerFrame> = fc
  .record({ clusterId: fc.nat({ max: 0xffff_ffff }), from: fc.integer({ min: 1, max: 9 }), to: fc.integer({ min: 1, max: 9 }) })
  .filter((h) => h.from !== h.to)
  .map((hello) => ({ kind: 'hello' as const, hello }));

export default defineTarget<PeerFrame>({
  name: 'raft-peer-frame',
  description: 'Raft peer frames: PeerFrameReader.read (tag, payload, CRC-32C; hello, message, fragments)',
  decode: (bytes) => new PeerFrameReader().read(bytes),
  encode: encodeFrame,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: fc.oneof(helloArbitrary, raftMessageArbitrary.map((message) => ({ kind: 'message' as const, message }))),
  seeds: () => [
    encodeHello({ clusterId: 0xdead_beef, from: 1, to: 2 }),
    ...seedMessages.map((m) => encodeFrame({ kind: 'message', message: m })),
    // The pieces of one message, each a frame of its own (a lone LAST decodes as a message).
    ...framesOf(encodeRaftMessage(seedMessages[2] as Message), 12),
  ],
  rejections: peerFrameRejections,
  limits: () => (peerFrameLimitsBuilt ??= peerFrameLimits()),
  fixup: fixCrc,
  dictionary: [PEER_FRAME_HELLO, PEER_FRAME_MESSAGE, PEER_FRAME_FRAGMENT, PEER_FRAME_LAST, PEER_HELLO_VERSION].map((t) => Uint8Array.of(t)),
});
