// Pooled byte arrays: zero-filled, never overlapping a live one, their own buffer outside the
// pooled sizes, and copies equal to their source.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { POOLED_BYTES_MAX, pooledBytes, pooledCopy, SLAB_BYTES } from './pooled-bytes.js';

describe('pooledBytes', () => {
  it('hands out zero-filled arrays that never overlap, across many slabs, even after earlier ones were written', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: POOLED_BYTES_MAX + 100 }), { minLength: 1, maxLength: 200 }), (lengths) => {
        const live: Uint8Array[] = [];
        for (const length of lengths) {
          const bytes = pooledBytes(length);
          expect(bytes.length).toBe(length);
          expect(bytes.every((b) => b === 0)).toBe(true);
          bytes.fill(0xa5); // a later array must still come out zeroed and this one unchanged
          live.push(bytes);
        }
        for (const bytes of live) expect(bytes.every((b) => b === 0xa5)).toBe(true);
        const byBuffer = new Map<ArrayBufferLike, Array<[number, number]>>();
        for (const bytes of live) {
          const ranges = byBuffer.get(bytes.buffer) ?? [];
          ranges.push([bytes.byteOffset, bytes.byteOffset + bytes.length]);
          byBuffer.set(bytes.buffer, ranges);
        }
        for (const ranges of byBuffer.values()) {
          ranges.sort((a, b) => a[0] - b[0]);
          for (let i = 1; i < ranges.length; i++) expect((ranges[i] as [number, number])[0]).toBeGreaterThanOrEqual((ranges[i - 1] as [number, number])[1]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('shares a slab only inside the pooled sizes: empty arrays and arrays past the maximum get a buffer of their own', () => {
    for (const length of [0, POOLED_BYTES_MAX + 1, SLAB_BYTES]) {
      const bytes = pooledBytes(length);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(length);
    }
    const a = pooledBytes(1);
    const b = pooledBytes(POOLED_BYTES_MAX);
    expect(a.buffer.byteLength).toBe(SLAB_BYTES);
    expect(b.buffer.byteLength).toBe(SLAB_BYTES);
    expect(a.byteOffset % 8).toBe(0);
    expect(b.byteOffset % 8).toBe(0);
  });

  it('pooledCopy copies the whole array or a range, and the copy is independent of its source', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), (source, x, y) => {
        const start = source.length === 0 ? 0 : x % (source.length + 1);
        const end = start + (source.length - start === 0 ? 0 : y % (source.length - start + 1));
        const whole = pooledCopy(source);
        const part = pooledCopy(source, start, end);
        expect([...whole]).toEqual([...source]);
        expect([...part]).toEqual([...source.subarray(start, end)]);
        source.fill(7);
        if (whole.length > 0 && source.length > 0) expect(whole.buffer === source.buffer).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
