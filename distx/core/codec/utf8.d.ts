/** The UTF-8 bytes of `s` (lone surrogates become U+FFFD, as `TextEncoder` does). */
export declare function utf8Encode(s: string): Uint8Array;
/** Writes the UTF-8 bytes of `s` into `target` at `offset`; returns the bytes written. */
export declare function utf8EncodeInto(s: string, target: Uint8Array, offset: number): number;
/** The length in bytes of `utf8Encode(s)`, computed without encoding. */
export declare function utf8ByteLength(s: string): number;
/** True when `s` has no lone surrogate, i.e. it encodes to UTF-8 and back unchanged. */
export declare function isWellFormedUtf16(s: string): boolean;
/**
 * Decodes `bytes` as strict UTF-8. Throws only `DecodeError(DECODE_BAD_UTF8)`; `offset` is
 * reported in the error so callers decoding a slice of a larger buffer can say where.
 */
export declare function utf8Decode(bytes: Uint8Array, offset?: number): string;
/**
 * Sign of the byte-wise comparison of the UTF-8 encodings of `a` and `b` (−1, 0 or 1), for
 * well-formed strings. Works on UTF-16 code units: at the first difference it moves surrogates
 * (code points above U+FFFF) above U+E000..U+FFFF, which restores code point order.
 */
export declare function compareUtf8(a: string, b: string): number;
/** Sign of the lexicographic (byte-wise, shorter-prefix-first) comparison of two byte strings. */
export declare function compareBytes(a: Uint8Array, b: Uint8Array): number;
