// The TSOJ sequence-journal record: one record per group commit of the file driver, appended to
// `dense.journal` and fsync'd before the batch is answered; `dense` (TSOD) is the snapshot the
// journal's records are replayed on. Little-endian, in the shared frame of framed.ts:
//
//   "TSOJ" | u8 version 1 | u32 recordBytes | u32 headerCrc | u64 applySeqBefore
//   | u32 requestCount | requestCount × (u16 keyLength | key | u32 count | u64 clientId
//   | u64 requestId) | u32 crc32c
//
// Version 2 (written only when the group commit holds a getSeqBatch of two or more entries, so
// a journal of a directory that never served one is byte for byte what the previous release
// wrote, and a journal that holds one is refused by that release: its scanner throws
// RECORD_UNSUPPORTED_VERSION on an intact header of another version): the same header, then
//
//   u64 applySeqBefore | u32 requestCount | requestCount × (u8 entryCount (1..128)
//   | entryCount × (u16 keyLength | key | u32 count) | u64 clientId | u64 requestId) | u32 crc32c
//
// A request of one entry is a getSeq; of two or more, one getSeqBatch (applied all or nothing,
// one applySeq step). A version 2 record with no request of two or more entries is refused as
// non-canonical. A record holds at most SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX entries in all.
//
// `recordBytes` is the whole record, magic to final CRC: it lets a scanner step from record to
// record. `headerCrc` is the CRC-32C of the 9 bytes before it, so a scanner can trust a record's
// length before the record is whole. The final CRC covers every byte before it. `applySeqBefore`
// is the ledger's applySeq before the batch; a record holds only requests that succeeded
// (replays included), so it moves applySeq to exactly applySeqBefore + requestCount.
//
// Invariants:
//   - The decoder and the scanner are total: only `DecodeError`, whatever the bytes. Counts and
//     lengths are checked against the bytes that remain before anything is read or allocated.
//   - A journal is written by appending one record and fsyncing before the next append, and a
//     failed append or fsync is never followed by another append to the same contents (the
//     driver rewrites `dense` and empties the journal first). So a crash can damage only the
//     last record, and the scanner's rule follows: a damaged record with nothing valid after it
//     is a torn tail (reported with `validBytes`, for the caller to truncate); a damaged record
//     followed by more bytes (when its header, hence its length, is intact) or by any intact
//     record header (when its header is damaged) is corruption and throws.
//   - A record whose CRCs match but whose content breaks a rule was written wrong: corruption
//     wherever it is, never a torn tail.
//   - Zero tail: the driver keeps the journal inside a zero-filled region written ahead of its
//     end (AppendOptions in drivers/ports.ts), so the journal ends where the bytes left are all
//     zeros: they are not a record (a record starts with the magic "TSOJ") and are reported as
//     `zeroTailBytes`, not as damage. Zeros count as "nothing after" in the torn-tail rule: a
//     damaged record followed only by zeros is a torn tail. Zeros followed by anything non-zero
//     are not a tail: the scanner reads them as a damaged record, which is corruption when an
//     intact record or more than one record's worth of bytes follows. A journal without a zero
//     tail (every journal written before it existed) reads exactly as before.
import { assert } from '../assert.js';
import { crc32c } from '../codec/crc32c.js';
import { readU32LeAt } from '../codec/le.js';
import { utf8Decode, utf8Encode } from '../codec/utf8.js';
import { DecodeError, ErrorCode, type DecodeErrorCode } from '../errors.js';
import { isSeqBatchRequest, isValidSeqCount, isValidSeqKey, seqBatchProblem, type SeqBatchEntry, type SeqLedgerRequest } from '../ledger.js';
import { SEQ_BATCH_KEYS_MAX, SEQ_COUNT_MAX, SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX, SEQ_KEY_BYTES_MAX, SEQ_KEY_BYTES_MIN, U64_MAX } from '../limits.js';
import { openFramedRecord, RECORD_CRC_BYTES, RECORD_MAGIC_BYTES, sealFramedRecord, type FramedRecordKind } from './framed.js';
import { sometimes } from '../sometimes.js';

export const SEQ_JOURNAL_RECORD_MAGIC = 'TSOJ';
export const SEQ_JOURNAL_RECORD_VERSION = 1;
/** Version 1 plus getSeqBatch requests; written only for a record that holds one. */
export const SEQ_JOURNAL_RECORD_VERSION_BATCHES = 2;
/** Offset of `recordBytes` (after the magic and the version byte). */
const RECORD_BYTES_OFFSET = RECORD_MAGIC_BYTES + 1;
/** Offset of `headerCrc`, which covers bytes [0, HEADER_CRC_OFFSET). */
const HEADER_CRC_OFFSET = RECORD_BYTES_OFFSET + 4;
/** Magic, version, recordBytes, headerCrc: what a scanner reads to find the next record. */
export const SEQ_JOURNAL_HEADER_BYTES = HEADER_CRC_OFFSET + 4;
/** keyLength, count, clientId, requestId: a request without its key bytes. */
const REQUEST_FIXED_BYTES = 2 + 4 + 8 + 8;
const REQUEST_BYTES_MIN = REQUEST_FIXED_BYTES + SEQ_KEY_BYTES_MIN;
const REQUEST_BYTES_MAX = REQUEST_FIXED_BYTES + SEQ_KEY_BYTES_MAX;
const FIXED_BYTES = SEQ_JOURNAL_HEADER_BYTES + 8 + 4 + RECORD_CRC_BYTES;
/** A record holds at least one request. */
export const SEQ_JOURNAL_RECORD_BYTES_MIN = FIXED_BYTES + REQUEST_BYTES_MIN;
const V1_RECORD_BYTES_MAX = FIXED_BYTES + SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX * REQUEST_BYTES_MAX;
/** In version 2, an entry: u16 keyLength, key, u32 count; a request adds u8 entryCount and the ids. */
const ENTRY_FIXED_BYTES = 2 + 4;
const V2_REQUEST_FIXED_BYTES = 1 + 8 + 8;
const V2_REQUEST_BYTES_MIN = V2_REQUEST_FIXED_BYTES + ENTRY_FIXED_BYTES + SEQ_KEY_BYTES_MIN;
const V2_RECORD_BYTES_MAX = FIXED_BYTES + SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX * (V2_REQUEST_FIXED_BYTES + ENTRY_FIXED_BYTES + SEQ_KEY_BYTES_MAX);
/** The longest record of any version (at most SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX entries). */
export const SEQ_JOURNAL_RECORD_BYTES_MAX = Math.max(V1_RECORD_BYTES_MAX, V2_RECORD_BYTES_MAX);
const RECORD_BYTES_MAX_BY_VERSION = new Map([
  [SEQ_JOURNAL_RECORD_VERSION, V1_RECORD_BYTES_MAX],
  [SEQ_JOURNAL_RECORD_VERSION_BATCHES, V2_RECORD_BYTES_MAX],
]);

const MAGIC = Uint8Array.from(SEQ_JOURNAL_RECORD_MAGIC, (c) => c.charCodeAt(0));

const kind: FramedRecordKind = {
  magic: SEQ_JOURNAL_RECORD_MAGIC,
  bytesMinByVersion: new Map([
    [SEQ_JOURNAL_RECORD_VERSION, SEQ_JOURNAL_RECORD_BYTES_MIN],
    [SEQ_JOURNAL_RECORD_VERSION_BATCHES, FIXED_BYTES + V2_REQUEST_BYTES_MIN],
  ]),
};

/** One group-commit batch: the requests that succeeded, in the order they were applied. */
export interface SeqJournalRecord {
  /** The ledger's applySeq before the batch. */
  readonly applySeqBefore: bigint;
  /**
   * 1 to SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX requests (entries, counting each batch entry).
   * A batch of one entry is written, and read back, as the getSeq it is.
   */
  readonly requests: readonly SeqLedgerRequest[];
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
  /** Bytes holding whole records; the journal's length unless there is a torn tail or a zero tail. */
  readonly validBytes: number;
  readonly tailProblem?: SeqJournalTailProblem;
  /** Zero bytes after the last whole record (the zero fill ahead of the end); 0 when none. */
  readonly zeroTailBytes: number;
}

/** The entries of a request: a getSeq is one. */
function entriesOf(request: SeqLedgerRequest): readonly SeqBatchEntry[] {
  return isSeqBatchRequest(request) ? request.entries : [request];
}

/** Entries a record of these requests holds (what SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX bounds). */
export function seqJournalEntries(requests: readonly SeqLedgerRequest[]): number {
  let entries = 0;
  for (const request of requests) entries += isSeqBatchRequest(request) ? request.entries.length : 1;
  return entries;
}

/** The record of one batch. Asserts it is one a ledger could have applied (a bug otherwise). */
export function encodeSeqJournalRecord(record: SeqJournalRecord): Uint8Array {
  const { applySeqBefore, requests } = record;
  const entryTotal = seqJournalEntries(requests);
  assert(requests.length >= 1 && entryTotal <= SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX, 'seq_journal_request_count_in_range', () => String(entryTotal));
  assert(applySeqBefore >= 0n && applySeqBefore + BigInt(requests.length) <= U64_MAX, 'seq_journal_apply_seq_u64', () => String(applySeqBefore));
  const withBatches = requests.some((r) => entriesOf(r).length >= 2);
  // A batch usually repeats a few keys: each distinct key is checked and encoded once.
  const keyBytes = new Map<string, Uint8Array>();
  let size = FIXED_BYTES;
  for (const request of requests) {
    const entries = entriesOf(request);
    if (isSeqBatchRequest(request)) assert(seqBatchProblem(entries) === null, 'seq_journal_batch_valid');
    size += withBatches ? V2_REQUEST_FIXED_BYTES : REQUEST_FIXED_BYTES - ENTRY_FIXED_BYTES;
    for (const entry of entries) {
      let bytes = keyBytes.get(entry.key);
      if (bytes === undefined) {
        assert(isValidSeqKey(entry.key), 'seq_journal_key_valid');
        bytes = utf8Encode(entry.key);
        keyBytes.set(entry.key, bytes);
      }
      assert(isValidSeqCount(entry.count), 'seq_journal_count_valid', () => String(entry.count));
      size += ENTRY_FIXED_BYTES + bytes.length;
    }
  }
  const encoded = sealFramedRecord(
    SEQ_JOURNAL_RECORD_MAGIC,
    withBatches ? SEQ_JOURNAL_RECORD_VERSION_BATCHES : SEQ_JOURNAL_RECORD_VERSION,
    (w) => {
      w.u32(size);
      w.u32(crc32c(w.written()));
      w.u64(applySeqBefore).u32(requests.length);
      for (const request of requests) {
        const entries = entriesOf(request);
        if (withBatches) w.u8(entries.length);
        for (const entry of entries) {
          const bytes = keyBytes.get(entry.key) as Uint8Array;
          w.u16(bytes.length).raw(bytes).u32(entry.count);
        }
        w.u64(request.clientId).u64(request.requestId);
      }
    },
    size,
  );
  assert(encoded.length === size, 'seq_journal_record_size_exact');
  return encoded;
}

/** The one whole record in `bytes`. Throws only `DecodeError`. */
export function decodeSeqJournalRecord(bytes: Uint8Array): SeqJournalRecord {
  if (bytes.length > SEQ_JOURNAL_RECORD_BYTES_MAX) {
    throw new DecodeError(ErrorCode.RECORD_TOO_LONG, `TSOJ record of ${bytes.length} byte(s), at most ${SEQ_JOURNAL_RECORD_BYTES_MAX}`, 0);
  }
  const { version, body } = openFramedRecord(bytes, kind);
  const withBatches = version === SEQ_JOURNAL_RECORD_VERSION_BATCHES;
  // The whole record's CRC matched: from here on a broken rule means the writer wrote it so.
  const recordBytes = body.u32();
  if (recordBytes !== bytes.length) malformed(`length field ${recordBytes} for a record of ${bytes.length} byte(s)`, RECORD_BYTES_OFFSET);
  const headerCrc = body.u32();
  if (headerCrc !== crc32c(bytes, 0, HEADER_CRC_OFFSET)) malformed('header checksum does not match the header', HEADER_CRC_OFFSET);
  const applySeqBefore = body.u64();
  const countOffset = body.offset;
  const requestCount = body.u32();
  if (requestCount < 1 || requestCount > SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX) {
    malformed(`${requestCount} request(s), 1 to ${SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX} allowed`, countOffset);
  }
  if (requestCount * (withBatches ? V2_REQUEST_BYTES_MIN : REQUEST_BYTES_MIN) > body.remaining) {
    malformed(`${requestCount} request(s) cannot fit ${body.remaining} byte(s)`, countOffset);
  }
  if (applySeqBefore + BigInt(requestCount) > U64_MAX) {
    throw new DecodeError(ErrorCode.RECORD_OUT_OF_RANGE, 'TSOJ applySeq would pass 2^64 - 1', countOffset);
  }
  const requests: SeqLedgerRequest[] = [];
  let entryTotal = 0;
  let batchesSeen = false;
  for (let i = 0; i < requestCount; i++) {
    const requestOffset = body.offset;
    const entryCount = withBatches ? body.u8() : 1;
    if (entryCount < 1 || entryCount > SEQ_BATCH_KEYS_MAX) malformed(`request of ${entryCount} entries, 1..${SEQ_BATCH_KEYS_MAX} allowed`, requestOffset);
    entryTotal += entryCount;
    if (entryTotal > SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX) malformed(`more than ${SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX} entries`, requestOffset);
    const entries: SeqBatchEntry[] = [];
    const keys = new Set<string>();
    for (let e = 0; e < entryCount; e++) {
      const keyOffset = body.offset;
      const keyLength = body.u16();
      if (keyLength < SEQ_KEY_BYTES_MIN || keyLength > SEQ_KEY_BYTES_MAX) malformed(`key of ${keyLength} byte(s)`, keyOffset);
      const key = utf8Decode(body.view(keyLength), keyOffset + 2);
      if (keys.has(key)) malformed('a batch names a key twice', keyOffset);
      keys.add(key);
      const blockCountOffset = body.offset;
      const count = body.u32();
      if (count < 1 || count > SEQ_COUNT_MAX) {
        throw new DecodeError(ErrorCode.RECORD_OUT_OF_RANGE, `TSOJ request count ${count} outside 1..${SEQ_COUNT_MAX}`, blockCountOffset);
      }
      entries.push({ key, count });
    }
    const clientId = body.u64();
    const requestId = body.u64();
    const only = entries[0] as SeqBatchEntry;
    if (entryCount === 1) requests.push({ key: only.key, count: only.count, clientId, requestId });
    else {
      batchesSeen = true;
      requests.push({ entries, clientId, requestId });
    }
  }
  if (body.remaining !== 0) malformed(`${body.remaining} unread byte(s) in the body`, body.offset);
  if (withBatches && !batchesSeen) malformed('version 2 without a batch (written as version 1)', RECORD_MAGIC_BYTES);
  return { applySeqBefore, requests };
}

/**
 * Reads a journal: its whole records in order, and a torn tail if the last record is damaged
 * (see the file comment for the rule). Throws `DecodeError` when a damaged record is not the
 * last thing in the journal, or when an intact record breaks a rule.
 */
export function scanSeqJournal(bytes: Uint8Array): SeqJournalScan {
  const records: ScannedSeqJournalRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const remaining = bytes.length - offset;
    const torn = (code: DecodeErrorCode, message: string): SeqJournalScan => ({ records, validBytes: offset, tailProblem: { offset, code, message }, zeroTailBytes: 0 });
    if (zerosFrom(bytes, offset)) return { records, validBytes: offset, zeroTailBytes: remaining };
    if (remaining < SEQ_JOURNAL_HEADER_BYTES) return torn(ErrorCode.RECORD_TOO_SHORT, `${remaining} byte(s) at the end, too few for a record header`);
    const header = readHeader(bytes, offset);
    if (!header.intact) {
      // The length cannot be trusted, so the record's end is unknown: the damage is a torn tail
      // only if no record starts anywhere after it (and what is left could be one record).
      const next = findIntactHeader(bytes, offset + 1);
      if (sometimes(next !== -1, 'seq_journal.corrupt_header_before_intact_record_refused')) throw corrupt(header.code, offset, `${header.message}, and an intact record header follows at offset ${next}`);
      if (!zerosFrom(bytes, offset + SEQ_JOURNAL_RECORD_BYTES_MAX)) {
        throw corrupt(header.code, offset, `${header.message}, and ${remaining} byte(s) follow: more than one record`);
      }
      sometimes(true, 'seq_journal.torn_header_damaged');
      return torn(header.code, header.message);
    }
    const end = offset + header.recordBytes;
    if (sometimes(end > bytes.length, 'seq_journal.torn_record_cut_short')) return torn(ErrorCode.RECORD_TOO_SHORT, `record of ${header.recordBytes} byte(s), ${remaining} present`);
    let record: SeqJournalRecord;
    try {
      record = decodeSeqJournalRecord(bytes.subarray(offset, end));
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // A torn write fails the checksum; anything else passed it and was written wrong.
      if (e.code !== ErrorCode.RECORD_CRC_MISMATCH) throw corrupt(e.code, offset + (e.offset ?? 0), e.message);
      if (sometimes(!zerosFrom(bytes, end), 'seq_journal.corrupt_middle_record_refused')) throw corrupt(e.code, offset, `${e.message}, and ${bytes.length - end} byte(s) follow it`);
      // A full-length last record whose checksum fails: a write whose sectors landed in part.
      sometimes(true, 'seq_journal.torn_full_length_bad_checksum');
      return torn(e.code, e.message);
    }
    records.push({ applySeqBefore: record.applySeqBefore, requests: record.requests, offset, recordBytes: header.recordBytes });
    offset = end;
  }
  return { records, validBytes: offset, zeroTailBytes: 0 };
}

/** Whether every byte of `bytes` from `from` on is zero (true when there are none). */
function zerosFrom(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

type Header = { readonly intact: true; readonly recordBytes: number } | { readonly intact: false; readonly code: DecodeErrorCode; readonly message: string };

/**
 * The header at `at` (SEQ_JOURNAL_HEADER_BYTES must remain). A wrong magic or header checksum
 * is damage that a torn write can cause; a header whose checksum matches but whose version or
 * length is not one we write is corruption (or a newer writer) and throws.
 */
function readHeader(bytes: Uint8Array, at: number): Header {
  if (!hasMagicAt(bytes, at)) return { intact: false, code: ErrorCode.RECORD_BAD_MAGIC, message: 'not a TSOJ record header' };
  if (readU32LeAt(bytes, at + HEADER_CRC_OFFSET) !== crc32c(bytes, at, at + HEADER_CRC_OFFSET)) {
    return { intact: false, code: ErrorCode.RECORD_CRC_MISMATCH, message: 'TSOJ header checksum mismatch' };
  }
  const version = bytes[at + RECORD_MAGIC_BYTES] as number;
  const bytesMax = RECORD_BYTES_MAX_BY_VERSION.get(version);
  if (bytesMax === undefined) throw new DecodeError(ErrorCode.RECORD_UNSUPPORTED_VERSION, `TSOJ version ${version} at offset ${at}`, at + RECORD_MAGIC_BYTES);
  const recordBytes = readU32LeAt(bytes, at + RECORD_BYTES_OFFSET);
  if (recordBytes < SEQ_JOURNAL_RECORD_BYTES_MIN || recordBytes > bytesMax) {
    throw new DecodeError(ErrorCode.RECORD_MALFORMED, `TSOJ record at offset ${at} claims ${recordBytes} byte(s)`, at + RECORD_BYTES_OFFSET);
  }
  return { intact: true, recordBytes };
}

function hasMagicAt(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < RECORD_MAGIC_BYTES; i++) if (bytes[at + i] !== MAGIC[i]) return false;
  return true;
}

/** The first offset ≥ `from` holding a header whose magic and checksum match, or -1. */
function findIntactHeader(bytes: Uint8Array, from: number): number {
  for (let at = from; at + SEQ_JOURNAL_HEADER_BYTES <= bytes.length; at++) {
    if (hasMagicAt(bytes, at) && readU32LeAt(bytes, at + HEADER_CRC_OFFSET) === crc32c(bytes, at, at + HEADER_CRC_OFFSET)) return at;
  }
  return -1;
}

function corrupt(code: DecodeErrorCode, offset: number, message: string): DecodeError {
  return new DecodeError(code, `TSOJ journal corrupt at offset ${offset}: ${message}`, offset);
}

function malformed(message: string, offset: number): never {
  throw new DecodeError(ErrorCode.RECORD_MALFORMED, `TSOJ ${message}`, offset);
}
