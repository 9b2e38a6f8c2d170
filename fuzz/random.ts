// The fuzzer's only source of randomness: a seeded PRNG (seedrandom's Alea), so a run is a pure
// function of its seed and its starting corpus. Probabilities are integer ratios, as elsewhere.
import seedrandom from 'seedrandom';

export class FuzzRandom {
  private readonly prng: seedrandom.PRNG;

  constructor(seed: number | string) {
    this.prng = seedrandom.alea(String(seed));
  }

  /** A uniformly random u32. */
  u32(): number {
    return this.prng.int32() >>> 0;
  }

  /** A random integer in [0, bound); `bound` ≥ 1. */
  below(bound: number): number {
    return bound <= 1 ? 0 : this.u32() % bound;
  }

  /** A random integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** True with probability numerator/denominator. */
  chance(numerator: number, denominator: number): boolean {
    return this.below(denominator) < numerator;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** A fresh 31-bit seed for a sub-generator (fast-check's sampler). */
  seed(): number {
    return this.u32() & 0x7fff_ffff;
  }

  /** A byte. */
  byte(): number {
    return this.u32() & 0xff;
  }
}
