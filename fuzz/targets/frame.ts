// Target: the client-protocol stream framer (core/frame.ts FrameDecoder/encodeFrame), the first
// thing the server and the client run on bytes from a socket. The input is a byte stream; it is
// decoded twice, in one push and in many small pushes cut at input-derived points, and the two
// must agree (same bodies, or the same error at the same offset): a framer that depends on chunk
// boundaries is a finding. The value is the bodies plus the unconsumed tail (an incomplete
// frame), so re-encoding must give back the input exactly (canonical).
import * as fc from 'fast-check';
import { AssertionError } from '../../core/assert.js';
import { DecodeError, isDecodeError } from '../../core/errors.js';
import { encodeFrame, FrameDecoder, writeFrameHeader } from '../../core/frame.js';
import { FRAME_BODY_BYTES_MAX, FRAME_HEADER_BYTES } from '../../core/limits.js';
import { bytesEqual } from '../deep-equal.js';
import { concat } from '../mutate.js';
import type { LengthField } from '../target.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';

/** A 4-byte big-endian frame header claiming `bodyBytes`. */
function frameHeader(bodyBytes: number): Uint8Array {
  return Uint8Array.of((bodyBytes >>> 24) & 0xff, (bodyBytes >>> 16) & 0xff, (bodyBytes >>> 8) & 0xff, bodyBytes & 0xff);
}

export interface FrameStream {
  readonly bodies: readonly Uint8Array[];
  /** Bytes after the last whole frame: a partial header, or a header and part of its body. */
  readonly pending: Uint8Array;
}

/** Chunk sizes of the second decode, cycled; derived from the input so runs are reproducible. */
const CHUNK_SIZES = [1, 2, 3, 5, 8, 13, 4, 7];

export function decodeFrameStream(bytes: Uint8Array): FrameStream {
  const whole = new FrameDecoder();
  let wholeBodies: Uint8Array[] = [];
  let wholeError: DecodeError | null = null;
  try {
    wholeBodies = whole.push(bytes);
  } catch (error) {
    if (!isDecodeError(error)) throw error;
    wholeError = error;
  }

  const chunked = new FrameDecoder();
  const chunkedBodies: Uint8Array[] = [];
  let chunkedError: DecodeError | null = null;
  let at = 0;
  let step = (bytes[0] ?? 0) % CHUNK_SIZES.length;
  try {
    while (at < bytes.length) {
      const size = CHUNK_SIZES[step % CHUNK_SIZES.length] ?? 1;
      for (const body of chunked.push(bytes.subarray(at, at + size))) chunkedBodies.push(body);
      at += size;
      step += 1;
    }
  } catch (error) {
    if (!isDecodeError(error)) throw error;
    chunkedError = error;
  }

  if (wholeError !== null || chunkedError !== null) {
    if (wholeError !== null) checkPoisoned(whole, wholeError);
    if (chunkedError !== null) checkPoisoned(chunked, chunkedError);
    if (wholeError === null || chunkedError === null || wholeError.code !== chunkedError.code || wholeError.offset !== chunkedError.offset) {
      throw new AssertionError('frame_split_independent', `one push: ${String(wholeError?.message)}; chunked: ${String(chunkedError?.message)}`);
    }
    throw wholeError;
  }
  if (wholeBodies.length !== chunkedBodies.length || wholeBodies.some((body, i) => !bytesEqual(body, chunkedBodies[i] ?? new Uint8Array(0)))) {
    throw new AssertionError('frame_split_independent', 'bodies differ between one push and chunked pushes');
  }
  let consumed = 0;
  for (const body of wholeBodies) consumed += FRAME_HEADER_BYTES + body.length;
  const pending = bytes.slice(consumed);
  // Once a header is complete it is parsed, not held: the decoder holds only the body's bytes.
  const held = pending.length >= FRAME_HEADER_BYTES ? pending.length - FRAME_HEADER_BYTES : pending.length;
  if (whole.pendingBytes !== held || chunked.pendingBytes !== held) {
    throw new AssertionError('frame_pending_matches', `${whole.pendingBytes}/${chunked.pendingBytes} held, ${held} expected`);
  }
  return { bodies: wholeBodies, pending };
}

/**
 * After an error the decoder is poisoned: it holds no bytes, names the error, and every later
 * push (an empty one, or more bytes) throws that same error, so a caller cannot resynchronise.
 */
function checkPoisoned(decoder: FrameDecoder, error: DecodeError): void {
  if (decoder.error !== error || decoder.pendingBytes !== 0) {
    throw new AssertionError('frame_poisoned_after_error', `error kept: ${String(decoder.error === error)}, ${decoder.pendingBytes} bytes held`);
  }
  for (const more of [new Uint8Array(0), Uint8Array.of(0, 0, 0, 1, 7)]) {
    let again: unknown = null;
    try {
      decoder.push(more);
    } catch (thrown) {
      again = thrown;
    }
    if (again !== error) throw new AssertionError('frame_poisoned_after_error', `a push after ${error.code} did not throw it again`);
  }
}

/** `run` must fail its `invariant` assertion: the encoder's and constructor's preconditions. */
function checkRefuses(invariant: string, run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (error instanceof AssertionError && error.invariant === invariant) return;
    throw error;
  }
  throw new AssertionError('frame_precondition_enforced', `${invariant} was not enforced`);
}

/**
 * The preconditions of encodeFrame, writeFrameHeader and the decoder's constructor, at their
 * boundaries, and the header encoder against the reference layout (u32 big-endian), at lengths that set every
 * header byte, including the maximum: the fuzzed bodies are short, so their headers alone
 * leave the upper bytes zero.
 */
function checkHeaderLayout(): void {
  checkRefuses('frame_body_not_empty', () => encodeFrame(new Uint8Array(0)));
  if (encodeFrame(Uint8Array.of(1, 2, 3), 3).length !== FRAME_HEADER_BYTES + 3) throw new AssertionError('frame_header_u32be', 'a body of the maximum');
  checkRefuses('frame_body_within_max', () => encodeFrame(Uint8Array.of(1, 2, 3, 4), 3));
  const fits = new Uint8Array(FRAME_HEADER_BYTES);
  writeFrameHeader(fits, 0, 0xffff_ffff);
  writeFrameHeader(fits, 0, 0);
  checkRefuses('frame_length_u32', () => writeFrameHeader(fits, 0, 0x1_0000_0000));
  checkRefuses('frame_length_u32', () => writeFrameHeader(fits, 0, -1));
  checkRefuses('frame_length_u32', () => writeFrameHeader(fits, 0, 1.5));
  checkRefuses('frame_header_fits', () => writeFrameHeader(fits, 1, 1));
  checkRefuses('frame_header_fits', () => writeFrameHeader(fits, -1, 1));
  new FrameDecoder(1);
  new FrameDecoder(0xffff_ffff);
  checkRefuses('frame_max_body_bytes_valid', () => new FrameDecoder(0));
  checkRefuses('frame_max_body_bytes_valid', () => new FrameDecoder(0x1_0000_0000));
  checkRefuses('frame_max_body_bytes_valid', () => new FrameDecoder(1.5));
  for (const bodyBytes of [1, 0x1ff, 0xfffe, FRAME_BODY_BYTES_MAX, 0x0102_0304, 0xffff_ffff]) {
    const written = new Uint8Array(FRAME_HEADER_BYTES + 2).fill(0xee);
    writeFrameHeader(written, 1, bodyBytes);
    const expected = concat(Uint8Array.of(0xee), frameHeader(bodyBytes), Uint8Array.of(0xee));
    if (!bytesEqual(written, expected)) throw new AssertionError('frame_header_u32be', `header of ${bodyBytes} bytes`);
  }
}

export function encodeFrameStream(stream: FrameStream): Uint8Array {
  checkHeaderLayout();
  return concat(...stream.bodies.map((body) => encodeFrame(body)), stream.pending);
}

/** The u32 big-endian length prefix of every frame, walking the stream. */
function frameLengthFields(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= bytes.length && fields.length < 64) {
    fields.push({ offset: at, encoding: 'u32be' });
    const length = ((bytes[at] ?? 0) * 0x100_0000) + ((bytes[at + 1] ?? 0) << 16) + ((bytes[at + 2] ?? 0) << 8) + (bytes[at + 3] ?? 0);
    at += FRAME_HEADER_BYTES + length;
  }
  return fields;
}

const body = fc.uint8Array({ minLength: 1, maxLength: 48 });

const streamArbitrary: fc.Arbitrary<FrameStream> = fc
  .record({ bodies: fc.array(body, { maxLength: 6 }), partial: fc.option(fc.tuple(body, fc.nat()), { nil: null }) })
  .map(({ bodies, partial }) => {
    if (partial === null) return { bodies, pending: new Uint8Array(0) };
    const [partialBody, cut] = partial;
    const frame = encodeFrame(partialBody);
    return { bodies, pending: frame.slice(0, cut % frame.length) };
  });

export default defineTarget<FrameStream>({
  name: 'frame',
  description: 'FrameDecoder (u32 BE length + body) on one push and on chunked pushes, with encodeFrame',
  decode: decodeFrameStream,
  // The header limits, at their boundary, in front of any accepted stream: a zero length is
  // FRAME_EMPTY, the maximum is accepted (a frame still pending), one past it is FRAME_TOO_LARGE.
  rejections: (accepted) => [
    { name: 'empty-frame-first', bytes: concat(Uint8Array.of(0, 0, 0, 0), accepted), code: 'FRAME_EMPTY' },
    { name: 'length-at-limit', bytes: frameHeader(FRAME_BODY_BYTES_MAX), code: 'accepted' },
    { name: 'length-above-limit', bytes: concat(frameHeader(FRAME_BODY_BYTES_MAX + 1), accepted), code: 'FRAME_TOO_LARGE' },
  ],
  encode: encodeFrameStream,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: streamArbitrary,
  seeds: () => [
    encodeFrameStream({ bodies: [token('hello')], pending: new Uint8Array(0) }),
    encodeFrameStream({ bodies: [Uint8Array.of(0x81, 0xa2, 0x69, 0x64, 0x01), Uint8Array.of(0xc0)], pending: Uint8Array.of(0, 0, 0) }),
    encodeFrameStream({ bodies: [], pending: Uint8Array.of(0, 0, 0, 9, 1, 2) }),
  ],
  lengthFields: frameLengthFields,
  dictionary: [Uint8Array.of(0, 1, 0, 0), Uint8Array.of(0, 1, 0, 1), Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff)],
  inputBytesMax: 8192,
});
