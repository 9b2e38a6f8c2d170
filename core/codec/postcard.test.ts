// Tests of the postcard-style codec: the format's published vectors (tso-anchors D.1/D.2),
// rejection of every kind of bad input, and properties (round-trips, canonical output, totality).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.js';
import { DecodeError, type DecodeErrorCode } from '../errors.js';
import { U64_MAX } from '../limits.js';
import { Reader, Writer } from './postcard.js';
import { codeOf, decodeErrorOf, invariantOf } from '../test-support.js';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
}

function fromHex(text: string): Uint8Array {
  const parts = text.split(' ').filter((p) => p !== '');
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

function encode(write: (w: Writer) => void): string {
  const w = new Writer();
  write(w);
  return hex(w.finish());
}

/** Reads all of `bytes` with `read`; the whole input must be consumed. */
function decode<T>(bytes: Uint8Array | string, read: (r: Reader) => T): T {
  const r = new Reader(typeof bytes === 'string' ? fromHex(bytes) : bytes);
  const value = read(r);
  r.expectEnd();
  return value;
}

/** Reference varint from the definition, on BigInt: 7 bits at a time, least significant first. */
function referenceVarint(value: bigint): string {
  const out: number[] = [];
  let v = value;
  do {
    const group = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? group : group | 0x80);
  } while (v !== 0n);
  return hex(Uint8Array.from(out));
}

function zigzag(value: bigint, bits: bigint): bigint {
  return BigInt.asUintN(Number(bits), (value << 1n) ^ (value >> (bits - 1n)));
}

describe('postcard vectors (tso-anchors D.1, D.2)', () => {
  it.each([
    [0, '00'],
    [127, '7F'],
    [128, '80 01'],
    [16383, 'FF 7F'],
    [16384, '80 80 01'],
    [65535, 'FF FF 03'],
  ])('encodes u16 %i as %s and decodes it back', (value, bytes) => {
    expect(encode((w) => w.u16(value))).toBe(bytes);
    expect(decode(bytes, (r) => r.u16())).toBe(value);
  });

  it.each([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7E'],
    [-64, '7F'],
    [64, '80 01'],
    [-65, '81 01'],
    [32767, 'FE FF 03'],
    [-32768, 'FF FF 03'],
  ])('encodes i16 %i as %s (zigzag) and decodes it back', (value, bytes) => {
    expect(encode((w) => w.i16(value))).toBe(bytes);
    expect(decode(bytes, (r) => r.i16())).toBe(value);
  });

  it('encodes u64 max as ten bytes FF×9 01', () => {
    expect(encode((w) => w.u64(U64_MAX))).toBe('FF FF FF FF FF FF FF FF FF 01');
    expect(decode('FF FF FF FF FF FF FF FF FF 01', (r) => r.u64())).toBe(U64_MAX);
  });

  it('encodes Some("Hi") as 01 02 48 69 and None as 00', () => {
    expect(encode((w) => w.option('Hi', (w2, s) => w2.str(s)))).toBe('01 02 48 69');
    expect(encode((w) => w.option<string>(undefined, (w2, s) => w2.str(s)))).toBe('00');
    expect(decode('01 02 48 69', (r) => r.option((r2) => r2.str()))).toBe('Hi');
    expect(decode('00', (r) => r.option((r2) => r2.str()))).toBeUndefined();
  });

  it('encodes the LeaderHint worked example field by field', () => {
    // struct { Option<String>, Option<struct { hi: u64, lo: u64 }> }
    const bytes = encode((w) =>
      w
        .option('10.0.0.7:50551', (w2, s) => w2.str(s))
        .option({ hi: 0n, lo: 42n }, (w2, e) => w2.u64(e.hi).u64(e.lo)),
    );
    expect(bytes).toBe('01 0E 31 30 2E 30 2E 30 2E 37 3A 35 30 35 35 31 01 00 2A');
  });

  it('encodes the pinned AdvanceDenseBatch example [3, 1, 1, "a", 1]', () => {
    const bytes = encode((w) => w.variant(3).seq([{ key: 'a', count: 1 }], (w2, e) => w2.str(e.key).u32(e.count)));
    expect(bytes).toBe('03 01 01 61 01');
  });

  it('encodes i64 extremes and the edges of the number fast path', () => {
    // ±(2^52 + 1) just past the number path: there zigzag(−2^52 − 1) = 2^53 + 1 has no double.
    for (const value of [-(1n << 63n), (1n << 63n) - 1n, 2n ** 52n - 1n, 2n ** 52n, 2n ** 52n + 1n, -(2n ** 52n) + 1n, -(2n ** 52n), -(2n ** 52n) - 1n, 0n, -1n]) {
      expect(encode((w) => w.i64(value))).toBe(referenceVarint(zigzag(value, 64n)));
      expect(decode(fromHex(encode((w) => w.i64(value))), (r) => r.i64())).toBe(value);
    }
    expect(encode((w) => w.i64(-(1n << 63n)))).toBe('FF FF FF FF FF FF FF FF FF 01');
  });

  it('encodes i32 extremes', () => {
    expect(encode((w) => w.i32(-0x80000000))).toBe('FF FF FF FF 0F');
    expect(encode((w) => w.i32(0x7fffffff))).toBe('FE FF FF FF 0F');
    expect(decode('FF FF FF FF 0F', (r) => r.i32())).toBe(-0x80000000);
    expect(decode('FE FF FF FF 0F', (r) => r.i32())).toBe(0x7fffffff);
  });

  it('encodes u8, i8 and bool as one raw byte', () => {
    expect(encode((w) => w.u8(0xff).i8(-1).i8(-128).bool(true).bool(false))).toBe('FF FF 80 01 00');
    expect(decode('FF FF 80 01 00', (r) => [r.u8(), r.i8(), r.i8(), r.bool(), r.bool()])).toEqual([255, -1, -128, true, false]);
    expect(encode((w) => w.i8(0).i8(5).i8(127))).toBe('00 05 7F');
    expect(decode('00 05 7F', (r) => [r.i8(), r.i8(), r.i8()])).toEqual([0, 5, 127]);
  });
});

describe('postcard decoder rejections', () => {
  it.each<[string, string, (r: Reader) => unknown, DecodeErrorCode]>([
    ['u16 FF FF 07 (overflows 16 bits)', 'FF FF 07', (r) => r.u16(), 'DECODE_VARINT_OVERFLOW'],
    ['u16 FF FF 04', 'FF FF 04', (r) => r.u16(), 'DECODE_VARINT_OVERFLOW'],
    ['u16 of four bytes', 'FF FF FF 01', (r) => r.u16(), 'DECODE_VARINT_OVERLONG'],
    ['u16 80 80 80 00 (padded past three bytes)', '80 80 80 00', (r) => r.u16(), 'DECODE_VARINT_OVERLONG'],
    ['i16 FF FF 07', 'FF FF 07', (r) => r.i16(), 'DECODE_VARINT_OVERFLOW'],
    ['u32 with 2^32', '80 80 80 80 10', (r) => r.u32(), 'DECODE_VARINT_OVERFLOW'],
    ['u32 of six bytes', '80 80 80 80 80 00', (r) => r.u32(), 'DECODE_VARINT_OVERLONG'],
    ['u64 with 2^64', '80 80 80 80 80 80 80 80 80 02', (r) => r.u64(), 'DECODE_VARINT_OVERFLOW'],
    ['u64 of eleven bytes', 'FF FF FF FF FF FF FF FF FF 81 00', (r) => r.u64(), 'DECODE_VARINT_OVERLONG'],
    ['i64 with 2^64', '80 80 80 80 80 80 80 80 80 02', (r) => r.i64(), 'DECODE_VARINT_OVERFLOW'],
    ['u16 cut short', '80', (r) => r.u16(), 'DECODE_EOF'],
    ['u64 cut short after seven bytes', '80 80 80 80 80 80 80', (r) => r.u64(), 'DECODE_EOF'],
    ['u64 cut short after nine bytes', 'FF FF FF FF FF FF FF FF FF', (r) => r.u64(), 'DECODE_EOF'],
    ['u8 on empty input', '', (r) => r.u8(), 'DECODE_EOF'],
    ['u64n of 2^53', '80 80 80 80 80 80 80 10', (r) => r.u64n(), 'DECODE_INVALID_VALUE'],
    ['u64n of u64 max', 'FF FF FF FF FF FF FF FF FF 01', (r) => r.u64n(), 'DECODE_INVALID_VALUE'],
    ['bool 02', '02', (r) => r.bool(), 'DECODE_BAD_BOOL'],
    ['bool FF', 'FF', (r) => r.bool(), 'DECODE_BAD_BOOL'],
    ['option tag 02', '02 00', (r) => r.option((r2) => r2.u8()), 'DECODE_BAD_OPTION_TAG'],
    ['variant 3 of 3', '03', (r) => r.variant(3), 'DECODE_BAD_VARIANT'],
    ['variant beyond u32', '80 80 80 80 10', (r) => r.variant(3), 'DECODE_VARINT_OVERFLOW'],
    ['bytes longer than the input', '05 01 02', (r) => r.bytes(), 'DECODE_LENGTH_LIMIT'],
    ['bytes above the limit', '03 01 02 03', (r) => r.bytes(2), 'DECODE_LENGTH_LIMIT'],
    ['bytes with a 2^63 length', '80 80 80 80 80 80 80 80 80 01', (r) => r.bytes(), 'DECODE_LENGTH_LIMIT'],
    ['str longer than the input', '04 61 62', (r) => r.str(), 'DECODE_LENGTH_LIMIT'],
    ['seq count above the limit', '03 00 00 00', (r) => r.seq((r2) => r2.u8(), 2), 'DECODE_LENGTH_LIMIT'],
    ['seq count above the remaining bytes', 'FF FF FF 7F 00', (r) => r.seq((r2) => r2.u8()), 'DECODE_LENGTH_LIMIT'],
    ['seq whose element runs out', '02 01', (r) => r.seq((r2) => r2.u8()), 'DECODE_LENGTH_LIMIT'],
    ['str with an overlong NUL (C0 80)', '02 C0 80', (r) => r.str(), 'DECODE_BAD_UTF8'],
    ['str with an encoded surrogate (ED A0 80)', '03 ED A0 80', (r) => r.str(), 'DECODE_BAD_UTF8'],
    ['str with a truncated sequence (E2 82)', '02 E2 82', (r) => r.str(), 'DECODE_BAD_UTF8'],
    ['str with byte FF', '01 FF', (r) => r.str(), 'DECODE_BAD_UTF8'],
    ['str above the code point range (F4 90 80 80)', '04 F4 90 80 80', (r) => r.str(), 'DECODE_BAD_UTF8'],
    ['trailing bytes after a value', '01 00', (r) => r.u8(), 'DECODE_TRAILING_BYTES'],
    ['raw read past the end', '01 02', (r) => r.raw(3), 'DECODE_EOF'],
  ])('rejects %s', (_name, bytes, read, code) => {
    expect(codeOf(() => decode(bytes, read))).toBe(code);
  });

  it('accepts padded (non-canonical) varints within the maximum length, as postcard does', () => {
    expect(decode('80 00', (r) => r.u16())).toBe(0);
    expect(decode('FF 80 00', (r) => r.u16())).toBe(127);
    expect(decode('80 80 80 80 00', (r) => r.u32())).toBe(0);
    expect(decode('80 80 80 80 80 80 80 80 80 00', (r) => r.u64())).toBe(0n);
    expect(decode('81 80 80 80 80 80 80 80 80 00', (r) => r.u64n())).toBe(1);
  });

  it('u64n accepts exactly 2^53 - 1', () => {
    expect(decode(referenceVarint(2n ** 53n - 1n), (r) => r.u64n())).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('keeps a leading byte-order mark in a decoded string', () => {
    expect(decode('04 EF BB BF 61', (r) => r.str())).toBe('\uFEFFa');
    expect(encode((w) => w.str('\uFEFFa'))).toBe('04 EF BB BF 61');
  });

  it('reports the offset of the value that failed', () => {
    const r = new Reader(fromHex('01 02 FF FF 07'));
    r.u8();
    r.u8();
    try {
      r.u16();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
      expect((e as DecodeError).offset).toBe(2);
    }
  });
});

describe('postcard writer preconditions', () => {
  it('refuses out-of-range values as bugs (assertion), not as bytes', () => {
    expect(() => new Writer().u16(65536)).toThrow(AssertionError);
    expect(() => new Writer().u32(-1)).toThrow(AssertionError);
    expect(() => new Writer().u32(1.5)).toThrow(AssertionError);
    expect(() => new Writer().u64(U64_MAX + 1n)).toThrow(AssertionError);
    expect(() => new Writer().u64n(2 ** 53)).toThrow(AssertionError);
    expect(() => new Writer().i16(32768)).toThrow(AssertionError);
    expect(() => new Writer().i64(1n << 63n)).toThrow(AssertionError);
    expect(() => new Writer().u8(256)).toThrow(AssertionError);
  });

  // Each precondition at its bounds: the last value in is written, the first value out (and a
  // fraction, and a value of the wrong kind where one can arrive) is refused with the
  // precondition's name and the value in the message.
  it.each<[string, (w: Writer) => unknown, (w: Writer) => unknown, string, string]>([
    ['u8 below 0', (w) => w.u8(0), (w) => w.u8(-1), 'u8_in_range', 'value -1'],
    ['u8 above 255', (w) => w.u8(255), (w) => w.u8(256), 'u8_in_range', 'value 256'],
    ['u8 fractional', (w) => w.u8(1), (w) => w.u8(1.5), 'u8_in_range', 'value 1.5'],
    ['i8 below -128', (w) => w.i8(-128), (w) => w.i8(-129), 'i8_in_range', 'value -129'],
    ['i8 above 127', (w) => w.i8(127), (w) => w.i8(128), 'i8_in_range', 'value 128'],
    ['i8 fractional', (w) => w.i8(-1), (w) => w.i8(-1.5), 'i8_in_range', 'value -1.5'],
    ['u16 below 0', (w) => w.u16(0), (w) => w.u16(-1), 'u16_in_range', 'value -1'],
    ['u16 above 65535', (w) => w.u16(65535), (w) => w.u16(65536), 'u16_in_range', 'value 65536'],
    ['u16 fractional', (w) => w.u16(2), (w) => w.u16(2.5), 'u16_in_range', 'value 2.5'],
    ['u32 below 0', (w) => w.u32(0), (w) => w.u32(-1), 'u32_in_range', 'value -1'],
    ['u32 above 2^32 - 1', (w) => w.u32(2 ** 32 - 1), (w) => w.u32(2 ** 32), 'u32_in_range', 'value 4294967296'],
    ['u64 below 0', (w) => w.u64(0n), (w) => w.u64(-1n), 'u64_in_range', 'value -1'],
    ['u64 above 2^64 - 1', (w) => w.u64(U64_MAX), (w) => w.u64(U64_MAX + 1n), 'u64_in_range', 'value 18446744073709551616'],
    ['u64n below 0', (w) => w.u64n(0), (w) => w.u64n(-1), 'u64n_safe_uint', 'value -1'],
    ['u64n above 2^53 - 1', (w) => w.u64n(Number.MAX_SAFE_INTEGER), (w) => w.u64n(2 ** 53), 'u64n_safe_uint', 'value 9007199254740992'],
    ['u64n fractional', (w) => w.u64n(3), (w) => w.u64n(3.5), 'u64n_safe_uint', 'value 3.5'],
    ['i16 below -32768', (w) => w.i16(-0x8000), (w) => w.i16(-0x8001), 'i16_in_range', 'value -32769'],
    ['i16 above 32767', (w) => w.i16(0x7fff), (w) => w.i16(0x8000), 'i16_in_range', 'value 32768'],
    ['i16 fractional', (w) => w.i16(-2), (w) => w.i16(-2.5), 'i16_in_range', 'value -2.5'],
    ['i32 below -2^31', (w) => w.i32(-0x80000000), (w) => w.i32(-0x80000001), 'i32_in_range', 'value -2147483649'],
    ['i32 above 2^31 - 1', (w) => w.i32(0x7fffffff), (w) => w.i32(0x80000000), 'i32_in_range', 'value 2147483648'],
    ['i32 fractional', (w) => w.i32(7), (w) => w.i32(7.5), 'i32_in_range', 'value 7.5'],
    ['i64 below -2^63', (w) => w.i64(-(1n << 63n)), (w) => w.i64(-(1n << 63n) - 1n), 'i64_in_range', 'value -9223372036854775809'],
    ['i64 above 2^63 - 1', (w) => w.i64((1n << 63n) - 1n), (w) => w.i64(1n << 63n), 'i64_in_range', 'value 9223372036854775808'],
  ])('writer: %s is refused by name', (_name, inside, outside, invariant, detail) => {
    expect(() => inside(new Writer())).not.toThrow();
    let refused: unknown;
    try {
      outside(new Writer());
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(AssertionError);
    expect((refused as AssertionError).invariant).toBe(invariant);
    expect((refused as AssertionError).message).toContain(detail);
  });

  it('writer: a starting capacity must be a positive safe integer, and 1 grows', () => {
    for (const bad of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1]) expect(invariantOf(() => new Writer(bad))).toBe('writer_capacity_positive');
    const w = new Writer(1);
    expect(w.length).toBe(0);
    w.u8(1).u32(2 ** 32 - 1);
    expect(w.length).toBe(6);
    expect(hex(w.finish())).toBe('01 FF FF FF FF 0F');
  });

  it('reader: its preconditions are named (bugs of the caller, not of the bytes)', () => {
    const bytes = fromHex('01 02');
    expect(new Reader(bytes, 2).remaining).toBe(0);
    for (const bad of [-1, 3, 0.5]) expect(invariantOf(() => new Reader(bytes, bad))).toBe('reader_offset_in_bounds');
    expect(new Reader(bytes).raw(0)).toEqual(new Uint8Array(0));
    for (const bad of [-1, 1.5]) expect(invariantOf(() => new Reader(bytes).raw(bad))).toBe('raw_length_safe_uint');
    expect(new Reader(fromHex('00')).variant(1)).toBe(0);
    expect(new Reader(fromHex('FF FF FF FF 0F')).variant(2 ** 32)).toBe(2 ** 32 - 1);
    for (const bad of [0, -1, 2 ** 32 + 1, 1.5]) expect(invariantOf(() => new Reader(fromHex('00')).variant(bad))).toBe('variant_count_valid');
    expect(new Reader(fromHex('00')).seq((r) => r.u8(), 0)).toEqual([]);
    for (const bad of [-1, 0.5]) expect(invariantOf(() => new Reader(fromHex('00')).seq((r) => r.u8(), bad))).toBe('length_max_safe_uint');
  });

  it('reader: raw takes exactly the bytes left, moves past them, and copies them', () => {
    const bytes = fromHex('AA BB CC');
    const r = new Reader(bytes, 1);
    const taken = r.raw(2);
    expect(taken).toEqual(fromHex('BB CC'));
    expect(r.remaining).toBe(0);
    taken[0] = 0;
    expect(bytes[1]).toBe(0xbb);
    expect(decodeErrorOf(() => new Reader(bytes, 1).raw(3))).toEqual({ code: 'DECODE_EOF', offset: 1 });
  });

  it('refuses a string with a lone surrogate (it could not round-trip)', () => {
    expect(invariantOf(() => new Writer().str('a\uD800b'))).toBe('str_well_formed_utf16');
    expect(invariantOf(() => new Writer().str('\uDC00'))).toBe('str_well_formed_utf16');
  });

  it('keeps its bytes across buffer growth', () => {
    const w = new Writer(1);
    const values = Array.from({ length: 1000 }, (_, i) => i * 7919);
    w.seq(values, (w2, v) => w2.u32(v));
    expect(decode(w.finish(), (r) => r.seq((r2) => r2.u32()))).toEqual(values);
  });
});

describe('postcard properties', () => {
  const u64 = fc.bigInt({ min: 0n, max: U64_MAX });
  const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
  // Bias toward the edges of the fast paths (2^32, 2^49, 2^53) where bugs would hide.
  const u64Edges = fc.oneof(
    u64,
    fc.constantFrom(0n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 49n - 1n, 2n ** 49n, 2n ** 53n - 1n, 2n ** 53n, U64_MAX),
    fc.integer({ min: 0, max: 64 }).chain((bits) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })),
  );

  it('u16, u32 and u64 round-trip and encode as the minimal varint', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (v) => {
        expect(encode((w) => w.u16(v))).toBe(referenceVarint(BigInt(v)));
        expect(decode(fromHex(encode((w) => w.u16(v))), (r) => r.u16())).toBe(v);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        expect(encode((w) => w.u32(v))).toBe(referenceVarint(BigInt(v)));
        expect(decode(fromHex(encode((w) => w.u32(v))), (r) => r.u32())).toBe(v);
      }),
    );
    fc.assert(
      fc.property(u64Edges, (v) => {
        const bytes = encode((w) => w.u64(v));
        expect(bytes).toBe(referenceVarint(v));
        expect(decode(fromHex(bytes), (r) => r.u64())).toBe(v);
      }),
    );
  });

  it('u64n writes the same bytes as u64 and reads back every safe integer', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeNat(), fc.integer({ min: 0, max: 300 })), (v) => {
        const bytes = encode((w) => w.u64n(v));
        expect(bytes).toBe(encode((w) => w.u64(BigInt(v))));
        expect(decode(fromHex(bytes), (r) => r.u64n())).toBe(v);
      }),
    );
  });

  it('i16, i32 and i64 round-trip through zigzag', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x8000, max: 0x7fff }), (v) => {
        expect(encode((w) => w.i16(v))).toBe(referenceVarint(zigzag(BigInt(v), 16n)));
        expect(decode(fromHex(encode((w) => w.i16(v))), (r) => r.i16())).toBe(v);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (v) => {
        expect(encode((w) => w.i32(v))).toBe(referenceVarint(zigzag(BigInt(v), 32n)));
        expect(decode(fromHex(encode((w) => w.i32(v))), (r) => r.i32())).toBe(v);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(i64, fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n })), (v) => {
        const bytes = encode((w) => w.i64(v));
        expect(bytes).toBe(referenceVarint(zigzag(v, 64n)));
        expect(decode(fromHex(bytes), (r) => r.i64())).toBe(v);
      }),
    );
  });

  it('bool, bytes and str round-trip', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 100 }), (b, bytes, s) => {
        const w = new Writer().bool(b).bytes(bytes).str(s);
        const [b2, bytes2, s2] = decode(w.finish(), (r) => [r.bool(), r.bytes(), r.str()] as const);
        expect(b2).toBe(b);
        expect(bytes2).toEqual(bytes);
        expect(s2).toBe(s);
      }),
    );
  });

  it('a composite of option, variant and seq round-trips', () => {
    type Shape = { kind: 0; at: bigint } | { kind: 1; names: string[] } | { kind: 2 };
    const shape: fc.Arbitrary<Shape> = fc.oneof(
      u64Edges.map((at) => ({ kind: 0 as const, at })),
      fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }).map((names) => ({ kind: 1 as const, names })),
      fc.constant({ kind: 2 as const }),
    );
    const writeShape = (w: Writer, s: Shape): void => {
      w.variant(s.kind);
      if (s.kind === 0) w.u64(s.at);
      else if (s.kind === 1) w.seq(s.names, (w2, n) => w2.str(n));
    };
    const readShape = (r: Reader): Shape => {
      const kind = r.variant(3);
      if (kind === 0) return { kind, at: r.u64() };
      if (kind === 1) return { kind, names: r.seq((r2) => r2.str()) };
      return { kind: 2 };
    };
    fc.assert(
      fc.property(fc.array(fc.option(shape, { nil: undefined }), { maxLength: 8 }), (items) => {
        const bytes = new Writer().seq(items, (w, item) => w.option(item, writeShape)).finish();
        expect(decode(bytes, (r) => r.seq((r2) => r2.option(readShape)))).toEqual(items);
      }),
    );
  });

  it('every read is total on arbitrary bytes: a value or a DecodeError, nothing else', () => {
    const reads: ReadonlyArray<(r: Reader) => unknown> = [
      (r) => r.u8(),
      (r) => r.i8(),
      (r) => r.u16(),
      (r) => r.u32(),
      (r) => r.u64(),
      (r) => r.u64n(),
      (r) => r.i16(),
      (r) => r.i32(),
      (r) => r.i64(),
      (r) => r.bool(),
      (r) => r.bytes(64),
      (r) => r.str(64),
      (r) => r.option((r2) => r2.u32()),
      (r) => r.variant(5),
      (r) => r.seq((r2) => r2.u16(), 64),
      (r) => r.expectEnd(),
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat(reads.length - 1), { minLength: 1, maxLength: 12 }), (bytes, program) => {
        const r = new Reader(bytes);
        try {
          for (const step of program) (reads[step] as (r: Reader) => unknown)(r);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          return;
        }
        expect(r.offset).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 2000 },
    );
  });
});
