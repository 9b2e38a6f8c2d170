// Target: the Raft snapshot file (core/raft/codec.ts decodeSnapshotRecord), a framed record
// "TSRS" | u8 1 | u64 index | u64 term | u32 data length | data | u32 crc32c, little-endian;
// version 2 adds `u32 membership length | membership` after the data (core/raft/membership.ts).
// Canonical. The fixup repairs the CRC; the data-length field is the one to lie about.
import { snapshotArbitrary } from '../../core/raft/arbitraries.js';
import { decodeSnapshotRecord, encodeSnapshotRecord } from '../../core/raft/codec.js';
import type { Snapshot } from '../../core/raft/types.js';
import { fixRecordCrc } from '../structure.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
import { framedRecordRejections } from '../near-misses.js';

/** Offset of the u32 data length: magic, version, index, term. */
const DATA_LENGTH_OFFSET = 4 + 1 + 8 + 8;

export default defineTarget<Snapshot>({
  name: 'raft-snapshot-record',
  description: 'Raft snapshot file: decodeSnapshotRecord/encodeSnapshotRecord (TSRS framed record)',
  decode: decodeSnapshotRecord,
  rejections: (accepted) => framedRecordRejections(accepted),
  encode: encodeSnapshotRecord,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: snapshotArbitrary(),
  seeds: () => [
    encodeSnapshotRecord({ lastIncludedIndex: 1, lastIncludedTerm: 1, data: new Uint8Array(0) }),
    encodeSnapshotRecord({ lastIncludedIndex: 1_000, lastIncludedTerm: 7, data: token('{"highWaterMs":1700000000000}') }),
    encodeSnapshotRecord({ lastIncludedIndex: Number.MAX_SAFE_INTEGER, lastIncludedTerm: Number.MAX_SAFE_INTEGER, data: Uint8Array.of(0, 255) }),
    // Version 2: the membership in effect at the snapshot follows the data.
    encodeSnapshotRecord({
      lastIncludedIndex: 42,
      lastIncludedTerm: 3,
      data: Uint8Array.of(1, 2),
      membership: { members: [{ id: 1, role: 'voter', raft: 'a:1', service: 'a:2', admin: '' }, { id: 2, role: 'learner', raft: 'b:1', service: 'b:2', admin: '' }] },
    }),
  ],
  lengthFields: (bytes) => (bytes.length >= DATA_LENGTH_OFFSET + 4 ? [{ offset: DATA_LENGTH_OFFSET, encoding: 'u32le' }] : []),
  fixup: fixRecordCrc,
  dictionary: [token('TSRS'), Uint8Array.of(1), Uint8Array.of(2)],
});
