// Target: request bodies (core/protocol.ts decodeRequest, then validateRequest as the server
// runs it). The value is the decoded request and the server's validation verdict; both must
// survive a round-trip through encodeRequest. Not canonical: any msgpack int width, field order
// and unknown fields are accepted, so only the normalised form is unique.
import * as fc from 'fast-check';
import { decodeRequest, encodeRequest, validateRequest } from '../../core/protocol.js';
import { nearValidMsgpackMap, wildMsgpackMap } from '../arbitraries.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES, requestArbitrary } from '../protocol-values.js';
import { defineTarget, onlyDecodeError } from '../target.js';
function decodeValidated(bytes) {
    const request = decodeRequest(bytes);
    return { request, invalid: validateRequest(request) };
}
export default defineTarget({
    name: 'protocol-request',
    description: 'request bodies: decodeRequest + validateRequest, round-trip through encodeRequest',
    decode: decodeValidated,
    encode: (value) => encodeRequest(value.request),
    canonical: false,
    isExpectedError: onlyDecodeError,
    arbitrary: requestArbitrary.map((request) => ({ request, invalid: validateRequest(request) })),
    rawArbitrary: fc.oneof(wildMsgpackMap(PROTOCOL_FIELD_NAMES, 4096), nearValidMsgpackMap(requestArbitrary, PROTOCOL_FIELD_NAMES, 4096)),
    seeds: () => [
        { id: 1, op: 'getTs', count: 1 },
        { id: 0xffff_ffff, op: 'getTs', count: 262_144 },
        { id: 7, op: 'getSeq', key: 'orders', count: 10, clientId: 42n, requestId: 1n },
        { id: 8, op: 'getSeq', key: 'ключ', count: 65_536, clientId: (1n << 64n) - 1n, requestId: 3n },
    ].map((request) => encodeRequest(request)),
    dictionary: PROTOCOL_DICTIONARY,
});
//# sourceMappingURL=protocol-request.js.map