import { LeReader, LeWriter } from '../codec/le.js';
export declare const RECORD_MAGIC_BYTES = 4;
/** Magic and version byte. */
export declare const RECORD_HEADER_BYTES: number;
export declare const RECORD_CRC_BYTES = 4;
export interface FramedRecordKind {
    /** Four ASCII characters. */
    readonly magic: string;
    /** Smallest valid record length in bytes (header, empty body, CRC), per supported version. */
    readonly bytesMinByVersion: ReadonlyMap<number, number>;
}
export interface OpenedRecord {
    readonly version: number;
    /** Reads the body, between the header and the CRC. */
    readonly body: LeReader;
}
/** Builds `magic | version | body | crc32c`. */
export declare function sealFramedRecord(magic: string, version: number, writeBody: (w: LeWriter) => void, initialCapacityBytes?: number): Uint8Array;
/** Checks the frame of `bytes` and returns its version and a reader over its body. */
export declare function openFramedRecord(bytes: Uint8Array, kind: FramedRecordKind): OpenedRecord;
