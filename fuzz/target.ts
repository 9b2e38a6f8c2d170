// The contract between a decoder and the fuzzer. A target wraps one decoder (and its encoder,
// when there is one) and tells the engine what "correct" means for it:
//   - `decode` may only throw what `isExpectedError` accepts (the typed DecodeError), whatever
//     the bytes;
//   - a decoded value re-encodes to bytes that decode to an equal value; when `canonical` is
//     true the re-encoding is the input itself, byte for byte;
//   - a valid value from `arbitrary` encodes, decodes back to an equal value and (canonical)
//     re-encodes to the same bytes;
//   - decoding allocates no memory out of proportion to the input and finishes in bounded time
//     (both measured by the engine).
// The structure hooks (`lengthFields`, `fixup`, `dictionary`, `rawArbitrary`) only steer
// generation: they make mutations land on length fields, get past checksums and speak the
// format's words. A target that omits them is still fuzzed, just less cleverly.
//
// Adding a decoder's target is one file: `fuzz/targets/<name>.ts` whose default export is
// `defineTarget({...})`; the registry discovers it (see fuzz/README.md).
import type * as fc from 'fast-check';
import { isDecodeError } from '../core/errors.js';

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
  /**
   * What must be refused: for an input the decoder accepted, near-misses of it (a flipped CRC, a
   * byte too few, one past a limit, a non-canonical form) and the exact error code each must be
   * refused with. Checked on every accepted input (seeds, corpus, generated): a near-miss that
   * is accepted, or refused with another code, is a `promise-broken` finding.
   */
  rejections?(accepted: Uint8Array): readonly NearMiss[];
  /**
   * The format's limits at their boundary, built from templates and independent of any accepted
   * input (the limit itself accepted, one past it refused): often large inputs, so they are
   * checked once per fuzz run and once per corpus replay, not on every accepted input.
   */
  limits?(): readonly NearMiss[];
  /**
   * For a decoder that reports bad bytes in its value instead of throwing (a scanned log's torn
   * tail, a server's error answer): the code the value carries, or `accepted` when it carries
   * none. A near-miss that decodes is compared by this verdict instead of by `accepted`.
   */
  verdict?(value: T): string;
}

/**
 * One promise of a decoder: these bytes are refused with exactly this code (and, when `offset`
 * is given, at exactly this offset).
 */
export interface NearMiss {
  /** Stable, short (part of the finding's signature): `crc-flipped`, `length-above-limit`. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The DecodeError code, `accepted`, or the target's `verdict` of the decoded value. */
  readonly code: string;
  /** The documented offset of the error, when the format documents one. */
  readonly offset?: number;
  /**
   * Another form of the same thing (a wider int, a longer string header, an unknown field of
   * another shape, a field's nil written out): `bytes` must decode exactly as these do, to an
   * equal value or refused with the same code at the same offset. `code` is then `same-as`.
   */
  readonly sameAs?: Uint8Array;
}

/** The `code` of a near-miss promised to decode as its `sameAs` bytes do. */
export const SAME_AS = 'same-as';

/** Largest input the engine builds when a target does not say otherwise. */
export const FUZZ_INPUT_BYTES_MAX_DEFAULT = 4096;

/**
 * A decode may allocate a little fixed overhead plus a few bytes per input byte: a decoder that
 * allocates by a length field before checking the bytes are there blows through this on a
 * short input with an inflated length.
 */
export const DEFAULT_ALLOCATION_BUDGET: AllocationBudget = {
  externalBytesMax: (inputBytes) => 4096 + 4 * inputBytes,
  heapBytesMax: (inputBytes) => 256 * 1024 + 64 * inputBytes,
};

/** The registry's view of a target: its value type erased. */
export type AnyFuzzTarget = FuzzTarget<unknown>;

/**
 * Declares a target. The value type is erased for the registry: the engine only ever hands a
 * value produced by this target's `decode` (or `arbitrary`) back to this target's `encode` and
 * `equals`, so the erasure is sound.
 */
export function defineTarget<T>(target: FuzzTarget<T>): AnyFuzzTarget {
  return target as unknown as AnyFuzzTarget;
}

/** The usual `isExpectedError`: only the typed DecodeError of core/errors.ts. */
export function onlyDecodeError(error: unknown): boolean {
  return isDecodeError(error);
}

/** UTF-8 bytes of an ASCII/UTF-8 token, for dictionaries. */
export function token(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
