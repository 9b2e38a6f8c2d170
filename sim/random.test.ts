import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../core/assert.js';
import { Rng } from './random.js';

const draws = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.int(0, 1_000_000));

describe('Rng', () => {
  it('gives the same draws for the same seed and different draws for different seeds', () => {
    expect(draws(new Rng(42), 20)).toEqual(draws(new Rng(42), 20));
    expect(draws(new Rng(42), 20)).not.toEqual(draws(new Rng(43), 20));
    expect(draws(new Rng('42'), 20)).toEqual(draws(new Rng(42), 20));
  });

  it('fork streams are independent: drawing more from one fork does not change another', () => {
    const quiet = new Rng(7);
    const busy = new Rng(7);
    const diskA = quiet.fork('disk/n1');
    const netA = quiet.fork('net/n2');
    const diskB = busy.fork('disk/n1');
    const netB = busy.fork('net/n2');
    draws(diskB, 1_000); // the busy world's disk draws much more
    busy.int(0, 10); // and so does the parent
    expect(draws(netA, 50)).toEqual(draws(netB, 50));
    expect(draws(diskA, 5)).not.toEqual(draws(netA, 5));
  });

  it('fork does not draw from the parent, and forks are named by (seed, label)', () => {
    const a = new Rng(1);
    const before = a.draws;
    a.fork('x');
    expect(a.draws).toBe(before);
    expect(draws(new Rng(1).fork('x').fork('y'), 5)).toEqual(draws(new Rng('1/x/y'), 5));
    expect(new Rng(1).fork('x').seed).toBe('1/x');
  });

  it('int stays within [lo, hi] for any range, including ranges above 2^32', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), fc.integer({ min: 0, max: 2 ** 50 }), fc.nat(), (lo, span, seed) => {
        const rng = new Rng(seed);
        const hi = lo + span;
        for (let i = 0; i < 5; i++) {
          const x = rng.int(lo, hi);
          expect(Number.isSafeInteger(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(lo);
          expect(x).toBeLessThanOrEqual(hi);
        }
      }),
    );
  });

  it('int reaches both ends of a small range', () => {
    const rng = new Rng(3);
    const seen = new Set(Array.from({ length: 200 }, () => rng.int(5, 8)));
    expect([...seen].sort()).toEqual([5, 6, 7, 8]);
  });

  it('chance takes integer ratios: 0/n never, n/n always, about the ratio otherwise', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 100; i++) {
      expect(rng.chance(0, 5)).toBe(false);
      expect(rng.chance(5, 5)).toBe(true);
    }
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (rng.chance(1, 4)) hits++;
    expect(hits).toBeGreaterThan(2_200);
    expect(hits).toBeLessThan(2_800);
    expect(() => rng.chance(3, 2)).toThrow(AssertionError);
    expect(() => rng.chance(0.5, 1)).toThrow(AssertionError);
  });

  it('shuffle returns a permutation, and pick returns a member', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1, maxLength: 40 }), fc.nat(), (items, seed) => {
        const rng = new Rng(seed);
        const shuffled = rng.shuffle([...items]);
        expect([...shuffled].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
        expect(items).toContain(rng.pick(items));
      }),
    );
  });

  it('bytes, u64 and asFloat draw from the stream deterministically', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    expect(a.bytes(13)).toEqual(b.bytes(13));
    expect(a.u64()).toBe(b.u64());
    const fa = a.asFloat();
    const fb = b.asFloat();
    for (let i = 0; i < 10; i++) {
      const x = fa();
      expect(x).toBe(fb());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
