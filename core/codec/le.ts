// Fixed-width little-endian integers, the layout of the original's hand-rolled on-disk records
// (TSOR, TSOD, ...), which are not postcard: every field has a fixed size and no varints.
//
// Invariants: `LeReader` is total (only `DecodeError`, with the code the caller chose for running
// out of bytes, so a record decoder can report a truncated body as RECORD_MALFORMED); it checks
// each length against the bytes that remain before slicing. u64 fields are bigints, or safe
// numbers through `u64n`, never lossy doubles.
import { assert, AssertionError } from '../assert.js';
import { DecodeError, ErrorCode, type DecodeErrorCode } from '../errors.js';
import { U64_MAX } from '../limits.js';
import { pooledBytes } from './pooled-bytes.js';

const TWO_POW_32 = 2 ** 32;
const WRITER_CAPACITY_BYTES_DEFAULT = 64;
/** Writer growth stops here: no record of this system comes close (1 GiB). */
export const LE_WRITER_BYTES_MAX = 1 << 30;

/** Builds a little-endian byte string; `finish()` returns exactly the written bytes. */
export class LeWriter {
  private buffer: Uint8Array;
  private position = 0;

  /**
   * `bytesMax` caps what this writer may hold (at most, and by default, `LE_WRITER_BYTES_MAX`): a
   * write that would pass it is refused by name before anything is allocated.
   */
  constructor(
    initialCapacityBytes = WRITER_CAPACITY_BYTES_DEFAULT,
    private readonly bytesMax = LE_WRITER_BYTES_MAX,
  ) {
    assert(Number.isSafeInteger(initialCapacityBytes) && initialCapacityBytes > 0, 'le_writer_capacity_positive');
    assert(Number.isSafeInteger(bytesMax) && bytesMax > 0 && bytesMax <= LE_WRITER_BYTES_MAX, 'le_writer_bytes_max_in_range');
    // No DataView: asking a small typed array for its `.buffer` moves it out of V8's heap, which
    // cost more than the rest of a small record's encoding.
    this.buffer = pooledBytes(Math.min(initialCapacityBytes, bytesMax));
  }

  get length(): number {
    return this.position;
  }

  u8(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xff)) outOfRange('u8_in_range', value);
    this.reserve(1);
    this.buffer[this.position++] = value;
    return this;
  }

  u16(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffff)) outOfRange('u16_in_range', value);
    this.reserve(2);
    this.buffer[this.position++] = value & 0xff;
    this.buffer[this.position++] = value >>> 8;
    return this;
  }

  u32(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value < TWO_POW_32)) outOfRange('u32_in_range', value);
    this.reserve(4);
    this.writeU32At(this.position, value);
    this.position += 4;
    return this;
  }

  u64(value: bigint): this {
    if (!(value >= 0n && value <= U64_MAX)) outOfRange('u64_in_range', value);
    this.reserve(8);
    this.writeU32At(this.position, Number(value & 0xffff_ffffn));
    this.writeU32At(this.position + 4, Number(value >> 32n));
    this.position += 8;
    return this;
  }

  /** u64 from a safe non-negative integer. */
  u64n(value: number): this {
    if (!(Number.isSafeInteger(value) && value >= 0)) outOfRange('u64n_safe_uint', value);
    this.reserve(8);
    this.writeU32At(this.position, value >>> 0);
    this.writeU32At(this.position + 4, Math.floor(value / TWO_POW_32));
    this.position += 8;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
    return this;
  }

  /** A view of the bytes written so far; valid only until the next write. */
  written(): Uint8Array {
    return this.buffer.subarray(0, this.position);
  }

  /** A copy of exactly the bytes written. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.position);
  }

  private writeU32At(at: number, value: number): void {
    const b = this.buffer;
    b[at] = value & 0xff;
    b[at + 1] = (value >>> 8) & 0xff;
    b[at + 2] = (value >>> 16) & 0xff;
    b[at + 3] = value >>> 24;
  }

  private reserve(extraBytes: number): void {
    const needed = this.position + extraBytes;
    if (needed <= this.buffer.length) return;
    if (!(needed <= this.bytesMax)) outOfRange('le_writer_within_bytes_max', needed);
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    // Pooled: the working buffer is dropped once `finish` copied it out.
    const grown = pooledBytes(Math.min(capacity, this.bytesMax));
    grown.set(this.buffer.subarray(0, this.position));
    this.buffer = grown;
  }
}

/** Reads little-endian fields from `bytes[start, end)`. */
export class LeReader {
  private position: number;

  constructor(
    private readonly input: Uint8Array,
    start = 0,
    private readonly end = input.length,
    /** Code thrown when a field runs past `end`. */
    private readonly endOfInputCode: DecodeErrorCode = ErrorCode.DECODE_EOF,
  ) {
    assert(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= input.length, 'le_reader_range_in_bounds');
    this.position = start;
  }

  /** Offset in the whole input of the next byte to read. */
  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  u8(): number {
    this.need(1);
    return this.input[this.position++] as number;
  }

  u16(): number {
    this.need(2);
    const b = this.input;
    const p = this.position;
    this.position += 2;
    return (b[p] as number) | ((b[p + 1] as number) << 8);
  }

  u32(): number {
    this.need(4);
    const value = this.u32At(this.position);
    this.position += 4;
    return value;
  }

  u64(): bigint {
    this.need(8);
    const low = this.u32At(this.position);
    const high = this.u32At(this.position + 4);
    this.position += 8;
    return high === 0 ? BigInt(low) : (BigInt(high) << 32n) | BigInt(low);
  }

  /** A u64 that must fit a safe integer; DECODE_INVALID_VALUE when it is above 2^53 − 1. */
  u64n(): number {
    this.need(8);
    const start = this.position;
    const low = this.u32At(start);
    const high = this.u32At(start + 4);
    if (high >= 1 << 21) throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, 'u64 above 2^53 - 1 where a safe integer is required', start);
    this.position += 8;
    return high * TWO_POW_32 + low;
  }

  /** A view (not a copy) of the next `length` bytes. */
  view(length: number): Uint8Array {
    assert(Number.isSafeInteger(length) && length >= 0, 'le_view_length_safe_uint');
    this.need(length);
    const start = this.position;
    this.position += length;
    return this.input.subarray(start, start + length);
  }

  private need(length: number): void {
    if (length > this.end - this.position) {
      throw new DecodeError(this.endOfInputCode, `${length} byte(s) needed, ${this.end - this.position} left`, this.position);
    }
  }

  private u32At(at: number): number {
    const b = this.input;
    return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0;
  }
}

/** Writes `value` as a u32 little-endian at `offset` of `target` (fixed-layout records). */
export function writeU32LeAt(target: Uint8Array, offset: number, value: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value < TWO_POW_32)) outOfRange('u32_in_range', value);
  assert(Number.isSafeInteger(offset) && offset >= 0 && offset + 4 <= target.length, 'u32_write_in_bounds');
  target[offset] = value & 0xff;
  target[offset + 1] = (value >>> 8) & 0xff;
  target[offset + 2] = (value >>> 16) & 0xff;
  target[offset + 3] = value >>> 24;
}

/** Reads a u32 little-endian at `offset`; the caller has checked the bounds. */
export function readU32LeAt(source: Uint8Array, offset: number): number {
  assert(Number.isSafeInteger(offset) && offset >= 0 && offset + 4 <= source.length, 'u32_read_in_bounds');
  return (
    ((source[offset] as number) | ((source[offset + 1] as number) << 8) | ((source[offset + 2] as number) << 16) | ((source[offset + 3] as number) << 24)) >>>
    0
  );
}

/** An assertion failure for a value outside its type; the detail is built only on failure. */
function outOfRange(invariant: string, value: number | bigint): never {
  throw new AssertionError(invariant, `value ${value}`);
}
