// Target: the Paxos snapshot file (core/paxos/codec.ts decodePaxosSnapshotRecord), a framed
// record "TSPS" | u8 1 | u64 index | u32 data length | data | u32 crc32c, little-endian.
// Canonical. The fixup repairs the CRC; the data-length field is the one to lie about.
import { paxosSnapshotArbitrary } from '../../core/paxos/arbitraries.js';
import { decodePaxosSnapshotRecord, encodePaxosSnapshotRecord } from '../../core/paxos/codec.js';
import type { PaxosSnapshot } from '../../core/paxos/types.js';
import { framedRecordRejections } from '../near-misses.js';
import { fixRecordCrc } from '../structure.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';

/** Offset of the u32 data length: magic, version, index. */
const DATA_LENGTH_OFFSET = 4 + 1 + 8;

export default defineTarget<PaxosSnapshot>({
  name: 'paxos-snapshot-record',
  description: 'Paxos snapshot file: decodePaxosSnapshotRecord/encodePaxosSnapshotRecord (TSPS framed record)',
  decode: decodePaxosSnapshotRecord,
  rejections: (accepted) => framedRecordRejections(accepted),
  encode: encodePaxosSnapshotRecord,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: paxosSnapshotArbitrary,
  seeds: () => [
    encodePaxosSnapshotRecord({ lastIncludedIndex: 1, data: new Uint8Array(0) }),
    encodePaxosSnapshotRecord({ lastIncludedIndex: 1_000, data: token('{"highWaterMs":1700000000000}') }),
    encodePaxosSnapshotRecord({ lastIncludedIndex: Number.MAX_SAFE_INTEGER, data: Uint8Array.of(0, 255) }),
  ],
  lengthFields: (bytes) => (bytes.length >= DATA_LENGTH_OFFSET + 4 ? [{ offset: DATA_LENGTH_OFFSET, encoding: 'u32le' }] : []),
  fixup: fixRecordCrc,
  dictionary: [token('TSPS'), Uint8Array.of(1)],
});
