// Near-miss builders for the targets' `rejections` (fuzz/target.ts): from an input the decoder
// accepted, the variants it promises to refuse, each with the exact code. A decoder that compares
// decoded values instead of checking its CRC, that is off by one at a limit, or that accepts a
// second spelling of a value, passes "no untyped exception" and "round-trips" but breaks one of
// these. The builders only derive bytes; which promises hold for a format is the target's call.
import { crc32c } from '../core/codec/crc32c.js';
import { ErrorCode } from '../core/errors.js';
import type { NearMiss } from './target.js';

const MAGIC_BYTES = 4;
const HEADER_BYTES = MAGIC_BYTES + 1; // magic and version
const CRC_BYTES = 4;

/** `bytes` with `mask` XORed into the byte at `at` (a copy). */
export function flipped(bytes: Uint8Array, at: number, mask: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = ((copy[at] ?? 0) ^ mask) & 0xff;
  return copy;
}

/** `bytes` with the byte at `at` set to `value` (a copy). */
export function withByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = value & 0xff;
  return copy;
}

function readU32Le(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
}

export interface FramedRecordPromises {
  /** The code for the record one byte short (depends on the format's length rules). */
  readonly oneByteShort?: string;
  /** The code for the record with one more byte at the end; omitted: the CRC no longer matches. */
  readonly oneByteLong?: string;
  /** Versions the decoder must refuse as unsupported (default: 0 and 255). */
  readonly unsupportedVersions?: readonly number[];
}

/**
 * Promises of a `magic | version | body | u32 crc32c` record (core/records/framed.ts): a flipped
 * CRC bit, and a flipped bit in any protected byte after the header, are RECORD_CRC_MISMATCH; a
 * flipped magic is RECORD_BAD_MAGIC; an unknown version is RECORD_UNSUPPORTED_VERSION; a byte
 * too few or too many gets the format's code.
 */
export function framedRecordRejections(accepted: Uint8Array, promises: FramedRecordPromises = {}): NearMiss[] {
  const n = accepted.length;
  if (n < HEADER_BYTES + CRC_BYTES) return [];
  const out: NearMiss[] = [
    { name: 'crc-flipped', bytes: flipped(accepted, n - 1, 0x01), code: ErrorCode.RECORD_CRC_MISMATCH },
    { name: 'crc-first-byte-flipped', bytes: flipped(accepted, n - CRC_BYTES, 0x80), code: ErrorCode.RECORD_CRC_MISMATCH },
    { name: 'magic-flipped', bytes: flipped(accepted, 0, 0x20), code: ErrorCode.RECORD_BAD_MAGIC },
  ];
  for (const version of promises.unsupportedVersions ?? [0, 255]) {
    out.push({ name: `version-${version}`, bytes: withByte(accepted, MAGIC_BYTES, version), code: ErrorCode.RECORD_UNSUPPORTED_VERSION });
  }
  const bodyEnd = n - CRC_BYTES;
  if (bodyEnd > HEADER_BYTES) {
    out.push({ name: 'first-body-byte-flipped', bytes: flipped(accepted, HEADER_BYTES, 0x01), code: ErrorCode.RECORD_CRC_MISMATCH });
    out.push({ name: 'last-body-byte-flipped', bytes: flipped(accepted, bodyEnd - 1, 0x80), code: ErrorCode.RECORD_CRC_MISMATCH });
    out.push({ name: 'middle-body-byte-flipped', bytes: flipped(accepted, HEADER_BYTES + ((bodyEnd - HEADER_BYTES) >> 1), 0x10), code: ErrorCode.RECORD_CRC_MISMATCH });
  }
  if (promises.oneByteShort !== undefined) {
    out.push({ name: 'one-byte-short', bytes: accepted.subarray(0, n - 1).slice(), code: promises.oneByteShort });
  }
  const longer = new Uint8Array(n + 1);
  longer.set(accepted);
  // The stored CRC moves to the last four bytes: pick the extra byte so it cannot match by chance.
  for (let extra = 0; extra < 256; extra += 1) {
    longer[n] = extra;
    if (readU32Le(longer, n + 1 - CRC_BYTES) !== crc32c(longer, 0, n + 1 - CRC_BYTES)) break;
  }
  out.push({ name: 'one-byte-long', bytes: longer, code: promises.oneByteLong ?? ErrorCode.RECORD_CRC_MISMATCH });
  return out;
}

// --- Postcard varints (core/codec/postcard.ts) -------------------------------------------------
// The reader accepts a varint of at most ceil(bits / 7) bytes (3 for u16, 5 for u32, 10 for u64),
// padded ones included (`80 00` is 0), as postcard does; one byte more is DECODE_VARINT_OVERLONG,
// a last byte carrying bits above the type is DECODE_VARINT_OVERFLOW, a varint the input ends
// inside is DECODE_EOF; every one of these is reported at the varint's first byte.

/** The shortest (canonical) LEB128 encoding of `value`. */
export function varint(value: bigint | number): Uint8Array {
  let rest = BigInt(value);
  const out: number[] = [];
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return Uint8Array.from(out);
}

/** `value` as a LEB128 varint padded with continuation groups to exactly `totalBytes` bytes. */
export function paddedVarint(value: bigint | number, totalBytes: number): Uint8Array {
  const canonical = varint(value);
  if (canonical.length >= totalBytes) return canonical;
  const out = new Uint8Array(totalBytes);
  out.set(canonical);
  out[canonical.length - 1] = (out[canonical.length - 1] ?? 0) | 0x80;
  for (let i = canonical.length; i < totalBytes - 1; i += 1) out[i] = 0x80;
  out[totalBytes - 1] = 0x00;
  return out;
}

/** A varint of zero one byte longer than a `bytesMax`-byte type allows (continuation on its last byte). */
export function overlongVarint(bytesMax: number): Uint8Array {
  return paddedVarint(0, bytesMax + 1);
}

/** A `bytesMax`-byte varint whose last byte is `lastByte` (all lower groups 0x7f). */
export function varintEndingWith(bytesMax: number, lastByte: number): Uint8Array {
  const out = new Uint8Array(bytesMax).fill(0xff);
  out[bytesMax - 1] = lastByte;
  return out;
}

/** Concatenation of byte strings and single bytes. */
export function bytesOf(...parts: readonly (Uint8Array | number)[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += typeof part === 'number' ? 1 : part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    if (typeof part === 'number') out[at++] = part & 0xff;
    else {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}

/** `bytes` with [start, end) replaced by `replacement` (a copy). */
export function spliced(bytes: Uint8Array, start: number, end: number, replacement: Uint8Array): Uint8Array {
  return bytesOf(bytes.subarray(0, start), replacement, bytes.subarray(end));
}

/** Rewrites the trailing u32 LE CRC-32C over everything before it (a copy). */
export function withTrailingCrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const at = out.length - CRC_BYTES;
  const crc = crc32c(out, 0, at);
  out[at] = crc & 0xff;
  out[at + 1] = (crc >>> 8) & 0xff;
  out[at + 2] = (crc >>> 16) & 0xff;
  out[at + 3] = crc >>> 24;
  return out;
}

/** Whether the trailing u32 LE CRC-32C of `bytes` matches everything before it. */
export function trailingCrcMatches(bytes: Uint8Array): boolean {
  if (bytes.length < CRC_BYTES) return false;
  return readU32Le(bytes, bytes.length - CRC_BYTES) === crc32c(bytes, 0, bytes.length - CRC_BYTES);
}
