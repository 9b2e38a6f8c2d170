// UTF-8 helpers shared by the codec, the on-disk records and the sequence ledger.
//
// Invariants:
//   - `compareUtf8(a, b)` orders well-formed strings exactly as a byte-wise comparison of their
//     UTF-8 encodings would (which is code point order), without encoding them. JavaScript's own
//     `<` compares UTF-16 code units and disagrees for characters above U+FFFF versus
//     U+E000..U+FFFF, so it must never be used to order keys that reach the disk.
//   - `utf8Decode` is total: invalid UTF-8 (overlong forms, surrogates, truncated sequences) is a
//     `DecodeError` with code DECODE_BAD_UTF8, never a replacement character and never another
//     exception. A leading byte-order mark is kept as U+FEFF (not stripped), so decoding then
//     encoding gives back the same bytes.
//   - `utf8ByteLength(s) === utf8Encode(s).length` for every string (a lone surrogate counts as
//     the 3 bytes of U+FFFD, as `TextEncoder` writes it). Callers that need round-trips check
//     `isWellFormedUtf16` first.
import { assert } from '../assert.js';
import { DecodeError, ErrorCode } from '../errors.js';
const encoder = new TextEncoder();
// `fatal` turns malformed input into an exception we map to DecodeError; `ignoreBOM` keeps a
// leading U+FEFF in the string instead of silently dropping it (which would break round-trips).
const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Strings up to this many bytes that are pure ASCII are decoded without `TextDecoder`. */
const ASCII_FAST_PATH_BYTES_MAX = 64;
/** The UTF-8 bytes of `s` (lone surrogates become U+FFFD, as `TextEncoder` does). */
export function utf8Encode(s) {
    return encoder.encode(s);
}
/** Writes the UTF-8 bytes of `s` into `target` at `offset`; returns the bytes written. */
export function utf8EncodeInto(s, target, offset) {
    const { read, written } = encoder.encodeInto(s, target.subarray(offset));
    // A short target would silently truncate; callers size it with utf8ByteLength first.
    assert(read === s.length, 'utf8_target_sized_by_byte_length');
    return written;
}
/** The length in bytes of `utf8Encode(s)`, computed without encoding. */
export function utf8ByteLength(s) {
    let bytes = 0;
    const n = s.length;
    for (let i = 0; i < n; i++) {
        const unit = s.charCodeAt(i);
        if (unit < 0x80)
            bytes += 1;
        else if (unit < 0x800)
            bytes += 2;
        else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < n) {
            const next = s.charCodeAt(i + 1);
            if (next >= 0xdc00 && next <= 0xdfff) {
                bytes += 4;
                i++;
            }
            else
                bytes += 3; // lone high surrogate: U+FFFD
        }
        else
            bytes += 3; // BMP, or a lone surrogate encoded as U+FFFD
    }
    return bytes;
}
/** True when `s` has no lone surrogate, i.e. it encodes to UTF-8 and back unchanged. */
export function isWellFormedUtf16(s) {
    const n = s.length;
    for (let i = 0; i < n; i++) {
        const unit = s.charCodeAt(i);
        if (unit < 0xd800 || unit > 0xdfff)
            continue;
        if (unit > 0xdbff)
            return false; // low surrogate with no high surrogate before it
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (next < 0xdc00 || next > 0xdfff)
            return false;
        i++;
    }
    return true;
}
/**
 * Decodes `bytes` as strict UTF-8. Throws only `DecodeError(DECODE_BAD_UTF8)`; `offset` is
 * reported in the error so callers decoding a slice of a larger buffer can say where.
 */
export function utf8Decode(bytes, offset = 0) {
    const n = bytes.length;
    if (n <= ASCII_FAST_PATH_BYTES_MAX) {
        let ascii = '';
        let i = 0;
        for (; i < n; i++) {
            const b = bytes[i];
            if (b >= 0x80)
                break;
            ascii += String.fromCharCode(b);
        }
        if (i === n)
            return ascii;
    }
    try {
        return fatalDecoder.decode(bytes);
    }
    catch {
        throw new DecodeError(ErrorCode.DECODE_BAD_UTF8, 'invalid UTF-8', offset);
    }
}
/**
 * Sign of the byte-wise comparison of the UTF-8 encodings of `a` and `b` (−1, 0 or 1), for
 * well-formed strings. Works on UTF-16 code units: at the first difference it moves surrogates
 * (code points above U+FFFF) above U+E000..U+FFFF, which restores code point order.
 */
export function compareUtf8(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        const x = a.charCodeAt(i);
        const y = b.charCodeAt(i);
        if (x === y)
            continue;
        const rx = codePointOrderRank(x);
        const ry = codePointOrderRank(y);
        return rx < ry ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
function codePointOrderRank(unit) {
    if (unit < 0xd800)
        return unit;
    if (unit <= 0xdfff)
        return unit + 0x2000; // surrogates: above every BMP code unit
    return unit - 0x800; // U+E000..U+FFFF: just below the surrogates
}
/** Sign of the lexicographic (byte-wise, shorter-prefix-first) comparison of two byte strings. */
export function compareBytes(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        const x = a[i];
        const y = b[i];
        if (x !== y)
            return x < y ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
//# sourceMappingURL=utf8.js.map