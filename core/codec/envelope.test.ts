// The versioned envelope: [u8 version | payload], strict about empty input, unknown versions and
// trailing bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.js';
import { DecodeError } from '../errors.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import type { Reader } from './postcard.js';
import { codeOf, invariantOf } from '../test-support.js';

const decoders = {
  1: (r: Reader) => ({ at: r.u64(), name: undefined as string | undefined }),
  2: (r: Reader) => ({ at: r.u64(), name: r.option((r2) => r2.str()) }),
};

describe('envelope', () => {
  it('writes the version byte, then the payload', () => {
    expect(Array.from(encodeEnvelope(2, (w) => w.u64(300n).option('a', (w2, s) => w2.str(s))))).toEqual([2, 0xac, 0x02, 1, 1, 0x61]);
  });

  it('dispatches on the version and reads each layout', () => {
    expect(decodeEnvelope(encodeEnvelope(1, (w) => w.u64(7n)), decoders)).toEqual({ at: 7n, name: undefined });
    expect(decodeEnvelope(encodeEnvelope(2, (w) => w.u64(7n).option('x', (w2, s) => w2.str(s))), decoders)).toEqual({ at: 7n, name: 'x' });
  });

  it('rejects empty input, unknown versions and trailing bytes', () => {
    expect(codeOf(() => decodeEnvelope(new Uint8Array(0), decoders))).toBe('DECODE_EMPTY');
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(3, 0), decoders))).toBe('DECODE_UNKNOWN_VERSION');
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(0, 0), decoders))).toBe('DECODE_UNKNOWN_VERSION');
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(1, 5, 0), decoders))).toBe('DECODE_TRAILING_BYTES');
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(1), decoders))).toBe('DECODE_EOF');
  });

  it('never resolves a version through inherited properties', () => {
    // A decoders object whose prototype carries a numeric key must still answer only for its own.
    const inherited = Object.create({ 5: decoders[1] }) as Record<number, (r: Reader) => unknown>;
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(5, 0), inherited))).toBe('DECODE_UNKNOWN_VERSION');
  });

  it('refuses a version outside u8 as a bug, and takes 0 and 255', () => {
    expect(() => encodeEnvelope(256, () => undefined)).toThrow(AssertionError);
    for (const version of [256, -1, 1.5, Number.NaN]) expect(invariantOf(() => encodeEnvelope(version, () => undefined)), String(version)).toBe('envelope_version_u8');
    for (const version of [0, 255]) expect(encodeEnvelope(version, () => undefined)).toEqual(Uint8Array.of(version));
  });

  it('is total on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => {
        try {
          decodeEnvelope(bytes, decoders);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
