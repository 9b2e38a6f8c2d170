// Timestamp packing (reference 3.1): the format, its ranges, and the order it preserves.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { ErrorCode } from './errors.js';
import { LOGICAL_MAX, PHYSICAL_MS_MAX, U64_MAX } from './limits.js';
import { compareTimestamps, packTimestamp, tryPackTimestamp, unpackTimestamp } from './timestamp.js';

const physicalMs = fc.oneof(fc.integer({ min: 0, max: PHYSICAL_MS_MAX }), fc.constantFrom(0, 1, PHYSICAL_MS_MAX - 1, PHYSICAL_MS_MAX));
const logical = fc.oneof(fc.integer({ min: 0, max: LOGICAL_MAX }), fc.constantFrom(0, 1, LOGICAL_MAX));

describe('timestamp packing', () => {
  it('packs physical milliseconds above 18 logical bits', () => {
    expect(packTimestamp(0, 0)).toBe(0n);
    expect(packTimestamp(0, 5)).toBe(5n);
    expect(packTimestamp(1, 0)).toBe(262_144n);
    expect(packTimestamp(1_700_000_000_000, 7)).toBe((1_700_000_000_000n << 18n) | 7n);
    expect(packTimestamp(PHYSICAL_MS_MAX, LOGICAL_MAX)).toBe(U64_MAX);
  });

  it('round-trips every in-range pair', () => {
    fc.assert(
      fc.property(physicalMs, logical, (p, l) => {
        const ts = packTimestamp(p, l);
        expect(ts >= 0n && ts <= U64_MAX).toBe(true);
        expect(unpackTimestamp(ts)).toEqual({ physicalMs: p, logical: l });
      }),
    );
  });

  it('unpacks every u64 and packs it back to the same value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), (ts) => {
        const { physicalMs: p, logical: l } = unpackTimestamp(ts);
        expect(packTimestamp(p, l)).toBe(ts);
      }),
    );
  });

  it('orders packed values exactly as (physicalMs, logical) pairs', () => {
    fc.assert(
      fc.property(physicalMs, logical, physicalMs, logical, (p1, l1, p2, l2) => {
        const lexicographic = p1 !== p2 ? Math.sign(p1 - p2) : Math.sign(l1 - l2);
        expect(compareTimestamps(packTimestamp(p1, l1), packTimestamp(p2, l2))).toBe(lexicographic);
      }),
    );
    // Same physical millisecond neighbours and the millisecond boundary.
    expect(compareTimestamps(packTimestamp(10, LOGICAL_MAX), packTimestamp(11, 0))).toBe(-1);
    expect(compareTimestamps(packTimestamp(11, 0), packTimestamp(10, LOGICAL_MAX))).toBe(1);
    expect(compareTimestamps(packTimestamp(11, 3), packTimestamp(11, 3))).toBe(0);
  });

  it('tryPack refuses a physical millisecond past 46 bits, negative or fractional', () => {
    for (const p of [PHYSICAL_MS_MAX + 1, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const r = tryPackTimestamp(p, 0);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe(ErrorCode.PHYSICAL_MS_OUT_OF_RANGE);
    }
  });

  it('tryPack refuses a logical past 18 bits, negative or fractional', () => {
    for (const l of [LOGICAL_MAX + 1, -1, 0.5, Number.NaN]) {
      const r = tryPackTimestamp(0, l);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe(ErrorCode.LOGICAL_OUT_OF_RANGE);
    }
  });

  it('tryPack reports the physical part first when both are out of range', () => {
    const r = tryPackTimestamp(-1, -1);
    expect(r.ok ? null : r.code).toBe(ErrorCode.PHYSICAL_MS_OUT_OF_RANGE);
  });

  it('tryPack agrees with pack on every in-range pair', () => {
    fc.assert(
      fc.property(physicalMs, logical, (p, l) => {
        expect(tryPackTimestamp(p, l)).toEqual({ ok: true, timestamp: packTimestamp(p, l) });
      }),
    );
  });

  it('pack asserts its ranges, since an out-of-range input is a bug of the caller', () => {
    expect(() => packTimestamp(PHYSICAL_MS_MAX + 1, 0)).toThrow(AssertionError);
    expect(() => packTimestamp(0, LOGICAL_MAX + 1)).toThrow(AssertionError);
    expect(() => unpackTimestamp(-1n)).toThrow(AssertionError);
    expect(() => unpackTimestamp(U64_MAX + 1n)).toThrow(AssertionError);
  });
});
