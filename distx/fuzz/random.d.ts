export declare class FuzzRandom {
    private readonly prng;
    constructor(seed: number | string);
    /** A uniformly random u32. */
    u32(): number;
    /** A random integer in [0, bound); `bound` ≥ 1. */
    below(bound: number): number;
    /** A random integer in [min, max]. */
    between(min: number, max: number): number;
    /** True with probability numerator/denominator. */
    chance(numerator: number, denominator: number): boolean;
    pick<T>(items: readonly T[]): T;
    /** A fresh 31-bit seed for a sub-generator (fast-check's sampler). */
    seed(): number;
    /** A byte. */
    byte(): number;
}
