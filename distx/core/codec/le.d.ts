import { type DecodeErrorCode } from '../errors.js';
/** Builds a little-endian byte string; `finish()` returns exactly the written bytes. */
export declare class LeWriter {
    private buffer;
    /** A view of `buffer` (replaced with it): u64 fields are written without BigInt arithmetic. */
    private view;
    private position;
    constructor(initialCapacityBytes?: number);
    get length(): number;
    u8(value: number): this;
    u16(value: number): this;
    u32(value: number): this;
    u64(value: bigint): this;
    /** u64 from a safe non-negative integer. */
    u64n(value: number): this;
    raw(bytes: Uint8Array): this;
    /** A view of the bytes written so far; valid only until the next write. */
    written(): Uint8Array;
    /** A copy of exactly the bytes written. */
    finish(): Uint8Array;
    private writeU32At;
    private reserve;
}
/** Reads little-endian fields from `bytes[start, end)`. */
export declare class LeReader {
    private readonly input;
    private readonly end;
    /** Code thrown when a field runs past `end`. */
    private readonly endOfInputCode;
    private position;
    constructor(input: Uint8Array, start?: number, end?: number, 
    /** Code thrown when a field runs past `end`. */
    endOfInputCode?: DecodeErrorCode);
    /** Offset in the whole input of the next byte to read. */
    get offset(): number;
    get remaining(): number;
    u8(): number;
    u16(): number;
    u32(): number;
    u64(): bigint;
    /** A u64 that must fit a safe integer; DECODE_INVALID_VALUE when it is above 2^53 − 1. */
    u64n(): number;
    /** A view (not a copy) of the next `length` bytes. */
    view(length: number): Uint8Array;
    private need;
    private u32At;
}
/** Writes `value` as a u32 little-endian at `offset` of `target` (fixed-layout records). */
export declare function writeU32LeAt(target: Uint8Array, offset: number, value: number): void;
/** Reads a u32 little-endian at `offset`; the caller has checked the bounds. */
export declare function readU32LeAt(source: Uint8Array, offset: number): number;
