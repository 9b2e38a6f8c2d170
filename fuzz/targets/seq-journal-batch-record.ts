// Target: a TSOJ sequence-journal record of version 2 (core/records/seq-journal.ts), the one the
// file driver appends for a group commit holding a getSeqBatch: each request carries a u8 entry
// count (1..128) and that many (key, count) entries; at least one request has two or more
// (otherwise version 1 is written, and a version 2 record without a batch is refused). Canonical:
// a decoded record re-encodes to the same bytes. The fixup recomputes both CRCs so mutations
// reach the structural checks.
import * as fc from 'fast-check';
import { crc32c } from '../../core/codec/crc32c.js';
import { writeU32LeAt } from '../../core/codec/le.js';
import { SEQ_COUNT_MAX } from '../../core/limits.js';
import { seqKeyArbitrary, u64Arbitrary } from '../../core/records/arbitraries.js';
import { decodeSeqJournalRecord, encodeSeqJournalRecord, SEQ_JOURNAL_HEADER_BYTES, type SeqJournalRecord } from '../../core/records/seq-journal.js';
import { framedRecordRejections } from '../near-misses.js';
import { seqJournalFieldRejections } from '../seq-journal-near-misses.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';

const HEADER_CRC_OFFSET = SEQ_JOURNAL_HEADER_BYTES - 4;
const count = fc.integer({ min: 1, max: SEQ_COUNT_MAX });
const single = fc.record({ key: seqKeyArbitrary, count, clientId: u64Arbitrary, requestId: u64Arbitrary });
const batch = fc.record({
  entries: fc.uniqueArray(fc.record({ key: seqKeyArbitrary, count }), { minLength: 2, maxLength: 5, selector: (e) => e.key }),
  clientId: u64Arbitrary,
  requestId: u64Arbitrary,
});

const recordArbitrary: fc.Arbitrary<SeqJournalRecord> = fc
  .tuple(fc.bigInt({ min: 0n, max: 1n << 40n }), batch, fc.array(fc.oneof(single, batch), { maxLength: 4 }))
  .map(([applySeqBefore, first, rest]) => ({ applySeqBefore, requests: [first, ...rest] }));

function fixBothCrcs(bytes: Uint8Array): Uint8Array {
  if (bytes.length < SEQ_JOURNAL_HEADER_BYTES + 4) return bytes;
  const fixed = bytes.slice();
  writeU32LeAt(fixed, HEADER_CRC_OFFSET, crc32c(fixed, 0, HEADER_CRC_OFFSET));
  writeU32LeAt(fixed, fixed.length - 4, crc32c(fixed, 0, fixed.length - 4));
  return fixed;
}

export default defineTarget<SeqJournalRecord>({
  name: 'seq-journal-batch-record',
  description: 'TSOJ version 2 records (group commits holding a getSeqBatch): decodeSeqJournalRecord/encodeSeqJournalRecord',
  decode: decodeSeqJournalRecord,
  rejections: (accepted) => [...framedRecordRejections(accepted), ...seqJournalFieldRejections(accepted)],
  encode: encodeSeqJournalRecord,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: recordArbitrary,
  seeds: () => [
    encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ entries: [{ key: 'orders', count: 3 }, { key: 'invoices', count: 1 }], clientId: 1n, requestId: 1n }] }),
    encodeSeqJournalRecord({
      applySeqBefore: 9n,
      requests: [
        { key: 'a', count: 1, clientId: 2n, requestId: 5n },
        { entries: [{ key: 'é', count: SEQ_COUNT_MAX }, { key: 'b', count: 2 }, { key: 'c', count: 3 }], clientId: (1n << 64n) - 1n, requestId: 6n },
      ],
    }),
  ],
  lengthFields: (bytes) => (bytes.length >= SEQ_JOURNAL_HEADER_BYTES ? [{ offset: 5, encoding: 'u32le' }] : []),
  fixup: fixBothCrcs,
  dictionary: [token('TSOJ'), Uint8Array.of(2), Uint8Array.of(128), Uint8Array.of(129)],
  inputBytesMax: 4_096,
});
