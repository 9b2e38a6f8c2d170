// Target: answer bodies (core/protocol.ts decodeResponse/encodeResponse), what the client reads.
// Not canonical (any msgpack int width, any field order, unknown fields skipped); the decoded
// answer must re-encode, decode to itself, and encode stably.
import * as fc from 'fast-check';
import { decodeResponse, encodeResponse, type Response } from '../../core/protocol.js';
import { nearValidMsgpackMap, wildMsgpackMap } from '../arbitraries.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES, responseArbitrary } from '../protocol-values.js';
import { answerBodyLimits, answerRejections } from '../protocol-near-misses.js';
import { defineTarget, onlyDecodeError } from '../target.js';


export default defineTarget<Response>({
  name: 'protocol-response',
  description: 'answer bodies: decodeResponse, round-trip through encodeResponse',
  decode: decodeResponse,
  // One msgpack map, nothing after it, each field's width and each shape's structure
  // (fuzz/protocol-near-misses.ts).
  rejections: answerRejections,
  // The empty map in every form, and the body at its size limit and one byte past it.
  limits: answerBodyLimits,
  encode: encodeResponse,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: responseArbitrary,
  rawArbitrary: fc.oneof(wildMsgpackMap(PROTOCOL_FIELD_NAMES, 4096), nearValidMsgpackMap(responseArbitrary, PROTOCOL_FIELD_NAMES, 4096)),
  seeds: () =>
    (
      [
        { id: 1, ok: true, physicalMs: 1_700_000_000_000, logicalStart: 0, count: 1, epoch: 3n },
        { id: 2, ok: true, start: 40n, count: 2, epoch: 3n },
        { id: 3, ok: false, code: 'NOT_LEADER', message: 'not the leader', leaderEndpoint: '127.0.0.1:50551', leaderEpoch: 4n },
        { id: 0, ok: false, code: 'BAD_FRAME', message: 'FRAME_TOO_LARGE: frame body of 70000 bytes exceeds the maximum of 65536' },
        { id: 4, ok: true, members: [{ id: 1, role: 'voter', endpoint: '127.0.0.1:50551' }, { id: 4, role: 'learner', endpoint: '127.0.0.1:50561' }], leaderEndpoint: '127.0.0.1:50551' },
        { id: 5, ok: true, leaseId: 9n, tsUpperBoundMs: 1_700_000_003_000, expiresAtMs: 1_700_000_005_000, epoch: 3n },
        { id: 6, ok: true, released: true },
        { id: 7, ok: true, safePoint: 'maxSafe', safePhysicalMs: 1_700_000_000_000, epoch: 3n },
        { id: 8, ok: true, safePoint: 'frontier', safePhysicalMs: 1_700_000_000_000, epoch: 3n },
        { id: 9, ok: true, grants: [{ key: 'orders', start: 1n, count: 2 }, { key: 'k', start: (1n << 64n) - 1n, count: 1 }], epoch: 3n },
        { id: 10, ok: false, code: 'SEQ_SESSION_EXPIRED', message: 'session expired', requestIdsFrom: 12n },
      ] satisfies Response[]
    ).map((response) => encodeResponse(response)),
  dictionary: PROTOCOL_DICTIONARY,
});
