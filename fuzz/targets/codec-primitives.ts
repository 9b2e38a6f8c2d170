// Target: the codec primitives (core/codec/postcard.ts Reader/Writer and core/codec/le.ts
// LeReader/LeWriter). The input is a self-describing program: a sequence of (kind, value) items
// where the kind is a postcard enum discriminant (`Reader.variant`) and the value is that
// primitive's encoding, so one input can chain every read the records and messages use.
// Not canonical: the reader accepts padded varints (`80 00` is 0), as postcard does; the
// properties are then a stable round-trip (re-encoding decodes to the same value, and encoding
// that again gives the same bytes).
//
// What must be refused (`rejections`, on every accepted program: one more item appended, so each
// promise is checked after whatever the program read before it; `limits`, once per run): the
// varint rules of each width (one byte past the width is DECODE_VARINT_OVERLONG, bits above the
// type DECODE_VARINT_OVERFLOW, the width's maximum and a padded varint accepted), u64n above
// 2^53 − 1, a bool or option tag of 2, an unknown enum variant, strings that are not strict
// UTF-8, lengths past the end, reads past the end (DECODE_EOF) and a byte after the program's
// last item (DECODE_TRAILING_BYTES); each at the documented offset (the first byte of the
// offending value; a string's first content byte for UTF-8). Each length limit of the program
// (bytes and str 1,024, seqU32 256, seqStr 64 elements, optionStr 256) accepted at the limit and
// refused one past it with DECODE_LENGTH_LIMIT at the length prefix.
import * as fc from 'fast-check';
import { LeReader, LeWriter } from '../../core/codec/le.js';
import { Reader, Writer } from '../../core/codec/postcard.js';
import { u64Arbitrary, unicodeString } from '../arbitraries.js';
import type { LengthField } from '../target.js';
import type { NearMiss } from '../target.js';
import { defineTarget, onlyDecodeError } from '../target.js';
import { bytesOf, overlongVarint, paddedVarint, varint, varintEndingWith } from '../near-misses.js';

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
] as const;
type Kind = (typeof KINDS)[number];

export interface PrimitiveItem {
  readonly kind: Kind;
  readonly value: unknown;
}

function readItem(r: Reader, input: Uint8Array, kind: Kind): unknown {
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
function readLeItem(r: Reader, input: Uint8Array, kind: Kind): unknown {
  const le = new LeReader(input, r.offset);
  let value: unknown;
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

function writeItem(w: Writer, item: PrimitiveItem): void {
  const value = item.value;
  switch (item.kind) {
    case 'u8':
      w.u8(value as number);
      return;
    case 'i8':
      w.i8(value as number);
      return;
    case 'u16':
      w.u16(value as number);
      return;
    case 'u32':
      w.u32(value as number);
      return;
    case 'u64':
      w.u64(value as bigint);
      return;
    case 'u64n':
      w.u64n(value as number);
      return;
    case 'i16':
      w.i16(value as number);
      return;
    case 'i32':
      w.i32(value as number);
      return;
    case 'i64':
      w.i64(value as bigint);
      return;
    case 'bool':
      w.bool(value as boolean);
      return;
    case 'bytes':
      w.bytes(value as Uint8Array);
      return;
    case 'str':
      w.str(value as string);
      return;
    case 'optionStr':
      w.option(value === null ? undefined : (value as string), (inner, s) => inner.str(s));
      return;
    case 'seqU32':
      w.seq(value as number[], (inner, n) => inner.u32(n));
      return;
    case 'seqStr':
      w.seq(value as string[], (inner, s) => inner.str(s));
      return;
    case 'raw4':
      w.raw(value as Uint8Array);
      return;
    case 'optionU64':
      w.option(value === null ? undefined : (value as bigint), (inner, n) => inner.u64(n));
      return;
    default:
      w.raw(encodeLeItem(item));
  }
}

function encodeLeItem(item: PrimitiveItem): Uint8Array {
  const le = new LeWriter();
  switch (item.kind) {
    case 'leU8':
      le.u8(item.value as number);
      break;
    case 'leU16':
      le.u16(item.value as number);
      break;
    case 'leU32':
      le.u32(item.value as number);
      break;
    case 'leU64':
      le.u64(item.value as bigint);
      break;
    case 'leU64n':
      le.u64n(item.value as number);
      break;
    case 'leView': {
      const bytes = item.value as Uint8Array;
      le.u8(bytes.length);
      le.raw(bytes);
      break;
    }
    default:
      throw new Error(`not a little-endian kind: ${item.kind}`);
  }
  return le.finish();
}

export function decodePrimitives(bytes: Uint8Array): PrimitiveItem[] {
  const r = new Reader(bytes);
  const items: PrimitiveItem[] = [];
  while (r.remaining > 0 && items.length < ITEMS_MAX) {
    const kind = KINDS[r.variant(KINDS.length)] as Kind;
    items.push({ kind, value: readItem(r, bytes, kind) });
  }
  r.expectEnd();
  return items;
}

export function encodePrimitives(items: readonly PrimitiveItem[]): Uint8Array {
  const w = new Writer();
  for (const item of items) {
    w.variant(KINDS.indexOf(item.kind));
    writeItem(w, item);
  }
  return w.finish();
}

/** The one-byte variant index of `kind` (there are fewer than 128 kinds). */
function kindByte(kind: Kind): number {
  return KINDS.indexOf(kind);
}

/**
 * The program `accepted` with one more item `kind` whose bytes are `value`, and the promise:
 * `code` at `valueOffset` bytes into the value (null: no offset promised).
 */
function appended(accepted: Uint8Array, name: string, kind: Kind, value: Uint8Array, code: string, valueOffset: number | null = 0): NearMiss {
  const bytes = bytesOf(accepted, kindByte(kind), value);
  const offset = valueOffset === null || code === 'accepted' ? undefined : accepted.length + 1 + valueOffset;
  return offset === undefined ? { name, bytes, code } : { name, bytes, code, offset };
}

const U64_SAFE_LIMIT = 2n ** 53n;

function primitiveRejections(accepted: Uint8Array): NearMiss[] {
  let itemCount: number;
  try {
    itemCount = decodePrimitives(accepted).length;
  } catch {
    return [];
  }
  const n = accepted.length;
  if (itemCount >= ITEMS_MAX) return [{ name: 'trailing-byte', bytes: bytesOf(accepted, 0), code: 'DECODE_TRAILING_BYTES', offset: n }];
  // Filling the program up to its item bound and adding one byte: nothing may follow the last item.
  const filler: number[] = [];
  for (let i = itemCount; i < ITEMS_MAX; i += 1) filler.push(kindByte('u8'), 0);
  const full = bytesOf(accepted, Uint8Array.from(filler));
  const le = (values: number[]): Uint8Array => Uint8Array.from(values);
  return [
    { name: 'trailing-byte', bytes: bytesOf(full, 0), code: 'DECODE_TRAILING_BYTES', offset: full.length },
    { name: 'variant-out-of-range', bytes: bytesOf(accepted, KINDS.length), code: 'DECODE_BAD_VARIANT', offset: n },
    { name: 'variant-overlong', bytes: bytesOf(accepted, overlongVarint(5)), code: 'DECODE_VARINT_OVERLONG', offset: n },
    appended(accepted, 'u8-eof', 'u8', new Uint8Array(0), 'DECODE_EOF'),
    appended(accepted, 'u16-max', 'u16', varintEndingWith(3, 0x03), 'accepted'),
    appended(accepted, 'u16-overflow', 'u16', varintEndingWith(3, 0x04), 'DECODE_VARINT_OVERFLOW'),
    appended(accepted, 'u16-overlong', 'u16', overlongVarint(3), 'DECODE_VARINT_OVERLONG'),
    appended(accepted, 'u16-padded', 'u16', paddedVarint(1, 3), 'accepted'),
    appended(accepted, 'u32-max', 'u32', varintEndingWith(5, 0x0f), 'accepted'),
    appended(accepted, 'u32-overflow', 'u32', varintEndingWith(5, 0x10), 'DECODE_VARINT_OVERFLOW'),
    appended(accepted, 'u32-overlong', 'u32', overlongVarint(5), 'DECODE_VARINT_OVERLONG'),
    appended(accepted, 'u32-padded', 'u32', paddedVarint(300, 5), 'accepted'),
    appended(accepted, 'u32-eof', 'u32', Uint8Array.of(0x80), 'DECODE_EOF'),
    appended(accepted, 'i32-overflow', 'i32', varintEndingWith(5, 0x10), 'DECODE_VARINT_OVERFLOW'),
    appended(accepted, 'u64-max', 'u64', varintEndingWith(10, 0x01), 'accepted'),
    appended(accepted, 'u64-overflow', 'u64', varintEndingWith(10, 0x02), 'DECODE_VARINT_OVERFLOW'),
    appended(accepted, 'u64-overlong', 'u64', overlongVarint(10), 'DECODE_VARINT_OVERLONG'),
    appended(accepted, 'u64-padded', 'u64', paddedVarint(1n << 40n, 10), 'accepted'),
    appended(accepted, 'u64-eof', 'u64', paddedVarint(0, 10).subarray(0, 9), 'DECODE_EOF'),
    appended(accepted, 'i64-overlong', 'i64', overlongVarint(10), 'DECODE_VARINT_OVERLONG'),
    appended(accepted, 'u64n-safe-max', 'u64n', varint(U64_SAFE_LIMIT - 1n), 'accepted'),
    appended(accepted, 'u64n-above-safe', 'u64n', varint(U64_SAFE_LIMIT), 'DECODE_INVALID_VALUE'),
    appended(accepted, 'bool-2', 'bool', Uint8Array.of(2), 'DECODE_BAD_BOOL'),
    appended(accepted, 'option-tag-2', 'optionU64', Uint8Array.of(2), 'DECODE_BAD_OPTION_TAG'),
    appended(accepted, 'bytes-past-end', 'bytes', Uint8Array.of(2, 0), 'DECODE_LENGTH_LIMIT'),
    appended(accepted, 'str-past-end', 'str', Uint8Array.of(3, 0x61, 0x62), 'DECODE_LENGTH_LIMIT'),
    appended(accepted, 'seq-count-past-end', 'seqU32', Uint8Array.of(2, 0), 'DECODE_LENGTH_LIMIT'),
    appended(accepted, 'str-invalid-byte', 'str', Uint8Array.of(1, 0xff), 'DECODE_BAD_UTF8', 1),
    appended(accepted, 'str-overlong-utf8', 'str', Uint8Array.of(2, 0xc0, 0x80), 'DECODE_BAD_UTF8', 1),
    appended(accepted, 'str-surrogate', 'str', Uint8Array.of(3, 0xed, 0xa0, 0x80), 'DECODE_BAD_UTF8', 1),
    appended(accepted, 'str-cut-sequence', 'str', Uint8Array.of(1, 0xc3), 'DECODE_BAD_UTF8', 1),
    appended(accepted, 'raw4-short', 'raw4', Uint8Array.of(1, 2, 3), 'DECODE_EOF'),
    appended(accepted, 'le-u16-short', 'leU16', Uint8Array.of(1), 'DECODE_EOF'),
    appended(accepted, 'le-u32-short', 'leU32', Uint8Array.of(1, 2, 3), 'DECODE_EOF'),
    appended(accepted, 'le-u64-short', 'leU64', le([1, 2, 3, 4, 5, 6, 7]), 'DECODE_EOF'),
    appended(accepted, 'le-u64n-safe-max', 'leU64n', le([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0]), 'accepted'),
    appended(accepted, 'le-u64n-above-safe', 'leU64n', le([0, 0, 0, 0, 0, 0, 0x20, 0]), 'DECODE_INVALID_VALUE'),
    appended(accepted, 'le-view-past-end', 'leView', Uint8Array.of(2, 9), 'DECODE_EOF', 1),
  ];
}

/** One item `kind` whose length prefix is `length`, followed by `length` elements of `element`. */
function itemOfLength(kind: Kind, length: number, element: Uint8Array): Uint8Array {
  const elements = new Uint8Array(length * element.length);
  for (let i = 0; i < length; i += 1) elements.set(element, i * element.length);
  return bytesOf(kindByte(kind), varint(length), elements);
}

/** Each length limit of the program at its boundary: the limit accepted, one past it refused. */
function primitiveLimits(): NearMiss[] {
  const limits: { kind: Kind; max: number; element: Uint8Array; prefix?: Uint8Array }[] = [
    { kind: 'bytes', max: 1024, element: Uint8Array.of(7) },
    { kind: 'str', max: 1024, element: Uint8Array.of(0x61) },
    { kind: 'seqU32', max: 256, element: Uint8Array.of(0) },
    { kind: 'seqStr', max: 64, element: Uint8Array.of(0) },
  ];
  const out: NearMiss[] = [];
  for (const { kind, max, element } of limits) {
    out.push({ name: `${kind}-at-limit`, bytes: itemOfLength(kind, max, element), code: 'accepted' });
    out.push({ name: `${kind}-above-limit`, bytes: itemOfLength(kind, max + 1, element), code: 'DECODE_LENGTH_LIMIT', offset: 1 });
  }
  const optionStr = (length: number): Uint8Array => bytesOf(kindByte('optionStr'), 1, varint(length), new Uint8Array(length).fill(0x62));
  out.push({ name: 'optionStr-at-limit', bytes: optionStr(256), code: 'accepted' });
  out.push({ name: 'optionStr-above-limit', bytes: optionStr(257), code: 'DECODE_LENGTH_LIMIT', offset: 2 });
  // The u8 length of leView is its own bound: 255 accepted.
  out.push({ name: 'leView-at-u8-max', bytes: bytesOf(kindByte('leView'), 255, new Uint8Array(255)), code: 'accepted' });
  return out;
}

let primitiveLimitsBuilt: NearMiss[] | null = null;

/** Offsets of the length prefixes (bytes, str, seq counts), found by walking like the decoder. */
function primitiveLengthFields(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  const r = new Reader(bytes);
  try {
    while (r.remaining > 0 && fields.length < 64) {
      const kind = KINDS[r.variant(KINDS.length)] as Kind;
      if (kind === 'bytes' || kind === 'str' || kind === 'seqU32' || kind === 'seqStr') fields.push({ offset: r.offset, encoding: 'varint' });
      if (kind === 'optionStr' && bytes[r.offset] === 1) fields.push({ offset: r.offset + 1, encoding: 'varint' });
      if (kind === 'leView') fields.push({ offset: r.offset, encoding: 'u8' });
      readItem(r, bytes, kind);
    }
  } catch {
    // A mutated input stops parsing somewhere; the fields found so far are still useful.
  }
  return fields;
}

const u64 = u64Arbitrary;
const text = unicodeString({ maxLength: 24 });

const itemArbitrary: fc.Arbitrary<PrimitiveItem> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((value) => ({ kind: 'u8' as const, value })),
  fc.integer({ min: -0x80, max: 0x7f }).map((value) => ({ kind: 'i8' as const, value })),
  fc.integer({ min: 0, max: 0xffff }).map((value) => ({ kind: 'u16' as const, value })),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((value) => ({ kind: 'u32' as const, value })),
  u64.map((value) => ({ kind: 'u64' as const, value })),
  fc.maxSafeNat().map((value) => ({ kind: 'u64n' as const, value })),
  fc.integer({ min: -0x8000, max: 0x7fff }).map((value) => ({ kind: 'i16' as const, value })),
  fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }).map((value) => ({ kind: 'i32' as const, value })),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((value) => ({ kind: 'i64' as const, value })),
  fc.boolean().map((value) => ({ kind: 'bool' as const, value })),
  fc.uint8Array({ maxLength: 32 }).map((value) => ({ kind: 'bytes' as const, value })),
  text.map((value) => ({ kind: 'str' as const, value })),
  fc.option(text, { nil: null }).map((value) => ({ kind: 'optionStr' as const, value })),
  fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 8 }).map((value) => ({ kind: 'seqU32' as const, value })),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }).map((value) => ({ kind: 'seqStr' as const, value })),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((value) => ({ kind: 'raw4' as const, value })),
  fc.option(u64, { nil: null }).map((value) => ({ kind: 'optionU64' as const, value })),
  fc.integer({ min: 0, max: 0xff }).map((value) => ({ kind: 'leU8' as const, value })),
  fc.integer({ min: 0, max: 0xffff }).map((value) => ({ kind: 'leU16' as const, value })),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((value) => ({ kind: 'leU32' as const, value })),
  u64.map((value) => ({ kind: 'leU64' as const, value })),
  fc.maxSafeNat().map((value) => ({ kind: 'leU64n' as const, value })),
  fc.uint8Array({ maxLength: 16 }).map((value) => ({ kind: 'leView' as const, value })),
);

const seedItems: PrimitiveItem[][] = [
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
    { kind: 'leU64', value: 0x0102_0304_0506_0708n },
    { kind: 'leView', value: Uint8Array.of(9, 8, 7) },
    { kind: 'seqStr', value: ['a', 'bc', ''] },
    { kind: 'optionU64', value: null },
  ],
];

export default defineTarget<PrimitiveItem[]>({
  name: 'codec-primitives',
  description: 'postcard Reader/Writer and LeReader/LeWriter, every primitive chained in one input',
  decode: decodePrimitives,
  encode: encodePrimitives,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: fc.array(itemArbitrary, { maxLength: 12 }),
  seeds: () => seedItems.map(encodePrimitives),
  rejections: primitiveRejections,
  limits: () => (primitiveLimitsBuilt ??= primitiveLimits()),
  lengthFields: primitiveLengthFields,
  dictionary: [Uint8Array.of(0x80, 0x00), Uint8Array.of(0xff, 0xff, 0x03), Uint8Array.of(0xff, 0xff, 0x07), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xf4, 0x90, 0x80, 0x80)],
});
