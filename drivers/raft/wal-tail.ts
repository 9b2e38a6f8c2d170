// Deciding what a damaged WAL tail is: the remains of a write a crash interrupted (truncate it
// and go on), or corruption of records that were already durable (refuse to start: truncating
// them could drop a vote or an acknowledged entry, which breaks Raft's safety).
//
// What a crash can do to the WAL: the driver appends one batch of records and fsyncs it before
// anything that depends on it leaves the process; the next batch starts only after that. So a
// crash can damage only the last batch, at most RAFT_WAL_TORN_WINDOW_BYTES at the end of the file,
// and in one of these ways (Linux page cache, and the simulator's disk model):
//   - the file ends inside a record (the size landed, the rest of the batch did not): a record
//     cut short, with nothing valid after it;
//   - a sector of the batch never landed and reads as zeros; the sectors after it may have landed,
//     so valid records can follow the damaged one inside the batch.
// Everything else is corruption: damage further from the end than one batch, a complete record
// whose checksum fails with no zeroed sector in it (a flipped bit, a garbage sector), a record
// cut short but followed by valid records, a record whose checksum holds but whose payload does
// not decode (written by a bug or another version).
//
// Known limit (the same as etcd's WAL): a sector of durable data inside the last batch window
// that the disk itself zeroed would pass for a torn write.
import { readU32LeAt } from '../../core/codec/le.js';
import { decodeWalRecordAt, RAFT_WAL_HEADER_BYTES, type WalScan } from '../../core/raft/index.js';
import { RAFT_WAL_RECORD_BYTES_MAX } from '../../core/limits.js';
import { isDecodeError } from '../../core/errors.js';
import { sometimes } from '../../core/sometimes.js';
import { RAFT_WAL_SECTOR_BYTES, RAFT_WAL_TORN_WINDOW_BYTES, RAFT_WAL_ZERO_RUN_BYTES_MIN } from './limits.js';

export type WalTailVerdict =
  | { readonly kind: 'clean' }
  /** The last write was torn: truncate the file at `truncateAt` (dropping `droppedBytes`). */
  | { readonly kind: 'torn'; readonly truncateAt: number; readonly droppedBytes: number; readonly reason: string }
  /** Durable records are damaged at `offset`: refuse to start. */
  | { readonly kind: 'corrupt'; readonly offset: number; readonly reason: string };

/** Whether a valid record starts anywhere in (from, end of bytes). */
function validRecordAfter(bytes: Uint8Array, from: number, decodeAt: RecordDecoderAt): boolean {
  for (let offset = from + 1; offset + RAFT_WAL_HEADER_BYTES <= bytes.length; offset++) {
    try {
      decodeAt(bytes, offset);
      return true;
    } catch (error) {
      if (!isDecodeError(error)) throw error;
    }
  }
  return false;
}

/**
 * Whether [start, end) overlaps a sector that never landed: within some sector, every byte from
 * max(sector start, start) to min(sector end, end of file) is zero, and that run is long enough
 * not to be a chance run of zeros inside a record — or it is the whole part of a sector the
 * last write covered: the file's last, partial sector from its start, or the damaged record's
 * start to the end of its sector.
 */
function zeroedSectorIn(bytes: Uint8Array, start: number, end: number): boolean {
  const stop = Math.min(end, bytes.length);
  let sectorStart = start - (start % RAFT_WAL_SECTOR_BYTES);
  for (; sectorStart < stop; sectorStart += RAFT_WAL_SECTOR_BYTES) {
    const from = Math.max(sectorStart, start);
    const to = Math.min(sectorStart + RAFT_WAL_SECTOR_BYTES, bytes.length);
    // A short run counts when it is the whole part of a sector the last write covered: the file's
    // last, partial sector, zero from its first byte to the end (found by the simulator, 3-node
    // seed 284), or the damaged record's start up to the sector's end (3-node seed 541: the
    // record's first 13 bytes never landed, its last 9, in the next sector, did). An append
    // writes past the old end of the file, so a part of it that never landed reads as zeros.
    const lastPartialSector = to === bytes.length && from === sectorStart;
    const recordStartToSectorEnd = from === start && to === sectorStart + RAFT_WAL_SECTOR_BYTES;
    if (to - from < RAFT_WAL_ZERO_RUN_BYTES_MIN && !lastPartialSector && !recordStartToSectorEnd) continue;
    let zero = true;
    for (let i = from; i < to && zero; i++) zero = bytes[i] === 0;
    if (zero) return true;
  }
  return false;
}

/**
 * Decodes the record at an offset, throwing a DecodeError when none is there. The Raft WAL's by
 * default; the Paxos log (drivers/paxos) frames its records the same way and passes its own.
 */
export type RecordDecoderAt = (bytes: Uint8Array, offset: number) => unknown;

/** What the damage `scan` stopped at is (see the file comment). `bytes` is the whole WAL file. */
export function judgeWalTail(
  bytes: Uint8Array,
  scan: Pick<WalScan, 'validBytes' | 'tail'>,
  tornWindowBytes = RAFT_WAL_TORN_WINDOW_BYTES,
  decodeAt: RecordDecoderAt = decodeWalRecordAt,
): WalTailVerdict {
  if (scan.tail === null) return { kind: 'clean' };
  const bad = scan.validBytes;
  const tailBytes = bytes.length - bad;
  const code = scan.tail.code;
  if (tailBytes > tornWindowBytes) {
    return { kind: 'corrupt', offset: bad, reason: `${code} ${tailBytes} bytes before the end of the WAL, further back than one write can tear` };
  }
  if (sometimes(tailBytes < RAFT_WAL_HEADER_BYTES, 'wal.torn_header_cut_short')) {
    return { kind: 'torn', truncateAt: bad, droppedBytes: tailBytes, reason: `${code}: a record header cut short at the end` };
  }
  if (sometimes(bytes.subarray(bad).every((b) => b === 0), 'wal.torn_zeroed_end')) {
    return { kind: 'torn', truncateAt: bad, droppedBytes: tailBytes, reason: `${code}: the end of the last write never landed (zeros)` };
  }
  const length = readU32LeAt(bytes, bad);
  const recordEnd = length <= RAFT_WAL_RECORD_BYTES_MAX ? bad + RAFT_WAL_HEADER_BYTES + length : bad + RAFT_WAL_HEADER_BYTES;
  if (sometimes(zeroedSectorIn(bytes, bad, recordEnd), 'wal.torn_zeroed_sector')) {
    return { kind: 'torn', truncateAt: bad, droppedBytes: tailBytes, reason: `${code}: a sector of the last write never landed (zeros)` };
  }
  const cutShort = length <= RAFT_WAL_RECORD_BYTES_MAX && recordEnd > bytes.length;
  if (cutShort) {
    if (validRecordAfter(bytes, bad, decodeAt)) {
      return { kind: 'corrupt', offset: bad, reason: `${code}: a record cut short is followed by valid records` };
    }
    sometimes(true, 'wal.torn_record_cut_short');
    return { kind: 'torn', truncateAt: bad, droppedBytes: tailBytes, reason: `${code}: the last record is cut short` };
  }
  // A full-length record with a bad checksum and no zeroed sector: bit rot, refused.
  sometimes(true, 'wal.full_length_bad_checksum_refused');
  return { kind: 'corrupt', offset: bad, reason: `${code}: a complete record is damaged (no sign of a torn write)` };
}
