// Round trips and totality of the Paxos byte formats: peer messages, log records (with torn and
// corrupt tails), the replay of a log, and the snapshot file.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDecodeError } from '../errors.js';
import { paxosLogRecordArbitrary, paxosMessageArbitrary, paxosSnapshotArbitrary } from './arbitraries.js';
import {
  decodePaxosLogRecordAt,
  decodePaxosMessage,
  decodePaxosSnapshotRecord,
  encodePaxosLogRecord,
  encodePaxosMessage,
  encodePaxosSnapshotRecord,
  replayPaxosLog,
  scanPaxosLog,
  type PaxosLogRecord,
} from './codec.js';
import type { PaxosEntry } from './types.js';

const messageArb = paxosMessageArbitrary;
const snapshotArb = paxosSnapshotArbitrary;

describe('paxos peer messages', () => {
  it('round-trip every variant', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(decodePaxosMessage(encodePaxosMessage(m))).toEqual(m);
      }),
    );
  });

  it('decoding is total: any bytes decode or throw a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodePaxosMessage(bytes);
        } catch (error) {
          expect(isDecodeError(error)).toBe(true);
        }
      }),
    );
  });

  it('a mutated message decodes to a valid message or throws a DecodeError', () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (m, at, byte) => {
        const bytes = encodePaxosMessage(m);
        bytes[at % bytes.length] = byte;
        try {
          decodePaxosMessage(bytes);
        } catch (error) {
          expect(isDecodeError(error)).toBe(true);
        }
      }),
    );
  });
});

describe('paxos log records', () => {
  it('round-trip every kind', () => {
    fc.assert(
      fc.property(paxosLogRecordArbitrary, (record) => {
        expect(decodePaxosLogRecordAt(encodePaxosLogRecord(record), 0).record).toEqual(record);
      }),
    );
  });

  const b = { n: 2, nodeId: 1 };
  const e = (index: number, text = `e${index}`): PaxosEntry => ({ index, ballot: b, kind: 'normal', data: new TextEncoder().encode(text) });
  const records: PaxosLogRecord[] = [
    { kind: 'acceptor', acceptor: { promised: b, acceptedRound: b, decidedIndex: 0 } },
    { kind: 'entry', entry: e(1) },
    { kind: 'entry', entry: e(2) },
    { kind: 'entry', entry: e(3) },
    { kind: 'truncate', index: 1 },
    { kind: 'entry', entry: e(2, 'x') },
    { kind: 'acceptor', acceptor: { promised: { n: 3, nodeId: 2 }, acceptedRound: b, decidedIndex: 2 } },
  ];

  it('round-trip and replay: truncations cut, the last acceptor state wins', () => {
    const bytes = Uint8Array.from(records.flatMap((r) => [...encodePaxosLogRecord(r)]));
    const scan = scanPaxosLog(bytes);
    expect(scan.tail).toBeNull();
    expect(scan.records).toEqual(records);
    const replayed = replayPaxosLog(undefined, scan.records);
    expect(replayed.entries.map((x) => new TextDecoder().decode(x.data))).toEqual(['e1', 'x']);
    expect(replayed.acceptor).toEqual({ promised: { n: 3, nodeId: 2 }, acceptedRound: b, decidedIndex: 2 });
  });

  it('a torn tail stops the scan at the last whole record', () => {
    const bytes = Uint8Array.from(records.flatMap((r) => [...encodePaxosLogRecord(r)]));
    const whole = scanPaxosLog(bytes).validBytes;
    const scan = scanPaxosLog(bytes.subarray(0, whole - 3));
    expect(scan.records).toEqual(records.slice(0, -1));
    expect(scan.tail?.code).toBe('RECORD_TOO_SHORT');
  });

  it('a flipped bit fails the record checksum', () => {
    const bytes = encodePaxosLogRecord(records[1] as PaxosLogRecord);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    expect(() => decodePaxosLogRecordAt(bytes, 0)).toThrow(expect.objectContaining({ code: 'RECORD_CRC_MISMATCH' }));
  });

  it('replay drops what a snapshot covers and refuses a gap it does not', () => {
    const snapshot = { lastIncludedIndex: 2, data: new Uint8Array([1]) };
    const replayed = replayPaxosLog(snapshot, [{ kind: 'entry', entry: e(1) }, { kind: 'entry', entry: e(2) }, { kind: 'entry', entry: e(3) }]);
    expect(replayed.entries.map((x) => x.index)).toEqual([3]);
    expect(() => replayPaxosLog(undefined, [{ kind: 'entry', entry: e(1) }, { kind: 'entry', entry: e(3) }])).toThrow(expect.objectContaining({ code: 'RECORD_MALFORMED' }));
  });
});

describe('paxos log replay', () => {
  const ballot = { n: 4, nodeId: 2 };
  const entry = (index: number, tag = 0): PaxosEntry => ({ index, ballot, kind: 'normal', data: Uint8Array.of(index & 0xff, tag) });
  const put = (index: number, tag = 0): PaxosLogRecord => ({ kind: 'entry', entry: entry(index, tag) });
  const indicesOf = (state: { entries: readonly PaxosEntry[] }): number[] => state.entries.map((x) => x.index);
  const snapshotAt = (lastIncludedIndex: number) => ({ lastIncludedIndex, data: Uint8Array.of(9) });

  it('replays an empty log to no entries, with the snapshot when there is one and without the field when not', () => {
    const none = replayPaxosLog(undefined, []);
    expect(none.entries).toEqual([]);
    expect('snapshot' in none).toBe(false);
    const withSnapshot = replayPaxosLog(snapshotAt(5), []);
    expect(withSnapshot.entries).toEqual([]);
    expect(withSnapshot.snapshot).toEqual(snapshotAt(5));
  });

  it('cuts at a truncation after a snapshot marker, by index (not by position), and a truncation at the marker voids all', () => {
    const after = [{ kind: 'snapshot', lastIncludedIndex: 10 }, put(11), put(12), put(13), put(14), put(15)] as const;
    expect(indicesOf(replayPaxosLog(snapshotAt(10), [...after, { kind: 'truncate', index: 13 }]))).toEqual([11, 12, 13]);
    expect(indicesOf(replayPaxosLog(snapshotAt(10), [...after, { kind: 'truncate', index: 10 }]))).toEqual([]);
    // A truncation below the marker (decided entries cannot be cut) changes nothing.
    expect(indicesOf(replayPaxosLog(snapshotAt(10), [...after, { kind: 'truncate', index: 5 }]))).toEqual([11, 12, 13, 14, 15]);
    // A truncation before any entry or marker has nothing to cut.
    expect(indicesOf(replayPaxosLog(undefined, [{ kind: 'truncate', index: 3 }, put(1), put(2)]))).toEqual([1, 2]);
  });

  it('skips an entry the marker covers, replaces from a rewritten index on, and restarts at a gap a snapshot explains', () => {
    expect(indicesOf(replayPaxosLog(snapshotAt(10), [{ kind: 'snapshot', lastIncludedIndex: 10 }, put(10), put(11), put(12)]))).toEqual([11, 12]);
    const rewritten = replayPaxosLog(snapshotAt(10), [{ kind: 'snapshot', lastIncludedIndex: 10 }, put(11), put(12), put(13), put(12, 7)]);
    expect(rewritten.entries).toEqual([entry(11), entry(12, 7)]);
    // Entries 1..3, then 7: a gap the snapshot file (at 6) explains.
    expect(indicesOf(replayPaxosLog(snapshotAt(6), [put(1), put(2), put(3), put(7), put(8)]))).toEqual([7, 8]);
    expect(() => replayPaxosLog(snapshotAt(5), [put(1), put(2), put(3), put(7)])).toThrow(
      expect.objectContaining({ code: 'RECORD_MALFORMED', message: expect.stringContaining('log starts after 6, the snapshot ends at 5') as unknown }),
    );
  });

  it('drops what a snapshot file covers past the log start, whatever the log started at', () => {
    const log = [{ kind: 'snapshot', lastIncludedIndex: 10 }, put(11), put(12), put(13)] as const;
    expect(indicesOf(replayPaxosLog(snapshotAt(12), [...log]))).toEqual([13]);
    expect(indicesOf(replayPaxosLog(snapshotAt(13), [...log]))).toEqual([]);
    expect(indicesOf(replayPaxosLog(snapshotAt(20), [...log]))).toEqual([]);
    expect(indicesOf(replayPaxosLog(snapshotAt(2), [put(1), put(2), put(3), put(4)]))).toEqual([3, 4]);
  });

  it('agrees with a model keyed by index on any log an acceptor writes (property)', () => {
    // The acceptor's writes: entries at or just past the end (a rewrite replaces from its index on),
    // truncations, snapshot markers at or below the last index; then a snapshot file at or below
    // the last marker (or none). The model keeps a map from index to entry instead of an array.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), back: fc.nat({ max: 4 }), tag: fc.nat({ max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), back: fc.nat({ max: 6 }) }),
      fc.record({ kind: fc.constant('marker' as const), back: fc.nat({ max: 3 }) }),
      fc.record({ kind: fc.constant('acceptor' as const), n: fc.nat({ max: 9 }) }),
    );
    fc.assert(
      fc.property(fc.nat({ max: 20 }), fc.array(op, { maxLength: 30 }), fc.option(fc.nat({ max: 3 })), (start, ops, fileBack) => {
        const records: PaxosLogRecord[] = [];
        const model = new Map<number, PaxosEntry>();
        let base: number | null = null;
        let last = start;
        let marker: number | null = null;
        let acceptorN = 0;
        for (const o of ops) {
          if (o.kind === 'put') {
            const index = Math.max((base ?? start) + 1, last + 1 - o.back);
            const written = entry(index, o.tag);
            records.push({ kind: 'entry', entry: written });
            if (base === null) base = index - 1;
            for (const k of [...model.keys()]) if (k >= index) model.delete(k);
            model.set(index, written);
            last = index;
          } else if (o.kind === 'truncate') {
            const index = Math.max(base ?? start, last - o.back);
            records.push({ kind: 'truncate', index });
            if (base !== null) for (const k of [...model.keys()]) if (k > index) model.delete(k);
            if (base !== null) last = Math.min(last, index);
          } else if (o.kind === 'marker') {
            const index = Math.max(base ?? start, last - o.back);
            records.push({ kind: 'snapshot', lastIncludedIndex: index });
            model.clear();
            base = index;
            marker = index;
            last = index;
          } else {
            acceptorN = o.n;
            records.push({ kind: 'acceptor', acceptor: { promised: { n: o.n, nodeId: 1 }, acceptedRound: { n: 0, nodeId: 0 }, decidedIndex: 0 } });
          }
        }
        const fileIndex = fileBack === null ? null : Math.max(1, (marker ?? base ?? start) - fileBack);
        const snapshot = fileIndex === null ? undefined : snapshotAt(fileIndex);
        const snapshotIndex = fileIndex ?? 0;
        const logStart = base ?? snapshotIndex;
        let replayed: ReturnType<typeof replayPaxosLog> | null = null;
        let error: unknown = null;
        try {
          replayed = replayPaxosLog(snapshot, records);
        } catch (e) {
          error = e;
        }
        if (logStart > snapshotIndex) {
          expect(error).toMatchObject({ code: 'RECORD_MALFORMED' });
          return;
        }
        expect(error).toBeNull();
        const expected = [...model.entries()].filter(([k]) => k > snapshotIndex).sort(([a], [b]) => a - b).map(([, v]) => v);
        expect(replayed?.entries).toEqual(expected);
        expect(replayed?.acceptor.promised.n).toBe(acceptorN);
        expect(replayed !== null && 'snapshot' in replayed).toBe(snapshot !== undefined);
      }),
      { numRuns: 500 },
    );
  });
});

describe('paxos snapshot file', () => {
  it('round-trips and refuses any flipped byte', () => {
    fc.assert(
      fc.property(snapshotArb, fc.nat(), (snapshot, at) => {
        const bytes = encodePaxosSnapshotRecord(snapshot);
        expect(decodePaxosSnapshotRecord(bytes)).toEqual(snapshot);
        bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ 0x10;
        expect(() => decodePaxosSnapshotRecord(bytes)).toThrow();
      }),
    );
  });
});
