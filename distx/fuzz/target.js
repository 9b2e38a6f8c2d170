import { isDecodeError } from '../core/errors.js';
/** Largest input the engine builds when a target does not say otherwise. */
export const FUZZ_INPUT_BYTES_MAX_DEFAULT = 4096;
/**
 * A decode may allocate a little fixed overhead plus a few bytes per input byte: a decoder that
 * allocates by a length field before checking the bytes are there blows through this on a
 * short input with an inflated length.
 */
export const DEFAULT_ALLOCATION_BUDGET = {
    externalBytesMax: (inputBytes) => 4096 + 4 * inputBytes,
    heapBytesMax: (inputBytes) => 256 * 1024 + 64 * inputBytes,
};
/**
 * Declares a target. The value type is erased for the registry: the engine only ever hands a
 * value produced by this target's `decode` (or `arbitrary`) back to this target's `encode` and
 * `equals`, so the erasure is sound.
 */
export function defineTarget(target) {
    return target;
}
/** The usual `isExpectedError`: only the typed DecodeError of core/errors.ts. */
export function onlyDecodeError(error) {
    return isDecodeError(error);
}
/** UTF-8 bytes of an ASCII/UTF-8 token, for dictionaries. */
export function token(text) {
    return new TextEncoder().encode(text);
}
//# sourceMappingURL=target.js.map