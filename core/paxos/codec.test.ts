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
