// A postcard-style binary codec (the serde wire format of the Rust `postcard` crate, 1.x), written
// from the format's rules: `Writer` builds bytes, `Reader` takes them apart.
//
// Rules (docs/formats.md has the full table):
//   - u8/i8: one raw byte. bool: 0x00 or 0x01, anything else is an error.
//   - u16/u32/u64 and lengths: unsigned LEB128 varint, 7 bits per byte, least significant group
//     first, high bit set when more bytes follow. At most ceil(bits/7) bytes (3, 5, 10).
//   - i16/i32/i64: zigzag (0, -1, 1, -2, ... → 0, 1, 2, 3, ...), then the varint above.
//   - bytes/str: varint length, then the bytes (str: UTF-8). option: 0x00 None, 0x01 + value.
//     enum: varint variant index, then the payload. seq: varint count, then the elements.
//     Structs and tuples: fields in order, no names, no lengths.
//
// Invariants:
//   - The writer is canonical: it always emits the shortest varint. The reader accepts padded
//     varints that fit the maximum length (`80 00` decodes to 0), as postcard does, so equal
//     values are only guaranteed equal bytes when both sides used a canonical encoder.
//   - The reader is total: whatever the bytes, it returns a value or throws `DecodeError` with a
//     DECODE_* code; it never throws anything else. It checks every length against both a limit
//     and the bytes that remain before it allocates or slices anything.
//   - Values that fit in 32 bits (and u64s below 2^53 on the `u64n` path) never touch BigInt.
import { assert, AssertionError } from '../assert.js';
import { DecodeError, ErrorCode, type DecodeErrorCode } from '../errors.js';
import { CODEC_BYTES_LENGTH_MAX, CODEC_SEQUENCE_LENGTH_MAX, U64_MAX } from '../limits.js';
import { pooledBytes } from './pooled-bytes.js';
import { isWellFormedUtf16, utf8ByteLength, utf8Decode, utf8EncodeInto } from './utf8.js';

const TWO_POW_32 = 2 ** 32;
const TWO_POW_49 = 2 ** 49;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
/** |n| up to this keeps zigzag(n) = 2|n| (−1) a safe integer, so i64 can stay on numbers. */
const I64_NUMBER_PATH_ABS_MAX = 2n ** 52n - 1n;
const SAFE_INTEGER_MAX_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
/** Writer growth stops here: no record or message of this system comes close (1 GiB). */
export const WRITER_BYTES_MAX = 1 << 30;
const WRITER_CAPACITY_BYTES_DEFAULT = 64;
/** Longest varint of each width: ceil(bits / 7). */
export const VARINT_U16_BYTES_MAX = 3;
export const VARINT_U32_BYTES_MAX = 5;
export const VARINT_U64_BYTES_MAX = 10;

/** Grows a byte buffer while values are written; `finish()` returns exactly the written bytes. */
export class Writer {
  private buffer: Uint8Array;
  private position = 0;

  /**
   * `bytesMax` caps what this writer may hold (at most, and by default, `WRITER_BYTES_MAX`): a
   * write that would pass it is refused by name before anything is allocated, so an encoder can
   * bound its output by its format's limit.
   */
  constructor(
    initialCapacityBytes = WRITER_CAPACITY_BYTES_DEFAULT,
    private readonly bytesMax = WRITER_BYTES_MAX,
  ) {
    assert(Number.isSafeInteger(initialCapacityBytes) && initialCapacityBytes > 0, 'writer_capacity_positive');
    assert(Number.isSafeInteger(bytesMax) && bytesMax > 0 && bytesMax <= WRITER_BYTES_MAX, 'writer_bytes_max_in_range');
    this.buffer = pooledBytes(Math.min(initialCapacityBytes, bytesMax)); // see pooled-bytes.ts: `written()` takes a view of it
  }

  /** Bytes written so far. */
  get length(): number {
    return this.position;
  }

  u8(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xff)) outOfRange('u8_in_range', value);
    this.reserve(1);
    this.buffer[this.position++] = value;
    return this;
  }

  i8(value: number): this {
    if (!(Number.isInteger(value) && value >= -0x80 && value <= 0x7f)) outOfRange('i8_in_range', value);
    this.reserve(1);
    this.buffer[this.position++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffff)) outOfRange('u16_in_range', value);
    this.varint32(value);
    return this;
  }

  u32(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value < TWO_POW_32)) outOfRange('u32_in_range', value);
    this.varint32(value);
    return this;
  }

  /** u64 from a bigint in [0, 2^64). */
  u64(value: bigint): this {
    if (!(value >= 0n && value <= U64_MAX)) outOfRange('u64_in_range', value);
    if (value <= SAFE_INTEGER_MAX_BIGINT) this.varintSafe(Number(value));
    else this.varint64(Number(value >> 32n), Number(value & 0xffffffffn));
    return this;
  }

  /** u64 from a safe non-negative integer (the fast path: no BigInt). */
  u64n(value: number): this {
    if (!(Number.isSafeInteger(value) && value >= 0)) outOfRange('u64n_safe_uint', value);
    this.varintSafe(value);
    return this;
  }

  i16(value: number): this {
    if (!(Number.isInteger(value) && value >= -0x8000 && value <= 0x7fff)) outOfRange('i16_in_range', value);
    this.varint32(((value << 1) ^ (value >> 31)) >>> 0);
    return this;
  }

  i32(value: number): this {
    if (!(Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff)) outOfRange('i32_in_range', value);
    this.varint32(((value << 1) ^ (value >> 31)) >>> 0);
    return this;
  }

  /** i64 from a bigint in [−2^63, 2^63). */
  i64(value: bigint): this {
    if (!(value >= I64_MIN && value <= I64_MAX)) outOfRange('i64_in_range', value);
    if (value >= -I64_NUMBER_PATH_ABS_MAX && value <= I64_NUMBER_PATH_ABS_MAX) {
      const n = Number(value);
      this.varintSafe(n >= 0 ? n * 2 : -n * 2 - 1);
    } else {
      const zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
      this.varint64(Number(zigzag >> 32n), Number(zigzag & 0xffffffffn));
    }
    return this;
  }

  bool(value: boolean): this {
    this.reserve(1);
    this.buffer[this.position++] = value ? 1 : 0;
    return this;
  }

  /** Length-prefixed byte string. */
  bytes(value: Uint8Array): this {
    this.varintSafe(value.length);
    this.raw(value);
    return this;
  }

  /** Length-prefixed UTF-8 string; `value` must be well-formed (no lone surrogates). */
  str(value: string): this {
    assert(isWellFormedUtf16(value), 'str_well_formed_utf16');
    const byteLength = utf8ByteLength(value);
    this.varintSafe(byteLength);
    this.reserve(byteLength);
    if (byteLength === value.length) {
      // Pure ASCII: one byte per code unit, no encoder call.
      const buffer = this.buffer;
      let p = this.position;
      for (let i = 0; i < value.length; i++) buffer[p++] = value.charCodeAt(i);
      this.position = p;
    } else {
      const written = utf8EncodeInto(value, this.buffer, this.position);
      assert(written === byteLength, 'str_byte_length_matches');
      this.position += written;
    }
    return this;
  }

  /** Raw bytes with no length prefix (fixed-size fields, nested encodings). */
  raw(value: Uint8Array): this {
    this.reserve(value.length);
    this.buffer.set(value, this.position);
    this.position += value.length;
    return this;
  }

  /** `Option<T>`: `undefined` is None (0x00); anything else is Some (0x01 then the value). */
  option<T>(value: T | undefined, write: (w: Writer, value: T) => void): this {
    if (value === undefined) return this.bool(false);
    this.bool(true);
    write(this, value);
    return this;
  }

  /** An enum discriminant: the variant's declaration index as a u32 varint. */
  variant(index: number): this {
    return this.u32(index);
  }

  /** A sequence: the element count, then each element. */
  seq<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.varintSafe(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** A copy of exactly the bytes written. The writer may keep being used afterwards. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.position);
  }

  /**
   * The bytes written, as a view of the writer's buffer (no copy): for a caller that copies them
   * at once and drops the writer. A later write may move or overwrite them; the view may be of a
   * pooled slab (pooled-bytes.ts), so it is not to be kept.
   */
  written(): Uint8Array {
    return this.buffer.subarray(0, this.position);
  }

  private reserve(extraBytes: number): void {
    const needed = this.position + extraBytes;
    if (needed <= this.buffer.length) return;
    if (!(needed <= this.bytesMax)) outOfRange('writer_within_bytes_max', needed);
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    // Pooled: the working buffer is dropped once `finish` copied it out (or `written` handed it
    // to a caller that copies it at once).
    const grown = pooledBytes(Math.min(capacity, this.bytesMax));
    grown.set(this.buffer.subarray(0, this.position));
    this.buffer = grown;
  }

  /** Varint of a value in [0, 2^32), on 32-bit integer arithmetic. */
  private varint32(value: number): void {
    this.reserve(VARINT_U32_BYTES_MAX);
    const buffer = this.buffer;
    let p = this.position;
    let v = value;
    while (v >= 0x80) {
      buffer[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buffer[p++] = v;
    this.position = p;
  }

  /** Varint of a safe non-negative integer. */
  private varintSafe(value: number): void {
    if (value < TWO_POW_32) this.varint32(value);
    else this.varint64(Math.floor(value / TWO_POW_32), value >>> 0);
  }

  /** Varint of the u64 `high * 2^32 + low`, both halves u32 numbers. */
  private varint64(high: number, low: number): void {
    if (high === 0) {
      this.varint32(low);
      return;
    }
    this.reserve(VARINT_U64_BYTES_MAX);
    const buffer = this.buffer;
    let p = this.position;
    // The value is at least 2^32, so the four groups of the low half all have a successor.
    buffer[p++] = (low & 0x7f) | 0x80;
    buffer[p++] = ((low >>> 7) & 0x7f) | 0x80;
    buffer[p++] = ((low >>> 14) & 0x7f) | 0x80;
    buffer[p++] = ((low >>> 21) & 0x7f) | 0x80;
    let group = (low >>> 28) | ((high & 0x07) << 4);
    let rest = high >>> 3;
    while (rest !== 0) {
      buffer[p++] = group | 0x80;
      group = rest & 0x7f;
      rest >>>= 7;
    }
    buffer[p++] = group;
    this.position = p;
  }
}

/** Reads postcard values from `bytes`, starting at `offset`; every read is bounds-checked. */
export class Reader {
  private position: number;
  // Scratch results of readVarint64: the low 49 bits and the bits from 49 up (< 2^15). Fields
  // instead of a returned tuple so the hot path allocates nothing.
  private varintLow49 = 0;
  private varintHigh15 = 0;

  constructor(
    private readonly input: Uint8Array,
    offset = 0,
  ) {
    assert(Number.isSafeInteger(offset) && offset >= 0 && offset <= input.length, 'reader_offset_in_bounds');
    this.position = offset;
  }

  /** Offset of the next byte to read. */
  get offset(): number {
    return this.position;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.input.length - this.position;
  }

  /** Throws DECODE_TRAILING_BYTES unless every byte has been read. */
  expectEnd(): void {
    if (this.position !== this.input.length) {
      this.fail(ErrorCode.DECODE_TRAILING_BYTES, `${this.remaining} trailing byte(s)`, this.position);
    }
  }

  u8(): number {
    if (this.position >= this.input.length) this.fail(ErrorCode.DECODE_EOF, 'u8 past the end', this.position);
    return this.input[this.position++] as number;
  }

  i8(): number {
    const b = this.u8();
    return b >= 0x80 ? b - 0x100 : b;
  }

  u16(): number {
    return this.readVarint32(VARINT_U16_BYTES_MAX, 0x03);
  }

  u32(): number {
    return this.readVarint32(VARINT_U32_BYTES_MAX, 0x0f);
  }

  u64(): bigint {
    this.readVarint64();
    const high = this.varintHigh15;
    const low = this.varintLow49;
    return high === 0 ? BigInt(low) : (BigInt(high) << 49n) | BigInt(low);
  }

  /** A u64 that must fit a safe integer; DECODE_INVALID_VALUE when it is above 2^53 − 1. */
  u64n(): number {
    const start = this.position;
    this.readVarint64();
    const high = this.varintHigh15;
    if (high === 0) return this.varintLow49;
    // high < 16 keeps high * 2^49 + low below 2^53, so the sum is exact.
    if (high >= 16) this.fail(ErrorCode.DECODE_INVALID_VALUE, 'u64 above 2^53 - 1 where a safe integer is required', start);
    return high * TWO_POW_49 + this.varintLow49;
  }

  i16(): number {
    const zigzag = this.readVarint32(VARINT_U16_BYTES_MAX, 0x03);
    return (zigzag >>> 1) ^ -(zigzag & 1);
  }

  i32(): number {
    const zigzag = this.readVarint32(VARINT_U32_BYTES_MAX, 0x0f);
    return (zigzag >>> 1) ^ -(zigzag & 1);
  }

  i64(): bigint {
    this.readVarint64();
    const high = this.varintHigh15;
    const low = this.varintLow49;
    if (high === 0) {
      // zigzag < 2^49: undo it on numbers.
      return BigInt(low % 2 === 0 ? low / 2 : -(low + 1) / 2);
    }
    const zigzag = (BigInt(high) << 49n) | BigInt(low);
    return (zigzag >> 1n) ^ -(zigzag & 1n);
  }

  bool(): boolean {
    const start = this.position;
    const b = this.u8();
    if (b === 0) return false;
    if (b === 1) return true;
    return this.fail(ErrorCode.DECODE_BAD_BOOL, `bool byte ${b}`, start);
  }

  /** Length-prefixed byte string (a copy), at most `lengthMax` bytes. */
  bytes(lengthMax = CODEC_BYTES_LENGTH_MAX): Uint8Array {
    const length = this.readLength(lengthMax);
    const start = this.position;
    this.position += length;
    return this.input.slice(start, start + length);
  }

  /** Length-prefixed UTF-8 string of at most `byteLengthMax` bytes. */
  str(byteLengthMax = CODEC_BYTES_LENGTH_MAX): string {
    const length = this.readLength(byteLengthMax);
    const start = this.position;
    this.position += length;
    return utf8Decode(this.input.subarray(start, start + length), start);
  }

  /** Exactly `length` raw bytes (no prefix), as a copy. */
  raw(length: number): Uint8Array {
    assert(Number.isSafeInteger(length) && length >= 0, 'raw_length_safe_uint');
    if (length > this.remaining) this.fail(ErrorCode.DECODE_EOF, `${length} raw byte(s) past the end`, this.position);
    const start = this.position;
    this.position += length;
    return this.input.slice(start, start + length);
  }

  /** `Option<T>`: tag 0x00 is None (`undefined`), 0x01 is Some. */
  option<T>(read: (r: Reader) => T): T | undefined {
    const start = this.position;
    const tag = this.u8();
    if (tag === 0) return undefined;
    if (tag === 1) return read(this);
    return this.fail(ErrorCode.DECODE_BAD_OPTION_TAG, `option tag ${tag}`, start);
  }

  /** An enum discriminant, which must be below `variantCount`. */
  variant(variantCount: number): number {
    assert(Number.isInteger(variantCount) && variantCount > 0 && variantCount <= TWO_POW_32, 'variant_count_valid');
    const start = this.position;
    const index = this.u32();
    if (index >= variantCount) this.fail(ErrorCode.DECODE_BAD_VARIANT, `variant ${index} of ${variantCount}`, start);
    return index;
  }

  /**
   * A sequence of at most `lengthMax` elements. Every element is assumed to take at least one
   * byte, so a count above the remaining bytes is refused before anything is allocated.
   */
  seq<T>(read: (r: Reader) => T, lengthMax = CODEC_SEQUENCE_LENGTH_MAX): T[] {
    const count = this.readLength(lengthMax);
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(read(this));
    return items;
  }

  /** A varint length, checked against `lengthMax` and the remaining bytes (not consumed). */
  private readLength(lengthMax: number): number {
    assert(Number.isSafeInteger(lengthMax) && lengthMax >= 0, 'length_max_safe_uint');
    const start = this.position;
    this.readVarint64();
    // A length of 2^49 or more is above any limit and any buffer.
    const length = this.varintHigh15 === 0 ? this.varintLow49 : Infinity;
    if (length > lengthMax) this.fail(ErrorCode.DECODE_LENGTH_LIMIT, `length ${length} above limit ${lengthMax}`, start);
    if (length > this.remaining) {
      this.fail(ErrorCode.DECODE_LENGTH_LIMIT, `length ${length} above the ${this.remaining} remaining byte(s)`, start);
    }
    return length;
  }

  /**
   * Reads a varint of at most `bytesMax` bytes (3 or 5) whose last byte may carry at most
   * `lastByteMax`. 32-bit arithmetic only.
   */
  private readVarint32(bytesMax: number, lastByteMax: number): number {
    const bytes = this.input;
    const start = this.position;
    let p = start;
    let value = 0;
    for (let i = 0; i < bytesMax; i++) {
      if (p >= bytes.length) this.fail(ErrorCode.DECODE_EOF, 'varint past the end', start);
      const b = bytes[p++] as number;
      if (i === bytesMax - 1) {
        if (b & 0x80) this.fail(ErrorCode.DECODE_VARINT_OVERLONG, `varint longer than ${bytesMax} bytes`, start);
        if (b > lastByteMax) this.fail(ErrorCode.DECODE_VARINT_OVERFLOW, 'varint overflows its type', start);
      }
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) break;
    }
    this.position = p;
    return value >>> 0;
  }

  /** Reads a u64 varint into varintLow49 / varintHigh15, on number arithmetic. */
  private readVarint64(): void {
    const bytes = this.input;
    const start = this.position;
    let p = start;
    let low = 0;
    let multiplier = 1;
    // Groups 0..6 carry bits 0..48: exact as a double.
    for (let i = 0; i < 7; i++) {
      if (p >= bytes.length) this.fail(ErrorCode.DECODE_EOF, 'varint past the end', start);
      const b = bytes[p++] as number;
      low += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) {
        this.position = p;
        this.varintLow49 = low;
        this.varintHigh15 = 0;
        return;
      }
      multiplier *= 128;
    }
    // Groups 7..9 carry bits 49..63; the tenth byte may only hold bit 63.
    let high = 0;
    multiplier = 1;
    for (let i = 7; i < VARINT_U64_BYTES_MAX; i++) {
      if (p >= bytes.length) this.fail(ErrorCode.DECODE_EOF, 'varint past the end', start);
      const b = bytes[p++] as number;
      if (i === VARINT_U64_BYTES_MAX - 1) {
        if (b & 0x80) this.fail(ErrorCode.DECODE_VARINT_OVERLONG, 'varint longer than 10 bytes', start);
        if (b > 0x01) this.fail(ErrorCode.DECODE_VARINT_OVERFLOW, 'varint overflows u64', start);
      }
      high += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) break;
      multiplier *= 128;
    }
    this.position = p;
    this.varintLow49 = low;
    this.varintHigh15 = high;
  }

  private fail(code: DecodeErrorCode, message: string, offset: number): never {
    throw new DecodeError(code, message, offset);
  }
}

/** An assertion failure for a value outside its type; the detail is built only on failure. */
function outOfRange(invariant: string, value: number | bigint): never {
  throw new AssertionError(invariant, `value ${value}`);
}
