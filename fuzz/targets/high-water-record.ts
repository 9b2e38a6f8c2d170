// Target: the TSOR high-water record (core/records/high-water.ts), the file driver's `state`
// file: 17 bytes "TSOR" | u8 1 | u64 LE physical ms | u32 LE crc32c. Canonical: one value, one
// record. The fixup recomputes the CRC so mutations of the value field reach the range check
// (RECORD_OUT_OF_RANGE above 2^46 − 1) instead of dying at RECORD_CRC_MISMATCH.
import { highWaterMsArbitrary } from '../../core/records/arbitraries.js';
import { sealFramedRecord } from '../../core/records/framed.js';
import {
  decodeHighWaterRecord,
  encodeHighWaterRecord,
  HIGH_WATER_RECORD_BYTES,
  HIGH_WATER_RECORD_MAGIC,
  HIGH_WATER_RECORD_VERSION,
} from '../../core/records/high-water.js';
import { concat } from '../mutate.js';
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { fixRecordCrc } from '../structure.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
import { framedRecordRejections } from '../near-misses.js';

const CRC_OFFSET = HIGH_WATER_RECORD_BYTES - 4;

/**
 * A TSOR record with a valid CRC around any u64 (`low` + `high` · 2^32, or `low` alone when
 * `high` is 0 and `low` is a safe integer), built without the encoder, which refuses values
 * above 2^46 − 1.
 */
function unsealedRecord(low: number, high: number): Uint8Array {
  return sealFramedRecord(HIGH_WATER_RECORD_MAGIC, HIGH_WATER_RECORD_VERSION, (w) => (high === 0 ? w.u64n(low) : w.u32(low).u32(high)), HIGH_WATER_RECORD_BYTES);
}

export default defineTarget<number>({
  name: 'high-water-record',
  description: 'TSOR record decodeHighWaterRecord/encodeHighWaterRecord (17 bytes, CRC-32C)',
  decode: decodeHighWaterRecord,
  // A TSOR record has one length: a byte too few or too many is refused before anything else.
  // The range is checked after the CRC, at its boundary: 2^46 − 1 is accepted, 2^46 and the largest u64 with a valid CRC are RECORD_OUT_OF_RANGE at the value (5);
  // the length errors name their offsets (0 short, 17 long).
  rejections: (accepted) => [
    ...framedRecordRejections(accepted, { oneByteShort: 'RECORD_TOO_SHORT', oneByteLong: 'RECORD_TOO_LONG' }),
    { name: 'value-at-max', bytes: unsealedRecord(PHYSICAL_MS_MAX, 0), code: 'accepted' },
    { name: 'value-above-max', bytes: unsealedRecord(0, 0x4000), code: 'RECORD_OUT_OF_RANGE', offset: 5 },
    { name: 'value-u64-max', bytes: unsealedRecord(0xffff_ffff, 0xffff_ffff), code: 'RECORD_OUT_OF_RANGE', offset: 5 },
    { name: 'one-byte-short-at-0', bytes: accepted.slice(0, HIGH_WATER_RECORD_BYTES - 1), code: 'RECORD_TOO_SHORT', offset: 0 },
    { name: 'one-byte-long-at-17', bytes: concat(accepted, Uint8Array.of(0)), code: 'RECORD_TOO_LONG', offset: HIGH_WATER_RECORD_BYTES },
  ],
  encode: encodeHighWaterRecord,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: highWaterMsArbitrary,
  seeds: () => [0, 1, 1_700_000_000_000, 2 ** 32, PHYSICAL_MS_MAX].map(encodeHighWaterRecord),
  // The u64 value is not a length, but inflating it is how the range check is reached.
  lengthFields: (bytes) => (bytes.length >= CRC_OFFSET ? [{ offset: 5, encoding: 'u64le' }] : []),
  fixup: fixRecordCrc,
  dictionary: [token('TSOR'), Uint8Array.of(1)],
  inputBytesMax: 64,
});
