// Target: the codec primitives (core/codec/postcard.ts Reader/Writer and core/codec/le.ts
// LeReader/LeWriter). The input is a self-describing program: a sequence of (kind, value) items
// where the kind is a postcard enum discriminant (`Reader.variant`) and the value is that
// primitive's encoding, so one input can chain every read the records and messages use.
// Not canonical: the reader accepts padded varints (`80 00` is 0), as postcard does; the
// properties are then a stable round-trip (re-encoding decodes to the same value, and encoding
// that again gives the same bytes).
import * as fc from 'fast-check';
import { LeReader, LeWriter } from '../../core/codec/le.js';
import { Reader, Writer } from '../../core/codec/postcard.js';
import { u64Arbitrary, unicodeString } from '../arbitraries.js';
import { defineTarget, onlyDecodeError } from '../target.js';
/** Items per input the decoder reads at most (the program's loop bound). */
const ITEMS_MAX = 64;
const KINDS = [
    'u8',
    'i8',
    'u16',
    'u32',
    'u64',
    'u64n',
    'i16',
    'i32',
    'i64',
    'bool',
    'bytes',
    'str',
    'optionStr',
    'seqU32',
    'seqStr',
    'raw4',
    'optionU64',
    'leU8',
    'leU16',
    'leU32',
    'leU64',
    'leU64n',
    'leView',
];
function readItem(r, input, kind) {
    switch (kind) {
        case 'u8':
            return r.u8();
        case 'i8':
            return r.i8();
        case 'u16':
            return r.u16();
        case 'u32':
            return r.u32();
        case 'u64':
            return r.u64();
        case 'u64n':
            return r.u64n();
        case 'i16':
            return r.i16();
        case 'i32':
            return r.i32();
        case 'i64':
            return r.i64();
        case 'bool':
            return r.bool();
        case 'bytes':
            return r.bytes(1024);
        case 'str':
            return r.str(1024);
        case 'optionStr':
            return r.option((inner) => inner.str(256)) ?? null;
        case 'seqU32':
            return r.seq((inner) => inner.u32(), 256);
        case 'seqStr':
            return r.seq((inner) => inner.str(64), 64);
        case 'raw4':
            return r.raw(4);
        case 'optionU64':
            return r.option((inner) => inner.u64()) ?? null;
        default:
            return readLeItem(r, input, kind);
    }
}
/** The little-endian kinds: a LeReader over the rest of the input, then the Reader skips ahead. */
function readLeItem(r, input, kind) {
    const le = new LeReader(input, r.offset);
    let value;
    switch (kind) {
        case 'leU8':
            value = le.u8();
            break;
        case 'leU16':
            value = le.u16();
            break;
        case 'leU32':
            value = le.u32();
            break;
        case 'leU64':
            value = le.u64();
            break;
        case 'leU64n':
            value = le.u64n();
            break;
        case 'leView': {
            const length = le.u8();
            value = le.view(length).slice();
            break;
        }
        default:
            throw new Error(`unhandled kind ${kind}`);
    }
    r.raw(le.offset - r.offset);
    return value;
}
function writeItem(w, item) {
    const value = item.value;
    switch (item.kind) {
        case 'u8':
            w.u8(value);
            return;
        case 'i8':
            w.i8(value);
            return;
        case 'u16':
            w.u16(value);
            return;
        case 'u32':
            w.u32(value);
            return;
        case 'u64':
            w.u64(value);
            return;
        case 'u64n':
            w.u64n(value);
            return;
        case 'i16':
            w.i16(value);
            return;
        case 'i32':
            w.i32(value);
            return;
        case 'i64':
            w.i64(value);
            return;
        case 'bool':
            w.bool(value);
            return;
        case 'bytes':
            w.bytes(value);
            return;
        case 'str':
            w.str(value);
            return;
        case 'optionStr':
            w.option(value === null ? undefined : value, (inner, s) => inner.str(s));
            return;
        case 'seqU32':
            w.seq(value, (inner, n) => inner.u32(n));
            return;
        case 'seqStr':
            w.seq(value, (inner, s) => inner.str(s));
            return;
        case 'raw4':
            w.raw(value);
            return;
        case 'optionU64':
            w.option(value === null ? undefined : value, (inner, n) => inner.u64(n));
            return;
        default:
            w.raw(encodeLeItem(item));
    }
}
function encodeLeItem(item) {
    const le = new LeWriter();
    switch (item.kind) {
        case 'leU8':
            le.u8(item.value);
            break;
        case 'leU16':
            le.u16(item.value);
            break;
        case 'leU32':
            le.u32(item.value);
            break;
        case 'leU64':
            le.u64(item.value);
            break;
        case 'leU64n':
            le.u64n(item.value);
            break;
        case 'leView': {
            const bytes = item.value;
            le.u8(bytes.length);
            le.raw(bytes);
            break;
        }
        default:
            throw new Error(`not a little-endian kind: ${item.kind}`);
    }
    return le.finish();
}
export function decodePrimitives(bytes) {
    const r = new Reader(bytes);
    const items = [];
    while (r.remaining > 0 && items.length < ITEMS_MAX) {
        const kind = KINDS[r.variant(KINDS.length)];
        items.push({ kind, value: readItem(r, bytes, kind) });
    }
    r.expectEnd();
    return items;
}
export function encodePrimitives(items) {
    const w = new Writer();
    for (const item of items) {
        w.variant(KINDS.indexOf(item.kind));
        writeItem(w, item);
    }
    return w.finish();
}
/** Offsets of the length prefixes (bytes, str, seq counts), found by walking like the decoder. */
function primitiveLengthFields(bytes) {
    const fields = [];
    const r = new Reader(bytes);
    try {
        while (r.remaining > 0 && fields.length < 64) {
            const kind = KINDS[r.variant(KINDS.length)];
            if (kind === 'bytes' || kind === 'str' || kind === 'seqU32' || kind === 'seqStr')
                fields.push({ offset: r.offset, encoding: 'varint' });
            if (kind === 'optionStr' && bytes[r.offset] === 1)
                fields.push({ offset: r.offset + 1, encoding: 'varint' });
            if (kind === 'leView')
                fields.push({ offset: r.offset, encoding: 'u8' });
            readItem(r, bytes, kind);
        }
    }
    catch {
        // A mutated input stops parsing somewhere; the fields found so far are still useful.
    }
    return fields;
}
const u64 = u64Arbitrary;
const text = unicodeString({ maxLength: 24 });
const itemArbitrary = fc.oneof(fc.integer({ min: 0, max: 0xff }).map((value) => ({ kind: 'u8', value })), fc.integer({ min: -0x80, max: 0x7f }).map((value) => ({ kind: 'i8', value })), fc.integer({ min: 0, max: 0xffff }).map((value) => ({ kind: 'u16', value })), fc.integer({ min: 0, max: 0xffff_ffff }).map((value) => ({ kind: 'u32', value })), u64.map((value) => ({ kind: 'u64', value })), fc.maxSafeNat().map((value) => ({ kind: 'u64n', value })), fc.integer({ min: -0x8000, max: 0x7fff }).map((value) => ({ kind: 'i16', value })), fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }).map((value) => ({ kind: 'i32', value })), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((value) => ({ kind: 'i64', value })), fc.boolean().map((value) => ({ kind: 'bool', value })), fc.uint8Array({ maxLength: 32 }).map((value) => ({ kind: 'bytes', value })), text.map((value) => ({ kind: 'str', value })), fc.option(text, { nil: null }).map((value) => ({ kind: 'optionStr', value })), fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 8 }).map((value) => ({ kind: 'seqU32', value })), fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }).map((value) => ({ kind: 'seqStr', value })), fc.uint8Array({ minLength: 4, maxLength: 4 }).map((value) => ({ kind: 'raw4', value })), fc.option(u64, { nil: null }).map((value) => ({ kind: 'optionU64', value })), fc.integer({ min: 0, max: 0xff }).map((value) => ({ kind: 'leU8', value })), fc.integer({ min: 0, max: 0xffff }).map((value) => ({ kind: 'leU16', value })), fc.integer({ min: 0, max: 0xffff_ffff }).map((value) => ({ kind: 'leU32', value })), u64.map((value) => ({ kind: 'leU64', value })), fc.maxSafeNat().map((value) => ({ kind: 'leU64n', value })), fc.uint8Array({ maxLength: 16 }).map((value) => ({ kind: 'leView', value })));
const seedItems = [
    [],
    [
        { kind: 'u16', value: 65535 },
        { kind: 'i16', value: -1 },
        { kind: 'u64', value: (1n << 64n) - 1n },
        { kind: 'optionStr', value: 'Hi' },
    ],
    [
        { kind: 'str', value: 'héllo wörld ✓ 𝄞' },
        { kind: 'seqU32', value: [0, 1, 127, 128, 0xffff_ffff] },
        { kind: 'bytes', value: Uint8Array.of(0, 1, 2, 3) },
        { kind: 'bool', value: true },
    ],
    [
        { kind: 'i64', value: -(1n << 63n) },
        { kind: 'u64n', value: Number.MAX_SAFE_INTEGER },
        { kind: 'leU64', value: 0x0102030405060708n },
        { kind: 'leView', value: Uint8Array.of(9, 8, 7) },
        { kind: 'seqStr', value: ['a', 'bc', ''] },
        { kind: 'optionU64', value: null },
    ],
];
export default defineTarget({
    name: 'codec-primitives',
    description: 'postcard Reader/Writer and LeReader/LeWriter, every primitive chained in one input',
    decode: decodePrimitives,
    encode: encodePrimitives,
    canonical: false,
    isExpectedError: onlyDecodeError,
    arbitrary: fc.array(itemArbitrary, { maxLength: 12 }),
    seeds: () => seedItems.map(encodePrimitives),
    lengthFields: primitiveLengthFields,
    dictionary: [Uint8Array.of(0x80, 0x00), Uint8Array.of(0xff, 0xff, 0x03), Uint8Array.of(0xff, 0xff, 0x07), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xf4, 0x90, 0x80, 0x80)],
});
//# sourceMappingURL=codec-primitives.js.map