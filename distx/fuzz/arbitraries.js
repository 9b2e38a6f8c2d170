// Shared fast-check building blocks for targets. Strings use a hand-made code point unit: any
// Unicode scalar value (surrogates excluded, so every string is well-formed and encodable), and
// cheap to build, unlike fast-check's 'binary' unit whose first construction costs ~1 s.
import { Encoder } from '@msgpack/msgpack';
import * as fc from 'fast-check';
/** One Unicode scalar value, weighted toward ASCII, the 2-byte and 3-byte ranges, then astral. */
export const codePointUnit = fc
    .oneof({ weight: 4, arbitrary: fc.integer({ min: 0x00, max: 0x7f }) }, { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0x7ff }) }, { weight: 2, arbitrary: fc.oneof(fc.integer({ min: 0x800, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff })) }, { weight: 1, arbitrary: fc.integer({ min: 0x1_0000, max: 0x10_ffff }) })
    .map((codePoint) => String.fromCodePoint(codePoint));
export function unicodeString(constraints) {
    return fc.string({ unit: codePointUnit, ...constraints });
}
export const u64Arbitrary = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
// --- msgpack bodies --------------------------------------------------------------------------
const msgpackEncoder = new Encoder({ useBigInt64: true });
const utf8 = new TextEncoder();
/** Boundary lengths for strings: empty, fixstr/str8/str16 edges, and escape-heavy long runs. */
const STRING_LENGTHS = [0, 1, 31, 32, 255, 256, 1024, 4096, 11_000, 16_000, 65_535 - 16, 65_535];
/** A run of one character (ASCII, quote, control, 2-, 3- and 4-byte UTF-8) of a boundary length. */
export function longStringArbitrary(lengthMax) {
    return fc
        .tuple(fc.constantFrom('x', '"', '\\', '\u0001', '\u00e9', '\u20ac', '\ud83d\ude00'), fc.constantFrom(...STRING_LENGTHS.filter((n) => n <= lengthMax)))
        .map(([character, lengthBytes]) => character.repeat(Math.floor(lengthBytes / utf8.encode(character).length)));
}
/** Any msgpack value a peer might send in a field: right types, wrong types, edge values. */
export function wildMsgpackValue(stringBytesMax) {
    const scalar = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(0, 1, 127, 128, 255, 256, 65_535, 65_536, 262_143, 262_144, 262_145, 2 ** 32 - 1), fc.constantFrom(2n ** 32n, 2n ** 46n - 1n, 2n ** 46n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 0n), u64Arbitrary, fc.integer({ min: -(2 ** 31), max: -1 }), fc.bigInt({ min: -(2n ** 63n), max: -1n }), fc.double(), fc.boolean(), fc.constant(null), unicodeString({ maxLength: 24 }), fc.constantFrom('getTs', 'getSeq', 'NOT_LEADER', 'BAD_FRAME', 'INVALID_ARGUMENT', '127.0.0.1:50551', ''), longStringArbitrary(stringBytesMax), fc.uint8Array({ maxLength: 16 }));
    return fc.oneof({ weight: 8, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), scalar, { maxKeys: 3 }) });
}
/**
 * Raw msgpack maps built entry by entry (so keys may repeat, which a JS object cannot express),
 * with the protocol's field names most of the time and wild values.
 */
export function wildMsgpackMap(fieldNames, stringBytesMax) {
    const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...fieldNames) }, { weight: 1, arbitrary: unicodeString({ maxLength: 20 }) });
    return fc.array(fc.tuple(key, wildMsgpackValue(stringBytesMax)), { maxLength: 8 }).map((entries) => encodeMapEntries(entries));
}
function concatBytes(parts) {
    let total = 0;
    for (const part of parts)
        total += part.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
        out.set(part, at);
        at += part.length;
    }
    return out;
}
/**
 * Near-valid msgpack maps: a valid object's fields with one to three edits (a value replaced
 * by a wild one, a field dropped, duplicated, or an extra field added). Most bugs hide one
 * field away from a valid message, where purely random bytes rarely land.
 */
export function nearValidMsgpackMap(valid, fieldNames, stringBytesMax) {
    const edit = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(), fc.constantFrom(...fieldNames), wildMsgpackValue(stringBytesMax));
    return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([object, edits]) => {
        const entries = Object.entries(object);
        for (const [kind, position, name, value] of edits) {
            const at = entries.length === 0 ? 0 : position % entries.length;
            const entry = entries[at];
            if (kind === 0 && entry !== undefined)
                entries[at] = [entry[0], value];
            else if (kind === 1 && entry !== undefined)
                entries.splice(at, 1);
            else if (kind === 2 && entry !== undefined)
                entries.splice(at, 0, [entry[0], value]);
            else
                entries.splice(at, 0, [name, value]);
        }
        return encodeMapEntries(entries);
    });
}
function encodeMapEntries(entries) {
    const parts = [entries.length < 16 ? Uint8Array.of(0x80 | entries.length) : Uint8Array.of(0xde, 0, entries.length)];
    for (const [name, value] of entries)
        parts.push(msgpackEncoder.encode(name), msgpackEncoder.encode(value));
    return concatBytes(parts);
}
//# sourceMappingURL=arbitraries.js.map