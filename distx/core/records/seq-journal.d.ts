import { type DecodeErrorCode } from '../errors.js';
import { type SeqAdvanceRequest } from '../ledger.js';
export declare const SEQ_JOURNAL_RECORD_MAGIC = "TSOJ";
export declare const SEQ_JOURNAL_RECORD_VERSION = 1;
/** Magic, version, recordBytes, headerCrc: what a scanner reads to find the next record. */
export declare const SEQ_JOURNAL_HEADER_BYTES: number;
/** A record holds at least one request. */
export declare const SEQ_JOURNAL_RECORD_BYTES_MIN: number;
export declare const SEQ_JOURNAL_RECORD_BYTES_MAX: number;
/** One group-commit batch: the requests that succeeded, in the order they were applied. */
export interface SeqJournalRecord {
    /** The ledger's applySeq before the batch. */
    readonly applySeqBefore: bigint;
    /** 1 to SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX requests. */
    readonly requests: readonly SeqAdvanceRequest[];
}
export interface ScannedSeqJournalRecord extends SeqJournalRecord {
    /** Where the record starts in the journal. */
    readonly offset: number;
    /** Its length, from magic to final CRC. */
    readonly recordBytes: number;
}
/** Why the journal's end is not a whole record: a write a crash cut short. */
export interface SeqJournalTailProblem {
    /** Where the torn record starts (= `validBytes`). */
    readonly offset: number;
    readonly code: DecodeErrorCode;
    readonly message: string;
}
export interface SeqJournalScan {
    readonly records: readonly ScannedSeqJournalRecord[];
    /** Bytes holding whole records; the journal's length unless there is a torn tail. */
    readonly validBytes: number;
    readonly tailProblem?: SeqJournalTailProblem;
}
/** The record of one batch. Asserts it is one a ledger could have applied (a bug otherwise). */
export declare function encodeSeqJournalRecord(record: SeqJournalRecord): Uint8Array;
/** The one whole record in `bytes`. Throws only `DecodeError`. */
export declare function decodeSeqJournalRecord(bytes: Uint8Array): SeqJournalRecord;
/**
 * Reads a journal: its whole records in order, and a torn tail if the last record is damaged
 * (see the file comment for the rule). Throws `DecodeError` when a damaged record is not the
 * last thing in the journal, or when an intact record breaks a rule.
 */
export declare function scanSeqJournal(bytes: Uint8Array): SeqJournalScan;
