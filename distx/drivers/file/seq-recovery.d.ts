import { SeqLedger, type SeqLedgerSnapshot } from '../../core/ledger.js';
import { type SeqJournalTailProblem } from '../../core/records/seq-journal.js';
export declare const DENSE_FILE = "dense";
export declare const SEQ_JOURNAL_FILE = "dense.journal";
export interface RecoveredSeqLedger {
    readonly ledger: SeqLedger;
    /** Whether `dense` was there: without it the ledger's key cap is not on disk yet. */
    readonly hadSnapshot: boolean;
    /** Journal bytes holding whole records (0 without a journal). */
    readonly journalValidBytes: number;
    /** Set when the journal ends in a torn record: keep only `journalValidBytes`. */
    readonly tailProblem?: SeqJournalTailProblem;
    readonly recordsReplayed: number;
    /** Records already folded into the snapshot. */
    readonly recordsSkipped: number;
}
/**
 * The ledger that `dense` and `dense.journal` hold (either may be absent: null). Throws
 * TsoError(DRIVER_PERMANENT) when either is corrupt or they do not fit together; `dir` only
 * names the files in messages.
 */
export declare function recoverSeqLedger(denseBytes: Uint8Array | null, journalBytes: Uint8Array | null, keyCapForNewLedger: number, dir?: string): RecoveredSeqLedger;
/** The TSOD record's format is checked by its decoder; a ledger's consistency only by the ledger. */
export declare function decodeConsistentLedger(bytes: Uint8Array): SeqLedgerSnapshot;
