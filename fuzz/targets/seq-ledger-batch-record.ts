// Target: a TSOD sequence-ledger record of version 4 (core/records/seq-ledger.ts), written once a
// session remembers a getSeqBatch: version 3's body with, after each result, a u8 batch length
// (0, or 2..128) and the batch's further grants. Values come from a real ledger that applied
// random getSeq and getSeqBatch requests, so they are states the driver can write. Canonical: a
// decoded record re-encodes to the same bytes (a version 4 record without a batch is refused).
import * as fc from 'fast-check';
import { SeqLedger, type SeqLedgerRequest, type SeqLedgerSnapshot } from '../../core/ledger.js';
import { decodeSeqLedgerRecord, encodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import { fixRecordCrc } from '../structure.js';
import { framedRecordRejections } from '../near-misses.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';

const key = fc.constantFrom('orders', 'invoices', 'é', 'k');
const request: fc.Arbitrary<SeqLedgerRequest> = fc.oneof(
  fc.record({ key, count: fc.integer({ min: 1, max: 9 }), clientId: fc.bigInt({ min: 1n, max: 3n }), requestId: fc.bigInt({ min: 1n, max: 9n }) }),
  fc.record({
    entries: fc.uniqueArray(fc.record({ key, count: fc.integer({ min: 1, max: 9 }) }), { minLength: 2, maxLength: 4, selector: (e) => e.key }),
    clientId: fc.bigInt({ min: 1n, max: 3n }),
    requestId: fc.bigInt({ min: 1n, max: 9n }),
  }),
);

function ledgerAfter(requests: readonly SeqLedgerRequest[]): SeqLedgerSnapshot {
  const ledger = new SeqLedger({ keyCap: 8 });
  // A batch first, so the record is version 4.
  ledger.apply({ entries: [{ key: 'orders', count: 1 }, { key: 'invoices', count: 2 }], clientId: 7n, requestId: 1n });
  for (const r of requests) ledger.apply(r);
  return ledger.snapshot();
}

export default defineTarget<SeqLedgerSnapshot>({
  name: 'seq-ledger-batch-record',
  description: 'TSOD version 4 records (ledgers remembering a getSeqBatch): decodeSeqLedgerRecord/encodeSeqLedgerRecord',
  decode: decodeSeqLedgerRecord,
  rejections: (accepted) => framedRecordRejections(accepted),
  encode: encodeSeqLedgerRecord,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: fc.array(request, { maxLength: 8 }).map(ledgerAfter),
  seeds: () => [encodeSeqLedgerRecord(ledgerAfter([])), encodeSeqLedgerRecord(ledgerAfter([{ key: 'k', count: 3, clientId: 2n, requestId: 1n }]))],
  fixup: fixRecordCrc,
  dictionary: [token('TSOD'), Uint8Array.of(4), Uint8Array.of(0), Uint8Array.of(2), Uint8Array.of(128)],
  inputBytesMax: 4_096,
});
