// Byte formats of the Raft core (docs/raft.md, "Byte formats"):
//   - peer messages: the postcard-style codec inside the versioned envelope (version 1), one
//     enum over the closed `Message` union;
//   - WAL records: `[u32 LE payloadLength | u32 LE crc32c(length bytes ‖ payload) | payload]`,
//     the payload an envelope holding an entry, a hard state or a snapshot marker. A torn tail
//     (a record cut short or failing its CRC) is detected, never mistaken for data;
//   - the snapshot file: a framed record `"TSRS" | u8 1 | u64 index | u64 term | u32 length |
//     data | u32 crc32c` (little-endian, like TSOR/TSOD).
//
// Invariants: every decoder is total (throws only `DecodeError`, whatever the bytes) and bounded:
// entries per message, bytes per entry and per message, snapshot bytes and WAL record bytes are
// named limits, checked against the bytes that remain before anything is allocated. Decoded
// messages are structurally valid (ids ≥ 1 and distinct, entries consecutive after prevLogIndex
// with non-decreasing terms within [prevLogTerm, term], no-ops empty), so the core may assert on
// what arrives instead of re-checking it.
import { unreachable } from '../assert.js';
import { crc32c, crc32cExtend } from '../codec/crc32c.js';
import { decodeEnvelope, encodeEnvelope, encodeEnvelopeToCopy } from '../codec/envelope.js';
import { pooledBytes } from '../codec/pooled-bytes.js';
import { readU32LeAt, writeU32LeAt } from '../codec/le.js';
import type { Reader, Writer } from '../codec/postcard.js';
import { DecodeError, ErrorCode } from '../errors.js';
import {
  RAFT_ENTRIES_PER_MESSAGE_MAX,
  RAFT_ENTRY_DATA_BYTES_MAX,
  RAFT_MESSAGE_ENTRY_BYTES_MAX,
  RAFT_SNAPSHOT_BYTES_MAX,
  RAFT_WAL_RECORD_BYTES_MAX,
} from '../limits.js';
import { openFramedRecord, RECORD_CRC_BYTES, RECORD_HEADER_BYTES, sealFramedRecord, type FramedRecordKind } from '../records/framed.js';
import { decodeMembership, encodeMembership } from './membership.js';
import type { Entry, EntryKind, HardState, Message, PersistedRaftState, Snapshot } from './types.js';

export const RAFT_MESSAGE_VERSION = 1;
/**
 * Version 2 is written only for a snapshot message whose snapshot records a membership (it ends
 * with the membership's bytes); every other message stays version 1, so a group that never
 * changed its membership sends the bytes it always sent.
 */
export const RAFT_MESSAGE_VERSION_SNAPSHOT_MEMBERSHIP = 2;
export const RAFT_WAL_PAYLOAD_VERSION = 1;
export const RAFT_WAL_HEADER_BYTES = 8;
export const RAFT_SNAPSHOT_RECORD_MAGIC = 'TSRS';
export const RAFT_SNAPSHOT_RECORD_VERSION = 1;
/** TSRS version 2 adds `u32 length | membership` after the data; written only when there is one. */
export const RAFT_SNAPSHOT_RECORD_VERSION_MEMBERSHIP = 2;

/** Variant indexes of the message enum (append only; never renumber). */
const MESSAGE_VARIANTS = ['append', 'append-response', 'vote', 'vote-response', 'snapshot', 'snapshot-response', 'heartbeat', 'heartbeat-response'] as const;

function invalid(message: string, offset: number): never {
  throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, message, offset);
}

// --- Entries and snapshots -------------------------------------------------------------------

/** Variant indexes of the entry kind (append only; never renumber). */
const ENTRY_KINDS: readonly EntryKind[] = ['normal', 'noop', 'config'];

function writeEntry(w: Writer, e: Entry): void {
  w.u64n(e.term).u64n(e.index).variant(ENTRY_KINDS.indexOf(e.kind)).bytes(e.data);
}

function readEntry(r: Reader): Entry {
  const start = r.offset;
  const term = r.u64n();
  const index = r.u64n();
  const kind = ENTRY_KINDS[r.variant(ENTRY_KINDS.length)] as EntryKind;
  const dataOffset = r.offset;
  const data = r.bytes(RAFT_ENTRY_DATA_BYTES_MAX);
  if (term < 1 || index < 1) invalid('entry term and index start at 1', start);
  if (kind === 'noop' && data.length > 0) invalid('a no-op entry carries no data', start);
  if (kind === 'config') readMembershipAt(data, dataOffset);
  return { term, index, kind, data };
}

/** Decodes membership bytes that sit at `offset` of the outer input, reporting offsets there. */
function readMembershipAt(bytes: Uint8Array, offset: number): NonNullable<Snapshot['membership']> {
  try {
    return decodeMembership(bytes);
  } catch (error) {
    if (error instanceof DecodeError) throw new DecodeError(error.code, `membership: ${error.message}`, offset);
    throw error;
  }
}

function writeSnapshot(w: Writer, s: Snapshot): void {
  w.u64n(s.lastIncludedIndex).u64n(s.lastIncludedTerm).bytes(s.data);
}

function readSnapshot(r: Reader): Snapshot {
  const start = r.offset;
  const lastIncludedIndex = r.u64n();
  const lastIncludedTerm = r.u64n();
  const data = r.bytes(RAFT_SNAPSHOT_BYTES_MAX);
  if (lastIncludedIndex < 1 || lastIncludedTerm < 1) invalid('a snapshot covers at least one entry', start);
  return { lastIncludedIndex, lastIncludedTerm, data };
}

// --- Messages --------------------------------------------------------------------------------

/** The envelope bytes of `m`, to be copied at once (into frames): possibly a view of a pooled slab (codec/pooled-bytes.ts). */
export function encodeRaftMessage(m: Message): Uint8Array {
  const membership = m.type === 'snapshot' ? m.snapshot.membership : undefined;
  const version = membership === undefined ? RAFT_MESSAGE_VERSION : RAFT_MESSAGE_VERSION_SNAPSHOT_MEMBERSHIP;
  // Copied into its frames at once (peer-wire.ts framesOf): the writer's bytes, not a copy.
  return encodeEnvelopeToCopy(version, (w) => {
    writeMessage(w, m);
    if (membership !== undefined) w.bytes(encodeMembership(membership));
  });
}

function writeMessage(w: Writer, m: Message): void {
  {
    w.variant(MESSAGE_VARIANTS.indexOf(m.type));
    w.u64n(m.from).u64n(m.to).u64n(m.term);
    switch (m.type) {
      case 'append':
        w.u64n(m.round).u64n(m.prevLogIndex).u64n(m.prevLogTerm).u64n(m.commit).seq(m.entries, writeEntry);
        return;
      case 'append-response':
        w.u64n(m.round).bool(m.success).u64n(m.matchIndex).u64n(m.rejectedIndex).u64n(m.conflictTerm).u64n(m.conflictIndex);
        return;
      case 'vote':
        w.bool(m.preVote).u64n(m.lastLogIndex).u64n(m.lastLogTerm);
        return;
      case 'vote-response':
        w.bool(m.preVote).bool(m.granted);
        return;
      case 'snapshot':
        w.u64n(m.round);
        writeSnapshot(w, m.snapshot);
        return;
      case 'snapshot-response':
        w.u64n(m.round).u64n(m.matchIndex);
        return;
      case 'heartbeat':
        w.u64n(m.round).u64n(m.commit);
        return;
      case 'heartbeat-response':
        w.u64n(m.round);
        return;
      default:
        unreachable(m);
    }
  }
}

function readMessage(r: Reader): Message {
  const start = r.offset;
  const type = MESSAGE_VARIANTS[r.variant(MESSAGE_VARIANTS.length)] as Message['type'];
  const from = r.u64n();
  const to = r.u64n();
  const term = r.u64n();
  if (from < 1 || to < 1 || from === to) invalid('message ids are ≥ 1 and distinct', start);
  switch (type) {
    case 'append': {
      const round = r.u64n();
      const prevLogIndex = r.u64n();
      const prevLogTerm = r.u64n();
      const commit = r.u64n();
      const entriesOffset = r.offset;
      const entries = r.seq(readEntry, RAFT_ENTRIES_PER_MESSAGE_MAX);
      if (prevLogTerm > term || (prevLogIndex === 0) !== (prevLogTerm === 0)) invalid('append prevLogTerm inconsistent', start);
      let previousTerm = prevLogTerm;
      let bytes = 0;
      for (let i = 0; i < entries.length; i += 1) {
        const e = entries[i] as Entry;
        if (e.index !== prevLogIndex + 1 + i) invalid('append entries not consecutive', entriesOffset);
        if (e.term < previousTerm || e.term > term) invalid('append entry terms out of order', entriesOffset);
        previousTerm = e.term;
        bytes += e.data.length;
      }
      if (bytes > RAFT_MESSAGE_ENTRY_BYTES_MAX) throw new DecodeError(ErrorCode.DECODE_LENGTH_LIMIT, 'append entries above the byte limit', entriesOffset);
      return { type, from, to, term, round, prevLogIndex, prevLogTerm, entries, commit };
    }
    case 'append-response': {
      const round = r.u64n();
      const success = r.bool();
      const matchIndex = r.u64n();
      const rejectedIndex = r.u64n();
      const conflictTerm = r.u64n();
      const conflictIndex = r.u64n();
      if (!success && (conflictIndex < 1 || conflictIndex > rejectedIndex + 1)) invalid('append refusal hint out of range', start);
      return { type, from, to, term, round, success, matchIndex, rejectedIndex, conflictTerm, conflictIndex };
    }
    case 'vote': {
      const preVote = r.bool();
      const lastLogIndex = r.u64n();
      const lastLogTerm = r.u64n();
      if (term < 1 || lastLogTerm > term || (lastLogIndex === 0) !== (lastLogTerm === 0)) {
        invalid('vote request log position inconsistent with its term', start);
      }
      return { type, from, to, term, preVote, lastLogIndex, lastLogTerm };
    }
    case 'vote-response': {
      const preVote = r.bool();
      const granted = r.bool();
      return { type, from, to, term, preVote, granted };
    }
    case 'snapshot': {
      const round = r.u64n();
      const snapshot = readSnapshot(r);
      if (snapshot.lastIncludedTerm > term) invalid('snapshot of a later term than its message', start);
      return { type, from, to, term, round, snapshot };
    }
    case 'snapshot-response': {
      const round = r.u64n();
      const matchIndex = r.u64n();
      return { type, from, to, term, round, matchIndex };
    }
    case 'heartbeat': {
      const round = r.u64n();
      const commit = r.u64n();
      return { type, from, to, term, round, commit };
    }
    case 'heartbeat-response': {
      const round = r.u64n();
      return { type, from, to, term, round };
    }
    default: {
      const never: never = type;
      return invalid(`message type ${String(never)}`, start);
    }
  }
}

/** Version 2: a snapshot message followed by the membership its snapshot records. */
function readSnapshotMessageWithMembership(r: Reader): Message {
  const start = r.offset;
  const m = readMessage(r);
  if (m.type !== 'snapshot') invalid('message version 2 carries only a snapshot', start);
  const membershipOffset = r.offset;
  const membership = readMembershipAt(r.bytes(RAFT_ENTRY_DATA_BYTES_MAX), membershipOffset);
  return { ...m, snapshot: { ...m.snapshot, membership } };
}

/** Decodes a peer message. Total: throws only `DecodeError`. */
export function decodeRaftMessage(bytes: Uint8Array): Message {
  return decodeEnvelope(bytes, RAFT_MESSAGE_DECODERS);
}

// --- WAL records -----------------------------------------------------------------------------

export type WalRecord =
  | { readonly kind: 'entry'; readonly entry: Entry }
  | { readonly kind: 'hard-state'; readonly hardState: HardState }
  /** A snapshot was installed here: every entry logged before this record is void. */
  | { readonly kind: 'snapshot'; readonly lastIncludedIndex: number; readonly lastIncludedTerm: number };

function writeWalPayload(w: Writer, record: WalRecord): void {
  switch (record.kind) {
    case 'entry':
      w.variant(0);
      writeEntry(w, record.entry);
      return;
    case 'hard-state':
      w.variant(1).u64n(record.hardState.term).u64n(record.hardState.vote).u64n(record.hardState.commit);
      return;
    case 'snapshot':
      w.variant(2).u64n(record.lastIncludedIndex).u64n(record.lastIncludedTerm);
      return;
    default:
      unreachable(record);
  }
}

function readWalPayload(r: Reader): WalRecord {
  const variant = r.variant(3);
  if (variant === 0) return { kind: 'entry', entry: readEntry(r) };
  if (variant === 1) return { kind: 'hard-state', hardState: { term: r.u64n(), vote: r.u64n(), commit: r.u64n() } };
  return { kind: 'snapshot', lastIncludedIndex: r.u64n(), lastIncludedTerm: r.u64n() };
}

/** One framed WAL record, ready to append to the log file. */
export function encodeWalRecord(record: WalRecord): Uint8Array {
  const payload = encodeEnvelopeToCopy(RAFT_WAL_PAYLOAD_VERSION, (w) => writeWalPayload(w, record));
  const out = pooledBytes(RAFT_WAL_HEADER_BYTES + payload.length); // on its way to the WAL append, which copies it
  writeU32LeAt(out, 0, payload.length);
  out.set(payload, RAFT_WAL_HEADER_BYTES);
  writeU32LeAt(out, 4, walChecksum(out, payload.length));
  return out;
}

function walChecksum(record: Uint8Array, payloadLength: number): number {
  return crc32cExtend(crc32c(record, 0, 4), record, RAFT_WAL_HEADER_BYTES, RAFT_WAL_HEADER_BYTES + payloadLength);
}

/**
 * The record starting at `offset`. RECORD_TOO_SHORT when the bytes end inside it (a torn write),
 * RECORD_TOO_LONG for a length above the limit, RECORD_CRC_MISMATCH, or a DECODE_* code.
 */
export function decodeWalRecordAt(bytes: Uint8Array, offset: number): { readonly record: WalRecord; readonly nextOffset: number } {
  if (!(Number.isSafeInteger(offset) && offset >= 0 && offset <= bytes.length)) {
    throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, 'offset outside the input', 0);
  }
  if (bytes.length - offset < RAFT_WAL_HEADER_BYTES) throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, 'WAL record header cut short', offset);
  const payloadLength = readU32LeAt(bytes, offset);
  if (payloadLength > RAFT_WAL_RECORD_BYTES_MAX) throw new DecodeError(ErrorCode.RECORD_TOO_LONG, `WAL record of ${payloadLength} bytes`, offset);
  const end = offset + RAFT_WAL_HEADER_BYTES + payloadLength;
  if (end > bytes.length) throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, 'WAL record payload cut short', offset);
  const record = bytes.subarray(offset, end);
  if (readU32LeAt(bytes, offset + 4) !== walChecksum(record, payloadLength)) {
    throw new DecodeError(ErrorCode.RECORD_CRC_MISMATCH, 'WAL record checksum mismatch', offset);
  }
  const payloadOffset = offset + RAFT_WAL_HEADER_BYTES;
  try {
    return { record: decodeEnvelope(bytes.subarray(payloadOffset, end), RAFT_WAL_PAYLOAD_DECODERS), nextOffset: end };
  } catch (error) {
    // The payload decoder counts from the payload; the caller reads offsets in `bytes`.
    if (error instanceof DecodeError) throw new DecodeError(error.code, error.message, payloadOffset + (error.offset ?? 0));
    throw error;
  }
}

export interface WalScan {
  readonly records: WalRecord[];
  /** Bytes of valid records from the start: the host truncates the file here. */
  readonly validBytes: number;
  /** Why scanning stopped before the end, or null when every byte was a valid record. */
  readonly tail: DecodeError | null;
}

/**
 * Reads records until the end or the first invalid one. A torn tail (the usual end after a
 * crash in the middle of an append) stops the scan; the host truncates at `validBytes`. Total.
 */
export function scanWal(bytes: Uint8Array): WalScan {
  const records: WalRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    try {
      const { record, nextOffset } = decodeWalRecordAt(bytes, offset);
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
 * Rebuilds what `RaftNode.restore` takes from the snapshot file (if any) and the WAL records in
 * order: the last hard state wins; an entry replaces the entry at its index and everything after
 * it; a snapshot marker voids everything before it; entries the snapshot covers are dropped.
 * A gap in the entries is RECORD_MALFORMED unless a snapshot covers it (a later marker, or the
 * snapshot file reaching the entry before the one logged after the gap): that is a marker whose
 * append was lost while the log went on after it.
 */
export function replayWal(snapshot: Snapshot | undefined, records: readonly WalRecord[]): PersistedRaftState {
  let hardState: HardState = { term: 0, vote: 0, commit: 0 };
  let entries: Entry[] = [];
  // Index of the entry before entries[0]; a WAL may start after a compaction, so until a marker
  // or an entry says otherwise the first entry logged sets it.
  let base: number | null = null;
  /** The entry logged after the last gap, if any: a snapshot must cover everything before it. */
  let gapAt: number | null = null;
  for (const record of records) {
    switch (record.kind) {
      case 'hard-state':
        hardState = record.hardState;
        break;
      case 'snapshot':
        entries = [];
        base = record.lastIncludedIndex;
        gapAt = null;
        break;
      case 'entry': {
        const index = record.entry.index;
        if (base === null) base = index - 1;
        if (index <= base) break; // covered by a snapshot marker
        const keep = index - base - 1;
        if (keep > entries.length) {
          // A gap: the log goes on after entries it never logged. Only a snapshot can explain it
          // (a marker whose append was lost, the log going on after it): the log restarts here,
          // and the snapshot file must cover everything before (checked below). Found by the
          // simulator, 5-node seeds 425 and 624: a node refused to restart, for good.
          gapAt = index;
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
  if (base > snapshotIndex) {
    if (gapAt !== null) throw new DecodeError(ErrorCode.RECORD_MALFORMED, `WAL entry ${gapAt} after a gap that the snapshot (ending at ${snapshotIndex}) does not cover`);
    throw new DecodeError(ErrorCode.RECORD_MALFORMED, `WAL starts after ${base}, the snapshot ends at ${snapshotIndex}`);
  }
  if (snapshotIndex > base) {
    const drop = snapshotIndex - base;
    if (drop <= entries.length && (entries[drop - 1] as Entry).term !== snapshot?.lastIncludedTerm) {
      throw new DecodeError(ErrorCode.RECORD_MALFORMED, `WAL entry ${snapshotIndex} disagrees with the snapshot's term`);
    }
    entries = entries.slice(Math.min(drop, entries.length));
  }
  const first = entries[0];
  if (first !== undefined && first.index !== snapshotIndex + 1) {
    throw new DecodeError(ErrorCode.RECORD_MALFORMED, `WAL entries start at ${first.index}, after snapshot ${snapshotIndex}`);
  }
  return snapshot === undefined ? { hardState, entries } : { hardState, snapshot, entries };
}

// --- Snapshot file -------------------------------------------------------------------------

const SNAPSHOT_RECORD_BYTES_MIN = RECORD_HEADER_BYTES + 8 + 8 + 4 + RECORD_CRC_BYTES;
const SNAPSHOT_RECORD_MEMBERSHIP_BYTES_MIN = SNAPSHOT_RECORD_BYTES_MIN + 4;
const snapshotRecordKind: FramedRecordKind = {
  magic: RAFT_SNAPSHOT_RECORD_MAGIC,
  bytesMinByVersion: new Map([
    [RAFT_SNAPSHOT_RECORD_VERSION, SNAPSHOT_RECORD_BYTES_MIN],
    [RAFT_SNAPSHOT_RECORD_VERSION_MEMBERSHIP, SNAPSHOT_RECORD_MEMBERSHIP_BYTES_MIN],
  ]),
};

export function encodeSnapshotRecord(snapshot: Snapshot): Uint8Array {
  const membership = snapshot.membership === undefined ? undefined : encodeMembership(snapshot.membership);
  return sealFramedRecord(
    RAFT_SNAPSHOT_RECORD_MAGIC,
    membership === undefined ? RAFT_SNAPSHOT_RECORD_VERSION : RAFT_SNAPSHOT_RECORD_VERSION_MEMBERSHIP,
    (w) => {
      w.u64n(snapshot.lastIncludedIndex).u64n(snapshot.lastIncludedTerm).u32(snapshot.data.length).raw(snapshot.data);
      if (membership !== undefined) w.u32(membership.length).raw(membership);
    },
    SNAPSHOT_RECORD_MEMBERSHIP_BYTES_MIN + snapshot.data.length + (membership?.length ?? 0),
  );
}

/** The snapshot in a TSRS record. Throws only `DecodeError`. */
export function decodeSnapshotRecord(bytes: Uint8Array): Snapshot {
  if (bytes.length > SNAPSHOT_RECORD_BYTES_MIN + RAFT_SNAPSHOT_BYTES_MAX) {
    throw new DecodeError(ErrorCode.RECORD_TOO_LONG, `snapshot record of ${bytes.length} bytes`, 0);
  }
  const { version, body } = openFramedRecord(bytes, snapshotRecordKind);
  const lastIncludedIndex = body.u64n();
  const lastIncludedTerm = body.u64n();
  const length = body.u32();
  const withMembership = version === RAFT_SNAPSHOT_RECORD_VERSION_MEMBERSHIP;
  if (withMembership ? length > body.remaining - 4 : length !== body.remaining) {
    throw new DecodeError(ErrorCode.RECORD_MALFORMED, 'snapshot data length does not match the record', body.offset);
  }
  if (lastIncludedIndex < 1 || lastIncludedTerm < 1) throw new DecodeError(ErrorCode.RECORD_OUT_OF_RANGE, 'snapshot covers no entry', RECORD_HEADER_BYTES);
  const data = body.view(length).slice();
  if (!withMembership) return { lastIncludedIndex, lastIncludedTerm, data };
  const membershipLength = body.u32();
  if (membershipLength !== body.remaining) throw new DecodeError(ErrorCode.RECORD_MALFORMED, 'snapshot membership length does not match the record', body.offset);
  const membershipOffset = body.offset;
  let membership;
  try {
    membership = decodeMembership(body.view(membershipLength));
  } catch (error) {
    if (error instanceof DecodeError) throw new DecodeError(ErrorCode.RECORD_MALFORMED, `snapshot membership: ${error.message}`, membershipOffset);
    throw error;
  }
  return { lastIncludedIndex, lastIncludedTerm, data, membership };
}

// Made once: a table literal per decode cost more than some of the decodes it chose between.
const RAFT_MESSAGE_DECODERS = { [RAFT_MESSAGE_VERSION]: readMessage, [RAFT_MESSAGE_VERSION_SNAPSHOT_MEMBERSHIP]: readSnapshotMessageWithMembership };
const RAFT_WAL_PAYLOAD_DECODERS = { [RAFT_WAL_PAYLOAD_VERSION]: readWalPayload };
