// TEST SUPPORT ONLY (imports fast-check, a dev dependency; not exported from any index):
// fast-check arbitraries for Paxos messages and log records, shared by the codec tests and the
// fuzz targets (fuzz/targets/paxos-*.ts).
//
// Invariant: everything drawn here satisfies every structural check of the decoders (ids ≥ 1 and
// distinct, ballots in range, entries consecutive from the stated index, a promise's accepted
// round at most its ballot, a snapshot where the suffix starts): encode then decode gives the
// same value back.
import fc from 'fast-check';
import { PAXOS_NODE_ID_MAX } from './ballot.js';
import type { PaxosLogRecord } from './codec.js';
import type { Ballot, PaxosEntry, PaxosMessage, PaxosSnapshot } from './types.js';

export const paxosBallotArbitrary: fc.Arbitrary<Ballot> = fc.record({ n: fc.integer({ min: 1, max: 1_000_000 }), nodeId: fc.integer({ min: 1, max: PAXOS_NODE_ID_MAX }) });

const dataArbitrary = fc.uint8Array({ maxLength: 16 });

export function paxosEntriesFrom(first: number): fc.Arbitrary<PaxosEntry[]> {
  return fc
    .array(fc.tuple(paxosBallotArbitrary, dataArbitrary, fc.boolean()), { maxLength: 4 })
    .map((xs) => xs.map(([ballot, data, noop], i) => (noop ? { index: first + i, ballot, kind: 'noop' as const, data: new Uint8Array(0) } : { index: first + i, ballot, kind: 'normal' as const, data })));
}

export const paxosSnapshotArbitrary: fc.Arbitrary<PaxosSnapshot> = fc.record({ lastIncludedIndex: fc.integer({ min: 1, max: 1_000 }), data: dataArbitrary });

const idsArbitrary = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })).filter(([a, b]) => a !== b);

export const paxosMessageArbitrary: fc.Arbitrary<PaxosMessage> = fc
  .tuple(idsArbitrary, paxosBallotArbitrary, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 1_000 }), fc.boolean(), paxosSnapshotArbitrary)
  .chain<PaxosMessage>(([[from, to], ballot, variant, index, flag, snapshot]) => {
    const head = { from, to, ballot };
    switch (variant) {
      case 0:
        return fc.constant({ type: 'pre-prepare' as const, ...head });
      case 1:
        return paxosBallotArbitrary.map((promised) => ({ type: 'pre-promise' as const, ...head, granted: flag, promised }));
      case 2:
        return paxosBallotArbitrary.map((acceptedRound) => ({ type: 'prepare' as const, ...head, decidedIndex: index, acceptedRound, logEnd: index + 3 }));
      case 3:
        return paxosEntriesFrom(flag ? snapshot.lastIncludedIndex + 1 : index + 1).map((entries) => ({
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
        return paxosEntriesFrom(flag ? snapshot.lastIncludedIndex + 1 : index + 1).map((entries) => ({
          type: 'accept-sync' as const,
          ...head,
          round: index,
          syncIndex: flag ? snapshot.lastIncludedIndex : index,
          entries,
          decidedIndex: index,
          ...(flag ? { snapshot } : {}),
        }));
      case 5:
        return paxosEntriesFrom(index + 1).map((entries) => ({ type: 'accept' as const, ...head, round: 3, startIndex: index + 1, entries, decidedIndex: index }));
      case 6:
        return fc.constant({ type: 'accepted' as const, ...head, round: 2, synced: flag, logEnd: index });
      default:
        return paxosBallotArbitrary.map((promised) => ({ type: 'nack' as const, ...head, promised }));
    }
  });

export const paxosLogRecordArbitrary: fc.Arbitrary<PaxosLogRecord> = fc.oneof(
  paxosEntriesFrom(1).chain((entries) => fc.constantFrom(...(entries.length > 0 ? entries : [{ index: 1, ballot: { n: 1, nodeId: 1 }, kind: 'noop' as const, data: new Uint8Array(0) }]))).map((entry) => ({ kind: 'entry' as const, entry })),
  fc.tuple(paxosBallotArbitrary, paxosBallotArbitrary, fc.integer({ min: 0, max: 1_000 })).map(([a, b, decidedIndex]) => {
    const [acceptedRound, promised] = a.n <= b.n ? [a, b] : [b, a];
    return { kind: 'acceptor' as const, acceptor: { promised, acceptedRound: acceptedRound.n === promised.n ? promised : acceptedRound, decidedIndex } };
  }),
  fc.integer({ min: 0, max: 1_000 }).map((lastIncludedIndex) => ({ kind: 'snapshot' as const, lastIncludedIndex })),
  fc.integer({ min: 0, max: 1_000 }).map((index) => ({ kind: 'truncate' as const, index })),
);
