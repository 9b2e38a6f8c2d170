/** Writer growth stops here: no record or message of this system comes close (1 GiB). */
export declare const WRITER_BYTES_MAX: number;
/** Longest varint of each width: ceil(bits / 7). */
export declare const VARINT_U16_BYTES_MAX = 3;
export declare const VARINT_U32_BYTES_MAX = 5;
export declare const VARINT_U64_BYTES_MAX = 10;
/** Grows a byte buffer while values are written; `finish()` returns exactly the written bytes. */
export declare class Writer {
    private buffer;
    private position;
    constructor(initialCapacityBytes?: number);
    /** Bytes written so far. */
    get length(): number;
    u8(value: number): this;
    i8(value: number): this;
    u16(value: number): this;
    u32(value: number): this;
    /** u64 from a bigint in [0, 2^64). */
    u64(value: bigint): this;
    /** u64 from a safe non-negative integer (the fast path: no BigInt). */
    u64n(value: number): this;
    i16(value: number): this;
    i32(value: number): this;
    /** i64 from a bigint in [−2^63, 2^63). */
    i64(value: bigint): this;
    bool(value: boolean): this;
    /** Length-prefixed byte string. */
    bytes(value: Uint8Array): this;
    /** Length-prefixed UTF-8 string; `value` must be well-formed (no lone surrogates). */
    str(value: string): this;
    /** Raw bytes with no length prefix (fixed-size fields, nested encodings). */
    raw(value: Uint8Array): this;
    /** `Option<T>`: `undefined` is None (0x00); anything else is Some (0x01 then the value). */
    option<T>(value: T | undefined, write: (w: Writer, value: T) => void): this;
    /** An enum discriminant: the variant's declaration index as a u32 varint. */
    variant(index: number): this;
    /** A sequence: the element count, then each element. */
    seq<T>(items: readonly T[], write: (w: Writer, item: T) => void): this;
    /** A copy of exactly the bytes written. The writer may keep being used afterwards. */
    finish(): Uint8Array;
    private reserve;
    /** Varint of a value in [0, 2^32), on 32-bit integer arithmetic. */
    private varint32;
    /** Varint of a safe non-negative integer. */
    private varintSafe;
    /** Varint of the u64 `high * 2^32 + low`, both halves u32 numbers. */
    private varint64;
}
/** Reads postcard values from `bytes`, starting at `offset`; every read is bounds-checked. */
export declare class Reader {
    private readonly input;
    private position;
    private varintLow49;
    private varintHigh15;
    constructor(input: Uint8Array, offset?: number);
    /** Offset of the next byte to read. */
    get offset(): number;
    /** Bytes not read yet. */
    get remaining(): number;
    /** Throws DECODE_TRAILING_BYTES unless every byte has been read. */
    expectEnd(): void;
    u8(): number;
    i8(): number;
    u16(): number;
    u32(): number;
    u64(): bigint;
    /** A u64 that must fit a safe integer; DECODE_INVALID_VALUE when it is above 2^53 − 1. */
    u64n(): number;
    i16(): number;
    i32(): number;
    i64(): bigint;
    bool(): boolean;
    /** Length-prefixed byte string (a copy), at most `lengthMax` bytes. */
    bytes(lengthMax?: number): Uint8Array;
    /** Length-prefixed UTF-8 string of at most `byteLengthMax` bytes. */
    str(byteLengthMax?: number): string;
    /** Exactly `length` raw bytes (no prefix), as a copy. */
    raw(length: number): Uint8Array;
    /** `Option<T>`: tag 0x00 is None (`undefined`), 0x01 is Some. */
    option<T>(read: (r: Reader) => T): T | undefined;
    /** An enum discriminant, which must be below `variantCount`. */
    variant(variantCount: number): number;
    /**
     * A sequence of at most `lengthMax` elements. Every element is assumed to take at least one
     * byte, so a count above the remaining bytes is refused before anything is allocated.
     */
    seq<T>(read: (r: Reader) => T, lengthMax?: number): T[];
    /** A varint length, checked against `lengthMax` and the remaining bytes (not consumed). */
    private readLength;
    /**
     * Reads a varint of at most `bytesMax` bytes (3 or 5) whose last byte may carry at most
     * `lastByteMax`. 32-bit arithmetic only.
     */
    private readVarint32;
    /** Reads a u64 varint into varintLow49 / varintHigh15, on number arithmetic. */
    private readVarint64;
    private fail;
}
