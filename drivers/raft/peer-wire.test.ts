import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { raftMessageArbitrary } from '../../core/raft/arbitraries.js';
import type { Message } from '../../core/raft/index.js';
import { RAFT_PEER_FRAME_BODY_BYTES_MAX, RAFT_PEER_MESSAGE_BYTES_MAX } from './limits.js';
import { encodeHello, encodePeerMessage, framesOf, PEER_FRAME_FRAGMENT, PeerFrameReader } from './peer-wire.js';

function readAll(frames: readonly Uint8Array[]): Message[] {
  const reader = new PeerFrameReader();
  const out: Message[] = [];
  for (const frame of frames) {
    const r = reader.read(frame);
    if (r.kind === 'message') out.push(r.message);
  }
  return out;
}

function expectDecodeErrorOrValue(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
  }
}

const bigSnapshot: Message = {
  type: 'snapshot',
  from: 1,
  to: 2,
  term: 3,
  round: 4,
  snapshot: { lastIncludedIndex: 10, lastIncludedTerm: 3, data: Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff) },
};

describe('peer wire', () => {
  it('round-trips every Raft message through frames within the transport limit', () => {
    fc.assert(
      fc.property(fc.array(raftMessageArbitrary, { maxLength: 5 }), fc.integer({ min: 2, max: 300 }), (messages, frameMax) => {
        const frames = messages.flatMap((m) => encodePeerMessage(m, frameMax));
        for (const f of frames) expect(f.length).toBeLessThanOrEqual(frameMax);
        expect(readAll(frames)).toEqual(messages);
      }),
      { numRuns: 200 },
    );
  });

  it('fragments a message larger than one frame and reassembles it in order', () => {
    const frames = encodePeerMessage(bigSnapshot);
    expect(frames.length).toBe(Math.ceil((frames.reduce((s, f) => s + f.length - 1, 0)) / (RAFT_PEER_FRAME_BODY_BYTES_MAX - 1)));
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(f.length).toBeLessThanOrEqual(RAFT_PEER_FRAME_BODY_BYTES_MAX);
    const [back] = readAll(frames);
    expect(back?.type).toBe('snapshot');
    const data = back?.type === 'snapshot' ? back.snapshot.data : new Uint8Array(0);
    expect(Buffer.compare(data, bigSnapshot.type === 'snapshot' ? bigSnapshot.snapshot.data : new Uint8Array(0))).toBe(0);
    expect({ ...back, snapshot: null }).toEqual({ ...bigSnapshot, snapshot: null });
  });

  it('decodes a hello with its cluster id and ids', () => {
    const reader = new PeerFrameReader();
    expect(reader.read(encodeHello({ clusterId: 0xdeadbeef, from: 3, to: 1 }))).toEqual({ kind: 'hello', hello: { clusterId: 0xdeadbeef, from: 3, to: 1 } });
    expect(() => reader.read(encodeHello({ clusterId: 1, from: 2, to: 2 }))).toThrow(DecodeError);
  });

  it('refuses a whole message that interrupts a fragmented one', () => {
    const [first] = encodePeerMessage(bigSnapshot);
    const reader = new PeerFrameReader();
    reader.read(first as Uint8Array);
    const small = encodePeerMessage({ type: 'heartbeat-response', from: 1, to: 2, term: 1, round: 1 });
    expect(() => reader.read(small[0] as Uint8Array)).toThrow(DecodeError);
  });

  it('refuses fragments that add up past the message limit, before keeping them', () => {
    const piece = new Uint8Array(RAFT_PEER_FRAME_BODY_BYTES_MAX);
    piece[0] = PEER_FRAME_FRAGMENT;
    const reader = new PeerFrameReader();
    let error: unknown = null;
    for (let i = 0; i < RAFT_PEER_MESSAGE_BYTES_MAX / (piece.length - 1) + 2 && error === null; i++) {
      try {
        reader.read(piece);
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).code).toBe('DECODE_LENGTH_LIMIT');
    expect(reader.pendingBytes).toBeLessThanOrEqual(RAFT_PEER_MESSAGE_BYTES_MAX);
  });

  it('throws only DecodeError, whatever the bytes (and mutated frames)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (bodies) => {
        const reader = new PeerFrameReader();
        for (const body of bodies) expectDecodeErrorOrValue(() => reader.read(body));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(raftMessageArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (message, at, xor) => {
        const frames = framesOf(encodePeerMessage(message)[0]?.subarray(1) ?? new Uint8Array(0));
        const frame = (frames[0] as Uint8Array).slice();
        frame[at % frame.length] = ((frame[at % frame.length] as number) ^ xor) & 0xff;
        expectDecodeErrorOrValue(() => new PeerFrameReader().read(frame));
      }),
      { numRuns: 300 },
    );
  });
});
