// Target: getSeqBatch answer bodies (core/protocol.ts decodeResponse on an answer with `grants`).
// A grant is a [key, start, count] triple; 1..128 grants, each a block that stays within u64 and
// grants at least one value; an answer with grants and getTs or getSeq fields is refused. The
// decoded answer must re-encode (encodeResponse asserts what the decoder promises).
import * as fc from 'fast-check';
import { U64_MAX } from '../../core/limits.js';
import { u64Arbitrary } from '../../core/records/arbitraries.js';
import { decodeResponse, encodeResponse, type GetSeqBatchAnswer, type Response } from '../../core/protocol.js';
import { nearValidMsgpackMap } from '../arbitraries.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES } from '../protocol-values.js';
import { defineTarget, onlyDecodeError } from '../target.js';
import { answerRejections } from '../protocol-near-misses.js';

const grant = fc
  .record({ key: fc.oneof(fc.constantFrom('orders', 'é'), fc.string({ maxLength: 130 })), count: fc.integer({ min: 1, max: 0xffff_ffff }) })
  .chain((g) => fc.bigInt({ min: 0n, max: U64_MAX - BigInt(g.count) + 1n }).map((start) => ({ ...g, start })));

const answerArbitrary: fc.Arbitrary<GetSeqBatchAnswer> = fc.record({
  id: fc.integer({ min: 1, max: 0xffff_ffff }),
  ok: fc.constant(true as const),
  grants: fc.array(grant, { minLength: 1, maxLength: 8 }),
  epoch: u64Arbitrary,
});

export default defineTarget<Response>({
  name: 'seq-batch-answer',
  description: 'getSeqBatch answer bodies: decodeResponse, round-trip through encodeResponse',
  decode: decodeResponse,
  // The body-map promises of every request or answer (fuzz/protocol-near-misses.ts), other forms of the same body included.
  rejections: answerRejections,
  encode: encodeResponse,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: answerArbitrary,
  rawArbitrary: nearValidMsgpackMap(answerArbitrary.map((a) => ({ ...a, grants: a.grants.map((g) => [g.key, g.start, g.count]) })), PROTOCOL_FIELD_NAMES, 4096),
  seeds: () =>
    [
      { id: 1, ok: true as const, grants: [{ key: 'orders', start: 0n, count: 3 }, { key: 'invoices', start: 7n, count: 1 }], epoch: 1n },
      { id: 2, ok: true as const, grants: [{ key: 'a', start: U64_MAX, count: 1 }], epoch: 0n },
    ].map((answer) => encodeResponse(answer)),
  dictionary: [...PROTOCOL_DICTIONARY, Uint8Array.of(0x93), Uint8Array.of(0xdc, 0x00, 0x81)],
});
