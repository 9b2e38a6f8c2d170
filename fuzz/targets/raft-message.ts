// Target: Raft peer messages (core/raft/codec.ts decodeRaftMessage/encodeRaftMessage), the
// bytes a node reads from another node: a versioned envelope around a postcard enum of the eight
// message types, with structural checks (ids, consecutive entries, term order, size limits).
// Not canonical (postcard accepts padded varints); decoded messages must re-encode, decode to
// themselves and encode stably. The length walker finds the entry-count and data-length varints.
//
// What must be refused (`rejections`, on every accepted message; the field edits are made on its
// canonical re-encoding): an envelope version other than 1 and 2 (DECODE_UNKNOWN_VERSION at 0);
// version 2 on anything but a snapshot (DECODE_INVALID_VALUE at 1), on a snapshot without its
// membership bytes (DECODE_EOF at the end), version 1 on a snapshot with them (trailing); a byte after
// the message (DECODE_TRAILING_BYTES at the input's length), a ninth message type
// (DECODE_BAD_VARIANT at 1), an over-long or overflowing id varint (at its first byte; a padded
// one is accepted), a term of 2^53 (DECODE_INVALID_VALUE at the term), and the structural rules
// as DECODE_INVALID_VALUE at the message start (1): ids ≥ 1 and distinct; append entries
// consecutive after prevLogIndex with terms in [prevLogTerm, term] (at the entry count's offset),
// no-ops empty; a refused append's hint in range; a vote's log position not after its term; a
// snapshot not of a later term; bools only 0/1, the entry kind only 0..2, a config entry's data
// and a snapshot's membership a valid canonical membership. `limits`: 1,024 entries
// accepted, 1,025 refused; one entry of 1 MiB of data accepted, one byte more refused; 4 MiB of
// entry data accepted, one byte more refused (DECODE_LENGTH_LIMIT at the prefix that passes the
// limit). The snapshot data limit (64 MiB) is left to the unit tests: too large to build per run.
import { Reader } from '../../core/codec/postcard.js';
import { raftMessageArbitrary } from '../../core/raft/arbitraries.js';
import { decodeRaftMessage, encodeRaftMessage, RAFT_MESSAGE_VERSION, RAFT_MESSAGE_VERSION_SNAPSHOT_MEMBERSHIP } from '../../core/raft/codec.js';
import { encodeMembership, type Membership } from '../../core/raft/membership.js';
import type { Message } from '../../core/raft/types.js';
import { RAFT_ENTRIES_PER_MESSAGE_MAX, RAFT_ENTRY_DATA_BYTES_MAX, RAFT_MESSAGE_ENTRY_BYTES_MAX } from '../../core/limits.js';
import type { Entry } from '../../core/raft/types.js';
import { bytesOf, overlongVarint, paddedVarint, spliced, varint, varintEndingWith, withByte } from '../near-misses.js';
import type { LengthField, NearMiss } from '../target.js';
import { defineTarget, onlyDecodeError } from '../target.js';

const VARIANT_APPEND = 0;
const VARIANT_SNAPSHOT = 4;

/** The entries count and each entry's data length (append), or the snapshot data length. */
function raftMessageLengthFields(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  try {
    const r = new Reader(bytes, 1);
    const variant = r.u32();
    for (let i = 0; i < 3; i += 1) r.u64(); // from, to, term
    if (variant === VARIANT_APPEND) {
      for (let i = 0; i < 4; i += 1) r.u64(); // round, prevLogIndex, prevLogTerm, commit
      fields.push({ offset: r.offset, encoding: 'varint' });
      const count = Math.min(r.u32(), 64);
      for (let i = 0; i < count; i += 1) {
        r.u64();
        r.u64();
        r.u32();
        fields.push({ offset: r.offset, encoding: 'varint' });
        r.bytes();
      }
    } else if (variant === VARIANT_SNAPSHOT) {
      for (let i = 0; i < 3; i += 1) r.u64(); // round, lastIncludedIndex, lastIncludedTerm
      fields.push({ offset: r.offset, encoding: 'varint' });
    }
  } catch {
    // A mutated message stops parsing somewhere; what was found is still useful.
  }
  return fields;
}

/** Offsets in a canonical encoding: the id and term varints, and where the type's own fields start. */
function headOffsets(canonical: Uint8Array): { fromAt: number; toAt: number; termAt: number; bodyAt: number } {
  const r = new Reader(canonical, 1);
  r.u32();
  const fromAt = r.offset;
  r.u64();
  const toAt = r.offset;
  r.u64();
  const termAt = r.offset;
  r.u64();
  return { fromAt, toAt, termAt, bodyAt: r.offset };
}

const MESSAGE_START = 1;

/**
 * The message `build` returns, encoded, promised DECODE_INVALID_VALUE at `offset` (null: none
 * promised); no near-miss when the
 * edit cannot be encoded (a field pushed past 2^53 − 1 by the edit).
 */
function invalidValue(name: string, build: () => Message, offset: number | null = MESSAGE_START): NearMiss[] {
  let bytes: Uint8Array;
  try {
    bytes = encodeRaftMessage(build());
  } catch {
    return [];
  }
  return [offset === null ? { name, bytes, code: 'DECODE_INVALID_VALUE' } : { name, bytes, code: 'DECODE_INVALID_VALUE', offset }];
}

function raftMessageRejections(accepted: Uint8Array): NearMiss[] {
  let m: Message;
  try {
    m = decodeRaftMessage(accepted);
  } catch {
    return [];
  }
  const n = accepted.length;
  const canonical = encodeRaftMessage(m);
  const { fromAt, toAt, termAt, bodyAt } = headOffsets(canonical);
  const out: NearMiss[] = [
    { name: 'version-0', bytes: withByte(accepted, 0, 0), code: 'DECODE_UNKNOWN_VERSION', offset: 0 },
    { name: 'version-3', bytes: withByte(accepted, 0, RAFT_MESSAGE_VERSION_SNAPSHOT_MEMBERSHIP + 1), code: 'DECODE_UNKNOWN_VERSION', offset: 0 },
    // Version 2 is a snapshot followed by its membership: any other message under it is refused,
    // and a version-1 snapshot relabelled 2 runs out of bytes where the membership should be.
    m.type !== 'snapshot'
      ? { name: 'version-2-not-a-snapshot', bytes: withByte(canonical, 0, RAFT_MESSAGE_VERSION_SNAPSHOT_MEMBERSHIP), code: 'DECODE_INVALID_VALUE', offset: MESSAGE_START }
      : m.snapshot.membership === undefined
        ? { name: 'version-2-without-membership', bytes: withByte(canonical, 0, RAFT_MESSAGE_VERSION_SNAPSHOT_MEMBERSHIP), code: 'DECODE_EOF', offset: canonical.length }
        : { name: 'version-1-with-membership', bytes: withByte(canonical, 0, RAFT_MESSAGE_VERSION), code: 'DECODE_TRAILING_BYTES' },
    { name: 'trailing-byte', bytes: bytesOf(accepted, 0), code: 'DECODE_TRAILING_BYTES', offset: n },
    { name: 'type-out-of-range', bytes: withByte(canonical, 1, 8), code: 'DECODE_BAD_VARIANT', offset: 1 },
    { name: 'from-overlong', bytes: spliced(canonical, fromAt, toAt, overlongVarint(10)), code: 'DECODE_VARINT_OVERLONG', offset: fromAt },
    { name: 'from-overflow', bytes: spliced(canonical, fromAt, toAt, varintEndingWith(10, 0x02)), code: 'DECODE_VARINT_OVERFLOW', offset: fromAt },
    { name: 'from-padded', bytes: spliced(canonical, fromAt, toAt, paddedVarint(m.from, 10)), code: 'accepted' },
    { name: 'term-above-safe', bytes: spliced(canonical, termAt, bodyAt, varint(2n ** 53n)), code: 'DECODE_INVALID_VALUE', offset: termAt },
    { name: 'one-byte-short', bytes: canonical.slice(0, canonical.length - 1), code: m.type === 'snapshot' && (m.snapshot.data.length > 0 || m.snapshot.membership !== undefined) ? 'DECODE_LENGTH_LIMIT' : lastFieldCutCode(m) },
    ...invalidValue('ids-equal', () => ({ ...m, to: m.from })),
    ...invalidValue('from-zero', () => ({ ...m, from: 0 })),
    ...invalidValue('to-zero', () => ({ ...m, to: 0 })),
  ];
  switch (m.type) {
    case 'append': {
      const r = new Reader(canonical, bodyAt);
      for (let i = 0; i < 4; i += 1) r.u64();
      const entriesAt = r.offset;
      const first = m.entries[0];
      if (first !== undefined) {
        const shifted = m.entries.map((e) => ({ ...e, index: e.index + 1 }));
        out.push(...invalidValue('entry-index-gap', () => ({ ...m, entries: shifted }), entriesAt));
        const last = m.entries[m.entries.length - 1] as Entry;
        out.push(...invalidValue('entry-term-above-message', () => ({ ...m, entries: [...m.entries.slice(0, -1), { ...last, term: m.term + 1 }] }), entriesAt));
        if (m.prevLogTerm > 1) out.push(...invalidValue('entry-term-below-prev', () => ({ ...m, entries: [{ ...first, term: m.prevLogTerm - 1 }, ...m.entries.slice(1)] }), entriesAt));
        const noop = m.entries.findIndex((e) => e.kind === 'noop');
        if (noop >= 0) out.push(...invalidValue('noop-with-data', () => ({ ...m, entries: m.entries.map((e, i) => (i === noop ? { ...e, data: Uint8Array.of(1) } : e)) }), null));
        // The entry kind is a three-variant enum (normal, no-op, config): the fourth is refused.
        const kindAt = entriesAt + varint(m.entries.length).length + varint(first.term).length + varint(first.index).length;
        out.push({ name: 'entry-kind-3', bytes: withByte(canonical, kindAt, 3), code: 'DECODE_BAD_VARIANT', offset: kindAt });
      }
      out.push(...invalidValue('prev-term-above-term', () => ({ ...m, prevLogIndex: Math.max(1, m.prevLogIndex), prevLogTerm: m.term + 1, entries: [] })));
      // prevLogIndex 0 (the log's start) goes with prevLogTerm 0, and only with it.
      out.push(...invalidValue('prev-index-zero-term-one', () => ({ ...m, prevLogIndex: 0, prevLogTerm: 1, entries: [] })));
      out.push(...invalidValue('prev-index-one-term-zero', () => ({ ...m, prevLogIndex: 1, prevLogTerm: 0, entries: [] })));
      // Entry terms start at 1: a first entry of term 0 after the log's start is refused.
      if (first !== undefined) {
        out.push(...invalidValue('entry-term-zero', () => ({ ...m, prevLogIndex: 0, prevLogTerm: 0, entries: [{ ...first, index: 1, term: 0 }] }), null));
      }
      break;
    }
    case 'append-response':
      out.push(...invalidValue('refusal-hint-zero', () => ({ ...m, success: false, conflictIndex: 0 })));
      // A refusal's hint is at most one past the index it refused: at that edge accepted.
      out.push(...invalidValue('refusal-hint-past-rejected', () => ({ ...m, success: false, conflictIndex: m.rejectedIndex + 2 })));
      {
        const edge = { ...m, success: false, conflictIndex: m.rejectedIndex + 1 };
        try {
          out.push({ name: 'refusal-hint-at-edge', bytes: encodeRaftMessage(edge), code: 'accepted' });
        } catch {
          // past 2^53 − 1: no near-miss
        }
      }
      out.push({ name: 'bool-2', bytes: withByte(canonical, bodyAt + varint(m.round).length, 2), code: 'DECODE_BAD_BOOL', offset: bodyAt + varint(m.round).length });
      break;
    case 'vote':
      out.push(...invalidValue('vote-log-term-above-term', () => ({ ...m, lastLogIndex: Math.max(1, m.lastLogIndex), lastLogTerm: m.term + 1 })));
      out.push(...invalidValue('vote-term-zero', () => ({ ...m, term: 0, lastLogIndex: 0, lastLogTerm: 0 })));
      out.push(...invalidValue('vote-log-index-zero-term-one', () => ({ ...m, lastLogIndex: 0, lastLogTerm: Math.min(1, m.term) })));
      out.push({ name: 'bool-2', bytes: withByte(canonical, bodyAt, 2), code: 'DECODE_BAD_BOOL', offset: bodyAt });
      break;
    case 'vote-response':
      out.push({ name: 'bool-2', bytes: withByte(canonical, canonical.length - 1, 2), code: 'DECODE_BAD_BOOL', offset: canonical.length - 1 });
      break;
    case 'snapshot':
      out.push(...invalidValue('snapshot-term-above-term', () => ({ ...m, snapshot: { ...m.snapshot, lastIncludedTerm: m.term + 1 } })));
      out.push(...invalidValue('snapshot-index-zero', () => ({ ...m, snapshot: { ...m.snapshot, lastIncludedIndex: 0 } }), bodyAt + varint(m.round).length));
      out.push(...invalidValue('snapshot-term-zero', () => ({ ...m, snapshot: { ...m.snapshot, lastIncludedIndex: Math.max(1, m.snapshot.lastIncludedIndex), lastIncludedTerm: 0 } }), bodyAt + varint(m.round).length));
      break;
    case 'snapshot-response':
    case 'heartbeat':
    case 'heartbeat-response':
      break;
  }
  return out;
}

/** The code for a canonical message cut one byte short, by its last field. */
function lastFieldCutCode(m: Message): string {
  // The last field is a varint, a bool, or an entry's data (whose length then passes the end).
  if (m.type === 'append') {
    const last = m.entries[m.entries.length - 1];
    return last !== undefined && last.data.length > 0 ? 'DECODE_LENGTH_LIMIT' : 'DECODE_EOF';
  }
  return 'DECODE_EOF';
}

/** An append from 1 to 2 in term 1 after an empty log, with `entries`; its entry count is at offset 9. */
function appendOf(entries: Entry[]): Uint8Array {
  return encodeRaftMessage({ type: 'append', from: 1, to: 2, term: 1, round: 0, prevLogIndex: 0, prevLogTerm: 0, commit: 0, entries });
}

const APPEND_ENTRIES_AT = 9;

function raftMessageLimits(): NearMiss[] {
  const noops = (count: number): Entry[] => Array.from({ length: count }, (_, i) => ({ term: 1, index: i + 1, kind: 'noop' as const, data: new Uint8Array(0) }));
  const normal = (index: number, bytes: number): Entry => ({ term: 1, index, kind: 'normal', data: new Uint8Array(bytes) });
  // One entry: the count, its term, index and kind take a byte each, then its data's length prefix.
  const dataPrefixAt = APPEND_ENTRIES_AT + 4;
  const quarter = RAFT_MESSAGE_ENTRY_BYTES_MAX / 4;
  return [
    { name: 'entries-at-limit', bytes: appendOf(noops(RAFT_ENTRIES_PER_MESSAGE_MAX)), code: 'accepted' },
    { name: 'entries-above-limit', bytes: appendOf(noops(RAFT_ENTRIES_PER_MESSAGE_MAX + 1)), code: 'DECODE_LENGTH_LIMIT', offset: APPEND_ENTRIES_AT },
    { name: 'entry-data-at-limit', bytes: appendOf([normal(1, RAFT_ENTRY_DATA_BYTES_MAX)]), code: 'accepted' },
    { name: 'entry-data-above-limit', bytes: appendOf([normal(1, RAFT_ENTRY_DATA_BYTES_MAX + 1)]), code: 'DECODE_LENGTH_LIMIT', offset: dataPrefixAt },
    { name: 'message-data-at-limit', bytes: appendOf([1, 2, 3, 4].map((i) => normal(i, quarter))), code: 'accepted' },
    { name: 'message-data-above-limit', bytes: appendOf([...[1, 2, 3, 4].map((i) => normal(i, quarter)), normal(5, 1)]), code: 'DECODE_LENGTH_LIMIT', offset: APPEND_ENTRIES_AT },
  ];
}

let raftMessageLimitsBuilt: NearMiss[] | null = null;

const seedMembership: Membership = {
  members: [
    { id: 1, role: 'voter', raft: '10.0.0.1:7001', service: '10.0.0.1:7000', admin: '127.0.0.1:7002' },
    { id: 2, role: 'voter', raft: '10.0.0.2:7001', service: '10.0.0.2:7000', admin: '' },
    { id: 3, role: 'voter', raft: '10.0.0.3:7001', service: '10.0.0.3:7000', admin: '' },
    { id: 4, role: 'learner', raft: '10.0.0.4:7001', service: '10.0.0.4:7000', admin: '' },
  ],
};

const seedMessages: Message[] = [
  { type: 'append', from: 1, to: 2, term: 3, round: 7, prevLogIndex: 10, prevLogTerm: 2, commit: 9, entries: [
    { term: 2, index: 11, kind: 'normal', data: Uint8Array.of(1, 2, 3) },
    { term: 3, index: 12, kind: 'noop', data: new Uint8Array(0) },
  ] },
  { type: 'append-response', from: 2, to: 1, term: 3, round: 7, success: false, matchIndex: 0, rejectedIndex: 12, conflictTerm: 2, conflictIndex: 5 },
  { type: 'vote', from: 3, to: 1, term: 4, preVote: true, lastLogIndex: 12, lastLogTerm: 3 },
  { type: 'vote-response', from: 1, to: 3, term: 4, preVote: true, granted: true },
  { type: 'snapshot', from: 1, to: 2, term: 5, round: 8, snapshot: { lastIncludedIndex: 100, lastIncludedTerm: 4, data: Uint8Array.of(9, 9) } },
  { type: 'snapshot-response', from: 2, to: 1, term: 5, round: 8, matchIndex: 100 },
  { type: 'heartbeat', from: 1, to: 2, term: 5, round: 9, commit: 100 },
  { type: 'heartbeat-response', from: 2, to: 1, term: 5, round: 9 },
  // Membership changes: a config entry, and a snapshot recording a membership (version 2).
  { type: 'append', from: 1, to: 4, term: 6, round: 1, prevLogIndex: 100, prevLogTerm: 5, commit: 100, entries: [
    { term: 6, index: 101, kind: 'config', data: encodeMembership(seedMembership) },
  ] },
  { type: 'snapshot', from: 1, to: 4, term: 6, round: 2, snapshot: { lastIncludedIndex: 101, lastIncludedTerm: 6, data: Uint8Array.of(7), membership: seedMembership } },
];

export default defineTarget<Message>({
  name: 'raft-message',
  description: 'Raft peer messages: decodeRaftMessage/encodeRaftMessage (envelope + postcard enum)',
  decode: decodeRaftMessage,
  encode: encodeRaftMessage,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: raftMessageArbitrary,
  seeds: () => seedMessages.map(encodeRaftMessage),
  rejections: raftMessageRejections,
  limits: () => (raftMessageLimitsBuilt ??= raftMessageLimits()),
  lengthFields: raftMessageLengthFields,
  dictionary: [Uint8Array.of(RAFT_MESSAGE_VERSION), ...[0, 1, 2, 3, 4, 5, 6, 7].map((v) => Uint8Array.of(v)), Uint8Array.of(0x80, 0x08), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f)],
});
