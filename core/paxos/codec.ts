// Byte formats of the Paxos core (docs/paxos.md §6):
//   - peer messages: the postcard-style codec inside the versioned envelope (version 1), one enum
//     over the closed `PaxosMessage` union (variant indexes append-only);
//   - log records: `[u32 LE payloadLength | u32 LE crc32c(length bytes ‖ payload) | payload]`,
//     the payload an envelope (version 1) holding an entry, the acceptor state, a snapshot marker
//     or a truncation. The same frame as the Raft WAL's, so a torn tail is judged the same way;
//   - the snapshot file: a framed record `"TSPS" | u8 1 | u64 index | u32 length | data |
//     u32 crc32c` (little-endian, like TSRS).
//
// Invariants: every decoder is total (throws only `DecodeError`, whatever the bytes) and bounded
// by named limits checked before anything is allocated. Decoded messages are structurally valid
// (ids ≥ 1 and distinct, ballots in range, entries consecutive from the stated index, no-ops
// empty), so the core may assert on what arrives.
import { unreachable } from '../assert.js';
import { crc32c, crc32cExtend } from '../codec/crc32c.js';
import { decodeEnvelope, encodeEnvelope } from '../codec/envelope.js';
import { readU32LeAt, writeU32LeAt } from '../codec/le.js';
import type { Reader, Writer } from '../codec/postcard.js';
import { DecodeError, ErrorCode } from '../errors.js';
import { openFramedRecord, RECORD_CRC_BYTES, RECORD_HEADER_BYTES, sealFramedRecord, type FramedRecordKind } from '../records/framed.js';
import { ballotProblem, compareBallots } from './ballot.js';
import { PAXOS_ENTRIES_PER_MESSAGE_MAX, PAXOS_ENTRY_DATA_BYTES_MAX, PAXOS_PROMISE_ENTRIES_MAX, PAXOS_SNAPSHOT_BYTES_MAX } from './limits.js';
import type { AcceptorState, Ballot, PaxosEntry, PaxosMessage, PaxosSnapshot, PersistedPaxosState } from './types.js';

export const PAXOS_MESSAGE_VERSION = 1;
export const PAXOS_LOG_PAYLOAD_VERSION = 1;
export const PAXOS_LOG_HEADER_BYTES = 8;
export const PAXOS_SNAPSHOT_RECORD_MAGIC = 'TSPS';
export const PAXOS_SNAPSHOT_RECORD_VERSION = 1;
/** A log record's payload: one entry and its envelope. */
export const PAXOS_LOG_RECORD_BYTES_MAX = PAXOS_ENTRY_DATA_BYTES_MAX + 64;

/** Variant indexes of the message enum (append only; never renumber). */
const MESSAGE_VARIANTS = ['pre-prepare', 'pre-promise', 'prepare', 'promise', 'accept-sync', 'accept', 'accepted', 'nack'] as const;

function invalid(message: string, offset: number): never {
  throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, message, offset);
}

// --- Ballots, entries, snapshots -------------------------------------------------------------

function writeBallot(w: Writer, b: Ballot): void {
  w.u64n(b.n).u64n(b.nodeId);
}

function readBallot(r: Reader): Ballot {
  const start = r.offset;
  const b = { n: r.u64n(), nodeId: r.u64n() };
  const problem = ballotProblem(b);
  if (problem !== undefined) invalid(problem, start);
  return b;
}

function writeEntry(w: Writer, e: PaxosEntry): void {
  w.u64n(e.index);
  writeBallot(w, e.ballot);
  w.variant(e.kind === 'normal' ? 0 : 1).bytes(e.data);
}

function readEntry(r: Reader): PaxosEntry {
  const start = r.offset;
  const index = r.u64n();
  const ballot = readBallot(r);
  const kind = r.variant(2) === 0 ? 'normal' : 'noop';
  const data = r.bytes(PAXOS_ENTRY_DATA_BYTES_MAX);
  if (index < 1 || ballot.n < 1) invalid('entry index and ballot start at 1', start);
  if (kind === 'noop' && data.length > 0) invalid('a no-op entry carries no data', start);
  return { index, ballot, kind, data };
}

function writeSnapshot(w: Writer, s: PaxosSnapshot): void {
  w.u64n(s.lastIncludedIndex).bytes(s.data);
}

function readSnapshot(r: Reader): PaxosSnapshot {
  const start = r.offset;
  const lastIncludedIndex = r.u64n();
  const data = r.bytes(PAXOS_SNAPSHOT_BYTES_MAX);
  if (lastIncludedIndex < 1) invalid('a snapshot covers at least one entry', start);
  return { lastIncludedIndex, data };
}

function readEntriesFrom(r: Reader, firstIndex: number, max: number): PaxosEntry[] {
  const offset = r.offset;
  const entries = r.seq(readEntry, max);
  entries.forEach((e, i) => {
    if (e.index !== firstIndex + i) invalid('entries not consecutive from the stated index', offset);
  });
  return entries;
}

// --- Messages --------------------------------------------------------------------------------

/** The envelope bytes of `m`. */
export function encodePaxosMessage(m: PaxosMessage): Uint8Array {
  return encodeEnvelope(PAXOS_MESSAGE_VERSION, (w) => {
    w.variant(MESSAGE_VARIANTS.indexOf(m.type)).u64n(m.from).u64n(m.to);
    writeBallot(w, m.ballot);
    switch (m.type) {
      case 'pre-prepare':
        return;
      case 'pre-promise':
        w.bool(m.granted);
        writeBallot(w, m.promised);
        return;
      case 'prepare':
        w.u64n(m.decidedIndex);
        writeBallot(w, m.acceptedRound);
        w.u64n(m.logEnd);
        return;
      case 'promise':
        writeBallot(w, m.acceptedRound);
        w.u64n(m.logEnd).u64n(m.decidedIndex).bool(m.hasSuffix).bool(m.snapshot !== undefined);
        if (m.snapshot !== undefined) writeSnapshot(w, m.snapshot);
        w.u64n(m.suffixFrom).seq(m.entries, writeEntry);
        return;
      case 'accept-sync':
        w.u64n(m.round).bool(m.snapshot !== undefined);
        if (m.snapshot !== undefined) writeSnapshot(w, m.snapshot);
        w.u64n(m.syncIndex).u64n(m.decidedIndex).seq(m.entries, writeEntry);
        return;
      case 'accept':
        w.u64n(m.round).u64n(m.startIndex).u64n(m.decidedIndex).seq(m.entries, writeEntry);
        return;
      case 'accepted':
        w.u64n(m.round).bool(m.synced).u64n(m.logEnd);
        return;
      case 'nack':
        writeBallot(w, m.promised);
        return;
      default:
        unreachable(m);
    }
  });
}

function readMessage(r: Reader): PaxosMessage {
  const start = r.offset;
  const type = MESSAGE_VARIANTS[r.variant(MESSAGE_VARIANTS.length)] as PaxosMessage['type'];
  const from = r.u64n();
  const to = r.u64n();
  if (from < 1 || to < 1 || from === to) invalid('message ids are ≥ 1 and distinct', start);
  const ballot = readBallot(r);
  switch (type) {
    case 'pre-prepare':
      return { type, from, to, ballot };
    case 'pre-promise':
      return { type, from, to, ballot, granted: r.bool(), promised: readBallot(r) };
    case 'prepare':
      return { type, from, to, ballot, decidedIndex: r.u64n(), acceptedRound: readBallot(r), logEnd: r.u64n() };
    case 'promise': {
      const acceptedRound = readBallot(r);
      const logEnd = r.u64n();
      const decidedIndex = r.u64n();
      const hasSuffix = r.bool();
      const snapshot = r.bool() ? readSnapshot(r) : undefined;
      const suffixFrom = r.u64n();
      const entries = readEntriesFrom(r, suffixFrom + 1, PAXOS_PROMISE_ENTRIES_MAX);
      if (compareBallots(acceptedRound, ballot) > 0) invalid('a promise below its accepted round', start);
      if (snapshot !== undefined && snapshot.lastIncludedIndex !== suffixFrom) invalid('a promise suffix starts after its snapshot', start);
      return { type, from, to, ballot, acceptedRound, logEnd, decidedIndex, hasSuffix, suffixFrom, entries, ...(snapshot !== undefined ? { snapshot } : {}) };
    }
    case 'accept-sync': {
      const round = r.u64n();
      const snapshot = r.bool() ? readSnapshot(r) : undefined;
      const syncIndex = r.u64n();
      const decidedIndex = r.u64n();
      const entries = readEntriesFrom(r, syncIndex + 1, PAXOS_PROMISE_ENTRIES_MAX);
      if (snapshot !== undefined && snapshot.lastIncludedIndex !== syncIndex) invalid('a sync starts after its snapshot', start);
      return { type, from, to, ballot, round, syncIndex, decidedIndex, entries, ...(snapshot !== undefined ? { snapshot } : {}) };
    }
    case 'accept': {
      const round = r.u64n();
      const startIndex = r.u64n();
      const decidedIndex = r.u64n();
      if (startIndex < 1) invalid('an accept starts at index 1 or later', start);
      return { type, from, to, ballot, round, startIndex, decidedIndex, entries: readEntriesFrom(r, startIndex, PAXOS_ENTRIES_PER_MESSAGE_MAX) };
    }
    case 'accepted':
      return { type, from, to, ballot, round: r.u64n(), synced: r.bool(), logEnd: r.u64n() };
    case 'nack':
      return { type, from, to, ballot, promised: readBallot(r) };
    default:
      return unreachable(type);
  }
}

/** Decodes a peer message. Total: throws only `DecodeError`. */
export function decodePaxosMessage(bytes: Uint8Array): PaxosMessage {
  return decodeEnvelope(bytes, PAXOS_MESSAGE_DECODERS);
}

// --- Log records -----------------------------------------------------------------------------

export type PaxosLogRecord =
  | { readonly kind: 'entry'; readonly entry: PaxosEntry }
  | { readonly kind: 'acceptor'; readonly acceptor: AcceptorState }
  /** A snapshot was installed here: every entry logged before this record is void. */
  | { readonly kind: 'snapshot'; readonly lastIncludedIndex: number }
  /** Entries logged after `index` are void (an accept-sync cut the log there). */
  | { readonly kind: 'truncate'; readonly index: number };

function writeLogPayload(w: Writer, record: PaxosLogRecord): void {
  switch (record.kind) {
    case 'entry':
      w.variant(0);
      writeEntry(w, record.entry);
      return;
    case 'acceptor':
      w.variant(1);
      writeBallot(w, record.acceptor.promised);
      writeBallot(w, record.acceptor.acceptedRound);
      w.u64n(record.acceptor.decidedIndex);
      return;
    case 'snapshot':
      w.variant(2).u64n(record.lastIncludedIndex);
      return;
    case 'truncate':
      w.variant(3).u64n(record.index);
      return;
    default:
      unreachable(record);
  }
}

function readLogPayload(r: Reader): PaxosLogRecord {
  const start = r.offset;
  switch (r.variant(4)) {
    case 0:
      return { kind: 'entry', entry: readEntry(r) };
    case 1: {
      const acceptor = { promised: readBallot(r), acceptedRound: readBallot(r), decidedIndex: r.u64n() };
      if (compareBallots(acceptor.acceptedRound, acceptor.promised) > 0) invalid('accepted round above the promise', start);
      return { kind: 'acceptor', acceptor };
    }
    case 2:
      return { kind: 'snapshot', lastIncludedIndex: r.u64n() };
    default:
      return { kind: 'truncate', index: r.u64n() };
  }
}

/** One framed log record, ready to append to the log file. */
export function encodePaxosLogRecord(record: PaxosLogRecord): Uint8Array {
  const payload = encodeEnvelope(PAXOS_LOG_PAYLOAD_VERSION, (w) => writeLogPayload(w, record));
  const out = new Uint8Array(PAXOS_LOG_HEADER_BYTES + payload.length);
  writeU32LeAt(out, 0, payload.length);
  out.set(payload, PAXOS_LOG_HEADER_BYTES);
  writeU32LeAt(out, 4, logChecksum(out, payload.length));
  return out;
}

function logChecksum(record: Uint8Array, payloadLength: number): number {
  return crc32cExtend(crc32c(record, 0, 4), record, PAXOS_LOG_HEADER_BYTES, PAXOS_LOG_HEADER_BYTES + payloadLength);
}

/**
 * The record starting at `offset`. RECORD_TOO_SHORT when the bytes end inside it (a torn write),
 * RECORD_TOO_LONG for a length above the limit, RECORD_CRC_MISMATCH, or a DECODE_* code.
 */
export function decodePaxosLogRecordAt(bytes: Uint8Array, offset: number): { readonly record: PaxosLogRecord; readonly nextOffset: number } {
  if (!(Number.isSafeInteger(offset) && offset >= 0 && offset <= bytes.length)) throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, 'offset outside the input', 0);
  if (bytes.length - offset < PAXOS_LOG_HEADER_BYTES) throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, 'log record header cut short', offset);
  const payloadLength = readU32LeAt(bytes, offset);
  if (payloadLength > PAXOS_LOG_RECORD_BYTES_MAX) throw new DecodeError(ErrorCode.RECORD_TOO_LONG, `log record of ${payloadLength} bytes`, offset);
  const end = offset + PAXOS_LOG_HEADER_BYTES + payloadLength;
  if (end > bytes.length) throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, 'log record payload cut short', offset);
  if (readU32LeAt(bytes, offset + 4) !== logChecksum(bytes.subarray(offset, end), payloadLength)) {
    throw new DecodeError(ErrorCode.RECORD_CRC_MISMATCH, 'log record checksum mismatch', offset);
  }
  const payload = bytes.subarray(offset + PAXOS_LOG_HEADER_BYTES, end);
  return { record: decodeEnvelope(payload, PAXOS_LOG_PAYLOAD_DECODERS), nextOffset: end };
}

export interface PaxosLogScan {
  readonly records: PaxosLogRecord[];
  /** Bytes of valid records from the start. */
  readonly validBytes: number;
  /** Why scanning stopped before the end, or null when every byte was a valid record. */
  readonly tail: DecodeError | null;
}

/** Reads records until the end or the first invalid one. Total. */
export function scanPaxosLog(bytes: Uint8Array): PaxosLogScan {
  const records: PaxosLogRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    try {
      const { record, nextOffset } = decodePaxosLogRecordAt(bytes, offset);
      records.push(record);
      offset = nextOffset;
    } catch (error) {
      if (error instanceof DecodeError) return { records, validBytes: offset, tail: error };
      throw error;
    }
  }
  return { records, validBytes: offset, tail: null };
}

/**
 * Rebuilds what `PaxosNode.restore` takes from the snapshot file (if any) and the log records in
 * order: the last acceptor state wins; an entry replaces the entry at its index and everything
 * after it; a truncation voids the entries after its index; a snapshot marker voids everything
 * before it; entries the snapshot covers are dropped. A gap no snapshot covers is RECORD_MALFORMED.
 */
export function replayPaxosLog(snapshot: PaxosSnapshot | undefined, records: readonly PaxosLogRecord[]): PersistedPaxosState {
  let acceptor: AcceptorState = { promised: { n: 0, nodeId: 0 }, acceptedRound: { n: 0, nodeId: 0 }, decidedIndex: 0 };
  let entries: PaxosEntry[] = [];
  let base: number | null = null;
  for (const record of records) {
    switch (record.kind) {
      case 'acceptor':
        acceptor = record.acceptor;
        break;
      case 'snapshot':
        entries = [];
        base = record.lastIncludedIndex;
        break;
      case 'truncate':
        if (base !== null && record.index >= base) entries.length = Math.min(entries.length, record.index - base);
        break;
      case 'entry': {
        const index = record.entry.index;
        if (base === null) base = index - 1;
        if (index <= base) break;
        const keep = index - base - 1;
        if (keep > entries.length) {
          // A gap: only a snapshot can explain it (checked below), the log restarts here.
          entries = [record.entry];
          base = index - 1;
          break;
        }
        entries.length = keep;
        entries.push(record.entry);
        break;
      }
      default:
        unreachable(record);
    }
  }
  const snapshotIndex = snapshot?.lastIncludedIndex ?? 0;
  base ??= snapshotIndex;
  if (base > snapshotIndex) throw new DecodeError(ErrorCode.RECORD_MALFORMED, `log starts after ${base}, the snapshot ends at ${snapshotIndex}`);
  if (snapshotIndex > base) entries = entries.slice(Math.min(snapshotIndex - base, entries.length));
  const first = entries[0];
  if (first !== undefined && first.index !== snapshotIndex + 1) {
    throw new DecodeError(ErrorCode.RECORD_MALFORMED, `log entries start at ${first.index}, after snapshot ${snapshotIndex}`);
  }
  return snapshot === undefined ? { acceptor, entries } : { acceptor, snapshot, entries };
}

// --- Snapshot file ---------------------------------------------------------------------------

const SNAPSHOT_RECORD_BYTES_MIN = RECORD_HEADER_BYTES + 8 + 4 + RECORD_CRC_BYTES;
const snapshotRecordKind: FramedRecordKind = {
  magic: PAXOS_SNAPSHOT_RECORD_MAGIC,
  bytesMinByVersion: new Map([[PAXOS_SNAPSHOT_RECORD_VERSION, SNAPSHOT_RECORD_BYTES_MIN]]),
};

export function encodePaxosSnapshotRecord(snapshot: PaxosSnapshot): Uint8Array {
  return sealFramedRecord(
    PAXOS_SNAPSHOT_RECORD_MAGIC,
    PAXOS_SNAPSHOT_RECORD_VERSION,
    (w) => {
      w.u64n(snapshot.lastIncludedIndex).u32(snapshot.data.length).raw(snapshot.data);
    },
    SNAPSHOT_RECORD_BYTES_MIN + snapshot.data.length,
  );
}

/** The snapshot in a TSPS record. Throws only `DecodeError`. */
export function decodePaxosSnapshotRecord(bytes: Uint8Array): PaxosSnapshot {
  if (bytes.length > SNAPSHOT_RECORD_BYTES_MIN + PAXOS_SNAPSHOT_BYTES_MAX) throw new DecodeError(ErrorCode.RECORD_TOO_LONG, `snapshot record of ${bytes.length} bytes`, 0);
  const { body } = openFramedRecord(bytes, snapshotRecordKind);
  const lastIncludedIndex = body.u64n();
  const length = body.u32();
  if (length !== body.remaining) throw new DecodeError(ErrorCode.RECORD_MALFORMED, 'snapshot data length does not match the record', body.offset);
  if (lastIncludedIndex < 1) throw new DecodeError(ErrorCode.RECORD_OUT_OF_RANGE, 'snapshot covers no entry', RECORD_HEADER_BYTES);
  return { lastIncludedIndex, data: body.view(length).slice() };
}

// Made once: a table literal per decode cost more than some of the decodes it chose between.
const PAXOS_MESSAGE_DECODERS = { [PAXOS_MESSAGE_VERSION]: readMessage };
const PAXOS_LOG_PAYLOAD_DECODERS = { [PAXOS_LOG_PAYLOAD_VERSION]: readLogPayload };
