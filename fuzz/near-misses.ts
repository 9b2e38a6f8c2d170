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
