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
  PAXOS_LOG_RECORD_BYTES_MAX,
  type PaxosLogRecord,
} from './codec.js';
import { PAXOS_SNAPSHOT_BYTES_MAX } from './limits.js';
import { sealFramedRecord } from '../records/framed.js';
import { decodeErrorOf, decodeMessageOf } from '../test-support.js';
import type { PaxosEntry, PaxosMessage } from './types.js';

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

describe('paxos decoder refusals (each rule by its message, and its limit accepted)', () => {
  const ballot = { n: 3, nodeId: 1 };
  const entry = (index: number, over: Partial<PaxosEntry> = {}): PaxosEntry => ({ index, ballot, kind: 'normal', data: Uint8Array.of(1), ...over });
  const head = { from: 1, to: 2, ballot };
  /** The code, offset and message of the DecodeError `action` throws. */
  const refusalOf = (action: () => unknown): { code: string; offset: number | undefined; message: string } => ({ ...decodeErrorOf(action), message: decodeMessageOf(action) });
  const refused = (m: PaxosMessage, text: string): void => {
    expect(refusalOf(() => decodePaxosMessage(encodePaxosMessage(m)))).toMatchObject({ code: 'DECODE_INVALID_VALUE', message: expect.stringContaining(text) as unknown });
  };
  const taken = (m: PaxosMessage): void => {
    // Strictly: a field the message does not have (a snapshot) must be absent, not undefined.
    expect(decodePaxosMessage(encodePaxosMessage(m))).toStrictEqual(m);
  };

  it('message ids: at least 1 and distinct', () => {
    for (const [from, to] of [
      [0, 2],
      [2, 0],
      [3, 3],
    ] as const) {
      refused({ type: 'pre-prepare', from, to, ballot }, 'message ids are ≥ 1 and distinct');
    }
    taken({ type: 'pre-prepare', from: 1, to: 2, ballot });
    taken({ type: 'pre-prepare', from: 2, to: 1, ballot });
  });

  it('ballots: both halves zero or neither, each in range', () => {
    refused({ type: 'pre-prepare', ...head, ballot: { n: 0, nodeId: 1 } }, 'ballot_half_zero');
    refused({ type: 'pre-prepare', ...head, ballot: { n: 1, nodeId: 0x1_0000 } }, 'ballot_node_id_out_of_range');
    taken({ type: 'pre-prepare', ...head, ballot: { n: 0, nodeId: 0 } });
    taken({ type: 'pre-prepare', ...head, ballot: { n: 1, nodeId: 0xffff } });
  });

  it('entries: index and ballot from 1, no data in a no-op, consecutive from the stated index', () => {
    const accept = (entries: PaxosEntry[], startIndex = 5): PaxosMessage => ({ type: 'accept', ...head, round: 1, startIndex, decidedIndex: 0, entries });
    refused(accept([entry(0)], 0), 'an accept starts at index 1 or later');
    taken(accept([entry(1)], 1));
    refused(accept([entry(5, { ballot: { n: 0, nodeId: 0 } })]), 'entry index and ballot start at 1');
    refused(accept([entry(5, { kind: 'noop' })]), 'a no-op entry carries no data');
    taken(accept([entry(5, { kind: 'noop', data: new Uint8Array(0) }), entry(6)]));
    refused(accept([entry(5), entry(7)]), 'entries not consecutive from the stated index');
    refused(accept([entry(6)]), 'entries not consecutive from the stated index');
  });

  it('promises: not below their accepted round, a suffix starting at its snapshot; syncs the same', () => {
    const promise = (over: Partial<Extract<PaxosMessage, { type: 'promise' }>>): PaxosMessage => ({
      type: 'promise',
      ...head,
      acceptedRound: ballot,
      logEnd: 4,
      decidedIndex: 2,
      hasSuffix: true,
      suffixFrom: 2,
      entries: [entry(3), entry(4)],
      ...over,
    });
    taken(promise({}));
    refused(promise({ acceptedRound: { n: 3, nodeId: 2 } }), 'a promise below its accepted round');
    taken(promise({ acceptedRound: { n: 2, nodeId: 9 } }));
    refused(promise({ snapshot: { lastIncludedIndex: 1, data: Uint8Array.of(1) } }), 'a promise suffix starts after its snapshot');
    taken(promise({ snapshot: { lastIncludedIndex: 2, data: Uint8Array.of(1) } }));
    refused(promise({ suffixFrom: 1, entries: [entry(1)], snapshot: { lastIncludedIndex: 0, data: new Uint8Array(0) } }), 'a snapshot covers at least one entry');
    const sync = (snapshotIndex: number): PaxosMessage => ({
      type: 'accept-sync',
      ...head,
      round: 1,
      syncIndex: 2,
      decidedIndex: 2,
      entries: [entry(3)],
      snapshot: { lastIncludedIndex: snapshotIndex, data: Uint8Array.of(1) },
    });
    refused(sync(3), 'a sync starts after its snapshot');
    taken(sync(2));
    taken({ type: 'accept-sync', ...head, round: 1, syncIndex: 2, decidedIndex: 2, entries: [entry(3)] });
  });

  it('log records: the offset, a cut header or payload, the length limit and the checksum, each by code and message', () => {
    const record = encodePaxosLogRecord({ kind: 'truncate', index: 3 });
    const at = (bytes: Uint8Array, offset: number) => refusalOf(() => decodePaxosLogRecordAt(bytes, offset));
    for (const offset of [-1, 1.5, record.length + 1]) {
      expect(at(record, offset)).toMatchObject({ code: 'RECORD_TOO_SHORT', message: expect.stringContaining('offset outside the input') as unknown });
    }
    expect(at(record, record.length)).toMatchObject({ code: 'RECORD_TOO_SHORT', message: expect.stringContaining('log record header cut short') as unknown });
    expect(at(record.subarray(0, 7), 0)).toMatchObject({ code: 'RECORD_TOO_SHORT', message: expect.stringContaining('log record header cut short') as unknown });
    expect(at(record.subarray(0, 8), 0)).toMatchObject({ code: 'RECORD_TOO_SHORT', message: expect.stringContaining('log record payload cut short') as unknown });
    const long = Uint8Array.from(record);
    new DataView(long.buffer).setUint32(0, PAXOS_LOG_RECORD_BYTES_MAX + 1, true);
    expect(at(long, 0)).toMatchObject({ code: 'RECORD_TOO_LONG', message: expect.stringContaining(`log record of ${PAXOS_LOG_RECORD_BYTES_MAX + 1} bytes`) as unknown });
    new DataView(long.buffer).setUint32(0, PAXOS_LOG_RECORD_BYTES_MAX, true);
    expect(at(long, 0)).toMatchObject({ code: 'RECORD_TOO_SHORT', message: expect.stringContaining('log record payload cut short') as unknown });
    const flipped = Uint8Array.from(record);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(at(flipped, 0)).toMatchObject({ code: 'RECORD_CRC_MISMATCH', offset: 0, message: expect.stringContaining('log record checksum mismatch') as unknown });
    // A record after another: offsets are the record's own.
    const two = Uint8Array.from([...record, ...flipped]);
    expect(at(two, record.length)).toMatchObject({ code: 'RECORD_CRC_MISMATCH', offset: record.length });
    expect(decodePaxosLogRecordAt(two, 0)).toEqual({ record: { kind: 'truncate', index: 3 }, nextOffset: record.length });
  });

  it('log records: an entry at index 0, and an acceptor whose accepted round passes its promise', () => {
    const decoded = (record: PaxosLogRecord) => decodePaxosLogRecordAt(encodePaxosLogRecord(record), 0).record;
    expect(refusalOf(() => decoded({ kind: 'entry', entry: entry(0) }))).toMatchObject({ code: 'DECODE_INVALID_VALUE', message: expect.stringContaining('entry index and ballot start at 1') as unknown });
    expect(decoded({ kind: 'entry', entry: entry(1) })).toEqual({ kind: 'entry', entry: entry(1) });
    const acceptor = (acceptedRound: { n: number; nodeId: number }): PaxosLogRecord => ({ kind: 'acceptor', acceptor: { promised: ballot, acceptedRound, decidedIndex: 0 } });
    expect(refusalOf(() => decoded(acceptor({ n: 3, nodeId: 2 })))).toMatchObject({ code: 'DECODE_INVALID_VALUE', message: expect.stringContaining('accepted round') as unknown });
    expect(decoded(acceptor(ballot))).toEqual(acceptor(ballot));
  });

  it('snapshot records: the smallest, the largest, a data length that does not match, and an index of 0', () => {
    const smallest = encodePaxosSnapshotRecord({ lastIncludedIndex: 1, data: new Uint8Array(0) });
    expect(smallest.length).toBe(5 + 8 + 4 + 4);
    expect(decodePaxosSnapshotRecord(smallest)).toEqual({ lastIncludedIndex: 1, data: new Uint8Array(0) });
    const snapshotRefusal = (bytes: Uint8Array) => refusalOf(() => decodePaxosSnapshotRecord(bytes));
    expect(snapshotRefusal(smallest.subarray(0, smallest.length - 1)).code).toBe('RECORD_TOO_SHORT');
    expect(snapshotRefusal(encodePaxosSnapshotRecord({ lastIncludedIndex: 0, data: Uint8Array.of(1) }))).toMatchObject({ code: 'RECORD_OUT_OF_RANGE', message: expect.stringContaining('snapshot covers no entry') as unknown });
    const largest = encodePaxosSnapshotRecord({ lastIncludedIndex: 7, data: new Uint8Array(PAXOS_SNAPSHOT_BYTES_MAX) });
    expect(largest.length).toBe(21 + PAXOS_SNAPSHOT_BYTES_MAX);
    expect(decodePaxosSnapshotRecord(largest).data.length).toBe(PAXOS_SNAPSHOT_BYTES_MAX);
    const tooLarge = new Uint8Array(largest.length + 1); // never read: refused by its length first
    expect(snapshotRefusal(tooLarge)).toMatchObject({ code: 'RECORD_TOO_LONG', message: expect.stringContaining(`snapshot record of ${largest.length + 1} bytes`) as unknown });
    // The data is the record's own copy: the file buffer it came from may be reused.
    const source = encodePaxosSnapshotRecord({ lastIncludedIndex: 4, data: Uint8Array.of(5, 6) });
    const decoded = decodePaxosSnapshotRecord(source);
    source.fill(0);
    expect(Array.from(decoded.data)).toEqual([5, 6]);
    // The stated data length one short of the bytes that follow.
    const mismatched = sealFramedRecord('TSPS', 1, (w) => w.u64n(2).u32(1).raw(Uint8Array.of(1, 2)));
    expect(snapshotRefusal(mismatched)).toMatchObject({ code: 'RECORD_MALFORMED', message: expect.stringContaining('snapshot data length does not match the record') as unknown });
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
    expect(none.acceptor).toStrictEqual({ promised: { n: 0, nodeId: 0 }, acceptedRound: { n: 0, nodeId: 0 }, decidedIndex: 0 });
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
