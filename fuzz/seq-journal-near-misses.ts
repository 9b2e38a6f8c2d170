// Near-misses of one TSOJ record (core/records/seq-journal.ts) whose CRCs hold but whose fields
// break a rule, for the seq-journal-record (version 1) and seq-journal-batch-record (version 2)
// targets. The CRCs match, so each is corruption the writer produced, refused with the exact code
// and offset decodeSeqJournalRecord documents; each limit is also shown accepted at its bound.
// Built from the accepted record by editing one field of its first request (or of the header)
// and recomputing both CRCs (and the length field when the length changes).
import { crc32c } from '../core/codec/crc32c.js';
import { readU32LeAt, writeU32LeAt } from '../core/codec/le.js';
import { ErrorCode } from '../core/errors.js';
import { SEQ_BATCH_KEYS_MAX, SEQ_COUNT_MAX, SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX, SEQ_KEY_BYTES_MAX, SEQ_KEY_BYTES_MIN, U64_MAX } from '../core/limits.js';
import { encodeSeqJournalRecord, SEQ_JOURNAL_HEADER_BYTES, SEQ_JOURNAL_RECORD_BYTES_MAX, SEQ_JOURNAL_RECORD_VERSION_BATCHES } from '../core/records/seq-journal.js';
import type { NearMiss } from './target.js';

const RECORD_BYTES_OFFSET = 5;
const HEADER_CRC_OFFSET = SEQ_JOURNAL_HEADER_BYTES - 4;
const APPLY_SEQ_OFFSET = SEQ_JOURNAL_HEADER_BYTES;
const REQUEST_COUNT_OFFSET = APPLY_SEQ_OFFSET + 8;
const FIRST_REQUEST_OFFSET = REQUEST_COUNT_OFFSET + 4;

/** `record` with its length field, header CRC and final CRC made to match its bytes again. */
function resealed(record: Uint8Array): Uint8Array {
  const out = record.slice();
  writeU32LeAt(out, RECORD_BYTES_OFFSET, out.length);
  writeU32LeAt(out, HEADER_CRC_OFFSET, crc32c(out, 0, HEADER_CRC_OFFSET));
  writeU32LeAt(out, out.length - 4, crc32c(out, 0, out.length - 4));
  return out;
}

function withU16(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  return out;
}

function withU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  writeU32LeAt(out, at, value);
  return out;
}

function withU64(bytes: Uint8Array, at: number, value: bigint): Uint8Array {
  const out = bytes.slice();
  writeU32LeAt(out, at, Number(value & 0xffff_ffffn));
  writeU32LeAt(out, at + 4, Number(value >> 32n));
  return out;
}

/**
 * The field promises of a TSOJ record the decoder accepted (version 1 or 2). Empty when the
 * record is too short to hold the fields named (a decoder that accepted it would be wrong anyway:
 * other properties catch that).
 */
export function seqJournalFieldRejections(accepted: Uint8Array): NearMiss[] {
  const n = accepted.length;
  if (n < FIRST_REQUEST_OFFSET + 2 + 4) return [];
  const batches = accepted[4] === SEQ_JOURNAL_RECORD_VERSION_BATCHES;
  const requestCount = readU32LeAt(accepted, REQUEST_COUNT_OFFSET);
  const keyLengthAt = FIRST_REQUEST_OFFSET + (batches ? 1 : 0);
  const keyLength = (accepted[keyLengthAt] ?? 0) | ((accepted[keyLengthAt + 1] ?? 0) << 8);
  const countAt = keyLengthAt + 2 + keyLength;
  if (countAt + 4 > n - 4) return [];
  const withTrailingByte = new Uint8Array(n + 1);
  withTrailingByte.set(accepted.subarray(0, n - 4));
  const out: NearMiss[] = [
    { name: 'apply-seq-at-max', bytes: resealed(withU64(accepted, APPLY_SEQ_OFFSET, U64_MAX - BigInt(requestCount))), code: 'accepted' },
    { name: 'apply-seq-past-max', bytes: resealed(withU64(accepted, APPLY_SEQ_OFFSET, U64_MAX - BigInt(requestCount) + 1n)), code: ErrorCode.RECORD_OUT_OF_RANGE, offset: REQUEST_COUNT_OFFSET },
    { name: 'request-count-0', bytes: resealed(withU32(accepted, REQUEST_COUNT_OFFSET, 0)), code: ErrorCode.RECORD_MALFORMED, offset: REQUEST_COUNT_OFFSET },
    { name: 'request-count-plus-1', bytes: resealed(withU32(accepted, REQUEST_COUNT_OFFSET, requestCount + 1)), code: ErrorCode.RECORD_MALFORMED },
    { name: 'first-key-length-0', bytes: resealed(withU16(accepted, keyLengthAt, SEQ_KEY_BYTES_MIN - 1)), code: ErrorCode.RECORD_MALFORMED, offset: keyLengthAt },
    { name: 'first-key-length-above-max', bytes: resealed(withU16(accepted, keyLengthAt, SEQ_KEY_BYTES_MAX + 1)), code: ErrorCode.RECORD_MALFORMED, offset: keyLengthAt },
    { name: 'first-count-0', bytes: resealed(withU32(accepted, countAt, 0)), code: ErrorCode.RECORD_OUT_OF_RANGE, offset: countAt },
    { name: 'first-count-at-max', bytes: resealed(withU32(accepted, countAt, SEQ_COUNT_MAX)), code: 'accepted' },
    { name: 'first-count-above-max', bytes: resealed(withU32(accepted, countAt, SEQ_COUNT_MAX + 1)), code: ErrorCode.RECORD_OUT_OF_RANGE, offset: countAt },
    // The length field and the header CRC, each wrong under a final CRC that holds.
    {
      name: 'length-field-plus-1',
      bytes: (() => {
        const out = resealed(accepted);
        writeU32LeAt(out, RECORD_BYTES_OFFSET, n + 1);
        writeU32LeAt(out, HEADER_CRC_OFFSET, crc32c(out, 0, HEADER_CRC_OFFSET));
        writeU32LeAt(out, n - 4, crc32c(out, 0, n - 4));
        return out;
      })(),
      code: ErrorCode.RECORD_MALFORMED,
      offset: RECORD_BYTES_OFFSET,
    },
    {
      name: 'header-crc-wrong',
      bytes: (() => {
        const out = resealed(accepted);
        out[HEADER_CRC_OFFSET] = ((out[HEADER_CRC_OFFSET] ?? 0) ^ 1) & 0xff;
        writeU32LeAt(out, n - 4, crc32c(out, 0, n - 4));
        return out;
      })(),
      code: ErrorCode.RECORD_MALFORMED,
      offset: HEADER_CRC_OFFSET,
    },
    // A byte no request reads, before the CRC: every byte of the body must be read.
    { name: 'body-trailing-byte', bytes: resealed(withTrailingByte), code: ErrorCode.RECORD_MALFORMED, offset: n - 4 },
  ];
  if (batches) {
    out.push(
      { name: 'entry-count-0', bytes: resealed(withU32Byte(accepted, FIRST_REQUEST_OFFSET, 0)), code: ErrorCode.RECORD_MALFORMED, offset: FIRST_REQUEST_OFFSET },
      { name: 'entry-count-above-max', bytes: resealed(withU32Byte(accepted, FIRST_REQUEST_OFFSET, SEQ_BATCH_KEYS_MAX + 1)), code: ErrorCode.RECORD_MALFORMED, offset: FIRST_REQUEST_OFFSET },
    );
  }
  return out;
}

function withU32Byte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[at] = value & 0xff;
  return out;
}

/**
 * Once per run (large inputs): a record of SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX one-byte-key
 * requests (~1.5 MB) accepted, one request more refused at the request count, and one byte past
 * the largest record (~9.8 MB) refused before anything is read.
 */
export function seqJournalRecordLimits(): NearMiss[] {
  const requests = (n: number): Uint8Array => {
    const one = encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ key: 'k', count: 1, clientId: 1n, requestId: 1n }] });
    const request = one.subarray(FIRST_REQUEST_OFFSET, one.length - 4);
    const out = new Uint8Array(FIRST_REQUEST_OFFSET + n * request.length + 4);
    out.set(one.subarray(0, FIRST_REQUEST_OFFSET));
    for (let i = 0; i < n; i += 1) out.set(request, FIRST_REQUEST_OFFSET + i * request.length);
    writeU32LeAt(out, REQUEST_COUNT_OFFSET, n);
    return resealed(out);
  };
  return [
    { name: 'requests-at-max', bytes: requests(SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX), code: 'accepted' },
    { name: 'requests-above-max', bytes: requests(SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX + 1), code: ErrorCode.RECORD_MALFORMED, offset: REQUEST_COUNT_OFFSET },
    { name: 'longer-than-largest-record', bytes: new Uint8Array(SEQ_JOURNAL_RECORD_BYTES_MAX + 1), code: ErrorCode.RECORD_TOO_LONG, offset: 0 },
  ];
}
