import { DecodeError } from '../errors.js';
import type { Entry, HardState, Message, PersistedRaftState, Snapshot } from './types.js';
export declare const RAFT_MESSAGE_VERSION = 1;
export declare const RAFT_WAL_PAYLOAD_VERSION = 1;
export declare const RAFT_WAL_HEADER_BYTES = 8;
export declare const RAFT_SNAPSHOT_RECORD_MAGIC = "TSRS";
export declare const RAFT_SNAPSHOT_RECORD_VERSION = 1;
/** The envelope bytes of `m`. */
export declare function encodeRaftMessage(m: Message): Uint8Array;
/** Decodes a peer message. Total: throws only `DecodeError`. */
export declare function decodeRaftMessage(bytes: Uint8Array): Message;
export type WalRecord = {
    readonly kind: 'entry';
    readonly entry: Entry;
} | {
    readonly kind: 'hard-state';
    readonly hardState: HardState;
}
/** A snapshot was installed here: every entry logged before this record is void. */
 | {
    readonly kind: 'snapshot';
    readonly lastIncludedIndex: number;
    readonly lastIncludedTerm: number;
};
/** One framed WAL record, ready to append to the log file. */
export declare function encodeWalRecord(record: WalRecord): Uint8Array;
/**
 * The record starting at `offset`. RECORD_TOO_SHORT when the bytes end inside it (a torn write),
 * RECORD_TOO_LONG for a length above the limit, RECORD_CRC_MISMATCH, or a DECODE_* code.
 */
export declare function decodeWalRecordAt(bytes: Uint8Array, offset: number): {
    readonly record: WalRecord;
    readonly nextOffset: number;
};
export interface WalScan {
    readonly records: WalRecord[];
    /** Bytes of valid records from the start: the host truncates the file here. */
    readonly validBytes: number;
    /** Why scanning stopped before the end, or null when every byte was a valid record. */
    readonly tail: DecodeError | null;
}
/**
 * Reads records until the end or the first invalid one. A torn tail (the usual end after a
 * crash in the middle of an append) stops the scan; the host truncates at `validBytes`. Total.
 */
export declare function scanWal(bytes: Uint8Array): WalScan;
/**
 * Rebuilds what `RaftNode.restore` takes from the snapshot file (if any) and the WAL records in
 * order: the last hard state wins; an entry replaces the entry at its index and everything after
 * it; a snapshot marker voids everything before it; entries the snapshot covers are dropped.
 * A gap in the entries is RECORD_MALFORMED unless a snapshot covers it (a later marker, or the
 * snapshot file reaching the entry before the one logged after the gap): that is a marker whose
 * append was lost while the log went on after it.
 */
export declare function replayWal(snapshot: Snapshot | undefined, records: readonly WalRecord[]): PersistedRaftState;
export declare function encodeSnapshotRecord(snapshot: Snapshot): Uint8Array;
/** The snapshot in a TSRS record. Throws only `DecodeError`. */
export declare function decodeSnapshotRecord(bytes: Uint8Array): Snapshot;
