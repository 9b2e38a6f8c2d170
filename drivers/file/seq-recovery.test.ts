// Recovery of the sequence ledger from `dense` + `dense.journal` bytes: records folded into the
// snapshot are skipped, the rest replayed in order with the same outcomes, a torn tail is
// reported, and files that do not belong together are refused with a clear error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TsoError } from '../../core/errors.js';
import { SeqLedger, type SeqAdvanceRequest, type SeqLedgerSnapshot } from '../../core/ledger.js';
import { encodeSeqJournalRecord } from '../../core/records/seq-journal.js';
import { encodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import { recoverSeqLedger } from './seq-recovery.js';

const req = (key: string, count: number, clientId: bigint, requestId: bigint): SeqAdvanceRequest => ({ key, count, clientId, requestId });

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Applies batches to a ledger the way the driver does; returns the records and the ledger. */
function journalOf(batches: readonly (readonly SeqAdvanceRequest[])[], ledger = new SeqLedger({ keyCap: 100 })): { records: Uint8Array[]; ledger: SeqLedger } {
  const records: Uint8Array[] = [];
  for (const batch of batches) {
    const applySeqBefore = ledger.applySeq;
    const applied = batch.filter((r) => ledger.advance(r).ok);
    if (applied.length > 0) records.push(encodeSeqJournalRecord({ applySeqBefore, requests: applied }));
  }
  return { records, ledger };
}

function refusal(action: () => unknown): TsoError {
  try {
    action();
  } catch (e) {
    if (e instanceof TsoError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('recoverSeqLedger', () => {
  it('replays any sequence of batches to the same ledger, from any snapshot taken between batches', () => {
    const batchArbitrary = fc.array(
      fc.record({ key: fc.constantFrom('a', 'b', 'c'), count: fc.integer({ min: 1, max: 5 }), clientId: fc.bigInt({ min: 1n, max: 3n }), requestId: fc.bigInt({ min: 1n, max: 12n }) }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(fc.array(batchArbitrary, { minLength: 1, maxLength: 8 }), fc.nat(), (batches, cut) => {
        const live = new SeqLedger({ keyCap: 100 });
        const snapshots = [live.snapshot()];
        const records: Uint8Array[] = [];
        for (const batch of batches) {
          const before = live.applySeq;
          const applied = batch.filter((r) => live.advance(r).ok);
          if (applied.length === 0) continue;
          records.push(encodeSeqJournalRecord({ applySeqBefore: before, requests: applied }));
          snapshots.push(live.snapshot());
        }
        // A snapshot taken after `at` records (a compaction), with the whole journal still there.
        const at = cut % snapshots.length;
        const recovered = recoverSeqLedger(encodeSeqLedgerRecord(snapshots[at] as SeqLedgerSnapshot), concat(records), 7);
        expect(recovered.ledger.snapshot()).toEqual(live.snapshot());
        expect(recovered.recordsSkipped).toBe(at);
        expect(recovered.recordsReplayed).toBe(records.length - at);
      }),
    );
  });

  it('starts a directory without dense from an empty ledger with the given key cap', () => {
    const { records } = journalOf([[req('a', 2, 1n, 1n)], [req('b', 3, 1n, 2n)]], new SeqLedger({ keyCap: 2 }));
    const recovered = recoverSeqLedger(null, concat(records), 2);
    expect(recovered.hadSnapshot).toBe(false);
    expect(recovered.ledger.snapshot().counters).toEqual([
      ['a', 2n],
      ['b', 3n],
    ]);
    // With a smaller cap the same journal cannot have been written: refused, not half applied.
    expect(refusal(() => recoverSeqLedger(null, concat(records), 1)).message).toMatch(/does not apply again: SEQ_KEY_CARDINALITY_EXCEEDED/);
    expect(recoverSeqLedger(null, null, 9)).toMatchObject({ hadSnapshot: false, journalValidBytes: 0, recordsReplayed: 0 });
  });

  it('reports a torn tail with the bytes to keep, having replayed every whole record', () => {
    const { records, ledger } = journalOf([[req('a', 1, 1n, 1n)], [req('a', 1, 1n, 2n)]]);
    const whole = concat(records);
    const torn = concat([whole, encodeSeqJournalRecord({ applySeqBefore: 2n, requests: [req('a', 1, 1n, 3n)] }).subarray(0, 20)]);
    const recovered = recoverSeqLedger(null, torn, 100);
    expect(recovered.ledger.snapshot()).toEqual(ledger.snapshot());
    expect(recovered.journalValidBytes).toBe(whole.length);
    expect(recovered.tailProblem).toMatchObject({ offset: whole.length, code: 'RECORD_TOO_SHORT' });
  });

  it('refuses records that do not follow each other, or that straddle the snapshot', () => {
    const first = encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [req('a', 1, 1n, 1n), req('a', 1, 1n, 2n)] });
    const gap = encodeSeqJournalRecord({ applySeqBefore: 3n, requests: [req('a', 1, 1n, 3n)] });
    expect(refusal(() => recoverSeqLedger(null, concat([first, gap]), 100)).message).toMatch(
      /dense\.journal does not replay on \.\/dense: the record at offset \d+ starts at applySeq 3 but the record before it ends at 2/,
    );
    // The same applySeq range twice: the second batch was appended over a failed one.
    const again = encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [req('b', 1, 2n, 1n)] });
    expect(refusal(() => recoverSeqLedger(null, concat([first, again]), 100)).code).toBe('DRIVER_PERMANENT');
    // A snapshot at applySeq 1 cuts the first record (applySeq 0 to 2) in half.
    const half = new SeqLedger({ keyCap: 100 });
    half.advance(req('a', 1, 1n, 1n));
    expect(refusal(() => recoverSeqLedger(encodeSeqLedgerRecord(half.snapshot()), first, 100)).message).toMatch(/starts at applySeq 0 but the ledger is at 1/);
  });

  it('refuses a journal whose requests do not apply again as they did', () => {
    // A replay that the ledger answers from its session (a different block) is fine; a request
    // refused on replay (here, an id the session has already forgotten) is not.
    const ledger = new SeqLedger({ keyCap: 100 });
    for (let id = 1n; id <= 1_025n; id++) ledger.advance(req('a', 1, 1n, id));
    const record = encodeSeqJournalRecord({ applySeqBefore: ledger.applySeq, requests: [req('a', 1, 1n, 1n)] });
    const error = refusal(() => recoverSeqLedger(encodeSeqLedgerRecord(ledger.snapshot()), record, 100, '/srv/data'));
    expect(error.message).toMatch(/\/srv\/data\/dense\.journal does not replay on \/srv\/data\/dense: .* does not apply again: SEQ_SESSION_EXPIRED; refusing to start/);
  });

  it('names the corrupt file and the decoder code', () => {
    const { records } = journalOf([[req('a', 1, 1n, 1n)], [req('a', 1, 1n, 2n)]]);
    const bytes = concat(records);
    bytes[20] = (bytes[20] as number) ^ 0x40;
    const error = refusal(() => recoverSeqLedger(null, bytes, 100, '/d'));
    expect(error.code).toBe('DRIVER_PERMANENT');
    expect(error.message).toMatch(/^DRIVER_PERMANENT: \/d\/dense\.journal is corrupt \(RECORD_CRC_MISMATCH: .*\); refusing to start$/);
    const dense = encodeSeqLedgerRecord(new SeqLedger({ keyCap: 1 }).snapshot());
    dense[6] = (dense[6] as number) ^ 1;
    expect(refusal(() => recoverSeqLedger(dense, null, 100, '/d')).message).toMatch(/\/d\/dense is corrupt \(RECORD_CRC_MISMATCH/);
  });
});
