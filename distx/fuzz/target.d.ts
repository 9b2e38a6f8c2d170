import type * as fc from 'fast-check';
/** Where an integer field that sizes something sits in an input, and how it is encoded. */
export interface LengthField {
    /** Byte offset of the field's first byte. */
    readonly offset: number;
    readonly encoding: LengthFieldEncoding;
}
export type LengthFieldEncoding = 'u8' | 'u16le' | 'u16be' | 'u32le' | 'u32be' | 'u64le' | 'u64be' | 'varint';
/** Bounds on what one decode may allocate, as a function of the input's length in bytes. */
export interface AllocationBudget {
    /** ArrayBuffer backing-store bytes (typed arrays, Buffers) one decode may allocate. */
    externalBytesMax(inputBytes: number): number;
    /** JS heap bytes (arrays, objects, strings) one decode may allocate. */
    heapBytesMax(inputBytes: number): number;
}
export interface FuzzTarget<T> {
    /** Kebab-case; equals the file name under fuzz/targets/ and the corpus folder name. */
    readonly name: string;
    /** One line: which decoder, which entry point. */
    readonly description: string;
    /** The decoder under test. */
    decode(bytes: Uint8Array): T;
    /** The matching encoder, when there is one (enables the round-trip properties). */
    encode?(value: T): Uint8Array;
    /** True when every accepted input is the unique encoding of its value (re-encode = input). */
    readonly canonical: boolean;
    /** The only errors `decode` may throw: the typed decode error (or the protocol's). */
    isExpectedError(error: unknown): boolean;
    /** Structure-aware generator of valid values (needs `encode`). */
    readonly arbitrary?: fc.Arbitrary<T>;
    /** Structure-aware generator of inputs that are near-valid (right shape, wrong details). */
    readonly rawArbitrary?: fc.Arbitrary<Uint8Array>;
    /** Valid encodings to start from (and to write into the corpus). */
    seeds(): Uint8Array[];
    /** Length and count fields of `bytes` (best effort on mutated input), for inflation. */
    lengthFields?(bytes: Uint8Array): LengthField[];
    /** Repairs checksums after a mutation so the mutation reaches the parser behind them. */
    fixup?(bytes: Uint8Array): Uint8Array;
    /** Tokens of the format (magics, field names, tags) for insert/overwrite mutations. */
    readonly dictionary?: readonly Uint8Array[];
    /** Value equality for round-trips; structural deep equality when omitted. */
    equals?(a: T, b: T): boolean;
    /** Largest input the engine builds for this target (default FUZZ_INPUT_BYTES_MAX_DEFAULT). */
    readonly inputBytesMax?: number;
    /** Allocation budget per decode (default DEFAULT_ALLOCATION_BUDGET). */
    readonly allocation?: AllocationBudget;
}
/** Largest input the engine builds when a target does not say otherwise. */
export declare const FUZZ_INPUT_BYTES_MAX_DEFAULT = 4096;
/**
 * A decode may allocate a little fixed overhead plus a few bytes per input byte: a decoder that
 * allocates by a length field before checking the bytes are there blows through this on a
 * short input with an inflated length.
 */
export declare const DEFAULT_ALLOCATION_BUDGET: AllocationBudget;
/** The registry's view of a target: its value type erased. */
export type AnyFuzzTarget = FuzzTarget<unknown>;
/**
 * Declares a target. The value type is erased for the registry: the engine only ever hands a
 * value produced by this target's `decode` (or `arbitrary`) back to this target's `encode` and
 * `equals`, so the erasure is sound.
 */
export declare function defineTarget<T>(target: FuzzTarget<T>): AnyFuzzTarget;
/** The usual `isExpectedError`: only the typed DecodeError of core/errors.ts. */
export declare function onlyDecodeError(error: unknown): boolean;
/** UTF-8 bytes of an ASCII/UTF-8 token, for dictionaries. */
export declare function token(text: string): Uint8Array;
