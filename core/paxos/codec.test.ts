// Round trips and totality of the Paxos byte formats: peer messages, log records (with torn and
// corrupt tails), the replay of a log, and the snapshot file.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDecodeError } from '../errors.js';
import { PAXOS_NODE_ID_MAX } from './ballot.js';
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
import type { Ballot, PaxosEntry, PaxosMessage } from './types.js';

const ballotArb: fc.Arbitrary<Ballot> = fc.record({ n: fc.integer({ min: 1, max: 1_000_000 }), nodeId: fc.integer({ min: 1, max: PAXOS_NODE_ID_MAX }) });
const dataArb = fc.uint8Array({ maxLength: 16 });

function entriesFrom(first: number): fc.Arbitrary<PaxosEntry[]> {
  return fc.array(fc.tuple(ballotArb, dataArb), { maxLength: 4 }).map((xs) => xs.map(([ballot, data], i) => ({ index: first + i, ballot, kind: 'normal' as const, data })));
}

const idsArb = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })).filter(([a, b]) => a !== b);
const snapshotArb = fc.record({ lastIncludedIndex: fc.integer({ min: 1, max: 1_000 }), data: dataArb });

const messageArb: fc.Arbitrary<PaxosMessage> = fc.tuple(idsArb, ballotArb, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 1_000 }), fc.boolean(), snapshotArb).chain<PaxosMessage>(
  ([[from, to], ballot, variant, index, flag, snapshot]) => {
    const head = { from, to, ballot };
    switch (variant) {
      case 0:
        return fc.constant({ type: 'pre-prepare' as const, ...head });
      case 1:
        return ballotArb.map((promised) => ({ type: 'pre-promise' as const, ...head, granted: flag, promised }));
      case 2:
        return ballotArb.map((acceptedRound) => ({ type: 'prepare' as const, ...head, decidedIndex: index, acceptedRound, logEnd: index + 3 }));
      case 3:
        return entriesFrom(flag ? snapshot.lastIncludedIndex + 1 : index + 1).map((entries) => ({
          type: 'promise' as const,
          ...head,
          acceptedRound: { n: Math.max(1, ballot.n - 1), nodeId: ballot.nodeId },
          logEnd: index + entries.length,
          decidedIndex: index,
          hasSuffix: true,
          suffixFrom: flag ? snapshot.lastIncludedIndex : index,
          entries,
          ...(flag ? { snapshot } : {}),
        }));
      case 4:
        return entriesFrom(flag ? snapshot.lastIncludedIndex + 1 : index + 1).map((entries) => ({
          type: 'accept-sync' as const,
          ...head,
          round: index,
          syncIndex: flag ? snapshot.lastIncludedIndex : index,
          entries,
          decidedIndex: index,
          ...(flag ? { snapshot } : {}),
        }));
      case 5:
        return entriesFrom(index + 1).map((entries) => ({ type: 'accept' as const, ...head, round: 3, startIndex: index + 1, entries, decidedIndex: index }));
      case 6:
        return fc.constant({ type: 'accepted' as const, ...head, round: 2, synced: flag, logEnd: index });
      default:
        return ballotArb.map((promised) => ({ type: 'nack' as const, ...head, promised }));
    }
  },
);

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
