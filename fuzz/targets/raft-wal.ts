// Target: the Raft write-ahead log as a restarting node reads it (core/raft/codec.ts): scanWal
// over the whole file (records `[u32 LE length | u32 LE crc32c | envelope payload]` until the
// first torn or corrupt one), then replayWal of the records found. Neither may throw anything
// but DecodeError (scanWal never throws at all: a bad tail is reported, not thrown). The value
// is the records, the unread tail and its error code, and the replay's outcome; re-encoding the
// records followed by the same tail must read back the same. The fixup repairs every whole
// record's CRC so mutations reach the payload decoder. The value also carries what the driver
// makes of the tail (drivers/raft/wal-tail.ts judgeWalTail: torn, truncate and go on; or corrupt,
// refuse to start), judged with a torn window of WAL_FUZZ_TORN_WINDOW_BYTES so inputs can reach
// past it; the judgement depends on sector alignment, so the round-trip does not compare it.
//
// What must be refused: the scan never throws, so its promises are on the value (`verdict`:
// `<tail code> tail=<bytes after the valid records> <torn|corrupt>`, or `accepted` for a clean
// log). For a clean log W (n records), with R a valid record:
//   torn-header-1 / -7   W ‖ R's first 1 or 7 bytes          RECORD_TOO_SHORT, tail = those, torn
//   torn-payload         W ‖ R but its last byte              RECORD_TOO_SHORT, torn
//   length-at-limit      W ‖ a header of the largest length   RECORD_TOO_SHORT, torn (the limit is
//                                                             accepted: the bytes are just missing)
//   length-above-limit   W ‖ a header one past it             RECORD_TOO_LONG, corrupt
//   zeros-in-window      W ‖ a window of zeros                RECORD_CRC_MISMATCH, torn (a write
//                                                             that never landed)
//   zeros-past-window    W ‖ a window and one zeros           RECORD_CRC_MISMATCH, corrupt (no
//                                                             write tears that far back)
//   cut-short-then-valid W ‖ a header claiming past the end ‖ R   RECORD_TOO_SHORT, corrupt
//   last-crc-flipped     W, last record's CRC flipped         RECORD_CRC_MISMATCH at that record,
//                                                             corrupt (a complete record damaged)
//   middle-payload-flipped  W (n ≥ 2), first record's payload flipped  RECORD_CRC_MISMATCH, the
//                                                             whole file is tail, corrupt
//   payload-trailing-byte / payload-version-2 / empty-payload   W ‖ a record whose CRC holds but
//                           whose payload does not decode    DECODE_TRAILING_BYTES /
//                                                             DECODE_UNKNOWN_VERSION / DECODE_EMPTY,
//                                                             corrupt
// "corrupt" is promised only when no sector from the damage to the end of the file reads as
// zeros (a zeroed sector is the sign of a torn write, wal-tail.ts). The records before the damage
// are always kept: the tail is exactly what follows them.
import * as fc from 'fast-check';
import { AssertionError } from '../../core/assert.js';
import { crc32c, crc32cExtend } from '../../core/codec/crc32c.js';
import { writeU32LeAt } from '../../core/codec/le.js';
import { isDecodeError } from '../../core/errors.js';
import { walRecordArbitrary } from '../../core/raft/arbitraries.js';
import { encodeWalRecord, RAFT_WAL_HEADER_BYTES, replayWal, scanWal, type WalRecord } from '../../core/raft/codec.js';
import type { PersistedRaftState } from '../../core/raft/types.js';
import { RAFT_WAL_RECORD_BYTES_MAX } from '../../core/limits.js';
import { judgeWalTail } from '../../drivers/raft/wal-tail.js';
import { RAFT_WAL_SECTOR_BYTES } from '../../drivers/raft/limits.js';
import { deepEqual } from '../deep-equal.js';
import { bytesOf, flipped } from '../near-misses.js';
import { concat } from '../mutate.js';
import { u32LeAt } from '../structure.js';
import type { LengthField, NearMiss } from '../target.js';
import { defineTarget, onlyDecodeError } from '../target.js';

export interface WalRead {
  readonly records: readonly WalRecord[];
  /** Bytes after the last valid record (empty when the whole file was valid). */
  readonly tail: Uint8Array;
  readonly tailCode: string | null;
  /** What replayWal rebuilt, or the DecodeError code it refused with. */
  readonly replay: PersistedRaftState | string;
  /** What the driver makes of the tail (judgeWalTail with the fuzz window). */
  readonly judgement: 'clean' | 'torn' | 'corrupt';
}

/**
 * The torn window the target judges tails with: small, so inputs reach past it, and so the
 * judge's search for a valid record after a cut-short one (a DecodeError per offset tried, ~5 µs
 * each) stays within the per-input time budget.
 */
export const WAL_FUZZ_TORN_WINDOW_BYTES = 64;

function replayOutcome(records: readonly WalRecord[]): PersistedRaftState | string {
  try {
    return replayWal(undefined, records);
  } catch (error) {
    if (!isDecodeError(error)) throw error;
    return error.code;
  }
}

export function readWal(bytes: Uint8Array): WalRead {
  const scan = scanWal(bytes);
  if (scan.validBytes < 0 || scan.validBytes > bytes.length || (scan.tail === null) !== (scan.validBytes === bytes.length)) {
    throw new AssertionError('wal_scan_valid_bytes', `${scan.validBytes} of ${bytes.length}, tail ${String(scan.tail?.code)}`);
  }
  const judgement = judgeWalTail(bytes, scan, WAL_FUZZ_TORN_WINDOW_BYTES);
  if (judgement.kind === 'torn' && (judgement.truncateAt !== scan.validBytes || judgement.droppedBytes !== bytes.length - scan.validBytes)) {
    throw new AssertionError('wal_torn_truncates_at_damage', `truncate at ${judgement.truncateAt}, damage at ${scan.validBytes}`);
  }
  if (judgement.kind === 'corrupt' && judgement.offset !== scan.validBytes) {
    throw new AssertionError('wal_corrupt_at_damage', `corrupt at ${judgement.offset}, damage at ${scan.validBytes}`);
  }
  return {
    records: scan.records,
    tail: bytes.slice(scan.validBytes),
    tailCode: scan.tail?.code ?? null,
    replay: replayOutcome(scan.records),
    judgement: judgement.kind,
  };
}

function walVerdict(read: WalRead): string {
  return read.tailCode === null ? 'accepted' : `${read.tailCode} tail=${read.tail.length} ${read.judgement}`;
}

/** Whether some sector, from `start` to the end of `bytes`, reads as zeros over its part there. */
function someSectorReadsZero(bytes: Uint8Array, start: number): boolean {
  for (let sector = start - (start % RAFT_WAL_SECTOR_BYTES); sector < bytes.length; sector += RAFT_WAL_SECTOR_BYTES) {
    const from = Math.max(sector, start);
    const to = Math.min(sector + RAFT_WAL_SECTOR_BYTES, bytes.length);
    if (bytes.subarray(from, to).every((b) => b === 0)) return true;
  }
  return false;
}

/** A record with `payload` as it is (its CRC computed), for payloads the encoder would not write. */
function rawWalRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RAFT_WAL_HEADER_BYTES + payload.length);
  writeU32LeAt(out, 0, payload.length);
  out.set(payload, RAFT_WAL_HEADER_BYTES);
  writeU32LeAt(out, 4, crc32cExtend(crc32c(out, 0, 4), out, RAFT_WAL_HEADER_BYTES, out.length));
  return out;
}

/** A header claiming `payloadLength`, with a CRC of 0xffffffff and no payload. */
function walHeader(payloadLength: number): Uint8Array {
  const out = new Uint8Array(RAFT_WAL_HEADER_BYTES).fill(0xff);
  writeU32LeAt(out, 0, payloadLength);
  return out;
}

const VALID_RECORD: WalRecord = { kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 1 } };

function walRejections(accepted: Uint8Array): NearMiss[] {
  const scan = scanWal(accepted);
  if (scan.tail !== null) return [];
  const w = accepted.length;
  const record = encodeWalRecord(VALID_RECORD);
  const payload = record.subarray(RAFT_WAL_HEADER_BYTES);
  // `beyondWindow`: damage further back than the torn window is corrupt whatever the bytes.
  const tail = (bytes: Uint8Array, code: string, kind: 'torn' | 'corrupt', damageAt = w, beyondWindow = false): NearMiss | null => {
    if (kind === 'corrupt' && !beyondWindow && someSectorReadsZero(bytes, damageAt)) return null;
    return { name: '', bytes, code: `${code} tail=${bytes.length - damageAt} ${kind}` };
  };
  const named = (name: string, nearMiss: NearMiss | null): NearMiss[] => (nearMiss === null ? [] : [{ ...nearMiss, name }]);
  const out: NearMiss[] = [
    ...named('torn-header-1', tail(bytesOf(accepted, record.subarray(0, 1)), 'RECORD_TOO_SHORT', 'torn')),
    ...named('torn-header-7', tail(bytesOf(accepted, record.subarray(0, 7)), 'RECORD_TOO_SHORT', 'torn')),
    ...named('torn-payload', tail(bytesOf(accepted, record.subarray(0, record.length - 1)), 'RECORD_TOO_SHORT', 'torn')),
    ...named('length-at-limit', tail(bytesOf(accepted, walHeader(RAFT_WAL_RECORD_BYTES_MAX)), 'RECORD_TOO_SHORT', 'torn')),
    ...named('length-above-limit', tail(bytesOf(accepted, walHeader(RAFT_WAL_RECORD_BYTES_MAX + 1)), 'RECORD_TOO_LONG', 'corrupt')),
    ...named('zeros-in-window', tail(bytesOf(accepted, new Uint8Array(WAL_FUZZ_TORN_WINDOW_BYTES)), 'RECORD_CRC_MISMATCH', 'torn')),
    ...named('zeros-past-window', tail(bytesOf(accepted, new Uint8Array(WAL_FUZZ_TORN_WINDOW_BYTES + 1)), 'RECORD_CRC_MISMATCH', 'corrupt', w, true)),
    ...named('cut-short-then-valid', tail(bytesOf(accepted, walHeader(record.length + 1), record), 'RECORD_TOO_SHORT', 'corrupt')),
    ...named('payload-trailing-byte', tail(bytesOf(accepted, rawWalRecord(bytesOf(payload, 0))), 'DECODE_TRAILING_BYTES', 'corrupt')),
    ...named('payload-version-2', tail(bytesOf(accepted, rawWalRecord(bytesOf(2, payload.subarray(1)))), 'DECODE_UNKNOWN_VERSION', 'corrupt')),
    ...named('empty-payload', tail(bytesOf(accepted, rawWalRecord(new Uint8Array(0))), 'DECODE_EMPTY', 'corrupt')),
  ];
  // Record boundaries of W: damage inside a record that is already there.
  const starts: number[] = [];
  for (let at = 0; at < w; at += RAFT_WAL_HEADER_BYTES + u32LeAt(accepted, at)) starts.push(at);
  const last = starts[starts.length - 1];
  if (last !== undefined) out.push(...named('last-crc-flipped', tail(flipped(accepted, last + 4, 0x01), 'RECORD_CRC_MISMATCH', 'corrupt', last)));
  if (starts.length >= 2) out.push(...named('middle-payload-flipped', tail(flipped(accepted, RAFT_WAL_HEADER_BYTES, 0x01), 'RECORD_CRC_MISMATCH', 'corrupt', 0)));
  return out;
}

export function writeWal(read: WalRead): Uint8Array {
  return concat(...read.records.map(encodeWalRecord), read.tail);
}

/** Recomputes the CRC of every record whose bytes are all there. */
function fixWalCrcs(bytes: Uint8Array): Uint8Array {
  const fixed = bytes.slice();
  let at = 0;
  while (at + RAFT_WAL_HEADER_BYTES <= fixed.length) {
    const end = at + RAFT_WAL_HEADER_BYTES + u32LeAt(fixed, at);
    if (end > fixed.length) break;
    writeU32LeAt(fixed, at + 4, crc32cExtend(crc32c(fixed, at, at + 4), fixed, at + RAFT_WAL_HEADER_BYTES, end));
    at = end;
  }
  return fixed;
}

function walLengthFields(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  let at = 0;
  while (at + RAFT_WAL_HEADER_BYTES <= bytes.length && fields.length < 64) {
    fields.push({ offset: at, encoding: 'u32le' });
    at += RAFT_WAL_HEADER_BYTES + u32LeAt(bytes, at);
  }
  return fields;
}

const seedLogs: WalRecord[][] = [
  [],
  [
    { kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 0 } },
    { kind: 'entry', entry: { term: 1, index: 1, kind: 'noop', data: new Uint8Array(0) } },
    { kind: 'entry', entry: { term: 1, index: 2, kind: 'normal', data: Uint8Array.of(7, 7, 7) } },
    { kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 2 } },
  ],
  [
    { kind: 'snapshot', lastIncludedIndex: 5, lastIncludedTerm: 2 },
    { kind: 'entry', entry: { term: 2, index: 6, kind: 'normal', data: Uint8Array.of(1) } },
  ],
];

export default defineTarget<WalRead>({
  name: 'raft-wal',
  description: 'Raft WAL as read on restart: scanWal (torn tails) then replayWal, round-trip through encodeWalRecord',
  decode: readWal,
  encode: writeWal,
  verdict: walVerdict,
  rejections: walRejections,
  // The judgement depends on where sectors fall, which a re-encoding (canonical varints) moves.
  equals: (a, b) => deepEqual({ ...a, judgement: null }, { ...b, judgement: null }),
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: fc.array(walRecordArbitrary, { maxLength: 8 }).map((records) => ({ records, tail: new Uint8Array(0), tailCode: null, replay: replayOutcome(records), judgement: 'clean' as const })),
  seeds: () => [
    ...seedLogs.map((records) => concat(...records.map(encodeWalRecord))),
    // A torn tail: the last record cut in the middle, as after a crash during an append.
    concat(...(seedLogs[1] ?? []).map(encodeWalRecord)).slice(0, -3),
  ],
  lengthFields: walLengthFields,
  fixup: fixWalCrcs,
  dictionary: [Uint8Array.of(1), Uint8Array.of(0), Uint8Array.of(2), Uint8Array.of(0xff, 0xff, 0x10, 0x00)],
  inputBytesMax: 8192,
});
