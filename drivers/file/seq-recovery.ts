// Recovery of the file driver's sequence ledger from the bytes of its two files: `dense` (a TSOD
// snapshot) and `dense.journal` (TSOJ records, one per group commit since that snapshot, or
// earlier). No I/O here: the driver calls it on what it read at open, and the simulator's
// checkers call it on a disk's durable image, so both agree on what a data directory holds.
//
// Rules (docs/formats.md, "Recovery"):
//   - Start from the snapshot (a new, empty ledger with `keyCapForNewLedger` when there is none).
//   - A record whose batch ends at or below the ledger's applySeq is already folded into the
//     snapshot: skip it (a compaction wrote `dense`, then a crash kept the journal).
//   - A record that starts exactly at the ledger's applySeq is applied, request by request, in
//     order. The ledger is deterministic, so every request succeeds again (a record only holds
//     requests that succeeded) and the batch ends at applySeqBefore + requestCount.
//   - Records follow each other exactly (each starts where the one before it ends).
//   - Anything else (a gap, an overlap, a record straddling the snapshot, a request that fails)
//     means the files do not belong together: refuse, never guess.
//   - The journal's torn tail, if any, is reported with the bytes to keep; the caller truncates.
// Every refusal is a TsoError(DRIVER_PERMANENT) naming the file, the offset and the reason.

import { DecodeError, TsoError } from '../../core/errors.js';
import { SeqLedger, seqLedgerStateProblem, type SeqLedgerSnapshot } from '../../core/ledger.js';
import { scanSeqJournal, type ScannedSeqJournalRecord, type SeqJournalTailProblem } from '../../core/records/seq-journal.js';
import { decodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import { sometimes } from '../../core/sometimes.js';

export const DENSE_FILE = 'dense';
export const SEQ_JOURNAL_FILE = 'dense.journal';

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
export function recoverSeqLedger(denseBytes: Uint8Array | null, journalBytes: Uint8Array | null, keyCapForNewLedger: number, dir = '.'): RecoveredSeqLedger {
  const snapshot = denseBytes === null ? null : decodeOrRefuse(`${dir}/${DENSE_FILE}`, () => decodeConsistentLedger(denseBytes));
  const ledger = snapshot === null ? new SeqLedger({ keyCap: keyCapForNewLedger }) : SeqLedger.fromSnapshot(snapshot);
  if (journalBytes === null) return { ledger, hadSnapshot: snapshot !== null, journalValidBytes: 0, recordsReplayed: 0, recordsSkipped: 0 };
  const scan = decodeOrRefuse(`${dir}/${SEQ_JOURNAL_FILE}`, () => scanSeqJournal(journalBytes));
  let recordsReplayed = 0;
  let recordsSkipped = 0;
  let expectedApplySeq: bigint | null = null;
  for (const record of scan.records) {
    // The journal is only ever appended to after a successful fsync and emptied before any
    // other append, so its records follow each other exactly; a record that does not was
    // appended over contents it should not have kept, and skipping it by applySeq would hide it.
    if (expectedApplySeq !== null && record.applySeqBefore !== expectedApplySeq) {
      refuse(dir, record, `starts at applySeq ${record.applySeqBefore} but the record before it ends at ${expectedApplySeq}`);
    }
    expectedApplySeq = record.applySeqBefore + BigInt(record.requests.length);
    if (replayRecord(ledger, record, dir)) recordsReplayed += 1;
    else recordsSkipped += 1;
  }
  const recovered = { ledger, hadSnapshot: snapshot !== null, journalValidBytes: scan.validBytes, recordsReplayed, recordsSkipped };
  return scan.tailProblem === undefined ? recovered : { ...recovered, tailProblem: scan.tailProblem };
}

/** Applies `record` unless the ledger already holds it; returns whether it was applied. */
function replayRecord(ledger: SeqLedger, record: ScannedSeqJournalRecord, dir: string): boolean {
  const applySeqAfter = record.applySeqBefore + BigInt(record.requests.length);
  if (sometimes(applySeqAfter <= ledger.applySeq, 'file.journal_record_already_in_snapshot')) return false;
  if (record.applySeqBefore !== ledger.applySeq) {
    refuse(dir, record, `starts at applySeq ${record.applySeqBefore} but the ledger is at ${ledger.applySeq}`);
  }
  record.requests.forEach((request, i) => {
    const outcome = ledger.apply(request);
    if (!outcome.ok) refuse(dir, record, `request ${i} (client ${request.clientId}, request ${request.requestId}) does not apply again: ${outcome.code}`);
  });
  // Each successful apply, replays included, moves applySeq by one.
  if (ledger.applySeq !== applySeqAfter) refuse(dir, record, `left the ledger at applySeq ${ledger.applySeq}, not ${applySeqAfter}`);
  return true;
}

function refuse(dir: string, record: ScannedSeqJournalRecord, reason: string): never {
  throw new TsoError('DRIVER_PERMANENT', `${dir}/${SEQ_JOURNAL_FILE} does not replay on ${dir}/${DENSE_FILE}: the record at offset ${record.offset} ${reason}; refusing to start`, {
    file: SEQ_JOURNAL_FILE,
    offset: record.offset,
  });
}

/** The TSOD record's format is checked by its decoder; a ledger's consistency only by the ledger. */
export function decodeConsistentLedger(bytes: Uint8Array): SeqLedgerSnapshot {
  const snapshot = decodeSeqLedgerRecord(bytes);
  const problem = seqLedgerStateProblem(snapshot);
  if (problem !== undefined) throw new DecodeError('RECORD_MALFORMED', `inconsistent sequence ledger: ${problem}`);
  return snapshot;
}

function decodeOrRefuse<T>(file: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof DecodeError) {
      sometimes(true, 'file.corrupt_ledger_file_refused');
      throw new TsoError('DRIVER_PERMANENT', `${file} is corrupt (${e.message}); refusing to start`, { file, code: e.code, offset: e.offset ?? null });
    }
    throw e;
  }
}
