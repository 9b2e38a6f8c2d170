// Target: getSeqBatch request bodies (core/protocol.ts decodeRequest on op "getSeqBatch", then
// validateRequest as the server runs it). The `entries` field is an array of [key, count] pairs
// of any length the body can hold; duplicates, an empty array and more than 128 entries decode
// and are left to validation (INVALID_ARGUMENT with the request's id). Not canonical (any
// msgpack int width, field order, unknown fields), so the round-trip is on the decoded value.
import * as fc from 'fast-check';
import { u64Arbitrary } from '../../core/records/arbitraries.js';
import { decodeRequest, encodeRequest, validateRequest, type ErrorAnswer, type GetSeqBatchRequest, type Request } from '../../core/protocol.js';
import { nearValidMsgpackMap } from '../arbitraries.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES } from '../protocol-values.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
import { requestRejections } from '../protocol-near-misses.js';

interface ValidatedRequest {
  readonly request: Request;
  readonly invalid: ErrorAnswer | null;
}

const entry = fc.record({
  key: fc.oneof(fc.constantFrom('orders', 'invoices', 'é', ''), fc.string({ maxLength: 130 })),
  count: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(0, 1, 65_536, 65_537, 0xffff_ffff)),
});

const batchArbitrary: fc.Arbitrary<GetSeqBatchRequest> = fc.record({
  id: fc.integer({ min: 1, max: 0xffff_ffff }),
  op: fc.constant('getSeqBatch' as const),
  entries: fc.array(entry, { maxLength: 12 }),
  clientId: u64Arbitrary,
  requestId: u64Arbitrary,
});

function decodeValidated(bytes: Uint8Array): ValidatedRequest {
  const request = decodeRequest(bytes);
  return { request, invalid: validateRequest(request) };
}

export default defineTarget<ValidatedRequest>({
  name: 'seq-batch-request',
  description: 'getSeqBatch request bodies: decodeRequest + validateRequest, round-trip through encodeRequest',
  decode: decodeValidated,
  // The body-map promises of every request or answer (fuzz/protocol-near-misses.ts), other forms of the same body included.
  rejections: requestRejections,
  encode: (value) => encodeRequest(value.request),
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: batchArbitrary.map((request) => ({ request, invalid: validateRequest(request) })),
  rawArbitrary: nearValidMsgpackMap(batchArbitrary.map((r) => ({ ...r, entries: r.entries.map((e) => [e.key, e.count]) })), PROTOCOL_FIELD_NAMES, 4096),
  seeds: () =>
    [
      { id: 1, op: 'getSeqBatch' as const, entries: [{ key: 'orders', count: 3 }, { key: 'invoices', count: 1 }], clientId: 1n, requestId: 1n },
      { id: 2, op: 'getSeqBatch' as const, entries: [], clientId: 1n, requestId: 2n },
      { id: 3, op: 'getSeqBatch' as const, entries: [{ key: 'a', count: 1 }, { key: 'a', count: 1 }], clientId: (1n << 64n) - 1n, requestId: 3n },
      { id: 4, op: 'getSeqBatch' as const, entries: Array.from({ length: 129 }, (_, i) => ({ key: `k${i}`, count: 65_536 })), clientId: 5n, requestId: 4n },
    ].map((request) => encodeRequest(request)),
  dictionary: [...PROTOCOL_DICTIONARY, token('\xabgetSeqBatch'), Uint8Array.of(0x92), Uint8Array.of(0xdc, 0x00, 0x81)],
});
