// Target: everything the server does with bytes from a client socket, in the order it does it
// (drivers/node/transport.ts + drivers/server/protocol-server.ts): frame the stream
// (FrameDecoder), decode each body (decodeRequest), validate it (validateRequest), and build
// every answer the server sends without asking the serving node: BAD_FRAME for a framing error
// or an undecodable body (then the connection closes: later frames are ignored), and
// INVALID_ARGUMENT for a request that fails validation or whose id is still in flight on the
// connection (every request served from one input is still in flight: the serving node answers
// asynchronously, after the bytes at hand were read). Each answer is framed with encodeFrame,
// which asserts the body fits FRAME_BODY_BYTES_MAX exactly as the transport's `send` does; an
// answer too large to send is an assertion, i.e. a server crash, i.e. a finding.
//
// The server never throws on bad input, so neither does this target's decode: every outcome is
// an event in the returned value. Only a broken invariant (an assertion) or a foreign exception
// escapes, and those are findings. There is no encoder: the round-trip belongs to the
// protocol-request and frame targets.
import * as fc from 'fast-check';
import { isDecodeError, withCodePrefix } from '../../core/errors.js';
import { encodeFrame, FrameDecoder } from '../../core/frame.js';
import { FRAME_BODY_BYTES_MAX, FRAME_HEADER_BYTES } from '../../core/limits.js';
import { decodeRequest, encodeRequest, encodeResponse, validateRequest, type Request } from '../../core/protocol.js';
import { nearValidMsgpackMap, wildMsgpackMap } from '../arbitraries.js';
import { concat } from '../mutate.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES, requestArbitrary } from '../protocol-values.js';
import type { LengthField } from '../target.js';
import { defineTarget, onlyDecodeError } from '../target.js';

export type ServerEvent =
  | { readonly kind: 'serve'; readonly request: Request }
  | { readonly kind: 'invalid-argument'; readonly id: number; readonly answerFrame: Uint8Array }
  | { readonly kind: 'bad-body'; readonly answerFrame: Uint8Array }
  | { readonly kind: 'bad-frame'; readonly answerFrame: Uint8Array };

export function serverReads(bytes: Uint8Array): ServerEvent[] {
  const events: ServerEvent[] = [];
  const framer = new FrameDecoder(FRAME_BODY_BYTES_MAX);
  const inFlight = new Set<number>();
  let open = true;
  try {
    framer.pushEach(bytes, (body) => {
      if (!open) return; // closed after a bad body: the transport drops the rest
      let request: Request;
      try {
        request = decodeRequest(body);
      } catch (error) {
        if (!isDecodeError(error)) throw error;
        events.push({ kind: 'bad-body', answerFrame: encodeFrame(encodeResponse({ id: 0, ok: false, code: 'BAD_FRAME', message: error.message })) });
        open = false;
        return;
      }
      if (inFlight.has(request.id)) {
        const message = `DUPLICATE_REQUEST_ID: request id ${request.id} is already in flight on this connection`;
        events.push({ kind: 'invalid-argument', id: request.id, answerFrame: encodeFrame(encodeResponse({ id: request.id, ok: false, code: 'INVALID_ARGUMENT', message })) });
        return;
      }
      const invalid = validateRequest(request);
      if (invalid !== null) {
        events.push({
          kind: 'invalid-argument',
          id: request.id,
          answerFrame: encodeFrame(encodeResponse({ id: request.id, ok: false, code: invalid.code, message: invalid.message })),
        });
        return;
      }
      inFlight.add(request.id);
      events.push({ kind: 'serve', request });
    });
  } catch (error) {
    if (!isDecodeError(error) || error !== framer.error) throw error;
    // The transport reports the framing failure to the server, which answers before closing.
    if (open) {
      events.push({ kind: 'bad-frame', answerFrame: encodeFrame(encodeResponse({ id: 0, ok: false, code: 'BAD_FRAME', message: withCodePrefix(error.code, error.message) })) });
    }
  }
  return events;
}

function frameLengthFields(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= bytes.length && fields.length < 64) {
    fields.push({ offset: at, encoding: 'u32be' });
    at += FRAME_HEADER_BYTES + (bytes[at] ?? 0) * 0x100_0000 + ((bytes[at + 1] ?? 0) << 16) + ((bytes[at + 2] ?? 0) << 8) + (bytes[at + 3] ?? 0);
  }
  return fields;
}

/** Up to four frames of well-formed requests or wild msgpack maps (with long strings). */
const streamArbitrary: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      requestArbitrary.map((request) => encodeRequest(request)),
      wildMsgpackMap(PROTOCOL_FIELD_NAMES, FRAME_BODY_BYTES_MAX),
      nearValidMsgpackMap(requestArbitrary, PROTOCOL_FIELD_NAMES, FRAME_BODY_BYTES_MAX),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((bodies) => concat(...bodies.filter((body) => body.length >= 1 && body.length <= FRAME_BODY_BYTES_MAX).map((body) => encodeFrame(body))));

export default defineTarget<ServerEvent[]>({
  name: 'server-input',
  description: 'the server reading a client socket: FrameDecoder, decodeRequest, validateRequest, and the error answers it frames',
  decode: serverReads,
  canonical: false,
  isExpectedError: onlyDecodeError,
  rawArbitrary: streamArbitrary,
  seeds: () => [
    concat(encodeFrame(encodeRequest({ id: 1, op: 'getTs', count: 1 })), encodeFrame(encodeRequest({ id: 2, op: 'getSeq', key: 'orders', count: 5, clientId: 9n, requestId: 1n }))),
    encodeFrame(encodeRequest({ id: 3, op: 'getTs', count: 0 })),
    // The same id twice in one read: the second is refused while the first is in flight.
    concat(encodeFrame(encodeRequest({ id: 5, op: 'getTs', count: 1 })), encodeFrame(encodeRequest({ id: 5, op: 'getTs', count: 2 }))),
    concat(encodeFrame(Uint8Array.of(0xc1)), encodeFrame(encodeRequest({ id: 4, op: 'getTs', count: 1 }))),
    Uint8Array.of(0, 1, 0, 1, 0x80),
  ],
  lengthFields: frameLengthFields,
  dictionary: [...PROTOCOL_DICTIONARY, Uint8Array.of(0, 1, 0, 0), Uint8Array.of(0, 0, 0, 0)],
  inputBytesMax: 2 * (FRAME_HEADER_BYTES + FRAME_BODY_BYTES_MAX),
  // Error answers quote the offending input, JSON-escaped (up to 6 bytes per input byte).
  allocation: { externalBytesMax: (inputBytes) => 8192 + 16 * inputBytes, heapBytesMax: (inputBytes) => 256 * 1024 + 64 * inputBytes },
});
