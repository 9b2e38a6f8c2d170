// The TSOR high-water record: byte layout pinned against bytes computed outside this code base
// (Python struct + bitwise CRC-32C), every rejection, exhaustive single-bit-flip detection.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.js';
import { crc32c } from '../codec/crc32c.js';
import { DecodeError } from '../errors.js';
import { PHYSICAL_MS_MAX } from '../limits.js';
import { highWaterMsArbitrary } from './arbitraries.js';
import { decodeHighWaterRecord, encodeHighWaterRecord, HIGH_WATER_RECORD_BYTES } from './high-water.js';
import { codeOf, invariantOf } from '../test-support.js';

const invariantOrNone = (run: () => unknown): string => invariantOf(run, 'no assertion');

const fromHex = (text: string): Uint8Array => Uint8Array.from(text.split(' '), (p) => parseInt(p, 16));

/** A TSOR-shaped record with any u64 value, version and magic, and a correct CRC. */
function sealed(value: bigint, version = 1, magic = 'TSOR'): Uint8Array {
  const bytes = new Uint8Array(17);
  const view = new DataView(bytes.buffer);
  bytes.set(Array.from(magic, (c) => c.charCodeAt(0)));
  bytes[4] = version;
  view.setBigUint64(5, value, true);
  view.setUint32(13, crc32c(bytes, 0, 13), true);
  return bytes;
}

describe('TSOR high-water record', () => {
  it.each([
    [0, '54 53 4F 52 01 00 00 00 00 00 00 00 00 80 66 71 BC'],
    [1_700_000_000_000, '54 53 4F 52 01 00 68 E5 CF 8B 01 00 00 73 B2 E8 28'],
    [PHYSICAL_MS_MAX, '54 53 4F 52 01 FF FF FF FF FF 3F 00 00 85 1F E2 3A'],
  ])('encodes %i exactly as the original layout does', (value, hex) => {
    expect(encodeHighWaterRecord(value)).toEqual(fromHex(hex));
    expect(decodeHighWaterRecord(fromHex(hex))).toBe(value);
  });

  it('round-trips every value in [0, 2^46 - 1]', () => {
    fc.assert(
      fc.property(highWaterMsArbitrary, (value) => {
        const bytes = encodeHighWaterRecord(value);
        expect(bytes.length).toBe(HIGH_WATER_RECORD_BYTES);
        expect(decodeHighWaterRecord(bytes)).toBe(value);
      }),
    );
  });

  it('refuses to encode a value above 2^46 - 1 or not a safe integer (a bug upstream)', () => {
    expect(() => encodeHighWaterRecord(PHYSICAL_MS_MAX + 1)).toThrow(AssertionError);
    expect(invariantOrNone(() => encodeHighWaterRecord(PHYSICAL_MS_MAX + 1))).toBe('high_water_within_physical_ms_max');
    expect(invariantOrNone(() => encodeHighWaterRecord(-1))).toBe('high_water_safe_uint');
    expect(() => encodeHighWaterRecord(-1)).toThrow(AssertionError);
    expect(() => encodeHighWaterRecord(1.5)).toThrow(AssertionError);
  });

  it('rejects short, long, foreign, future and corrupted records with their codes', () => {
    const good = encodeHighWaterRecord(42);
    expect(codeOf(() => decodeHighWaterRecord(new Uint8Array(0)))).toBe('RECORD_TOO_SHORT');
    expect(codeOf(() => decodeHighWaterRecord(good.subarray(0, 16)))).toBe('RECORD_TOO_SHORT');
    // The length is checked before the frame: a short foreign record is too short, not a bad magic.
    expect(codeOf(() => decodeHighWaterRecord(new Uint8Array(16)))).toBe('RECORD_TOO_SHORT');
    expect(codeOf(() => decodeHighWaterRecord(Uint8Array.of(...good, 0)))).toBe('RECORD_TOO_LONG');
    expect(codeOf(() => decodeHighWaterRecord(sealed(42n, 1, 'TSOD')))).toBe('RECORD_BAD_MAGIC');
    expect(codeOf(() => decodeHighWaterRecord(sealed(42n, 0)))).toBe('RECORD_UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeHighWaterRecord(sealed(42n, 2)))).toBe('RECORD_UNSUPPORTED_VERSION');
    const corrupted = good.slice();
    corrupted[16] = (corrupted[16] as number) ^ 0x01;
    expect(codeOf(() => decodeHighWaterRecord(corrupted))).toBe('RECORD_CRC_MISMATCH');
  });

  it('rejects a well-checksummed value above 2^46 - 1 as out of range, and accepts 2^46 - 1', () => {
    expect(decodeHighWaterRecord(sealed(2n ** 46n - 1n))).toBe(PHYSICAL_MS_MAX);
    expect(codeOf(() => decodeHighWaterRecord(sealed(2n ** 46n)))).toBe('RECORD_OUT_OF_RANGE');
    expect(codeOf(() => decodeHighWaterRecord(sealed(2n ** 64n - 1n)))).toBe('RECORD_OUT_OF_RANGE');
  });

  it('checks the CRC before the range: a corrupted out-of-range value is corruption', () => {
    const bytes = sealed(2n ** 50n);
    bytes[14] = (bytes[14] as number) ^ 0x80;
    expect(codeOf(() => decodeHighWaterRecord(bytes))).toBe('RECORD_CRC_MISMATCH');
  });

  it('detects every single-bit flip of a valid record (all 136 bits)', () => {
    fc.assert(
      fc.property(highWaterMsArbitrary, (value) => {
        const good = encodeHighWaterRecord(value);
        for (let bit = 0; bit < HIGH_WATER_RECORD_BYTES * 8; bit++) {
          const flipped = good.slice();
          flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
          expect(() => decodeHighWaterRecord(flipped)).toThrow(DecodeError);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('is total on arbitrary bytes, including well-checksummed ones', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 24 }),
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => sealed(v)),
          fc.uint8Array({ minLength: 13, maxLength: 13 }).map((head) => {
            const bytes = new Uint8Array(17);
            bytes.set(head);
            new DataView(bytes.buffer).setUint32(13, crc32c(head), true);
            return bytes;
          }),
        ),
        (bytes) => {
          try {
            const value = decodeHighWaterRecord(bytes);
            expect(Number.isSafeInteger(value) && value >= 0 && value <= PHYSICAL_MS_MAX).toBe(true);
            expect(encodeHighWaterRecord(value)).toEqual(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

