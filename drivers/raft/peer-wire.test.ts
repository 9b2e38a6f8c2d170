import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../core/codec/crc32c.js';
import { DecodeError } from '../../core/errors.js';
import { raftMessageArbitrary } from '../../core/raft/arbitraries.js';
import type { Message } from '../../core/raft/index.js';
import { RAFT_PEER_FRAME_BODY_BYTES_MAX, RAFT_PEER_MESSAGE_BYTES_MAX } from './limits.js';
import {
  encodeHello,
  encodePeerMessage,
  framesOf,
  PEER_FRAME_CRC_BYTES,
  PEER_FRAME_FRAGMENT,
  PEER_FRAME_HELLO,
  PEER_FRAME_LAST,
  PEER_FRAME_MESSAGE,
  PEER_FRAME_OVERHEAD_BYTES,
  PeerFrameReader,
} from './peer-wire.js';

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

/** What `fn` threw, or null. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return null;
  } catch (error) {
    return error;
  }
}

/** A frame body with a valid CRC around any tag and payload (what a buggy or hostile peer could send). */
function seal(tag: number, payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(1 + payload.length + PEER_FRAME_CRC_BYTES);
  body[0] = tag;
  body.set(payload, 1);
  new DataView(body.buffer).setUint32(1 + payload.length, crc32c(body, 0, 1 + payload.length), true);
  return body;
}

function withBitFlipped(frame: Uint8Array, bit: number): Uint8Array {
  const copy = frame.slice();
  copy[bit >> 3] = ((copy[bit >> 3] as number) ^ (1 << (bit & 7))) & 0xff;
  return copy;
}

const bigSnapshot: Message = {
  type: 'snapshot',
  from: 1,
  to: 2,
  term: 3,
  round: 4,
  snapshot: { lastIncludedIndex: 10, lastIncludedTerm: 3, data: Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff) },
};

const smallAppend: Message = {
  type: 'append',
  from: 1,
  to: 2,
  term: 3,
  round: 4,
  prevLogIndex: 5,
  prevLogTerm: 2,
  commit: 5,
  entries: [
    { term: 3, index: 6, kind: 'noop', data: new Uint8Array(0) },
    { term: 3, index: 7, kind: 'normal', data: Uint8Array.from([0x68, 0x69]) },
  ],
};

describe('peer wire', () => {
  it('round-trips every Raft message through frames within the transport limit, CRC included', () => {
    fc.assert(
      fc.property(fc.array(raftMessageArbitrary, { maxLength: 5 }), fc.integer({ min: PEER_FRAME_OVERHEAD_BYTES + 1, max: 300 }), (messages, frameMax) => {
        const frames = messages.flatMap((m) => encodePeerMessage(m, frameMax));
        for (const f of frames) expect(f.length).toBeLessThanOrEqual(frameMax);
        expect(readAll(frames)).toEqual(messages);
      }),
      { numRuns: 200 },
    );
  });

  it('closes every frame body with the CRC-32C of its tag and payload, little-endian', () => {
    const frames = [encodeHello({ clusterId: 7, from: 1, to: 2 }), ...encodePeerMessage(smallAppend), ...encodePeerMessage(bigSnapshot)];
    for (const frame of frames) {
      const crcOffset = frame.length - PEER_FRAME_CRC_BYTES;
      expect(new DataView(frame.buffer, frame.byteOffset).getUint32(crcOffset, true)).toBe(crc32c(frame, 0, crcOffset));
    }
    expect(encodePeerMessage(smallAppend)[0]?.[0]).toBe(PEER_FRAME_MESSAGE);
    expect(frames[0]?.[0]).toBe(PEER_FRAME_HELLO);
  });

  it('fragments a message larger than one frame into CRC-sealed frames within the limit and reassembles it in order', () => {
    const frames = encodePeerMessage(bigSnapshot);
    const payloadBytes = frames.reduce((s, f) => s + f.length - PEER_FRAME_OVERHEAD_BYTES, 0);
    expect(frames.length).toBe(Math.ceil(payloadBytes / (RAFT_PEER_FRAME_BODY_BYTES_MAX - PEER_FRAME_OVERHEAD_BYTES)));
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(f.length).toBeLessThanOrEqual(RAFT_PEER_FRAME_BODY_BYTES_MAX);
    // Every frame but the last is full: the limit counts the CRC, not just tag and payload.
    for (const f of frames.slice(0, -1)) expect(f.length).toBe(RAFT_PEER_FRAME_BODY_BYTES_MAX);
    expect(frames.slice(0, -1).every((f) => f[0] === PEER_FRAME_FRAGMENT)).toBe(true);
    expect(frames.at(-1)?.[0]).toBe(PEER_FRAME_LAST);
    const [back] = readAll(frames);
    expect(back?.type).toBe('snapshot');
    const data = back?.type === 'snapshot' ? back.snapshot.data : new Uint8Array(0);
    expect(Buffer.compare(data, bigSnapshot.type === 'snapshot' ? bigSnapshot.snapshot.data : new Uint8Array(0))).toBe(0);
    expect({ ...back, snapshot: null }).toEqual({ ...bigSnapshot, snapshot: null });
  });

  it('fills a frame of exactly the limit as one MESSAGE and splits one byte more', () => {
    const frameMax = 64;
    const fits = new Uint8Array(frameMax - PEER_FRAME_OVERHEAD_BYTES);
    expect(framesOf(fits, frameMax).map((f) => [f[0], f.length])).toEqual([[PEER_FRAME_MESSAGE, frameMax]]);
    const oneMore = new Uint8Array(fits.length + 1);
    expect(framesOf(oneMore, frameMax).map((f) => [f[0], f.length])).toEqual([
      [PEER_FRAME_FRAGMENT, frameMax],
      [PEER_FRAME_LAST, PEER_FRAME_OVERHEAD_BYTES + 1],
    ]);
  });

  it('refuses a frame limit without room for the tag, one payload byte and the CRC', () => {
    expect(() => framesOf(new Uint8Array(10), PEER_FRAME_OVERHEAD_BYTES)).toThrow(/peer_frame_body_room/);
    expect(framesOf(new Uint8Array(3), PEER_FRAME_OVERHEAD_BYTES + 1)).toHaveLength(3);
  });

  it('decodes a hello with its cluster id and ids', () => {
    const reader = new PeerFrameReader();
    expect(reader.read(encodeHello({ clusterId: 0xdeadbeef, from: 3, to: 1 }))).toEqual({ kind: 'hello', hello: { clusterId: 0xdeadbeef, from: 3, to: 1 } });
    expect(() => reader.read(encodeHello({ clusterId: 1, from: 2, to: 2 }))).toThrow(DecodeError);
  });

  it('refuses every single-bit flip of a MESSAGE frame and of a HELLO frame as a checksum mismatch', () => {
    const frames = { message: encodePeerMessage(smallAppend)[0] as Uint8Array, hello: encodeHello({ clusterId: 0x1234abcd, from: 2, to: 3 }) };
    expect(encodePeerMessage(smallAppend)).toHaveLength(1);
    for (const [name, frame] of Object.entries(frames)) {
      expect(new PeerFrameReader().read(frame).kind, name).not.toBe('fragment');
      for (let bit = 0; bit < frame.length * 8; bit++) {
        const error = thrown(() => new PeerFrameReader().read(withBitFlipped(frame, bit)));
        expect(error, `${name} bit ${bit}`).toBeInstanceOf(DecodeError);
        expect((error as DecodeError).code, `${name} bit ${bit}`).toBe('RECORD_CRC_MISMATCH');
      }
    }
  });

  it('refuses a corrupted fragment without keeping it, so nothing half-checked is reassembled', () => {
    const frames = encodePeerMessage(bigSnapshot);
    const reader = new PeerFrameReader();
    reader.read(frames[0] as Uint8Array);
    const pending = reader.pendingBytes;
    expect(pending).toBeGreaterThan(0);
    const error = thrown(() => reader.read(withBitFlipped(frames[1] as Uint8Array, 8 * 100 + 3)));
    expect((error as DecodeError).code).toBe('RECORD_CRC_MISMATCH');
    expect(reader.pendingBytes).toBe(pending);
  });

  it('refuses one corrupted byte anywhere in any frame of any message', () => {
    fc.assert(
      fc.property(raftMessageArbitrary, fc.integer({ min: 16, max: 200 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (message, frameMax, which, at, xor) => {
        const frames = encodePeerMessage(message, frameMax);
        const index = which % frames.length;
        const frame = (frames[index] as Uint8Array).slice();
        frame[at % frame.length] = ((frame[at % frame.length] as number) ^ xor) & 0xff;
        const reader = new PeerFrameReader();
        for (const earlier of frames.slice(0, index)) reader.read(earlier);
        const error = thrown(() => reader.read(frame));
        expect(error).toBeInstanceOf(DecodeError);
        expect((error as DecodeError).code).toBe('RECORD_CRC_MISMATCH');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses frames too short to hold a tag and a CRC', () => {
    const reader = new PeerFrameReader();
    expect((thrown(() => reader.read(new Uint8Array(0))) as DecodeError).code).toBe('DECODE_EMPTY');
    for (let length = 1; length < PEER_FRAME_OVERHEAD_BYTES; length++) {
      expect((thrown(() => reader.read(new Uint8Array(length).fill(PEER_FRAME_MESSAGE))) as DecodeError).code).toBe('RECORD_TOO_SHORT');
    }
  });

  it('still checks the tag and payload of a frame whose CRC matches', () => {
    expect((thrown(() => new PeerFrameReader().read(seal(9, Uint8Array.from([1, 2])))) as DecodeError).code).toBe('DECODE_BAD_VARIANT');
    expect((thrown(() => new PeerFrameReader().read(seal(PEER_FRAME_LAST, new Uint8Array(0)))) as DecodeError).code).toBe('DECODE_INVALID_VALUE');
    expect(thrown(() => new PeerFrameReader().read(seal(PEER_FRAME_MESSAGE, Uint8Array.from([0xff, 0xff]))))).toBeInstanceOf(DecodeError);
  });

  it('refuses a whole message that interrupts a fragmented one', () => {
    const [first] = encodePeerMessage(bigSnapshot);
    const reader = new PeerFrameReader();
    reader.read(first as Uint8Array);
    const small = encodePeerMessage({ type: 'heartbeat-response', from: 1, to: 2, term: 1, round: 1 });
    expect(() => reader.read(small[0] as Uint8Array)).toThrow(DecodeError);
  });

  it('refuses fragments that add up past the message limit, before keeping them', () => {
    const piece = seal(PEER_FRAME_FRAGMENT, new Uint8Array(RAFT_PEER_FRAME_BODY_BYTES_MAX - PEER_FRAME_OVERHEAD_BYTES));
    expect(piece.length).toBe(RAFT_PEER_FRAME_BODY_BYTES_MAX);
    const reader = new PeerFrameReader();
    let error: unknown = null;
    for (let i = 0; i < RAFT_PEER_MESSAGE_BYTES_MAX / (piece.length - PEER_FRAME_OVERHEAD_BYTES) + 2 && error === null; i++) {
      error = thrown(() => reader.read(piece));
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).code).toBe('DECODE_LENGTH_LIMIT');
    expect(reader.pendingBytes).toBeLessThanOrEqual(RAFT_PEER_MESSAGE_BYTES_MAX);
  });

  it('refuses a hello cluster id outside u32 by name, and takes both ends of the range', () => {
    for (const clusterId of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => encodeHello({ clusterId, from: 1, to: 2 })).toThrow(/^invariant broken: hello_cluster_id_u32$/);
    }
    for (const clusterId of [0, 1, 0xffff_ffff]) {
      expect(new PeerFrameReader().read(encodeHello({ clusterId, from: 1, to: 2 }))).toEqual({ kind: 'hello', hello: { clusterId, from: 1, to: 2 } });
    }
  });

  it('refuses a hello whose sender or receiver id is 0, at the payload, and takes id 1 on either side', () => {
    for (const [from, to] of [
      [0, 2],
      [2, 0],
      [0, 0],
    ] as const) {
      const error = thrown(() => new PeerFrameReader().read(encodeHello({ clusterId: 7, from, to })));
      expect(error).toBeInstanceOf(DecodeError);
      expect(error).toMatchObject({ code: 'DECODE_INVALID_VALUE', offset: 1, message: expect.stringContaining('hello ids are ≥ 1 and distinct') as unknown });
    }
    expect(new PeerFrameReader().read(encodeHello({ clusterId: 7, from: 1, to: 2 }))).toEqual({ kind: 'hello', hello: { clusterId: 7, from: 1, to: 2 } });
    expect(new PeerFrameReader().read(encodeHello({ clusterId: 7, from: 2, to: 1 }))).toEqual({ kind: 'hello', hello: { clusterId: 7, from: 2, to: 1 } });
  });

  it('says what broke when a whole message interrupts a fragmented one', () => {
    const reader = new PeerFrameReader();
    reader.read(seal(PEER_FRAME_FRAGMENT, Uint8Array.from([1, 2, 3])));
    const error = thrown(() => reader.read(seal(PEER_FRAME_HELLO, Uint8Array.from([1]))));
    expect(error).toMatchObject({ code: 'DECODE_INVALID_VALUE', offset: 0, message: expect.stringContaining('a fragmented message was interrupted') as unknown });
  });

  it('reassembles a fragmented message of exactly the message limit, and names the limit one byte past it', () => {
    const pieceBytes = 1024 * 1024;
    expect(RAFT_PEER_MESSAGE_BYTES_MAX % pieceBytes).toBe(0);
    const pieces = RAFT_PEER_MESSAGE_BYTES_MAX / pieceBytes;
    const fragment = seal(PEER_FRAME_FRAGMENT, new Uint8Array(pieceBytes).fill(5));
    let wholeBytes = -1;
    const reader = new PeerFrameReader((bytes) => {
      wholeBytes = bytes.length;
      return bytes[bytes.length - 1];
    });
    for (let i = 0; i < pieces - 1; i++) expect(reader.read(fragment)).toEqual({ kind: 'fragment' });
    expect(reader.read(seal(PEER_FRAME_LAST, new Uint8Array(pieceBytes).fill(9)))).toEqual({ kind: 'message', message: 9 });
    expect(wholeBytes).toBe(RAFT_PEER_MESSAGE_BYTES_MAX);
    expect(reader.pendingBytes).toBe(0);
    // One byte more: refused before the piece is kept, and the message says the limit.
    for (let i = 0; i < pieces; i++) reader.read(fragment);
    const error = thrown(() => reader.read(seal(PEER_FRAME_LAST, Uint8Array.from([1]))));
    expect(error).toMatchObject({ code: 'DECODE_LENGTH_LIMIT', offset: 1, message: expect.stringContaining(`fragmented message above ${RAFT_PEER_MESSAGE_BYTES_MAX} bytes`) as unknown });
    expect(reader.pendingBytes).toBe(RAFT_PEER_MESSAGE_BYTES_MAX);
  });

  it('keeps its own copy of each piece: a transport that reuses its buffer cannot change a message being reassembled', () => {
    const reader = new PeerFrameReader((bytes) => Array.from(bytes));
    const frame = seal(PEER_FRAME_FRAGMENT, Uint8Array.from([1, 2, 3]));
    expect(reader.read(frame)).toEqual({ kind: 'fragment' });
    frame.fill(0xee); // the transport's next read lands in the same buffer
    expect(reader.read(seal(PEER_FRAME_LAST, Uint8Array.from([4])))).toEqual({ kind: 'message', message: [1, 2, 3, 4] });
  });

  it('refuses to frame a message past the message limit by name, before reading it, and frames one of exactly the limit', () => {
    const past = new Uint8Array(RAFT_PEER_MESSAGE_BYTES_MAX + 1); // zero pages, never read: refused first
    expect(() => framesOf(past)).toThrow(`invariant broken: peer_message_within_max: ${RAFT_PEER_MESSAGE_BYTES_MAX + 1} bytes`);
    const atLimit = new Uint8Array(RAFT_PEER_MESSAGE_BYTES_MAX).fill(3);
    const frames = framesOf(atLimit, RAFT_PEER_MESSAGE_BYTES_MAX + PEER_FRAME_OVERHEAD_BYTES);
    expect(frames).toHaveLength(1);
    const reader = new PeerFrameReader((bytes) => bytes.length);
    expect(reader.read(frames[0] as Uint8Array)).toEqual({ kind: 'message', message: RAFT_PEER_MESSAGE_BYTES_MAX });
  });

  it('names what is wrong with a frame in its error message', () => {
    const messageOf = (body: Uint8Array): string => (thrown(() => new PeerFrameReader().read(body)) as DecodeError).message;
    expect(messageOf(new Uint8Array(0))).toContain('empty peer frame');
    expect(messageOf(Uint8Array.from([2, 0, 0, 0]))).toContain(`peer frame of 4 bytes, below its tag and CRC (${PEER_FRAME_OVERHEAD_BYTES})`);
    const corrupted = seal(PEER_FRAME_MESSAGE, Uint8Array.from([1, 2]));
    corrupted[1] = 9;
    expect(messageOf(corrupted)).toContain(`peer frame checksum mismatch (tag byte ${PEER_FRAME_MESSAGE}, ${corrupted.length} bytes)`);
    expect(messageOf(seal(PEER_FRAME_LAST, new Uint8Array(0)))).toContain('empty message fragment');
    expect(messageOf(seal(9, Uint8Array.from([1])))).toContain('peer frame tag 9');
  });

  it('hands a MESSAGE payload to the message codec as it is, even an empty one (only pieces must not be empty)', () => {
    const reader = new PeerFrameReader((bytes) => bytes.length);
    expect(reader.read(seal(PEER_FRAME_MESSAGE, new Uint8Array(0)))).toEqual({ kind: 'message', message: 0 });
    expect(reader.read(seal(PEER_FRAME_MESSAGE, Uint8Array.from([1, 2, 3])))).toEqual({ kind: 'message', message: 3 });
  });

  it('throws only DecodeError, whatever the bytes, CRC-sealed or not', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (bodies) => {
        const reader = new PeerFrameReader();
        for (const body of bodies) expectDecodeErrorOrValue(() => reader.read(body));
      }),
      { numRuns: 500 },
    );
    // Random bytes almost never pass the CRC; sealed random payloads reach the tag and payload decoders.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.uint8Array({ maxLength: 64 })), { maxLength: 6 }), (parts) => {
        const reader = new PeerFrameReader();
        for (const [tag, payload] of parts) expectDecodeErrorOrValue(() => reader.read(seal(tag, payload)));
      }),
      { numRuns: 500 },
    );
  });
});
