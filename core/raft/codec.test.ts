// The Raft byte formats: messages round-trip and decode totally; the golden bytes of one message
// pin the layout; WAL records detect torn tails and replay into what `RaftNode.restore` takes;
// the snapshot file round-trips and refuses damage.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cExtend } from '../codec/crc32c.js';
import { writeU32LeAt } from '../codec/le.js';
import { sealFramedRecord } from '../records/framed.js';
import { DecodeError } from '../errors.js';
import { raftMessageArbitrary, snapshotArbitrary, walRecordArbitrary } from './arbitraries.js';
import {
  decodeRaftMessage,
  decodeSnapshotRecord,
  decodeWalRecordAt,
  encodeRaftMessage,
  RAFT_SNAPSHOT_RECORD_MAGIC,
  RAFT_SNAPSHOT_RECORD_VERSION,
  RAFT_SNAPSHOT_RECORD_VERSION_MEMBERSHIP,
  encodeSnapshotRecord,
  encodeWalRecord,
  RAFT_WAL_HEADER_BYTES,
  replayWal,
  scanWal,
  type WalRecord,
} from './codec.js';
import type { Entry, Message } from './types.js';

import { RAFT_ENTRY_DATA_BYTES_MAX, RAFT_SNAPSHOT_BYTES_MAX, RAFT_WAL_RECORD_BYTES_MAX } from '../limits.js';
import { decodeErrorOf, decodeMessageOf, describedDecodeError } from '../test-support.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function decodesOrDecodeError(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    describedDecodeError(error as DecodeError);
  }
}

const entry = (term: number, index: number, text = ''): Entry => ({
  term,
  index,
  kind: text === '' ? 'noop' : 'normal',
  data: new TextEncoder().encode(text),
});

describe('raft message codec', () => {
  it('round-trips every message type', () => {
    fc.assert(
      fc.property(raftMessageArbitrary, (m) => {
        expect(decodeRaftMessage(encodeRaftMessage(m))).toEqual(m);
      }),
      { numRuns: 2_000 },
    );
  });

  it('throws only DecodeError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrDecodeError(() => decodeRaftMessage(bytes))), { numRuns: 5_000 });
  });

  it('throws only DecodeError on mutated valid messages', () => {
    fc.assert(
      fc.property(raftMessageArbitrary, fc.nat(), fc.integer({ min: 0, max: 255 }), (m, at, value) => {
        const bytes = encodeRaftMessage(m);
        bytes[at % bytes.length] = value;
        decodesOrDecodeError(() => decodeRaftMessage(bytes));
        decodesOrDecodeError(() => decodeRaftMessage(bytes.subarray(0, at % bytes.length)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('encodes an AppendEntries to these golden bytes', () => {
    const m: Message = {
      type: 'append',
      from: 1,
      to: 2,
      term: 3,
      round: 4,
      prevLogIndex: 5,
      prevLogTerm: 2,
      commit: 5,
      entries: [entry(3, 6), entry(3, 7, 'hi')],
    };
    // version 1 | variant 0 | from 1 | to 2 | term 3 | round 4 | prev 5 | prevTerm 2 | commit 5
    // | 2 entries: (term 3, index 6, noop, 0 bytes), (term 3, index 7, normal, "hi")
    expect(hex(encodeRaftMessage(m))).toBe('01' + '00' + '01' + '02' + '03' + '04' + '05' + '02' + '05' + '02' + '03060100' + '030700026869');
    expect(decodeRaftMessage(encodeRaftMessage(m))).toEqual(m);
  });

  it('refuses structurally impossible messages', () => {
    const base: Message = { type: 'append', from: 1, to: 2, term: 3, round: 1, prevLogIndex: 5, prevLogTerm: 2, commit: 0, entries: [entry(3, 6)] };
    const gap = { ...base, entries: [entry(3, 7)] };
    const futureTerm = { ...base, entries: [entry(4, 6)] };
    const selfAddressed = { ...base, to: 1 };
    for (const bad of [gap, futureTerm, selfAddressed]) {
      expect(() => decodeRaftMessage(encodeRaftMessage(bad))).toThrow(DecodeError);
    }
  });

  it('names the rule each impossible message breaks, at the message or at the entry', () => {
    const refusal = (m: Message) => ({ ...decodeErrorOf(() => decodeRaftMessage(encodeRaftMessage(m))), message: decodeMessageOf(() => decodeRaftMessage(encodeRaftMessage(m))) });
    const invalid = (message: string, offset = 1) => ({ code: 'DECODE_INVALID_VALUE', offset, message: `DECODE_INVALID_VALUE: ${message}` });
    const head = { from: 1, to: 2, term: 3 };
    const append: Message = { type: 'append', ...head, round: 1, prevLogIndex: 0, prevLogTerm: 0, commit: 0, entries: [] };
    // The first entry starts after version, variant, from, to, term, round, prev, prevTerm, commit
    // (one byte each here) and the entry count.
    const entryAt = 10;
    expect(refusal({ ...head, type: 'heartbeat-response', round: 1, to: 0 })).toEqual(invalid('message ids are ≥ 1 and distinct'));
    expect(refusal({ ...append, prevLogTerm: 1 })).toEqual(invalid('append prevLogTerm inconsistent'));
    expect(refusal({ ...append, entries: [{ term: 0, index: 1, kind: 'noop', data: new Uint8Array() }] })).toEqual(invalid('entry term and index start at 1', entryAt));
    expect(refusal({ ...append, entries: [{ term: 1, index: 0, kind: 'noop', data: new Uint8Array() }] })).toEqual(invalid('entry term and index start at 1', entryAt));
    // A config entry's data must be a membership; its error is reported at the data.
    const badConfig = refusal({ ...append, entries: [{ term: 1, index: 1, kind: 'config', data: Uint8Array.of(0xff) }] });
    expect(badConfig.offset).toBe(entryAt + 3); // term, index, kind: the data starts with its length
    expect(badConfig.message).toMatch(/^DECODE_\w+: membership: /);
    const oneMiB = new Uint8Array(RAFT_ENTRY_DATA_BYTES_MAX);
    const tooManyBytes = Array.from({ length: 5 }, (_, i): Entry => ({ term: 1, index: i + 1, kind: 'normal', data: oneMiB }));
    expect(refusal({ ...append, entries: tooManyBytes })).toMatchObject({ code: 'DECODE_LENGTH_LIMIT', message: 'DECODE_LENGTH_LIMIT: append entries above the byte limit' });
    const refused = { type: 'append-response', ...head, round: 1, success: false, matchIndex: 0, rejectedIndex: 4, conflictTerm: 1 } as const;
    expect(decodeRaftMessage(encodeRaftMessage({ ...refused, conflictIndex: 5 }))).toMatchObject({ conflictIndex: 5 });
    expect(refusal({ ...refused, conflictIndex: 6 })).toEqual(invalid('append refusal hint out of range'));
    expect(refusal({ ...refused, conflictIndex: 0 })).toEqual(invalid('append refusal hint out of range'));
    const vote = { type: 'vote', ...head, preVote: false, lastLogIndex: 0, lastLogTerm: 0 } as const;
    expect(refusal({ ...vote, term: 0 })).toEqual(invalid('vote request log position inconsistent with its term'));
    expect(refusal({ ...vote, lastLogTerm: 1 })).toEqual(invalid('vote request log position inconsistent with its term'));
    expect(refusal({ ...vote, lastLogIndex: 1, lastLogTerm: 4 })).toEqual(invalid('vote request log position inconsistent with its term'));
    const snapshot = { type: 'snapshot', ...head, round: 1 } as const;
    expect(refusal({ ...snapshot, snapshot: { lastIncludedIndex: 1, lastIncludedTerm: 0, data: new Uint8Array() } })).toEqual(invalid('a snapshot covers at least one entry', 6));
    expect(refusal({ ...snapshot, snapshot: { lastIncludedIndex: 0, lastIncludedTerm: 1, data: new Uint8Array() } })).toEqual(invalid('a snapshot covers at least one entry', 6));
  });

  it('refuses a version it does not know and trailing bytes', () => {
    const bytes = encodeRaftMessage({ type: 'heartbeat-response', from: 1, to: 2, term: 1, round: 1 });
    expect(() => decodeRaftMessage(Uint8Array.from([9, ...bytes.subarray(1)]))).toThrow(/DECODE_UNKNOWN_VERSION/);
    expect(() => decodeRaftMessage(Uint8Array.from([...bytes, 0]))).toThrow(/DECODE_TRAILING_BYTES/);
  });
});

describe('raft WAL records', () => {
  it('round-trips records, alone and concatenated', () => {
    fc.assert(
      fc.property(fc.array(walRecordArbitrary, { maxLength: 10 }), (records) => {
        const file = Buffer.concat(records.map(encodeWalRecord));
        const scan = scanWal(new Uint8Array(file));
        expect(scan.tail).toBeNull();
        expect(scan.validBytes).toBe(file.length);
        expect(scan.records).toEqual(records);
      }),
      { numRuns: 500 },
    );
  });

  it('stops at a torn tail: every cut inside the last record is detected', () => {
    const records: WalRecord[] = [
      { kind: 'entry', entry: entry(1, 1) },
      { kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 1 } },
      { kind: 'entry', entry: entry(1, 2, 'abc') },
    ];
    const encoded = records.map(encodeWalRecord);
    const whole = new Uint8Array(Buffer.concat(encoded));
    const lastStart = whole.length - (encoded[2] as Uint8Array).length;
    for (let cut = lastStart + 1; cut < whole.length; cut += 1) {
      const scan = scanWal(whole.subarray(0, cut));
      expect(scan.records).toEqual(records.slice(0, 2));
      expect(scan.validBytes).toBe(lastStart);
      expect(scan.tail?.code).toBe('RECORD_TOO_SHORT');
    }
  });

  it('reports a payload that does not decode at its offset in the file, not in the payload (found by the raft-wal fuzz promises)', () => {
    const first = encodeWalRecord({ kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 1 } });
    const good = encodeWalRecord({ kind: 'entry', entry: entry(1, 1) });
    // The second record's payload with one byte more, its length and CRC made to match.
    const payload = new Uint8Array([...good.subarray(RAFT_WAL_HEADER_BYTES), 0]);
    const damaged = new Uint8Array(RAFT_WAL_HEADER_BYTES + payload.length);
    writeU32LeAt(damaged, 0, payload.length);
    damaged.set(payload, RAFT_WAL_HEADER_BYTES);
    writeU32LeAt(damaged, 4, crc32cExtend(crc32c(damaged, 0, 4), damaged, RAFT_WAL_HEADER_BYTES, damaged.length));
    const file = new Uint8Array([...first, ...damaged]);
    const thrown = (() => {
      try {
        decodeWalRecordAt(file, first.length);
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(thrown).toBeInstanceOf(DecodeError);
    expect(thrown).toMatchObject({ code: 'DECODE_TRAILING_BYTES', offset: file.length - 1 });
    expect(scanWal(file).tail).toMatchObject({ code: 'DECODE_TRAILING_BYTES', offset: file.length - 1 });
  });

  it('says why and where a WAL record is refused, and refuses an offset outside the input', () => {
    const good = encodeWalRecord({ kind: 'entry', entry: entry(1, 1, 'abc') });
    const file = new Uint8Array([...good, ...good]);
    const refusal = (bytes: Uint8Array, offset: number) => ({ ...decodeErrorOf(() => decodeWalRecordAt(bytes, offset)), message: decodeMessageOf(() => decodeWalRecordAt(bytes, offset)) });
    for (const offset of [-1, 0.5, Number.NaN, file.length + 1]) {
      expect(refusal(file, offset), `offset ${offset}`).toEqual({ code: 'RECORD_TOO_SHORT', offset: 0, message: 'RECORD_TOO_SHORT: offset outside the input' });
    }
    // The end of the input is an offset inside it, where no header fits.
    expect(refusal(file, file.length)).toEqual({ code: 'RECORD_TOO_SHORT', offset: file.length, message: 'RECORD_TOO_SHORT: WAL record header cut short' });
    expect(refusal(file.subarray(0, good.length + RAFT_WAL_HEADER_BYTES - 1), good.length)).toEqual({ code: 'RECORD_TOO_SHORT', offset: good.length, message: 'RECORD_TOO_SHORT: WAL record header cut short' });
    expect(refusal(file.subarray(0, file.length - 1), good.length)).toEqual({ code: 'RECORD_TOO_SHORT', offset: good.length, message: 'RECORD_TOO_SHORT: WAL record payload cut short' });
    // A length at the limit is trusted (the record is then cut short here); one above is not.
    const atLimit = file.slice();
    writeU32LeAt(atLimit, good.length, RAFT_WAL_RECORD_BYTES_MAX);
    expect(refusal(atLimit, good.length)).toEqual({ code: 'RECORD_TOO_SHORT', offset: good.length, message: 'RECORD_TOO_SHORT: WAL record payload cut short' });
    const tooLong = file.slice();
    writeU32LeAt(tooLong, good.length, RAFT_WAL_RECORD_BYTES_MAX + 1);
    expect(refusal(tooLong, good.length)).toEqual({ code: 'RECORD_TOO_LONG', offset: good.length, message: `RECORD_TOO_LONG: WAL record of ${RAFT_WAL_RECORD_BYTES_MAX + 1} bytes` });
    const flipped = file.slice();
    flipped[file.length - 1] = (flipped[file.length - 1] as number) ^ 1;
    expect(refusal(flipped, good.length)).toEqual({ code: 'RECORD_CRC_MISMATCH', offset: good.length, message: 'RECORD_CRC_MISMATCH: WAL record checksum mismatch' });
  });

  it('detects a flipped bit anywhere in a record', () => {
    const bytes = encodeWalRecord({ kind: 'entry', entry: entry(2, 9, 'payload') });
    for (let i = 0; i < bytes.length; i += 1) {
      const damaged = bytes.slice();
      damaged[i] = (damaged[i] as number) ^ 0x10;
      expect(() => decodeWalRecordAt(damaged, 0)).toThrow(DecodeError);
    }
  });

  it('scans arbitrary bytes without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const scan = scanWal(bytes);
        expect(scan.validBytes).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 3_000 },
    );
  });

  it('replays the WAL of any valid history into that history\'s final log, hard state and snapshot', () => {
    // A model of what the driver logs (drivers/raft/raft-driver.ts persist, storage.ts): appends
    // that may overwrite a suffix, hard states, a snapshot installed from a leader (file, then a
    // marker; the log restarts after it), and a local compaction (file, then the WAL rewritten
    // to what follows it, or not yet: a crash between the two). The replay must rebuild exactly
    // the model's log after the snapshot, its last hard state and its snapshot.
    type Op =
      | { kind: 'append'; from: number; count: number; termStep: number }
      | { kind: 'hard-state'; term: number; vote: number; commit: number }
      | { kind: 'install'; ahead: number }
      | { kind: 'compact'; back: number; rewrite: boolean };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), from: fc.nat(8), count: fc.integer({ min: 1, max: 4 }), termStep: fc.nat(1) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('hard-state' as const), term: fc.nat(9), vote: fc.nat(5), commit: fc.nat(20) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('install' as const), ahead: fc.nat(5) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.nat(4), rewrite: fc.boolean() }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        let wal: WalRecord[] = [];
        let log: Entry[] = []; // the entries after the snapshot, consecutive
        let snapshot: { lastIncludedIndex: number; lastIncludedTerm: number; data: Uint8Array } | undefined;
        let hardState = { term: 0, vote: 0, commit: 0 };
        let term = 1;
        let serial = 0;
        const base = (): number => snapshot?.lastIncludedIndex ?? 0;
        const last = (): number => base() + log.length;
        const termAt = (index: number): number => (index === base() ? (snapshot?.lastIncludedTerm ?? 0) : (log[index - base() - 1] as Entry).term);
        for (const o of ops) {
          if (o.kind === 'append') {
            // From anywhere after the snapshot up to one past the end (an overwrite or an append).
            const from = base() + 1 + (o.from % (log.length + 1));
            term += o.termStep;
            log = log.slice(0, from - base() - 1);
            for (let i = 0; i < o.count; i += 1) {
              const e = entry(term, from + i, `e${(serial += 1)}`);
              log.push(e);
              wal.push({ kind: 'entry', entry: e });
            }
          } else if (o.kind === 'hard-state') {
            hardState = { term: o.term, vote: o.vote, commit: o.commit };
            wal.push({ kind: 'hard-state', hardState });
          } else if (o.kind === 'install') {
            // A leader's snapshot past (or at) our end replaces the whole log.
            term += 1;
            snapshot = { lastIncludedIndex: last() + o.ahead + 1, lastIncludedTerm: term, data: new Uint8Array([serial & 0xff]) };
            log = [];
            wal.push({ kind: 'snapshot', lastIncludedIndex: snapshot.lastIncludedIndex, lastIncludedTerm: snapshot.lastIncludedTerm });
          } else {
            if (log.length === 0) continue;
            const at = last() - Math.min(o.back, log.length - 1);
            const atTerm = termAt(at);
            snapshot = { lastIncludedIndex: at, lastIncludedTerm: atTerm, data: new Uint8Array([at & 0xff]) };
            log = log.filter((e) => e.index > at);
            if (o.rewrite) wal = [{ kind: 'hard-state', hardState }, ...log.map((e): WalRecord => ({ kind: 'entry', entry: e }))];
          }
        }
        const replayed = replayWal(snapshot, wal);
        expect(replayed.entries).toEqual(log);
        expect(replayed.hardState).toEqual(hardState);
        expect(replayed.snapshot).toEqual(snapshot);
      }),
      { numRuns: 2_000 },
    );
  });

  it('replays: the last hard state wins and a rewritten index replaces the suffix', () => {
    const state = replayWal(undefined, [
      { kind: 'entry', entry: entry(1, 1) },
      { kind: 'entry', entry: entry(1, 2, 'a') },
      { kind: 'entry', entry: entry(1, 3, 'b') },
      { kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 1 } },
      { kind: 'entry', entry: entry(2, 2, 'x') },
      { kind: 'hard-state', hardState: { term: 2, vote: 3, commit: 2 } },
    ]);
    expect(state.hardState).toEqual({ term: 2, vote: 3, commit: 2 });
    expect(state.entries).toEqual([entry(1, 1), entry(2, 2, 'x')]);
  });

  it('replays around snapshots: a marker voids older entries, compaction drops covered ones', () => {
    const snapshot = { lastIncludedIndex: 5, lastIncludedTerm: 2, data: new Uint8Array([1]) };
    const installed = replayWal(snapshot, [
      { kind: 'entry', entry: entry(1, 6, 'stale') },
      { kind: 'snapshot', lastIncludedIndex: 5, lastIncludedTerm: 2 },
      { kind: 'entry', entry: entry(3, 6, 'new') },
    ]);
    expect(installed.entries).toEqual([entry(3, 6, 'new')]);
    const compacted = replayWal({ lastIncludedIndex: 2, lastIncludedTerm: 1, data: new Uint8Array() }, [
      { kind: 'entry', entry: entry(1, 1) },
      { kind: 'entry', entry: entry(1, 2, 'a') },
      { kind: 'entry', entry: entry(1, 3, 'b') },
    ]);
    expect(compacted.entries).toEqual([entry(1, 3, 'b')]);
    expect(compacted.snapshot?.lastIncludedIndex).toBe(2);
  });

  it('replays a log whose snapshot marker was lost: the snapshot file bridges a gap that ends right after it (simulator 5-node seed 425)', () => {
    const snapshot = { lastIncludedIndex: 5, lastIncludedTerm: 2, data: new Uint8Array([1]) };
    const state = replayWal(snapshot, [
      { kind: 'entry', entry: entry(1, 1) },
      { kind: 'entry', entry: entry(1, 2, 'a') },
      { kind: 'hard-state', hardState: { term: 3, vote: 1, commit: 5 } },
      // The marker for the snapshot at 5 never reached the disk; the log went on after it.
      { kind: 'entry', entry: entry(3, 6, 'c') },
      { kind: 'entry', entry: entry(3, 7, 'd') },
    ]);
    expect(state.entries).toEqual([entry(3, 6, 'c'), entry(3, 7, 'd')]);
    expect(state.snapshot?.lastIncludedIndex).toBe(5);
    // A gap that a later marker covers (5-node seed 624: an older marker lost, a newer one logged).
    const later = replayWal({ lastIncludedIndex: 16, lastIncludedTerm: 4, data: new Uint8Array([1]) }, [
      { kind: 'entry', entry: entry(1, 7) },
      { kind: 'entry', entry: entry(2, 9, 'after the lost marker of 8') },
      { kind: 'snapshot', lastIncludedIndex: 16, lastIncludedTerm: 4 },
      { kind: 'entry', entry: entry(4, 17, 'e') },
    ]);
    expect(later.entries).toEqual([entry(4, 17, 'e')]);
    // A gap the snapshot does not explain is still refused: one ending elsewhere, or entries
    // logged past the snapshot before the gap.
    expect(() => replayWal(snapshot, [{ kind: 'entry', entry: entry(1, 1) }, { kind: 'entry', entry: entry(3, 7, 'd') }])).toThrow(/after a gap/);
    expect(() =>
      replayWal({ ...snapshot, lastIncludedIndex: 1 }, [
        { kind: 'entry', entry: entry(1, 1) },
        { kind: 'entry', entry: entry(1, 2) },
        { kind: 'entry', entry: entry(3, 6, 'c') },
      ]),
    ).toThrow(/after a gap/);
  });

  it('refuses to replay a log with a gap or one that disagrees with its snapshot', () => {
    expect(() => replayWal(undefined, [{ kind: 'entry', entry: entry(1, 2, 'a') }])).toThrow('RECORD_MALFORMED: WAL starts after 1, the snapshot ends at 0');
    expect(() => replayWal(undefined, [{ kind: 'entry', entry: entry(1, 1) }, { kind: 'entry', entry: entry(1, 3, 'b') }])).toThrow(
      'RECORD_MALFORMED: WAL entry 3 after a gap that the snapshot (ending at 0) does not cover',
    );
    expect(() => replayWal({ lastIncludedIndex: 1, lastIncludedTerm: 2, data: new Uint8Array() }, [{ kind: 'entry', entry: entry(1, 1) }])).toThrow(
      "RECORD_MALFORMED: WAL entry 1 disagrees with the snapshot's term",
    );
    expect(() =>
      replayWal(undefined, [
        { kind: 'entry', entry: entry(1, 1) },
        { kind: 'entry', entry: entry(1, 3, 'b') },
      ]),
    ).toThrow(/RECORD_MALFORMED/);
    expect(() =>
      replayWal({ lastIncludedIndex: 1, lastIncludedTerm: 2, data: new Uint8Array() }, [{ kind: 'entry', entry: entry(1, 1) }]),
    ).toThrow(/RECORD_MALFORMED/);
  });
});

describe('raft WAL replay: what it returns', () => {
  it('returns no snapshot key without a snapshot, and drops every entry a snapshot past the log covers', () => {
    const log: WalRecord[] = [
      { kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 2 } },
      { kind: 'entry', entry: entry(1, 1) },
      { kind: 'entry', entry: entry(1, 2, 'a') },
    ];
    expect(Object.keys(replayWal(undefined, log))).toEqual(['hardState', 'entries']);
    // A snapshot installed past the end of the log (at 5, the log ends at 2): nothing is left.
    const snapshot = { lastIncludedIndex: 5, lastIncludedTerm: 2, data: new Uint8Array([1]) };
    expect(replayWal(snapshot, log)).toEqual({ hardState: { term: 1, vote: 1, commit: 2 }, snapshot, entries: [] });
  });
});

describe('raft snapshot file', () => {
  const seal = (version: number, body: (w: import('../codec/le.js').LeWriter) => void): Uint8Array => sealFramedRecord(RAFT_SNAPSHOT_RECORD_MAGIC, version, body);
  const refusal = (bytes: Uint8Array) => ({ ...decodeErrorOf(() => decodeSnapshotRecord(bytes)), message: decodeMessageOf(() => decodeSnapshotRecord(bytes)) });

  it('says why a snapshot record is refused: too short for its version, lengths that do not add up, no entry covered', () => {
    // Version 1: index, term, data length (20 bytes of body); version 2 adds the membership length.
    expect(refusal(seal(RAFT_SNAPSHOT_RECORD_VERSION, (w) => w.u64n(1).u64n(1)))).toMatchObject({ code: 'RECORD_TOO_SHORT', offset: 0 });
    expect(refusal(seal(RAFT_SNAPSHOT_RECORD_VERSION_MEMBERSHIP, (w) => w.u64n(1).u64n(1).u32(0)))).toMatchObject({ code: 'RECORD_TOO_SHORT', offset: 0 });
    expect(decodeSnapshotRecord(seal(RAFT_SNAPSHOT_RECORD_VERSION, (w) => w.u64n(1).u64n(1).u32(0)))).toEqual({ lastIncludedIndex: 1, lastIncludedTerm: 1, data: new Uint8Array() });
    // The data claims more than the record holds.
    expect(refusal(seal(RAFT_SNAPSHOT_RECORD_VERSION_MEMBERSHIP, (w) => w.u64n(1).u64n(1).u32(3).raw(Uint8Array.of(1, 2)).u32(0)))).toEqual({
      code: 'RECORD_MALFORMED',
      offset: 25,
      message: 'RECORD_MALFORMED: snapshot data length does not match the record',
    });
    // An empty membership: the lengths add up, and the membership itself is refused, at it.
    expect(refusal(seal(RAFT_SNAPSHOT_RECORD_VERSION_MEMBERSHIP, (w) => w.u64n(1).u64n(1).u32(2).raw(Uint8Array.of(1, 2)).u32(0)))).toMatchObject({
      code: 'RECORD_MALFORMED',
      offset: 31,
      message: expect.stringMatching(/^RECORD_MALFORMED: snapshot membership: /),
    });
    for (const [index, term] of [[0, 1], [1, 0]] as const) {
      expect(refusal(seal(RAFT_SNAPSHOT_RECORD_VERSION, (w) => w.u64n(index).u64n(term).u32(0)))).toEqual({ code: 'RECORD_OUT_OF_RANGE', offset: 5, message: 'RECORD_OUT_OF_RANGE: snapshot covers no entry' });
    }
  });

  it('takes a snapshot of up to RAFT_SNAPSHOT_BYTES_MAX bytes of data, and refuses a longer record before reading it', () => {
    const largest = encodeSnapshotRecord({ lastIncludedIndex: 1, lastIncludedTerm: 1, data: new Uint8Array(RAFT_SNAPSHOT_BYTES_MAX) });
    expect(decodeSnapshotRecord(largest).data).toHaveLength(RAFT_SNAPSHOT_BYTES_MAX);
    const longer = new Uint8Array(largest.length + 1);
    longer.set(largest);
    expect(refusal(longer)).toEqual({ code: 'RECORD_TOO_LONG', offset: 0, message: `RECORD_TOO_LONG: snapshot record of ${longer.length} bytes` });
    // Data longer than the record's fixed part (the writer's first guess at the size) round-trips.
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    expect(decodeSnapshotRecord(encodeSnapshotRecord({ lastIncludedIndex: 2, lastIncludedTerm: 1, data })).data).toEqual(data);
  });

  it('decodes data the caller owns: changing the record afterwards does not change the snapshot', () => {
    const bytes = encodeSnapshotRecord({ lastIncludedIndex: 3, lastIncludedTerm: 1, data: new Uint8Array([7, 8, 9]) });
    const snapshot = decodeSnapshotRecord(bytes);
    bytes.fill(0);
    expect(snapshot.data).toEqual(new Uint8Array([7, 8, 9]));
  });


  it('round-trips', () => {
    fc.assert(
      fc.property(snapshotArbitrary(), (s) => {
        expect(decodeSnapshotRecord(encodeSnapshotRecord(s))).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses damage and decodes arbitrary bytes totally', () => {
    const bytes = encodeSnapshotRecord({ lastIncludedIndex: 3, lastIncludedTerm: 1, data: new Uint8Array([7, 8, 9]) });
    for (let i = 0; i < bytes.length; i += 1) {
      const damaged = bytes.slice();
      damaged[i] = (damaged[i] as number) ^ 0x01;
      expect(() => decodeSnapshotRecord(damaged)).toThrow(DecodeError);
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => decodesOrDecodeError(() => decodeSnapshotRecord(b))), { numRuns: 2_000 });
  });
});
