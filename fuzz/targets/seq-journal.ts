// Target: the whole sequence journal (`dense.journal`) as the file driver reads it at open
// (core/records/seq-journal.ts scanSeqJournal): TSOJ records one after another, then nothing, a
// zero tail (the zero fill written ahead of the end), or a torn last record. The scanner throws
// only DecodeError (corruption: damage with something after it, or an intact record that breaks
// a rule) and otherwise reports what it found. Checked on every input it accepts, beyond the
// round-trip (the records re-encoded, then the same tail or zeros, give the input back):
//   - `seq_journal_scan_records_contiguous`: the records start at 0 and each starts where the one
//     before ends; the last ends at `validBytes`, which is inside the input;
//   - `seq_journal_scan_end_explained`: exactly one of: `validBytes` is the input's length; a
//     zero tail covers the rest (every byte of it zero); a torn tail starts at `validBytes`;
//   - `seq_journal_scan_record_decodes_alone`: each record's bytes, decoded by themselves
//     (decodeSeqJournalRecord), give the record the scan reported;
//   - `seq_journal_scan_prefix_is_clean`: the input cut at `validBytes` scans to the same records
//     with no tail of either kind (what the driver truncates to is a clean journal).
//
// What must be refused (near-misses of a clean journal J, R a valid record; the verdict of a
// scan that returns is `accepted`, `accepted zero-tail=N` or `<code> torn tail=N`):
//   zero-tail-64            J ‖ 64 zeros                     accepted zero-tail=64
//   torn-header-12          J ‖ R's first 12 bytes           RECORD_TOO_SHORT torn (no header)
//   torn-record-cut         J ‖ R but its last byte          RECORD_TOO_SHORT torn (intact header)
//   length-at-max-cut       J ‖ an intact header claiming the largest version-1 record
//                                                            RECORD_TOO_SHORT torn (the limit holds)
//   last-crc-flipped        J ‖ R, its CRC flipped           RECORD_CRC_MISMATCH torn
//   last-crc-flipped-zeros  the same ‖ 64 zeros              RECORD_CRC_MISMATCH torn (zeros are
//                                                            nothing after)
//   header-crc-flipped      J ‖ R, its header CRC flipped    RECORD_CRC_MISMATCH torn
//   first-body-flipped      R with a body byte flipped ‖ R ‖ J   throws RECORD_CRC_MISMATCH at 0
//   magic-flipped-then-record  J ‖ R, magic flipped ‖ R      throws RECORD_BAD_MAGIC at |J|
//   zeros-then-record       J ‖ 20 zeros ‖ R                 throws RECORD_BAD_MAGIC at |J|
//   version-3               J ‖ R as version 3 (header CRC fixed)   throws RECORD_UNSUPPORTED_VERSION
//                                                            at |J| + 4
//   length-below-min / length-above-max   J ‖ a header (CRC fixed) one past each bound
//                                                            throws RECORD_MALFORMED at |J| + 5
//   intact-zero-requests    J ‖ R with 0 requests, both CRCs fixed   throws RECORD_MALFORMED at
//                                                            |J| + 21 (written wrong, never torn)
import * as fc from 'fast-check';
import { AssertionError } from '../../core/assert.js';
import { crc32c } from '../../core/codec/crc32c.js';
import { readU32LeAt, writeU32LeAt } from '../../core/codec/le.js';
import { ErrorCode } from '../../core/errors.js';
import { SEQ_BATCH_KEYS_MAX, SEQ_COUNT_MAX, SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX, SEQ_KEY_BYTES_MAX } from '../../core/limits.js';
import { seqKeyArbitrary, u64Arbitrary } from '../../core/records/arbitraries.js';
import {
  decodeSeqJournalRecord,
  encodeSeqJournalRecord,
  scanSeqJournal,
  SEQ_JOURNAL_HEADER_BYTES,
  SEQ_JOURNAL_RECORD_BYTES_MAX,
  SEQ_JOURNAL_RECORD_BYTES_MIN,
  type ScannedSeqJournalRecord,
  type SeqJournalRecord,
} from '../../core/records/seq-journal.js';
import { deepEqual } from '../deep-equal.js';
import { concat } from '../mutate.js';
import { bytesOf, flipped, withByte } from '../near-misses.js';
import type { LengthField, NearMiss } from '../target.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';

export interface JournalRead {
  readonly records: readonly ScannedSeqJournalRecord[];
  /** The bytes of a torn last record (empty when there is none). */
  readonly tail: Uint8Array;
  readonly tailCode: string | null;
  /** Zero bytes after the records (the zero fill); 0 when none. */
  readonly zeroTailBytes: number;
}

const RECORD_BYTES_OFFSET = 5;
const HEADER_CRC_OFFSET = SEQ_JOURNAL_HEADER_BYTES - 4;
/** applySeqBefore (u64) follows the header; the request count (u32) follows it. */
const REQUEST_COUNT_OFFSET = SEQ_JOURNAL_HEADER_BYTES + 8;
/** The largest version-1 record: every entry a request with a longest key. */
const V1_RECORD_BYTES_MAX = SEQ_JOURNAL_HEADER_BYTES + 8 + 4 + 4 + SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX * (2 + SEQ_KEY_BYTES_MAX + 4 + 8 + 8);

function fail(invariant: string, detail: string): never {
  throw new AssertionError(invariant, detail);
}

function recordOf(scanned: ScannedSeqJournalRecord): SeqJournalRecord {
  return { applySeqBefore: scanned.applySeqBefore, requests: scanned.requests };
}

export function readJournal(bytes: Uint8Array): JournalRead {
  const scan = scanSeqJournal(bytes);
  let at = 0;
  for (const record of scan.records) {
    if (record.offset !== at) fail('seq_journal_scan_records_contiguous', `record at ${record.offset}, expected ${at}`);
    at += record.recordBytes;
  }
  if (at !== scan.validBytes || scan.validBytes > bytes.length) fail('seq_journal_scan_records_contiguous', `records end at ${at}, validBytes ${scan.validBytes} of ${bytes.length}`);
  const problem = scan.tailProblem;
  const explained =
    problem === undefined
      ? scan.zeroTailBytes === 0
        ? scan.validBytes === bytes.length
        : scan.validBytes + scan.zeroTailBytes === bytes.length && bytes.subarray(scan.validBytes).every((b) => b === 0)
      : scan.zeroTailBytes === 0 && problem.offset === scan.validBytes && scan.validBytes < bytes.length;
  if (!explained) fail('seq_journal_scan_end_explained', `validBytes ${scan.validBytes}, zeroTail ${scan.zeroTailBytes}, tail ${problem?.code} at ${problem?.offset}, length ${bytes.length}`);
  for (const record of scan.records) {
    const alone = decodeSeqJournalRecord(bytes.subarray(record.offset, record.offset + record.recordBytes));
    if (!deepEqual(alone, recordOf(record))) fail('seq_journal_scan_record_decodes_alone', `record at ${record.offset}`);
  }
  if (scan.validBytes < bytes.length) {
    const prefix = scanSeqJournal(bytes.subarray(0, scan.validBytes));
    if (prefix.tailProblem !== undefined || prefix.zeroTailBytes !== 0 || !deepEqual(prefix.records, scan.records)) {
      fail('seq_journal_scan_prefix_is_clean', `cut at ${scan.validBytes}`);
    }
  }
  return {
    records: scan.records,
    tail: problem === undefined ? new Uint8Array(0) : bytes.slice(scan.validBytes),
    tailCode: problem?.code ?? null,
    zeroTailBytes: scan.zeroTailBytes,
  };
}

export function writeJournal(read: JournalRead): Uint8Array {
  return concat(...read.records.map((r) => encodeSeqJournalRecord(recordOf(r))), read.tail, new Uint8Array(read.zeroTailBytes));
}

function journalVerdict(read: JournalRead): string {
  if (read.tailCode !== null) return `${read.tailCode} torn tail=${read.tail.length}`;
  return read.zeroTailBytes > 0 ? `accepted zero-tail=${read.zeroTailBytes}` : 'accepted';
}

/** `record` with its header CRC recomputed (after its first 9 bytes changed). */
function withHeaderCrc(record: Uint8Array): Uint8Array {
  const fixed = record.slice();
  writeU32LeAt(fixed, HEADER_CRC_OFFSET, crc32c(fixed, 0, HEADER_CRC_OFFSET));
  return fixed;
}

/** `record` with both CRCs recomputed (after its body changed). */
function withBothCrcs(record: Uint8Array): Uint8Array {
  const fixed = withHeaderCrc(record);
  writeU32LeAt(fixed, fixed.length - 4, crc32c(fixed, 0, fixed.length - 4));
  return fixed;
}

/** `record` with its final CRC recomputed (and nothing else). */
function withFinalCrc(record: Uint8Array): Uint8Array {
  const fixed = record.slice();
  writeU32LeAt(fixed, fixed.length - 4, crc32c(fixed, 0, fixed.length - 4));
  return fixed;
}

/**
 * Once per run: a damaged header is a torn tail only while what follows it could be one record
 * (at most the largest record's bytes, ~9.8 MB); one non-zero byte past that is corruption.
 */
function journalLimits(): NearMiss[] {
  const damaged = flipped(R, 0, 0x20);
  const upTo = (length: number): Uint8Array => {
    const bytes = new Uint8Array(length).fill(0x01);
    bytes.set(damaged);
    return bytes;
  };
  return [
    { name: 'damaged-header-then-largest-record', bytes: upTo(SEQ_JOURNAL_RECORD_BYTES_MAX), code: `${ErrorCode.RECORD_BAD_MAGIC} torn tail=${SEQ_JOURNAL_RECORD_BYTES_MAX}` },
    { name: 'damaged-header-then-one-byte-more', bytes: upTo(SEQ_JOURNAL_RECORD_BYTES_MAX + 1), code: ErrorCode.RECORD_BAD_MAGIC, offset: 0 },
  ];
}

/** An intact header (magic, version 1, header CRC) claiming `recordBytes`, and nothing else. */
function headerClaiming(recordBytes: number): Uint8Array {
  const header = R.slice(0, SEQ_JOURNAL_HEADER_BYTES);
  writeU32LeAt(header, RECORD_BYTES_OFFSET, recordBytes);
  return withHeaderCrc(header);
}

const R = encodeSeqJournalRecord({ applySeqBefore: 7n, requests: [{ key: 'orders', count: 2, clientId: 3n, requestId: 4n }] });

function journalRejections(accepted: Uint8Array): NearMiss[] {
  let clean: JournalRead;
  try {
    clean = readJournal(accepted);
  } catch {
    return [];
  }
  if (clean.tailCode !== null || clean.zeroTailBytes !== 0) return [];
  const j = accepted.length;
  const torn = (name: string, bytes: Uint8Array, code: string): NearMiss => ({ name, bytes, code: `${code} torn tail=${bytes.length - j}` });
  const crcFlipped = flipped(R, R.length - 1, 0x01);
  return [
    { name: 'zero-tail-64', bytes: bytesOf(accepted, new Uint8Array(64)), code: 'accepted zero-tail=64' },
    torn('torn-header-12', bytesOf(accepted, R.subarray(0, SEQ_JOURNAL_HEADER_BYTES - 1)), ErrorCode.RECORD_TOO_SHORT),
    torn('torn-record-cut', bytesOf(accepted, R.subarray(0, R.length - 1)), ErrorCode.RECORD_TOO_SHORT),
    torn('length-at-max-cut', bytesOf(accepted, headerClaiming(V1_RECORD_BYTES_MAX)), ErrorCode.RECORD_TOO_SHORT),
    torn('last-crc-flipped', bytesOf(accepted, crcFlipped), ErrorCode.RECORD_CRC_MISMATCH),
    torn('last-crc-flipped-zeros', bytesOf(accepted, crcFlipped, new Uint8Array(64)), ErrorCode.RECORD_CRC_MISMATCH),
    torn('header-crc-flipped', bytesOf(accepted, flipped(R, HEADER_CRC_OFFSET, 0x01)), ErrorCode.RECORD_CRC_MISMATCH),
    // The header's own CRC wrong under a final CRC that holds: the header is not trusted, so the
    // record is a torn tail (not a record whose header checksum was written wrong).
    torn('header-crc-flipped-final-fixed', bytesOf(accepted, withFinalCrc(flipped(R, HEADER_CRC_OFFSET, 0x01))), ErrorCode.RECORD_CRC_MISMATCH),
    // After a damaged header, only an intact header (magic and its CRC) counts as a record that
    // follows: the magic alone does not; an intact header that ends exactly at the end does.
    torn('damaged-then-magic-only', bytesOf(accepted, flipped(R, 0, 0x20), flipped(R.subarray(0, SEQ_JOURNAL_HEADER_BYTES), HEADER_CRC_OFFSET, 0x01)), ErrorCode.RECORD_BAD_MAGIC),
    { name: 'damaged-then-bare-header', bytes: bytesOf(accepted, flipped(R, 0, 0x20), headerClaiming(R.length)), code: ErrorCode.RECORD_BAD_MAGIC, offset: j },
    { name: 'first-body-flipped', bytes: bytesOf(flipped(R, SEQ_JOURNAL_HEADER_BYTES, 0x01), R, accepted), code: ErrorCode.RECORD_CRC_MISMATCH, offset: 0 },
    { name: 'magic-flipped-then-record', bytes: bytesOf(accepted, flipped(R, 0, 0x20), R), code: ErrorCode.RECORD_BAD_MAGIC, offset: j },
    { name: 'zeros-then-record', bytes: bytesOf(accepted, new Uint8Array(20), R), code: ErrorCode.RECORD_BAD_MAGIC, offset: j },
    { name: 'version-3', bytes: bytesOf(accepted, withHeaderCrc(withByte(R, 4, 3))), code: ErrorCode.RECORD_UNSUPPORTED_VERSION, offset: j + 4 },
    { name: 'length-below-min', bytes: bytesOf(accepted, headerClaiming(SEQ_JOURNAL_RECORD_BYTES_MIN - 1)), code: ErrorCode.RECORD_MALFORMED, offset: j + RECORD_BYTES_OFFSET },
    { name: 'length-above-max', bytes: bytesOf(accepted, headerClaiming(V1_RECORD_BYTES_MAX + 1)), code: ErrorCode.RECORD_MALFORMED, offset: j + RECORD_BYTES_OFFSET },
    {
      name: 'intact-zero-requests',
      bytes: bytesOf(accepted, withBothCrcs(R.map((b, i) => (i >= REQUEST_COUNT_OFFSET && i < REQUEST_COUNT_OFFSET + 4 ? 0 : b)))),
      code: ErrorCode.RECORD_MALFORMED,
      offset: j + REQUEST_COUNT_OFFSET,
    },
  ];
}

/** Recomputes both CRCs of every record whose header can be found by its length field. */
function fixJournalCrcs(bytes: Uint8Array): Uint8Array {
  const fixed = bytes.slice();
  let at = 0;
  while (at + SEQ_JOURNAL_HEADER_BYTES <= fixed.length) {
    const length = readU32LeAt(fixed, at + RECORD_BYTES_OFFSET);
    if (length < SEQ_JOURNAL_HEADER_BYTES + 4 || at + length > fixed.length) break;
    writeU32LeAt(fixed, at + HEADER_CRC_OFFSET, crc32c(fixed, at, at + HEADER_CRC_OFFSET));
    writeU32LeAt(fixed, at + length - 4, crc32c(fixed, at, at + length - 4));
    at += length;
  }
  return fixed;
}

function journalLengthFields(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  let at = 0;
  while (at + SEQ_JOURNAL_HEADER_BYTES <= bytes.length && fields.length < 64) {
    fields.push({ offset: at + RECORD_BYTES_OFFSET, encoding: 'u32le' });
    const length = readU32LeAt(bytes, at + RECORD_BYTES_OFFSET);
    if (length === 0) break;
    at += length;
  }
  return fields;
}

const countArbitrary = fc.integer({ min: 1, max: SEQ_COUNT_MAX });
const singleArbitrary = fc.record({ key: seqKeyArbitrary, count: countArbitrary, clientId: u64Arbitrary, requestId: u64Arbitrary });
// A getSeqBatch (two entries or more) makes its record version 2.
const batchArbitrary = fc.record({
  entries: fc.uniqueArray(fc.record({ key: seqKeyArbitrary, count: countArbitrary }), { minLength: 2, maxLength: 4, selector: (e) => e.key }),
  clientId: u64Arbitrary,
  requestId: u64Arbitrary,
});
const recordArbitrary: fc.Arbitrary<SeqJournalRecord> = fc.record({
  applySeqBefore: fc.bigInt({ min: 0n, max: 1n << 40n }),
  requests: fc.array(fc.oneof({ weight: 3, arbitrary: singleArbitrary }, { weight: 1, arbitrary: batchArbitrary }), { minLength: 1, maxLength: 4 }),
});

/** A clean journal of these records, then `zeroTailBytes` zeros, as the scan reports it. */
function journalOf(records: readonly SeqJournalRecord[], zeroTailBytes: number): JournalRead {
  let offset = 0;
  const scanned = records.map((record) => {
    const recordBytes = encodeSeqJournalRecord(record).length;
    const out = { ...record, offset, recordBytes };
    offset += recordBytes;
    return out;
  });
  return { records: scanned, tail: new Uint8Array(0), tailCode: null, zeroTailBytes };
}

const seedRecords: SeqJournalRecord[] = [
  { applySeqBefore: 0n, requests: [{ key: 'orders', count: 1, clientId: 1n, requestId: 1n }] },
  { applySeqBefore: 1n, requests: [{ entries: [{ key: 'a', count: 2 }, { key: 'b', count: 3 }], clientId: 2n, requestId: 1n }] },
  { applySeqBefore: 2n, requests: [{ key: 'é', count: SEQ_COUNT_MAX, clientId: (1n << 64n) - 1n, requestId: 9n }] },
  // Each bound of a request at its edge: a key of SEQ_KEY_BYTES_MAX bytes, a batch of
  // SEQ_BATCH_KEYS_MAX entries.
  { applySeqBefore: 3n, requests: [{ key: 'k'.repeat(SEQ_KEY_BYTES_MAX), count: 1, clientId: 3n, requestId: 1n }] },
  { applySeqBefore: 4n, requests: [{ entries: Array.from({ length: SEQ_BATCH_KEYS_MAX }, (_, i) => ({ key: `b${i}`, count: 1 })), clientId: 4n, requestId: 1n }] },
];

export default defineTarget<JournalRead>({
  name: 'seq-journal',
  description: 'the whole TSOJ sequence journal as read at open: scanSeqJournal (torn and zero tails), round-trip through encodeSeqJournalRecord',
  decode: readJournal,
  encode: writeJournal,
  verdict: journalVerdict,
  rejections: journalRejections,
  limits: journalLimits,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: fc.tuple(fc.array(recordArbitrary, { maxLength: 4 }), fc.constantFrom(0, 0, 1, 100)).map(([records, zeros]) => journalOf(records, zeros)),
  seeds: () => [
    new Uint8Array(0),
    concat(...seedRecords.map(encodeSeqJournalRecord)),
    // The zero fill ahead of the end, as the driver keeps it.
    concat(...seedRecords.map(encodeSeqJournalRecord), new Uint8Array(256)),
    // A torn tail: the last record cut, as after a crash during its append.
    concat(...seedRecords.map(encodeSeqJournalRecord)).slice(0, -3),
  ],
  lengthFields: journalLengthFields,
  fixup: fixJournalCrcs,
  dictionary: [token('TSOJ'), Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(0, 0, 0, 0)],
  inputBytesMax: 4_096,
});
