/**
 * Recomputes the trailing u32 LE CRC-32C of a checksummed record (TSOR, TSOD and every record
 * framed like them: the CRC covers every byte before it), so a mutation of the body reaches
 * the parser behind the checksum.
 */
export declare function fixRecordCrc(bytes: Uint8Array): Uint8Array;
export declare function u16LeAt(bytes: Uint8Array, at: number): number;
export declare function u32LeAt(bytes: Uint8Array, at: number): number;
