// Target: everything the client does with bytes from a server socket
// (drivers/client/channel.ts over the transport): frame the stream (FrameDecoder) and decode
// each answer (decodeResponse). A bad answer is a protocol violation the client reports, not a
// crash, so decode returns events and only a foreign exception or broken invariant escapes.
// Round-trips of answers belong to the protocol-response target.
import * as fc from 'fast-check';
import { isDecodeError } from '../../core/errors.js';
import { encodeFrame, FrameDecoder } from '../../core/frame.js';
import { FRAME_BODY_BYTES_MAX } from '../../core/limits.js';
import { decodeResponse, encodeResponse } from '../../core/protocol.js';
import { nearValidMsgpackMap, wildMsgpackMap } from '../arbitraries.js';
import { concat } from '../mutate.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES, responseArbitrary } from '../protocol-values.js';
import { defineTarget, onlyDecodeError } from '../target.js';
export function clientReads(bytes) {
    const events = [];
    const framer = new FrameDecoder(FRAME_BODY_BYTES_MAX);
    try {
        framer.pushEach(bytes, (body) => {
            try {
                events.push({ kind: 'answer', response: decodeResponse(body) });
            }
            catch (error) {
                if (!isDecodeError(error))
                    throw error;
                events.push({ kind: 'violation', code: error.code });
            }
        });
    }
    catch (error) {
        if (!isDecodeError(error) || error !== framer.error)
            throw error;
        events.push({ kind: 'bad-frame', code: error.code });
    }
    return events;
}
const streamArbitrary = fc
    .array(fc.oneof(responseArbitrary.map((response) => encodeResponse(response)), wildMsgpackMap(PROTOCOL_FIELD_NAMES, 8192), nearValidMsgpackMap(responseArbitrary, PROTOCOL_FIELD_NAMES, 8192)), { minLength: 1, maxLength: 4 })
    .map((bodies) => concat(...bodies.filter((body) => body.length >= 1).map((body) => encodeFrame(body))));
export default defineTarget({
    name: 'client-input',
    description: 'the client reading a server socket: FrameDecoder then decodeResponse per body',
    decode: clientReads,
    canonical: false,
    isExpectedError: onlyDecodeError,
    rawArbitrary: streamArbitrary,
    seeds: () => [
        concat(encodeFrame(encodeResponse({ id: 1, ok: true, physicalMs: 1_700_000_000_000, logicalStart: 5, count: 3, epoch: 1n })), encodeFrame(encodeResponse({ id: 2, ok: false, code: 'NOT_LEADER', message: 'not the leader', leaderEndpoint: '127.0.0.1:50551' }))),
        encodeFrame(encodeResponse({ id: 9, ok: true, start: 0n, count: 1, epoch: 0n })),
    ],
    dictionary: PROTOCOL_DICTIONARY,
    inputBytesMax: 32 * 1024,
});
//# sourceMappingURL=client-input.js.map