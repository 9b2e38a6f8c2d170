// Fixed-width little-endian fields used by the on-disk records.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors.js';
import { U64_MAX } from '../limits.js';
import { AssertionError } from '../assert.js';
import { decodeErrorOf, decodeMessageOf, invariantOf } from '../test-support.js';
import { LeReader, LeWriter, readU32LeAt, writeU32LeAt } from './le.js';

describe('little-endian fields', () => {
  it('writes the least significant byte first', () => {
    const bytes = new LeWriter().u8(0xab).u16(0x1234).u32(0xdeadbeef).u64(0x0102030405060708n).finish();
    expect(Array.from(bytes)).toEqual([0xab, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde, 8, 7, 6, 5, 4, 3, 2, 1]);
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(3, true)).toBe(0xdeadbeef);
    expect(view.getBigUint64(7, true)).toBe(0x0102030405060708n);
  });

  it('round-trips u8, u16, u32, u64 and u64n', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.bigInt({ min: 0n, max: U64_MAX }),
        fc.maxSafeNat(),
        (a, b, c, d, e) => {
          const bytes = new LeWriter(1).u8(a).u16(b).u32(c).u64(d).u64n(e).finish();
          expect(bytes.length).toBe(23);
          const r = new LeReader(bytes);
          expect([r.u8(), r.u16(), r.u32(), r.u64(), r.u64n()]).toEqual([a, b, c, d, e]);
          expect(r.remaining).toBe(0);
        },
      ),
    );
  });

  it('u64n refuses 2^53 and accepts 2^53 - 1', () => {
    const ok = new LeWriter().u64(2n ** 53n - 1n).finish();
    expect(new LeReader(ok).u64n()).toBe(Number.MAX_SAFE_INTEGER);
    const big = new LeWriter().u8(7).u64(2n ** 53n).finish();
    const reader = new LeReader(big, 1);
    expect(decodeErrorOf(() => reader.u64n())).toEqual({ code: 'DECODE_INVALID_VALUE', offset: 1 });
    expect(decodeMessageOf(() => new LeReader(big, 1).u64n())).toBe('DECODE_INVALID_VALUE: u64 above 2^53 - 1 where a safe integer is required');
    expect(decodeMessageOf(() => new LeReader(big, 6).u32())).toBe('DECODE_EOF: 4 byte(s) needed, 3 left');
  });

  it('counts the bytes written so far, across growth of its buffer', () => {
    const w = new LeWriter(1);
    expect(w.length).toBe(0);
    w.u8(1).u16(2).u64(3n);
    expect(w.length).toBe(11);
    expect(w.finish()).toHaveLength(11);
  });

  it('names the precondition each out-of-range write or range breaks, each at its bound', () => {
    const refusal = (action: () => unknown): string | null => invariantOf(action, null);
    const w = (): LeWriter => new LeWriter();
    const writes: [string, (value: number) => unknown, number[], number[]][] = [
      ['u8_in_range', (v) => w().u8(v), [0, 0xff], [-1, 0x100, 1.5, Number.NaN]],
      ['u16_in_range', (v) => w().u16(v), [0, 0xffff], [-1, 0x1_0000, 1.5, Number.NaN]],
      ['u32_in_range', (v) => w().u32(v), [0, 2 ** 32 - 1], [-1, 2 ** 32, 1.5, Number.NaN]],
      ['u64n_safe_uint', (v) => w().u64n(v), [0, Number.MAX_SAFE_INTEGER], [-1, 2 ** 53, 1.5, Number.NaN]],
      ['u32_in_range', (v) => writeU32LeAt(new Uint8Array(4), 0, v), [0, 2 ** 32 - 1], [-1, 2 ** 32, 1.5]],
      ['u32_write_in_bounds', (at) => writeU32LeAt(new Uint8Array(6), at, 1), [0, 2], [-1, 3, 1.5]],
      ['u32_read_in_bounds', (at) => readU32LeAt(new Uint8Array(6), at), [0, 2], [-1, 3, 1.5]],
      ['le_writer_capacity_positive', (capacity) => new LeWriter(capacity), [1], [0, -1, 1.5]],
      ['le_view_length_safe_uint', (length) => new LeReader(new Uint8Array(4)).view(length), [0, 4], [-1, 1.5]],
      ['le_reader_range_in_bounds', (start) => new LeReader(new Uint8Array(4), start, 3), [0, 3], [-1, 4, 1.5]],
      ['le_reader_range_in_bounds', (end) => new LeReader(new Uint8Array(4), 1, end), [1, 4], [0, 5, 1.5]],
    ];
    for (const [invariant, write, accepted, refused] of writes) {
      for (const value of accepted) expect(refusal(() => write(value)), `${invariant} ${value}`).toBeNull();
      for (const value of refused) expect(refusal(() => write(value)), `${invariant} ${value}`).toBe(invariant);
    }
    expect(refusal(() => w().u64(0n).u64(U64_MAX))).toBeNull();
    for (const value of [-1n, U64_MAX + 1n]) expect(refusal(() => w().u64(value))).toBe('u64_in_range');
    // The value is in the failure's text.
    expect(() => w().u16(0x1_0000)).toThrow(new AssertionError('u16_in_range', 'value 65536'));
  });

  it('reports running out of bytes with the code the caller chose', () => {
    const r = new LeReader(Uint8Array.of(1, 2, 3, 4, 5), 1, 4, 'RECORD_MALFORMED');
    expect(r.u16()).toBe(0x0302);
    try {
      r.u16();
      expect.unreachable();
    } catch (e) {
      expect((e as DecodeError).code).toBe('RECORD_MALFORMED');
    }
    expect(r.remaining).toBe(1);
    expect(() => new LeReader(Uint8Array.of(1)).view(2)).toThrow(DecodeError);
  });

  it('patches and reads a u32 at a fixed offset', () => {
    const bytes = new Uint8Array(6);
    writeU32LeAt(bytes, 2, 0x80000001);
    expect(Array.from(bytes)).toEqual([0, 0, 1, 0, 0, 0x80]);
    expect(readU32LeAt(bytes, 2)).toBe(0x80000001);
  });
});
