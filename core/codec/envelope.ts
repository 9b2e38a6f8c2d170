// The versioned envelope around every postcard-encoded value that is stored or replicated:
// `[u8 version | postcard payload]`. The version byte says which layout the payload has, so a
// reader can keep decoding old layouts after the writer moves on.
//
// Invariants: decoding is total (only `DecodeError`); empty input is DECODE_EMPTY, a version with
// no decoder is DECODE_UNKNOWN_VERSION, and a payload that leaves bytes unread is
// DECODE_TRAILING_BYTES, so one value has exactly one accepted byte string per encoder.
import { assert } from '../assert.js';
import { DecodeError, ErrorCode } from '../errors.js';
import { Reader, Writer } from './postcard.js';

/** Encodes `[version | payload]`, the payload written by `write`. */
export function encodeEnvelope(version: number, write: (w: Writer) => void): Uint8Array {
  return envelopeWriter(version, write).finish();
}

/**
 * `encodeEnvelope` for a caller that copies the bytes at once (into a frame or a record) and
 * keeps nothing: the writer's own buffer, without the copy `finish` makes, possibly a view of a
 * pooled slab (pooled-bytes.ts).
 */
export function encodeEnvelopeToCopy(version: number, write: (w: Writer) => void): Uint8Array {
  return envelopeWriter(version, write).written();
}

function envelopeWriter(version: number, write: (w: Writer) => void): Writer {
  assert(Number.isInteger(version) && version >= 0 && version <= 0xff, 'envelope_version_u8', () => String(version));
  const writer = new Writer();
  writer.u8(version);
  write(writer);
  return writer;
}

/**
 * Decodes an envelope with the decoder registered for its version byte. The decoder reads the
 * payload; every payload byte must be consumed.
 */
export function decodeEnvelope<T>(bytes: Uint8Array, decoders: Readonly<Record<number, (r: Reader) => T>>): T {
  if (bytes.length === 0) throw new DecodeError(ErrorCode.DECODE_EMPTY, 'empty envelope', 0);
  const version = bytes[0] as number;
  // Own properties only: a version must never resolve to something inherited from Object.
  const decode = Object.prototype.hasOwnProperty.call(decoders, version) ? decoders[version] : undefined;
  if (decode === undefined) throw new DecodeError(ErrorCode.DECODE_UNKNOWN_VERSION, `unknown envelope version ${version}`, 0);
  const reader = new Reader(bytes, 1);
  const value = decode(reader);
  reader.expectEnd();
  return value;
}
