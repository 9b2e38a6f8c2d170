// Fixed-width little-endian integers, the layout of the original's hand-rolled on-disk records
// (TSOR, TSOD, ...), which are not postcard: every field has a fixed size and no varints.
//
// Invariants: `LeReader` is total (only `DecodeError`, with the code the caller chose for running
// out of bytes, so a record decoder can report a truncated body as RECORD_MALFORMED); it checks
// each length against the bytes that remain before slicing. u64 fields are bigints, or safe
// numbers through `u64n`, never lossy doubles.
import { assert, AssertionError } from '../assert.js';
import { DecodeError, ErrorCode } from '../errors.js';
import { U64_MAX } from '../limits.js';
const TWO_POW_32 = 2 ** 32;
const WRITER_CAPACITY_BYTES_DEFAULT = 64;
/** Writer growth stops here: no record of this system comes close (1 GiB). */
const LE_WRITER_BYTES_MAX = 1 << 30;
/** Builds a little-endian byte string; `finish()` returns exactly the written bytes. */
export class LeWriter {
    buffer;
    /** A view of `buffer` (replaced with it): u64 fields are written without BigInt arithmetic. */
    view;
    position = 0;
    constructor(initialCapacityBytes = WRITER_CAPACITY_BYTES_DEFAULT) {
        assert(Number.isSafeInteger(initialCapacityBytes) && initialCapacityBytes > 0, 'le_writer_capacity_positive');
        this.buffer = new Uint8Array(Math.min(initialCapacityBytes, LE_WRITER_BYTES_MAX));
        this.view = new DataView(this.buffer.buffer);
    }
    get length() {
        return this.position;
    }
    u8(value) {
        if (!(Number.isInteger(value) && value >= 0 && value <= 0xff))
            outOfRange('u8_in_range', value);
        this.reserve(1);
        this.buffer[this.position++] = value;
        return this;
    }
    u16(value) {
        if (!(Number.isInteger(value) && value >= 0 && value <= 0xffff))
            outOfRange('u16_in_range', value);
        this.reserve(2);
        this.buffer[this.position++] = value & 0xff;
        this.buffer[this.position++] = value >>> 8;
        return this;
    }
    u32(value) {
        if (!(Number.isInteger(value) && value >= 0 && value < TWO_POW_32))
            outOfRange('u32_in_range', value);
        this.reserve(4);
        this.writeU32At(this.position, value);
        this.position += 4;
        return this;
    }
    u64(value) {
        if (!(value >= 0n && value <= U64_MAX))
            outOfRange('u64_in_range', value);
        this.reserve(8);
        this.view.setBigUint64(this.position, value, true);
        this.position += 8;
        return this;
    }
    /** u64 from a safe non-negative integer. */
    u64n(value) {
        if (!(Number.isSafeInteger(value) && value >= 0))
            outOfRange('u64n_safe_uint', value);
        this.reserve(8);
        this.writeU32At(this.position, value >>> 0);
        this.writeU32At(this.position + 4, Math.floor(value / TWO_POW_32));
        this.position += 8;
        return this;
    }
    raw(bytes) {
        this.reserve(bytes.length);
        this.buffer.set(bytes, this.position);
        this.position += bytes.length;
        return this;
    }
    /** A view of the bytes written so far; valid only until the next write. */
    written() {
        return this.buffer.subarray(0, this.position);
    }
    /** A copy of exactly the bytes written. */
    finish() {
        return this.buffer.slice(0, this.position);
    }
    writeU32At(at, value) {
        const b = this.buffer;
        b[at] = value & 0xff;
        b[at + 1] = (value >>> 8) & 0xff;
        b[at + 2] = (value >>> 16) & 0xff;
        b[at + 3] = value >>> 24;
    }
    reserve(extraBytes) {
        const needed = this.position + extraBytes;
        if (needed <= this.buffer.length)
            return;
        if (!(needed <= LE_WRITER_BYTES_MAX))
            outOfRange('le_writer_within_bytes_max', needed);
        let capacity = this.buffer.length * 2;
        while (capacity < needed)
            capacity *= 2;
        const grown = new Uint8Array(Math.min(capacity, LE_WRITER_BYTES_MAX));
        grown.set(this.buffer.subarray(0, this.position));
        this.buffer = grown;
        this.view = new DataView(grown.buffer);
    }
}
/** Reads little-endian fields from `bytes[start, end)`. */
export class LeReader {
    input;
    end;
    endOfInputCode;
    position;
    constructor(input, start = 0, end = input.length, 
    /** Code thrown when a field runs past `end`. */
    endOfInputCode = ErrorCode.DECODE_EOF) {
        this.input = input;
        this.end = end;
        this.endOfInputCode = endOfInputCode;
        assert(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= input.length, 'le_reader_range_in_bounds');
        this.position = start;
    }
    /** Offset in the whole input of the next byte to read. */
    get offset() {
        return this.position;
    }
    get remaining() {
        return this.end - this.position;
    }
    u8() {
        this.need(1);
        return this.input[this.position++];
    }
    u16() {
        this.need(2);
        const b = this.input;
        const p = this.position;
        this.position += 2;
        return b[p] | (b[p + 1] << 8);
    }
    u32() {
        this.need(4);
        const value = this.u32At(this.position);
        this.position += 4;
        return value;
    }
    u64() {
        this.need(8);
        const low = this.u32At(this.position);
        const high = this.u32At(this.position + 4);
        this.position += 8;
        return high === 0 ? BigInt(low) : (BigInt(high) << 32n) | BigInt(low);
    }
    /** A u64 that must fit a safe integer; DECODE_INVALID_VALUE when it is above 2^53 − 1. */
    u64n() {
        this.need(8);
        const start = this.position;
        const low = this.u32At(start);
        const high = this.u32At(start + 4);
        if (high >= 1 << 21)
            throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, 'u64 above 2^53 - 1 where a safe integer is required', start);
        this.position += 8;
        return high * TWO_POW_32 + low;
    }
    /** A view (not a copy) of the next `length` bytes. */
    view(length) {
        assert(Number.isSafeInteger(length) && length >= 0, 'le_view_length_safe_uint');
        this.need(length);
        const start = this.position;
        this.position += length;
        return this.input.subarray(start, start + length);
    }
    need(length) {
        if (length > this.end - this.position) {
            throw new DecodeError(this.endOfInputCode, `${length} byte(s) needed, ${this.end - this.position} left`, this.position);
        }
    }
    u32At(at) {
        const b = this.input;
        return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
    }
}
/** Writes `value` as a u32 little-endian at `offset` of `target` (fixed-layout records). */
export function writeU32LeAt(target, offset, value) {
    if (!(Number.isInteger(value) && value >= 0 && value < TWO_POW_32))
        outOfRange('u32_in_range', value);
    assert(Number.isSafeInteger(offset) && offset >= 0 && offset + 4 <= target.length, 'u32_write_in_bounds');
    target[offset] = value & 0xff;
    target[offset + 1] = (value >>> 8) & 0xff;
    target[offset + 2] = (value >>> 16) & 0xff;
    target[offset + 3] = value >>> 24;
}
/** Reads a u32 little-endian at `offset`; the caller has checked the bounds. */
export function readU32LeAt(source, offset) {
    assert(Number.isSafeInteger(offset) && offset >= 0 && offset + 4 <= source.length, 'u32_read_in_bounds');
    return ((source[offset] | (source[offset + 1] << 8) | (source[offset + 2] << 16) | (source[offset + 3] << 24)) >>>
        0);
}
/** An assertion failure for a value outside its type; the detail is built only on failure. */
function outOfRange(invariant, value) {
    throw new AssertionError(invariant, `value ${value}`);
}
//# sourceMappingURL=le.js.map