// Target: request bodies (core/protocol.ts decodeRequestWithToken, then validateRequest as the
// server runs it). The value is the decoded request, its `token` (docs/protocol.md §2.3) and the
// server's validation verdict; all three must survive a round-trip through encodeRequest. Not canonical: any msgpack int width, field order
// and unknown fields are accepted, so only the normalised form is unique.
import * as fc from 'fast-check';
import { decodeRequestWithToken, encodeRequest, REQUEST_TOKEN_CHARS_MAX, validateRequest, type ErrorAnswer, type Request } from '../../core/protocol.js';
import { nearValidMsgpackMap, wildMsgpackMap } from '../arbitraries.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES, requestArbitrary } from '../protocol-values.js';
import { requestIntLimits, requestRejections } from '../protocol-near-misses.js';
import { defineTarget, onlyDecodeError } from '../target.js';


export interface ValidatedRequest {
  readonly request: Request;
  /** The connection token the body carries (null: none). */
  readonly token: string | null;
  readonly invalid: ErrorAnswer | null;
}

function decodeValidated(bytes: Uint8Array): ValidatedRequest {
  const { request, token } = decodeRequestWithToken(bytes);
  return { request, token, invalid: validateRequest(request) };
}

const tokenArbitrary = fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: null });

export default defineTarget<ValidatedRequest>({
  name: 'protocol-request',
  description: 'request bodies: decodeRequest + validateRequest, round-trip through encodeRequest',
  decode: decodeValidated,
  // One msgpack map, nothing after it, each field's type and width (fuzz/protocol-near-misses.ts).
  rejections: requestRejections,
  // Every int field at the edges of every msgpack int form, and every negative form.
  limits: requestIntLimits,
  encode: (value) => encodeRequest(value.request, value.token ?? undefined),
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: fc.tuple(requestArbitrary, tokenArbitrary).map(([request, token]) => ({ request, token, invalid: validateRequest(request) })),
  rawArbitrary: fc.oneof(wildMsgpackMap(PROTOCOL_FIELD_NAMES, 4096), nearValidMsgpackMap(requestArbitrary, PROTOCOL_FIELD_NAMES, 4096)),
  seeds: () =>
    [
      { id: 1, op: 'getTs' as const, count: 1 },
      { id: 0xffff_ffff, op: 'getTs' as const, count: 262_144 },
      { id: 7, op: 'getSeq' as const, key: 'orders', count: 10, clientId: 42n, requestId: 1n },
      { id: 8, op: 'getSeq' as const, key: 'ключ', count: 65_536, clientId: (1n << 64n) - 1n, requestId: 3n },
      { id: 9, op: 'members' as const },
      { id: 11, op: 'getCurrentMaxSafe' as const },
      { id: 12, op: 'getSafeFrontier' as const },
      // A key that starts with U+FEFF: decoded byte for byte (the BOM kept, not dropped).
      { id: 10, op: 'getSeq' as const, key: '\uFEFFbom', count: 1, clientId: 1n, requestId: 1n },
    ]
      .map((request) => encodeRequest(request))
      .concat([encodeRequest({ id: 1, op: 'getTs', count: 1 }, 's3cret'), encodeRequest({ id: 2, op: 'getTs', count: 1 }, 't'.repeat(REQUEST_TOKEN_CHARS_MAX))]),
  dictionary: PROTOCOL_DICTIONARY,
});
