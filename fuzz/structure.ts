// Structure helpers shared by targets: repairing checksums after a mutation, and reading the
// fixed-width fields a length walker follows, and building client-protocol frames. Test support
// for the fuzzer only.
import { crc32c } from '../core/codec/crc32c.js';
import { writeU32LeAt } from '../core/codec/le.js';
import { FRAME_HEADER_BYTES } from '../core/limits.js';

/**
 * Recomputes the trailing u32 LE CRC-32C of a checksummed record (TSOR, TSOD and every record
 * framed like them: the CRC covers every byte before it), so a mutation of the body reaches
 * the parser behind the checksum.
 */
export function fixRecordCrc(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 9) return bytes;
  const fixed = bytes.slice();
  const crcOffset = fixed.length - 4;
  writeU32LeAt(fixed, crcOffset, crc32c(fixed, 0, crcOffset));
  return fixed;
}

export function u16LeAt(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

export function u32LeAt(bytes: Uint8Array, at: number): number {
  return (u16LeAt(bytes, at) + u16LeAt(bytes, at + 2) * 0x1_0000) >>> 0;
}

// --- Client-protocol frames (core/frame.ts): u32 big-endian length, then the body ------------

/** Whether `bytes` is whole frames (every header's body present, nothing after the last). */
export function wholeFrames(bytes: Uint8Array): boolean {
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= bytes.length) {
    at += FRAME_HEADER_BYTES + (bytes[at] ?? 0) * 0x100_0000 + ((bytes[at + 1] ?? 0) << 16) + ((bytes[at + 2] ?? 0) << 8) + (bytes[at + 3] ?? 0);
  }
  return at === bytes.length;
}

/** A 4-byte big-endian frame header claiming `bodyBytes`. */
export function frameHeader(bodyBytes: number): Uint8Array {
  return Uint8Array.of((bodyBytes >>> 24) & 0xff, (bodyBytes >>> 16) & 0xff, (bodyBytes >>> 8) & 0xff, bodyBytes & 0xff);
}
