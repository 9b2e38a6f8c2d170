// CRC-32C: the published check values (RFC 3720 B.4, the "123456789" check) and agreement of the
// slicing-by-8 loop with the bit-at-a-time definition on every range.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invariantOf } from '../test-support.js';
import { crc32c, crc32cExtend } from './crc32c.js';

/** The definition, one bit at a time: reflected polynomial 0x82F63B78, init/xorout 0xFFFFFFFF. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('gives the check value 0xE3069283 for "123456789"', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('matches the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('is 0 for no bytes', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('equals the bit-at-a-time definition on any range of any bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }).chain((bytes) =>
          fc.tuple(fc.constant(bytes), fc.nat(bytes.length), fc.nat(bytes.length)).map(([b, x, y]) => [b, Math.min(x, y), Math.max(x, y)] as const),
        ),
        ([bytes, start, end]) => {
          expect(crc32c(bytes, start, end)).toBe(crc32cBitwise(bytes.subarray(start, end)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('can be built in pieces: extend(crc(a), b) = crc(a ‖ b)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const joined = new Uint8Array(a.length + b.length);
        joined.set(a);
        joined.set(b, a.length);
        expect(crc32cExtend(crc32c(a), b)).toBe(crc32c(joined));
      }),
    );
  });

  it('names the precondition a bad previous CRC or range breaks, each at its bound', () => {
    const bytes = Uint8Array.of(1, 2, 3, 4);
    const refusal = (action: () => unknown): string | null => invariantOf(action, null);
    for (const previous of [0, 0xffffffff]) expect(refusal(() => crc32cExtend(previous, bytes))).toBeNull();
    for (const previous of [-1, 2 ** 32, 1.5]) expect(refusal(() => crc32cExtend(previous, bytes)), String(previous)).toBe('crc32c_previous_u32');
    for (const [start, end] of [[0, 4], [4, 4], [2, 3]] as const) expect(refusal(() => crc32c(bytes, start, end))).toBeNull();
    for (const [start, end] of [[-1, 4], [3, 2], [0, 5], [0.5, 4], [0, 3.5]] as const) {
      expect(refusal(() => crc32c(bytes, start, end)), `${start}..${end}`).toBe('crc32c_range_in_bounds');
    }
  });
});
