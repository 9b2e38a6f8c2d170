/** A probability as an integer ratio `[numerator, denominator]`, 0 ≤ numerator ≤ denominator. */
export type Ratio = readonly [numerator: number, denominator: number];
export declare function assertRatio(ratio: Ratio, invariant: string): void;
export declare class Rng {
    /** The seed path of this stream (`"42"`, `"42/disk/n1"`). */
    readonly seed: string;
    /** Draws taken from this stream so far (for diagnosing divergence between two runs). */
    draws: number;
    private readonly prng;
    constructor(seed: string | number);
    /** An independent stream derived from (this stream's seed, `label`); draws nothing from this one. */
    fork(label: string): Rng;
    /** A uniform unsigned 32-bit integer. */
    uint32(): number;
    /** A float in [0, 1) with 53 bits of resolution. Prefer `int` and `chance` in the simulator. */
    float(): number;
    /** A uniform integer in [lo, hi], both inclusive. */
    int(lo: number, hi: number): number;
    /** True with probability numerator/denominator (integers). */
    chance(numerator: number, denominator: number): boolean;
    /** `chance` over a `Ratio`. */
    ratio(ratio: Ratio): boolean;
    /** One element of a non-empty array, uniformly. */
    pick<T>(items: readonly T[]): T;
    /** Shuffles `items` in place (Fisher-Yates) and returns it. */
    shuffle<T>(items: T[]): T[];
    /** `n` uniform random bytes. */
    bytes(n: number): Uint8Array;
    /** A uniform unsigned 64-bit integer. */
    u64(): bigint;
    /**
     * A `() => number` in [0, 1) drawing from this stream, for code that takes a `random`
     * function (the client's backoff jitter). Take it from a dedicated fork.
     */
    asFloat(): () => number;
}
