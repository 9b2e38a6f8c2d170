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
//
// What the server must refuse, on the value (`verdict`: the events in order, `serve`,
// `invalid:<the precise code the answer's message starts with>`, `bad-body`, `bad-frame`): after an
// accepted stream of whole frames with no bad body or frame, one more frame (with a fresh id)
//   getTs count 262,144 / 262,145 / 0              serve / invalid:INVALID_COUNT (both)
//   getSeq count 65,536 / 65,537                   serve / invalid:INVALID_SEQ_COUNT
//   getSeq key of 128 / 129 / 0 UTF-8 bytes        serve / invalid:INVALID_SEQ_KEY (both)
//   the same fresh id twice                        serve invalid:DUPLICATE_REQUEST_ID
//   a request id 0, or a byte after the map,       bad-body, and nothing after it (the
//   then a good request                            connection closes)
//   a header of 65,536 / 65,537 / 0 bytes          nothing more (pending) / bad-frame / bad-frame,
// and every answer carries the request's id (or 0 for a bad body or frame) and fits a frame.
import { Encoder } from '@msgpack/msgpack';
import * as fc from 'fast-check';
import { isDecodeError, withCodePrefix } from '../../core/errors.js';
import { encodeFrame, FrameDecoder } from '../../core/frame.js';
import { FRAME_BODY_BYTES_MAX, FRAME_HEADER_BYTES, GET_TS_COUNT_MAX, SEQ_COUNT_MAX, SEQ_KEY_BYTES_MAX } from '../../core/limits.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, validateRequest, type Request } from '../../core/protocol.js';
import { bytesOf } from '../near-misses.js';
import { frameHeader, wholeFrames } from '../structure.js';
import { nearValidMsgpackMap, wildMsgpackMap } from '../arbitraries.js';
import { concat } from '../mutate.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES, requestArbitrary } from '../protocol-values.js';
import type { LengthField, NearMiss } from '../target.js';
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

/** The answer inside an event's frame: its id and the precise code its message starts with. */
function answerOf(answerFrame: Uint8Array): { id: number; code: string } {
  const answer = decodeResponse(answerFrame.subarray(FRAME_HEADER_BYTES));
  if (answer.ok) return { id: answer.id, code: 'ok' };
  return { id: answer.id, code: /^([A-Z_]+):/.exec(answer.message)?.[1] ?? answer.code };
}

export function serverVerdict(events: readonly ServerEvent[]): string {
  return events
    .map((e) => {
      switch (e.kind) {
        case 'serve':
          return 'serve';
        case 'invalid-argument': {
          const answer = answerOf(e.answerFrame);
          return answer.id === e.id ? `invalid:${answer.code}` : `invalid:wrong-id-${answer.id}`;
        }
        case 'bad-body':
        case 'bad-frame':
          return answerOf(e.answerFrame).id === 0 ? e.kind : `${e.kind}:nonzero-id`;
      }
    })
    .join(' ');
}

const rawEncoder = new Encoder({ useBigInt64: true });

function serverRejections(accepted: Uint8Array): NearMiss[] {
  const events = serverReads(accepted);
  if (events.some((e) => e.kind === 'bad-body' || e.kind === 'bad-frame') || !wholeFrames(accepted)) return [];
  const used = new Set(events.flatMap((e) => (e.kind === 'serve' ? [e.request.id] : [])));
  let id = 0x7000_0000;
  while (used.has(id)) id += 1;
  const before = serverVerdict(events);
  const then = (rest: string): string => (before === '' ? rest : rest === '' ? before : `${before} ${rest}`);
  const getTs = (count: number): Uint8Array => encodeFrame(encodeRequest({ id, op: 'getTs', count }));
  const getSeq = (key: string, count: number): Uint8Array => encodeFrame(encodeRequest({ id, op: 'getSeq', key, count, clientId: 1n, requestId: 1n }));
  const good = encodeFrame(encodeRequest({ id: id + 1, op: 'getTs', count: 1 }));
  const cases: [string, Uint8Array, string][] = [
    ['getts-count-at-limit', getTs(GET_TS_COUNT_MAX), 'serve'],
    ['getts-count-above-limit', getTs(GET_TS_COUNT_MAX + 1), 'invalid:INVALID_COUNT'],
    ['getts-count-zero', getTs(0), 'invalid:INVALID_COUNT'],
    ['getseq-count-at-limit', getSeq('k', SEQ_COUNT_MAX), 'serve'],
    ['getseq-count-above-limit', getSeq('k', SEQ_COUNT_MAX + 1), 'invalid:INVALID_SEQ_COUNT'],
    ['key-at-limit', getSeq('é'.repeat(SEQ_KEY_BYTES_MAX / 2), 1), 'serve'],
    ['key-above-limit', getSeq(`${'é'.repeat(SEQ_KEY_BYTES_MAX / 2)}k`, 1), 'invalid:INVALID_SEQ_KEY'],
    ['key-empty', getSeq('', 1), 'invalid:INVALID_SEQ_KEY'],
    ['duplicate-id', bytesOf(getTs(1), getTs(2)), 'serve invalid:DUPLICATE_REQUEST_ID'],
    ['request-id-0', bytesOf(encodeFrame(rawEncoder.encode({ id: 0, op: 'getTs', count: 1 })), good), 'bad-body'],
    ['request-trailing-byte', bytesOf(encodeFrame(bytesOf(encodeRequest({ id, op: 'getTs', count: 1 }), 0xc0)), good), 'bad-body'],
    ['frame-at-limit', frameHeader(FRAME_BODY_BYTES_MAX), ''],
    ['frame-above-limit', bytesOf(frameHeader(FRAME_BODY_BYTES_MAX + 1), good), 'bad-frame'],
    ['empty-frame', bytesOf(frameHeader(0), good), 'bad-frame'],
  ];
  return cases.map(([name, frames, verdict]) => ({ name, bytes: bytesOf(accepted, frames), code: then(verdict) }));
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
  verdict: serverVerdict,
  rejections: serverRejections,
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
