import type { AnyFuzzTarget, LengthFieldEncoding } from './target.js';
import type { FuzzRandom } from './random.js';
/** Largest number of mutations stacked on one input (AFL's "havoc" stacking). */
export declare const MUTATIONS_STACKED_MAX = 8;
/** Byte values that sit on the edges decoders branch on (sign bit, varint continuation, max). */
export declare const BOUNDARY_BYTES: readonly number[];
/** Integers that sit on the edges of u8..u64 and of the safe-number range. */
export declare const BOUNDARY_INTEGERS: readonly bigint[];
export interface MutationContext {
    readonly random: FuzzRandom;
    readonly target: AnyFuzzTarget;
    /** Another input to splice with (a corpus entry). */
    readonly other: () => Uint8Array;
}
/** Applies 1, 2, 4 or 8 stacked mutations to `input`; returns a new array. */
export declare function mutate(input: Uint8Array, context: MutationContext): Uint8Array;
export declare function encodingWidthBytes(encoding: LengthFieldEncoding): number;
/** Writes `value` (truncated to `widthBytes`) at `at`, growing the input if it runs off the end. */
export declare function writeInteger(input: Uint8Array, at: number, widthBytes: number, littleEndian: boolean, value: bigint): Uint8Array;
/** Unsigned LEB128 of `value`, optionally padded with `padBytes` redundant continuation groups. */
export declare function encodeLeb128(value: bigint, padBytes?: number): Uint8Array;
export declare function concat(...parts: Uint8Array[]): Uint8Array;
