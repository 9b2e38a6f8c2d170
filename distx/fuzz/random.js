// The fuzzer's only source of randomness: a seeded PRNG (seedrandom's Alea), so a run is a pure
// function of its seed and its starting corpus. Probabilities are integer ratios, as elsewhere.
import seedrandom from 'seedrandom';
export class FuzzRandom {
    prng;
    constructor(seed) {
        this.prng = seedrandom.alea(String(seed));
    }
    /** A uniformly random u32. */
    u32() {
        return this.prng.int32() >>> 0;
    }
    /** A random integer in [0, bound); `bound` ≥ 1. */
    below(bound) {
        return bound <= 1 ? 0 : this.u32() % bound;
    }
    /** A random integer in [min, max]. */
    between(min, max) {
        return min + this.below(max - min + 1);
    }
    /** True with probability numerator/denominator. */
    chance(numerator, denominator) {
        return this.below(denominator) < numerator;
    }
    pick(items) {
        const item = items[this.below(items.length)];
        if (item === undefined)
            throw new RangeError('pick from an empty list');
        return item;
    }
    /** A fresh 31-bit seed for a sub-generator (fast-check's sampler). */
    seed() {
        return this.u32() & 0x7fff_ffff;
    }
    /** A byte. */
    byte() {
        return this.u32() & 0xff;
    }
}
//# sourceMappingURL=random.js.map