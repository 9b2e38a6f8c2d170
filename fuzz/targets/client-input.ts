// Target: everything the client does with bytes from a server socket
// (drivers/client/channel.ts over the transport): frame the stream (FrameDecoder) and decode
// each answer (decodeResponse). A bad answer is a protocol violation the client reports, not a
// crash, so decode returns events and only a foreign exception or broken invariant escapes.
// Round-trips of answers belong to the protocol-response target.
//
// What the client must refuse, on the value (`verdict`: the events in order, `a` for an answer,
// `violation:<code>`, `bad-frame:<code>`): after an accepted stream of whole frames of good
// answers, one more frame holding
//   an answer with a byte after its map, an unknown error code, an ok answer with id 0 or a zero
//   count, a getTs grant spanning a millisecond (logicalStart + count > 2^18) or a physical ms
//   past 46 bits, a getSeq block past u64            violation:FRAME_BAD_BODY
//   the same grants at their edge (ending exactly on the millisecond, a block ending on 2^64 − 1)
//                                                   one more answer
//   a header of 65,536 / 65,537 / 0 bytes           nothing more (a frame still pending) /
//                                                   bad-frame:FRAME_TOO_LARGE / bad-frame:FRAME_EMPTY,
//                                                   and no answer after a bad frame.
import { Encoder } from '@msgpack/msgpack';
import * as fc from 'fast-check';
import { isDecodeError } from '../../core/errors.js';
import { encodeFrame, FrameDecoder } from '../../core/frame.js';
import { FRAME_BODY_BYTES_MAX, PHYSICAL_MS_MAX, TIMESTAMPS_PER_MS, U64_MAX } from '../../core/limits.js';
import { decodeResponse, encodeResponse, type Response } from '../../core/protocol.js';
import { nearValidMsgpackMap, wildMsgpackMap } from '../arbitraries.js';
import { concat } from '../mutate.js';
import { PROTOCOL_DICTIONARY, PROTOCOL_FIELD_NAMES, responseArbitrary } from '../protocol-values.js';
import { bytesOf } from '../near-misses.js';
import { frameHeader, wholeFrames } from '../structure.js';
import type { NearMiss } from '../target.js';
import { defineTarget, onlyDecodeError } from '../target.js';

export type ClientEvent = { readonly kind: 'answer'; readonly response: Response } | { readonly kind: 'violation'; readonly code: string } | { readonly kind: 'bad-frame'; readonly code: string };

export function clientReads(bytes: Uint8Array): ClientEvent[] {
  const events: ClientEvent[] = [];
  const framer = new FrameDecoder(FRAME_BODY_BYTES_MAX);
  try {
    framer.pushEach(bytes, (body) => {
      try {
        events.push({ kind: 'answer', response: decodeResponse(body) });
      } catch (error) {
        if (!isDecodeError(error)) throw error;
        events.push({ kind: 'violation', code: error.code });
      }
    });
  } catch (error) {
    if (!isDecodeError(error) || error !== framer.error) throw error;
    events.push({ kind: 'bad-frame', code: error.code });
  }
  return events;
}

export function clientVerdict(events: readonly ClientEvent[]): string {
  return events.map((e) => (e.kind === 'answer' ? 'a' : `${e.kind}:${e.code}`)).join(' ');
}

/** Raw msgpack: answers the encoder would refuse to write (u64 fields as bigints: a number above 2^32 would go out as a float). */
const rawEncoder = new Encoder({ useBigInt64: true });

function answerFrame(fields: Record<string, unknown>): Uint8Array {
  return encodeFrame(rawEncoder.encode(fields));
}

function clientRejections(accepted: Uint8Array): NearMiss[] {
  const events = clientReads(accepted);
  if (!events.every((e) => e.kind === 'answer') || !wholeFrames(accepted)) return [];
  const before = clientVerdict(events);
  const then = (rest: string): string => (before === '' ? rest : rest === '' ? before : `${before} ${rest}`);
  const violation = 'violation:FRAME_BAD_BODY';
  const getTs = { id: 7, ok: true, physicalMs: 1, logicalStart: TIMESTAMPS_PER_MS - 1, count: 1, epoch: 1n };
  const getSeq = { id: 8, ok: true, start: U64_MAX, count: 1, epoch: 1n };
  const good = encodeResponse({ id: 9, ok: true, physicalMs: 5, logicalStart: 0, count: 1, epoch: 1n });
  const cases: [string, Uint8Array, string][] = [
    ['answer-trailing-byte', encodeFrame(bytesOf(good, 0xc0)), violation],
    ['unknown-error-code', answerFrame({ id: 3, ok: false, code: 'NO_SUCH_CODE', message: 'x' }), violation],
    ['ok-answer-id-0', answerFrame({ ...getTs, id: 0 }), violation],
    ['ok-answer-count-0', answerFrame({ ...getTs, logicalStart: 0, count: 0 }), violation],
    ['getts-grant-at-ms-end', answerFrame(getTs), 'a'],
    ['getts-grant-spans-ms', answerFrame({ ...getTs, count: 2 }), violation],
    ['getts-physical-at-max', answerFrame({ ...getTs, physicalMs: BigInt(PHYSICAL_MS_MAX) }), 'a'],
    ['getts-physical-above-max', answerFrame({ ...getTs, physicalMs: BigInt(PHYSICAL_MS_MAX) + 1n }), violation],
    ['getseq-block-at-u64-end', answerFrame(getSeq), 'a'],
    ['getseq-block-past-u64', answerFrame({ ...getSeq, count: 2 }), violation],
    ['frame-at-limit', frameHeader(FRAME_BODY_BYTES_MAX), ''],
    ['frame-above-limit', bytesOf(frameHeader(FRAME_BODY_BYTES_MAX + 1), encodeFrame(good)), 'bad-frame:FRAME_TOO_LARGE'],
    ['empty-frame', bytesOf(frameHeader(0), encodeFrame(good)), 'bad-frame:FRAME_EMPTY'],
  ];
  return cases.map(([name, frames, verdict]) => ({ name, bytes: bytesOf(accepted, frames), code: then(verdict) }));
}

const streamArbitrary: fc.Arbitrary<Uint8Array> = fc
  .array(fc.oneof(responseArbitrary.map((response) => encodeResponse(response)), wildMsgpackMap(PROTOCOL_FIELD_NAMES, 8192), nearValidMsgpackMap(responseArbitrary, PROTOCOL_FIELD_NAMES, 8192)), { minLength: 1, maxLength: 4 })
  .map((bodies) => concat(...bodies.filter((body) => body.length >= 1).map((body) => encodeFrame(body))));

export default defineTarget<ClientEvent[]>({
  name: 'client-input',
  description: 'the client reading a server socket: FrameDecoder then decodeResponse per body',
  decode: clientReads,
  verdict: clientVerdict,
  rejections: clientRejections,
  canonical: false,
  isExpectedError: onlyDecodeError,
  rawArbitrary: streamArbitrary,
  seeds: () => [
    concat(
      encodeFrame(encodeResponse({ id: 1, ok: true, physicalMs: 1_700_000_000_000, logicalStart: 5, count: 3, epoch: 1n })),
      encodeFrame(encodeResponse({ id: 2, ok: false, code: 'NOT_LEADER', message: 'not the leader', leaderEndpoint: '127.0.0.1:50551' })),
    ),
    encodeFrame(encodeResponse({ id: 9, ok: true, start: 0n, count: 1, epoch: 0n })),
  ],
  dictionary: PROTOCOL_DICTIONARY,
  inputBytesMax: 32 * 1024,
});
