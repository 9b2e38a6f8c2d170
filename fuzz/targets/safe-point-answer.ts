// Target: safe-point answer bodies (core/protocol.ts decodeResponse on an answer with
// `maxSafeMs` or `frontierMs`): exactly one of the two, a physical ms ≤ 2^46 − 1, an epoch, and
// no grant fields. The decoded answer must re-encode (encodeResponse asserts the same ranges).
import * as fc from 'fast-check';
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { u64Arbitrary } from '../../core/records/arbitraries.js';
import { decodeResponse, encodeResponse, type Response, type SafePointAnswer } from '../../core/protocol.js';
import { nearValidMsgpackMap } from '../arbitraries.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES } from '../protocol-values.js';
import { defineTarget, onlyDecodeError } from '../target.js';
import { answerRejections } from '../protocol-near-misses.js';

const answerArbitrary: fc.Arbitrary<SafePointAnswer> = fc.record({
  id: fc.integer({ min: 1, max: 0xffff_ffff }),
  ok: fc.constant(true as const),
  safePoint: fc.constantFrom('maxSafe' as const, 'frontier' as const),
  safePhysicalMs: fc.oneof(fc.integer({ min: 0, max: PHYSICAL_MS_MAX }), fc.constantFrom(0, PHYSICAL_MS_MAX)),
  epoch: u64Arbitrary,
});

/** The wire shape of a safe point (what a peer's msgpack library would send). */
function wire(a: SafePointAnswer): object {
  return { id: a.id, ok: true, [a.safePoint === 'maxSafe' ? 'maxSafeMs' : 'frontierMs']: a.safePhysicalMs, epoch: a.epoch };
}

export default defineTarget<Response>({
  name: 'safe-point-answer',
  description: 'getCurrentMaxSafe / getSafeFrontier answers: decodeResponse, round-trip through encodeResponse',
  decode: decodeResponse,
  // The body-map promises of every request or answer (fuzz/protocol-near-misses.ts), other forms of the same body included.
  rejections: answerRejections,
  encode: encodeResponse,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: answerArbitrary,
  rawArbitrary: nearValidMsgpackMap(answerArbitrary.map(wire), PROTOCOL_FIELD_NAMES, 4096),
  seeds: () =>
    [
      { id: 6, ok: true as const, safePoint: 'frontier' as const, safePhysicalMs: 1_700_000_000_000, epoch: 3n },
      { id: 7, ok: true as const, safePoint: 'maxSafe' as const, safePhysicalMs: 0, epoch: 0n },
    ].map((answer) => encodeResponse(answer)),
  dictionary: PROTOCOL_DICTIONARY,
});
