/** CRC-32C of `bytes[start, end)` as a u32 number. */
export declare function crc32c(bytes: Uint8Array, start?: number, end?: number): number;
/** Continues `previousCrc` (a finished CRC-32C of earlier bytes) over `bytes[start, end)`. */
export declare function crc32cExtend(previousCrc: number, bytes: Uint8Array, start?: number, end?: number): number;
