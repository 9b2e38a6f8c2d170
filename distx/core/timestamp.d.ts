import { ErrorCode, type Result } from './errors.js';
export interface UnpackedTimestamp {
    readonly physicalMs: number;
    readonly logical: number;
}
export type PackFailureCode = typeof ErrorCode.PHYSICAL_MS_OUT_OF_RANGE | typeof ErrorCode.LOGICAL_OUT_OF_RANGE;
/** Packs `(physicalMs, logical)`; asserts both are in range. */
export declare function packTimestamp(physicalMs: number, logical: number): bigint;
/** Packs `(physicalMs, logical)`, or returns which part is out of range (physical checked first). */
export declare function tryPackTimestamp(physicalMs: number, logical: number): Result<{
    readonly timestamp: bigint;
}, PackFailureCode>;
/** Splits a packed timestamp; asserts it is a u64. Every u64 unpacks (46 + 18 bits cover it). */
export declare function unpackTimestamp(timestamp: bigint): UnpackedTimestamp;
/** Total order of packed timestamps: negative, zero or positive like `Array.prototype.sort` wants. */
export declare function compareTimestamps(a: bigint, b: bigint): -1 | 0 | 1;
