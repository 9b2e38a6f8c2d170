// Target: stamping-lease request bodies (core/protocol.ts decodeRequest on the ops acquireLease,
// renewLease and releaseLease, then validateRequest as the server runs it). `holder` is msgpack
// bin up to 1,024 bytes (longer is a bad body; 0 and 129..1,024 bytes decode and are left to the
// server's lease policy, INVALID_ARGUMENT with the request's id). Not canonical (any msgpack int
// width, field order, unknown fields), so the round-trip is on the decoded value.
import * as fc from 'fast-check';
import { u64Arbitrary } from '../../core/records/arbitraries.js';
import { decodeRequest, encodeRequest, validateRequest, type ErrorAnswer, type LeaseRequest, type Request } from '../../core/protocol.js';
import { nearValidMsgpackMap } from '../arbitraries.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES } from '../protocol-values.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
import { requestRejections } from '../protocol-near-misses.js';

interface ValidatedRequest {
  readonly request: Request;
  readonly invalid: ErrorAnswer | null;
}

const requestId = fc.integer({ min: 1, max: 0xffff_ffff });
const leaseRequestArbitrary: fc.Arbitrary<LeaseRequest> = fc.oneof(
  fc.record({
    id: requestId,
    op: fc.constant('acquireLease' as const),
    holder: fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ minLength: 127, maxLength: 130 })),
    holderEpoch: u64Arbitrary,
    ttlMs: fc.oneof(fc.constantFrom(0, 4_999, 5_000, 300_000, 300_001, 0xffff_ffff), fc.integer({ min: 0, max: 0xffff_ffff })),
  }),
  fc.record({ id: requestId, op: fc.constant('renewLease' as const), leaseId: u64Arbitrary }),
  fc.record({ id: requestId, op: fc.constant('releaseLease' as const), leaseId: u64Arbitrary }),
);

function decodeValidated(bytes: Uint8Array): ValidatedRequest {
  const request = decodeRequest(bytes);
  return { request, invalid: validateRequest(request) };
}

export default defineTarget<ValidatedRequest>({
  name: 'lease-request',
  description: 'acquireLease/renewLease/releaseLease request bodies: decodeRequest + validateRequest, round-trip through encodeRequest',
  decode: decodeValidated,
  // The body-map promises of every request or answer (fuzz/protocol-near-misses.ts), other forms of the same body included.
  rejections: requestRejections,
  encode: (value) => encodeRequest(value.request),
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: leaseRequestArbitrary.map((request) => ({ request, invalid: validateRequest(request) })),
  rawArbitrary: nearValidMsgpackMap(leaseRequestArbitrary, PROTOCOL_FIELD_NAMES, 4096),
  seeds: () =>
    [
      { id: 7, op: 'acquireLease' as const, holder: new Uint8Array([0xab, 0xcd]), holderEpoch: 7n, ttlMs: 20_000 },
      { id: 1, op: 'acquireLease' as const, holder: new Uint8Array(0), holderEpoch: 0n, ttlMs: 0 },
      { id: 2, op: 'acquireLease' as const, holder: new Uint8Array(129), holderEpoch: (1n << 64n) - 1n, ttlMs: 300_001 },
      { id: 8, op: 'renewLease' as const, leaseId: 5n },
      { id: 9, op: 'releaseLease' as const, leaseId: (1n << 64n) - 1n },
    ].map((request) => encodeRequest(request)),
  dictionary: [...PROTOCOL_DICTIONARY, token('\xacacquireLease'), token('\xaarenewLease'), token('\xacreleaseLease'), Uint8Array.of(0xc4, 0x81), Uint8Array.of(0xc5, 0x04, 0x01)],
});
