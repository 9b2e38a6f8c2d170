// Target: the TSOR high-water record (core/records/high-water.ts), the file driver's `state`
// file: 17 bytes "TSOR" | u8 1 | u64 LE physical ms | u32 LE crc32c. Canonical: one value, one
// record. The fixup recomputes the CRC so mutations of the value field reach the range check
// (RECORD_OUT_OF_RANGE above 2^46 − 1) instead of dying at RECORD_CRC_MISMATCH.
import { highWaterMsArbitrary } from '../../core/records/arbitraries.js';
import { decodeHighWaterRecord, encodeHighWaterRecord, HIGH_WATER_RECORD_BYTES } from '../../core/records/high-water.js';
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { fixRecordCrc } from '../structure.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
import { framedRecordRejections } from '../near-misses.js';

const CRC_OFFSET = HIGH_WATER_RECORD_BYTES - 4;

export default defineTarget<number>({
  name: 'high-water-record',
  description: 'TSOR record decodeHighWaterRecord/encodeHighWaterRecord (17 bytes, CRC-32C)',
  decode: decodeHighWaterRecord,
  // A TSOR record has one length: a byte too few or too many is refused before anything else.
  rejections: (accepted) => framedRecordRejections(accepted, { oneByteShort: 'RECORD_TOO_SHORT', oneByteLong: 'RECORD_TOO_LONG' }),
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
