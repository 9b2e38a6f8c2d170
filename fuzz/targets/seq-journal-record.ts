// Target: one TSOJ sequence-journal record (core/records/seq-journal.ts), appended by the file
// driver to `dense.journal` once per group commit: "TSOJ" | u8 1 | u32 record bytes | u32 header
// CRC | u64 applySeq before | u32 request count | requests | u32 CRC-32C. Canonical: a decoded
// record re-encodes to the same bytes. The fixup recomputes both CRCs so mutations of the body
// reach the structural checks instead of dying at RECORD_CRC_MISMATCH.
import * as fc from 'fast-check';
import { crc32c } from '../../core/codec/crc32c.js';
import { writeU32LeAt } from '../../core/codec/le.js';
import { SEQ_COUNT_MAX } from '../../core/limits.js';
import { seqKeyArbitrary, u64Arbitrary } from '../../core/records/arbitraries.js';
import { decodeSeqJournalRecord, encodeSeqJournalRecord, SEQ_JOURNAL_HEADER_BYTES, type SeqJournalRecord } from '../../core/records/seq-journal.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
import { framedRecordRejections } from '../near-misses.js';
import { seqJournalFieldRejections, seqJournalRecordLimits } from '../seq-journal-near-misses.js';

const HEADER_CRC_OFFSET = SEQ_JOURNAL_HEADER_BYTES - 4;

const recordArbitrary: fc.Arbitrary<SeqJournalRecord> = fc.record({
  applySeqBefore: fc.bigInt({ min: 0n, max: 1n << 40n }),
  requests: fc.array(
    fc.record({ key: seqKeyArbitrary, count: fc.integer({ min: 1, max: SEQ_COUNT_MAX }), clientId: u64Arbitrary, requestId: u64Arbitrary }),
    { minLength: 1, maxLength: 6 },
  ),
});

function fixBothCrcs(bytes: Uint8Array): Uint8Array {
  if (bytes.length < SEQ_JOURNAL_HEADER_BYTES + 4) return bytes;
  const fixed = bytes.slice();
  writeU32LeAt(fixed, HEADER_CRC_OFFSET, crc32c(fixed, 0, HEADER_CRC_OFFSET));
  writeU32LeAt(fixed, fixed.length - 4, crc32c(fixed, 0, fixed.length - 4));
  return fixed;
}

export default defineTarget<SeqJournalRecord>({
  name: 'seq-journal-record',
  description: 'TSOJ journal record decodeSeqJournalRecord/encodeSeqJournalRecord (header CRC + CRC-32C)',
  decode: decodeSeqJournalRecord,
  rejections: (accepted) => [...framedRecordRejections(accepted), ...seqJournalFieldRejections(accepted)],
  limits: seqJournalRecordLimits,
  encode: encodeSeqJournalRecord,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: recordArbitrary,
  seeds: () => [
    encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ key: 'orders', count: 1, clientId: 1n, requestId: 1n }] }),
    encodeSeqJournalRecord({
      applySeqBefore: 41n,
      requests: [
        { key: 'a', count: SEQ_COUNT_MAX, clientId: (1n << 64n) - 1n, requestId: 7n },
        { key: 'é', count: 3, clientId: 2n, requestId: 1n },
      ],
    }),
  ],
  // The record length sits right after magic and version.
  lengthFields: (bytes) => (bytes.length >= SEQ_JOURNAL_HEADER_BYTES ? [{ offset: 5, encoding: 'u32le' }] : []),
  fixup: fixBothCrcs,
  dictionary: [token('TSOJ'), Uint8Array.of(1)],
  inputBytesMax: 4_096,
});
