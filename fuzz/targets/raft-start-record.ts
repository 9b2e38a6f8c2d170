// Target: the start record of a Raft data directory (drivers/raft/start-record.ts, `raft/start`),
// a framed record "TSRB" | u8 1 | u32 voter count | (u64 id | str raft | str service)* | u8
// joining | (str raft | str service)? | u32 crc32c, little-endian, `str` = u32 length | UTF-8.
// Canonical. The fixup repairs the CRC so mutations reach the body checks (ids ascending, the
// joining flag, string lengths, trailing bytes); the voter count is the length field to lie about.
import { raftStartRecordArbitrary } from '../../drivers/raft/arbitraries.js';
import { decodeRaftStart, encodeRaftStart, type RaftStartRecord } from '../../drivers/raft/start-record.js';
import { fixRecordCrc } from '../structure.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
import { framedRecordRejections } from '../near-misses.js';

/** Offset of the u32 voter count: magic, version. */
const COUNT_OFFSET = 4 + 1;

export default defineTarget<RaftStartRecord>({
  name: 'raft-start-record',
  description: 'Raft data directory start record: decodeRaftStart/encodeRaftStart (TSRB framed record)',
  decode: decodeRaftStart,
  rejections: (accepted) => framedRecordRejections(accepted),
  encode: encodeRaftStart,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: raftStartRecordArbitrary(),
  seeds: () => [
    encodeRaftStart({ voters: [], join: null }),
    encodeRaftStart({
      voters: [
        { id: 1, raft: '127.0.0.1:20552', service: '127.0.0.1:20551' },
        { id: 2, raft: '127.0.0.1:20562', service: '127.0.0.1:20561' },
        { id: 3, raft: '127.0.0.1:20572', service: '127.0.0.1:20571' },
      ],
      join: null,
    }),
    // A joined node whose bootstrap voter 2 was removed (no service address known).
    encodeRaftStart({
      voters: [
        { id: 1, raft: '[::1]:20552', service: '[::1]:20551' },
        { id: 2, raft: '[::1]:20562', service: '' },
      ],
      join: { raft: 'node-4.internal:20582', service: 'node-4.internal:20581' },
    }),
  ],
  lengthFields: (bytes) => (bytes.length >= COUNT_OFFSET + 4 ? [{ offset: COUNT_OFFSET, encoding: 'u32le' }] : []),
  fixup: fixRecordCrc,
  dictionary: [token('TSRB'), Uint8Array.of(1), Uint8Array.of(0, 0, 0, 0)],
});
