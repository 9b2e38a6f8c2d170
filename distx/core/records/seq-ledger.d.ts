import type { SeqLedgerSnapshot } from '../ledger.js';
export declare const SEQ_LEDGER_RECORD_MAGIC = "TSOD";
/** The original's layout: counters only. Read, never written. */
export declare const SEQ_LEDGER_RECORD_VERSION_COUNTERS = 1;
/** Counters plus exactly-once sessions. What `encodeSeqLedgerRecord` writes. */
export declare const SEQ_LEDGER_RECORD_VERSION_SESSIONS = 2;
/** keyCap is a u64 on disk but a number in the snapshot: larger stored caps are refused. */
export declare const SEQ_LEDGER_KEY_CAP_MAX = 4294967295;
/**
 * The first way `snapshot` breaks the canonical form a TSOD record can carry, or undefined when
 * it is canonical. For the encoder's precondition and for the ledger's own invariant checks.
 */
export declare function seqLedgerSnapshotProblem(snapshot: SeqLedgerSnapshot): string | undefined;
/** The version 2 TSOD record of `snapshot`, which must be canonical. */
export declare function encodeSeqLedgerRecord(snapshot: SeqLedgerSnapshot): Uint8Array;
/** The snapshot in a TSOD record of version 1 or 2. Throws only `DecodeError`. */
export declare function decodeSeqLedgerRecord(bytes: Uint8Array): SeqLedgerSnapshot;
