// Public surface of the on-disk records: TSOR (high-water) and TSOD (sequence ledger), plus the
// shared checksummed frame for further record kinds. Test-support arbitraries live in
// `arbitraries.ts` and are deliberately not exported here (they import fast-check).
export { decodeHighWaterRecord, encodeHighWaterRecord, HIGH_WATER_RECORD_BYTES, HIGH_WATER_RECORD_MAGIC, HIGH_WATER_RECORD_VERSION } from './high-water.js';
export {
  decodeSeqLedgerRecord,
  encodeSeqLedgerRecord,
  seqLedgerSnapshotProblem,
  SEQ_LEDGER_KEY_CAP_MAX,
  SEQ_LEDGER_RECORD_MAGIC,
  SEQ_LEDGER_RECORD_VERSION_COUNTERS,
  SEQ_LEDGER_RECORD_VERSION_EXPIRED_REQUESTS,
  SEQ_LEDGER_RECORD_VERSION_SESSIONS,
} from './seq-ledger.js';
export { openFramedRecord, sealFramedRecord, RECORD_CRC_BYTES, RECORD_HEADER_BYTES, RECORD_MAGIC_BYTES } from './framed.js';
export type { FramedRecordKind, OpenedRecord } from './framed.js';
