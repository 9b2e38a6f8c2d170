// Tests of the u32-length-prefixed framing: round trips under every chunking, early rejection of
// bad headers, poisoning, and that arbitrary bytes only ever give bodies or a DecodeError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { DecodeError, ErrorCode, TsoError } from './errors.js';
import { encodeFrame, FrameDecoder, writeFrameHeader } from './frame.js';
import { FRAME_BODY_BYTES_MAX } from './limits.js';
import { invariantOf } from './test-support.js';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Cuts `bytes` at the given (unsorted, possibly repeated) positions. */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

function catchDecode(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError');
}

const body = fc.uint8Array({ minLength: 1, maxLength: 300 });

describe('encodeFrame', () => {
  it('prefixes the body with its u32 big-endian length', () => {
    expect([...encodeFrame(new Uint8Array([7, 8, 9]))]).toEqual([0, 0, 0, 3, 7, 8, 9]);
    const big = encodeFrame(new Uint8Array(0x01_0203), 0x01_0203);
    expect([...big.subarray(0, 4)]).toEqual([0, 1, 2, 3]);
  });

  it('refuses an empty body and a body above the maximum (bugs, not input)', () => {
    expect(() => encodeFrame(new Uint8Array(0))).toThrow(AssertionError);
    expect(() => encodeFrame(new Uint8Array(FRAME_BODY_BYTES_MAX + 1))).toThrow(AssertionError);
    expect(encodeFrame(new Uint8Array(FRAME_BODY_BYTES_MAX)).length).toBe(FRAME_BODY_BYTES_MAX + 4);
  });
});

describe('preconditions at their bounds', () => {
  it('encodeFrame names the bound it enforces: a non-empty body, at most the maximum', () => {
    expect(invariantOf(() => encodeFrame(new Uint8Array(0)))).toBe('frame_body_not_empty');
    expect(encodeFrame(Uint8Array.of(1, 2, 3), 3)).toHaveLength(7);
    expect(invariantOf(() => encodeFrame(Uint8Array.of(1, 2, 3, 4), 3))).toBe('frame_body_within_max');
    expect(() => encodeFrame(Uint8Array.of(1, 2, 3, 4), 3)).toThrow('invariant broken: frame_body_within_max: 4 > 3');
  });

  it('writeFrameHeader writes a u32 big-endian length at its offset and nothing else', () => {
    const target = new Uint8Array(6).fill(0xee);
    writeFrameHeader(target, 1, 0x0102_0304);
    expect([...target]).toEqual([0xee, 1, 2, 3, 4, 0xee]);
    writeFrameHeader(target, 2, 0xffff_ffff);
    expect([...target]).toEqual([0xee, 1, 0xff, 0xff, 0xff, 0xff]);
    writeFrameHeader(target, 0, 0);
    expect([...target.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
  });

  it('writeFrameHeader refuses a length that is not a u32 and a header that does not fit', () => {
    const target = new Uint8Array(4);
    for (const length of [-1, 0x1_0000_0000, 1.5, Number.NaN]) {
      expect(invariantOf(() => writeFrameHeader(target, 0, length))).toBe('frame_length_u32');
    }
    expect(invariantOf(() => writeFrameHeader(target, 1, 1))).toBe('frame_header_fits');
    expect(invariantOf(() => writeFrameHeader(target, -1, 1))).toBe('frame_header_fits');
    expect(invariantOf(() => writeFrameHeader(new Uint8Array(3), 0, 1))).toBe('frame_header_fits');
  });

  it('the decoder takes a maximum of 1..2^32-1 and refuses any other', () => {
    expect(new FrameDecoder(1).maxBodyBytes).toBe(1);
    expect(new FrameDecoder(0xffff_ffff).maxBodyBytes).toBe(0xffff_ffff);
    for (const max of [0, -1, 0x1_0000_0000, 1.5]) {
      expect(invariantOf(() => new FrameDecoder(max))).toBe('frame_max_body_bytes_valid');
    }
  });
});

describe('FrameDecoder', () => {
  it('reads every byte of the length prefix, big-endian, and names the length it refuses', () => {
    // 0x01020304 sets every header byte: one under it as the maximum refuses it, naming both.
    const refused = catchDecode(() => new FrameDecoder(0x0102_0303).push(Uint8Array.of(1, 2, 3, 4)));
    expect(refused.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(refused.message).toBe('FRAME_TOO_LARGE: frame body of 16909060 bytes exceeds the maximum of 16909059');
    // At exactly the maximum the header is accepted, and the decoder waits for the body.
    const waiting = new FrameDecoder(0x0102_0304);
    expect(waiting.push(Uint8Array.of(1, 2, 3, 4, 9))).toEqual([]);
    expect(waiting.pendingBytes).toBe(1);
    expect(waiting.error).toBeNull();
  });

  it('gives the same bodies, in order, for any split of a concatenation of frames', () => {
    fc.assert(
      fc.property(fc.array(body, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 40 }), (bodies, cuts) => {
        const stream = concat(bodies.map((b) => encodeFrame(b)));
        const decoder = new FrameDecoder();
        const got: Uint8Array[] = [];
        for (const chunk of split(stream, cuts)) got.push(...decoder.push(chunk));
        expect(got).toEqual(bodies);
        expect(decoder.pendingBytes).toBe(0);
      }),
    );
  });

  it('assembles a maximal frame delivered one byte at a time', () => {
    const payload = new Uint8Array(FRAME_BODY_BYTES_MAX).map((_, i) => i * 31);
    const stream = encodeFrame(payload);
    const decoder = new FrameDecoder();
    const got: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...decoder.push(stream.subarray(i, i + 1)));
    expect(got).toHaveLength(1);
    expect(got[0]).toEqual(payload);
  });

  it('returns bodies that do not alias the pushed chunks', () => {
    const stream = encodeFrame(new Uint8Array([1, 2, 3]));
    const [got] = new FrameDecoder().push(stream);
    stream[5] = 99;
    expect(got).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('rejects a length above the maximum as soon as the header is complete', () => {
    const decoder = new FrameDecoder(100);
    expect(decoder.push(new Uint8Array([0, 0]))).toEqual([]);
    const error = catchDecode(() => decoder.push(new Uint8Array([0, 101])));
    expect(error.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(error.offset).toBe(0);
    // A 4 GiB claim is refused without waiting for (or allocating) its body.
    const huge = catchDecode(() => new FrameDecoder().push(new Uint8Array([0xff, 0xff, 0xff, 0xff])));
    expect(huge.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('accepts a body of exactly the maximum and rejects one byte more', () => {
    const decoder = new FrameDecoder(5);
    expect(decoder.push(encodeFrame(new Uint8Array(5), 5))).toHaveLength(1);
    expect(catchDecode(() => decoder.push(new Uint8Array([0, 0, 0, 6]))).code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('rejects a zero-length frame with FRAME_EMPTY at its stream offset', () => {
    const decoder = new FrameDecoder();
    const error = catchDecode(() => decoder.push(concat([encodeFrame(new Uint8Array([1])), new Uint8Array(4)])));
    expect(error.code).toBe(ErrorCode.FRAME_EMPTY);
    expect(error.offset).toBe(5);
  });

  it('stays poisoned after an error: every later push throws the same error', () => {
    const decoder = new FrameDecoder();
    const first = catchDecode(() => decoder.push(new Uint8Array(4)));
    expect(decoder.error).toBe(first);
    expect(catchDecode(() => decoder.push(encodeFrame(new Uint8Array([1]))))).toBe(first);
    expect(catchDecode(() => decoder.push(new Uint8Array(0)))).toBe(first);
  });

  it('pushEach hands over the bodies before a bad header, then throws', () => {
    const decoder = new FrameDecoder(10);
    const seen: number[] = [];
    const stream = concat([encodeFrame(new Uint8Array([1])), encodeFrame(new Uint8Array([2])), new Uint8Array([0, 0, 0, 11])]);
    const error = catchDecode(() => decoder.pushEach(stream, (b) => seen.push(b[0] ?? -1)));
    expect(seen).toEqual([1, 2]);
    expect(error.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('keeps the rest of a chunk buffered when the body handler throws', () => {
    const decoder = new FrameDecoder();
    const stream = concat([encodeFrame(new Uint8Array([1])), encodeFrame(new Uint8Array([2]))]);
    let calls = 0;
    expect(() =>
      decoder.pushEach(stream, () => {
        calls += 1;
        throw new Error('handler bug');
      }),
    ).toThrow('handler bug');
    expect(calls).toBe(1);
    expect(decoder.push(new Uint8Array(0))).toEqual([new Uint8Array([2])]);
  });

  it('turns arbitrary bytes under arbitrary chunking only into bodies or a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 20 }), fc.integer({ min: 1, max: 300 }), (bytes, cuts, max) => {
        const decoder = new FrameDecoder(max);
        let bodyBytes = 0;
        try {
          for (const chunk of split(bytes, cuts)) {
            for (const b of decoder.push(chunk)) {
              expect(b.length).toBeGreaterThanOrEqual(1);
              expect(b.length).toBeLessThanOrEqual(max);
              bodyBytes += 4 + b.length;
            }
          }
          expect(bodyBytes + decoder.pendingBytes).toBeLessThanOrEqual(bytes.length);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
        // The decoder never holds more than one header plus one maximal body.
        expect(decoder.pendingBytes).toBeLessThanOrEqual(4 + max);
      }),
    );
  });
});

describe('error messages carry their code prefix exactly once (regression: `FRAME_EMPTY: FRAME_EMPTY: ...`)', () => {
  const doubled = /^([A-Z][A-Z0-9_]*): \1: /;

  it('every framing error of arbitrary bytes names its code once', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 16 }), (bytes, max) => {
        try {
          new FrameDecoder(max).push(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          const error = e as DecodeError;
          expect(error.message.startsWith(`${error.code}: `)).toBe(true);
          expect(error.message).not.toMatch(doubled);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('an error built from another error\'s message (a re-wrap) keeps one prefix', () => {
    const first = catchDecode(() => new FrameDecoder().push(new Uint8Array(4)));
    expect(first.message).toBe('FRAME_EMPTY: frame with a zero-length body');
    expect(new DecodeError(first.code, first.message).message).toBe(first.message);
    expect(new TsoError('TRANSPORT', new TsoError('TRANSPORT', 'reset').message).message).toBe('TRANSPORT: reset');
    // A different code is a different prefix: both are kept.
    expect(new TsoError('TIMEOUT', 'TRANSPORT: reset').message).toBe('TIMEOUT: TRANSPORT: reset');
  });
});
