export declare const HIGH_WATER_RECORD_MAGIC = "TSOR";
export declare const HIGH_WATER_RECORD_VERSION = 1;
/** The exact length of a TSOR record. */
export declare const HIGH_WATER_RECORD_BYTES = 17;
/** The 17-byte record for `highWaterMs`. */
export declare function encodeHighWaterRecord(highWaterMs: number): Uint8Array;
/** The high-water physical ms stored in a TSOR record. Throws only `DecodeError`. */
export declare function decodeHighWaterRecord(bytes: Uint8Array): number;
