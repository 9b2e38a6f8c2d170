// The TSOR high-water record, byte-compatible with the original's file driver `state` file:
// 17 bytes, little-endian: "TSOR" | u8 version 1 | u64 high-water (physical ms) | u32 crc32c of
// bytes 0..13.
//
// Invariants: the encoder only writes values in [0, PHYSICAL_MS_MAX] (a larger value is a bug
// upstream: persist refuses it before it gets here). The decoder is total and checks, in order:
// length (RECORD_TOO_SHORT / RECORD_TOO_LONG), magic, version, CRC, and only then the range
// (RECORD_OUT_OF_RANGE above 2^46 − 1), so a corrupted record is reported as corruption.
// Every single-bit flip of a valid record is detected.
import { assertSafeUint, assert } from '../assert.js';
import { DecodeError, ErrorCode } from '../errors.js';
import { PHYSICAL_MS_MAX } from '../limits.js';
import { openFramedRecord, sealFramedRecord, type FramedRecordKind } from './framed.js';

export const HIGH_WATER_RECORD_MAGIC = 'TSOR';
export const HIGH_WATER_RECORD_VERSION = 1;
/** The exact length of a TSOR record. */
export const HIGH_WATER_RECORD_BYTES = 17;

const kind: FramedRecordKind = {
  magic: HIGH_WATER_RECORD_MAGIC,
  bytesMinByVersion: new Map([[HIGH_WATER_RECORD_VERSION, HIGH_WATER_RECORD_BYTES]]),
};

/** The 17-byte record for `highWaterMs`. */
export function encodeHighWaterRecord(highWaterMs: number): Uint8Array {
  assertSafeUint(highWaterMs, 'high_water_safe_uint');
  assert(highWaterMs <= PHYSICAL_MS_MAX, 'high_water_within_physical_ms_max', () => String(highWaterMs));
  const bytes = sealFramedRecord(HIGH_WATER_RECORD_MAGIC, HIGH_WATER_RECORD_VERSION, (w) => w.u64n(highWaterMs), HIGH_WATER_RECORD_BYTES);
  assert(bytes.length === HIGH_WATER_RECORD_BYTES, 'high_water_record_length');
  return bytes;
}

/** The high-water physical ms stored in a TSOR record. Throws only `DecodeError`. */
export function decodeHighWaterRecord(bytes: Uint8Array): number {
  if (bytes.length < HIGH_WATER_RECORD_BYTES) {
    throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, `TSOR record of ${bytes.length} byte(s), ${HIGH_WATER_RECORD_BYTES} expected`, 0);
  }
  if (bytes.length > HIGH_WATER_RECORD_BYTES) {
    throw new DecodeError(ErrorCode.RECORD_TOO_LONG, `TSOR record of ${bytes.length} byte(s), ${HIGH_WATER_RECORD_BYTES} expected`, HIGH_WATER_RECORD_BYTES);
  }
  const { body } = openFramedRecord(bytes, kind);
  const low = body.u32();
  const high = body.u32();
  // PHYSICAL_MS_MAX = 2^46 − 1: the high half may use 14 bits at most.
  if (high > 0x3fff) throw new DecodeError(ErrorCode.RECORD_OUT_OF_RANGE, 'TSOR high-water above 2^46 - 1', 5);
  assert(body.remaining === 0, 'high_water_body_consumed');
  return high * 2 ** 32 + low;
}
