// getSeqBatch in the sequence ledger and in the formats that carry it: all or nothing, grants in
// request order, exactly once under one (clientId, requestId), the per-session grant bound, and
// the record versions (TSOD 4, TSOJ 2, oracle command envelope 2) written only when a batch is
// held, so what the previous release wrote stays byte for byte the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from './codec/crc32c.js';
import { SeqLedger, type SeqBatchEntry, type SeqLedgerRequest } from './ledger.js';
import { SEQ_BATCH_KEYS_MAX, SEQ_SESSION_RESULTS_PER_CLIENT_MAX, U64_MAX } from './limits.js';
import { decodeOracleCommand, encodeOracleCommand, OracleStateMachine, prepareOracleCommand } from './oracle/state.js';
import { decodeSeqJournalRecord, encodeSeqJournalRecord, scanSeqJournal } from './records/seq-journal.js';
import { decodeSeqLedgerRecord, encodeSeqLedgerRecord } from './records/seq-ledger.js';
import { codeOf } from './test-support.js';

const C = 7n;

function batch(requestId: bigint, ...entries: Array<[string, number]>): SeqLedgerRequest {
  return { entries: entries.map(([key, count]) => ({ key, count })), clientId: C, requestId };
}

describe('SeqLedger.advanceBatch', () => {
  it('grants every key in request order, each from its own counter', () => {
    const ledger = new SeqLedger();
    ledger.advance({ key: 'invoices', count: 5, clientId: 1n, requestId: 1n });
    const r = ledger.apply(batch(1n, ['orders', 3], ['invoices', 1]));
    expect(r).toEqual({ ok: true, replayed: false, grants: [{ key: 'orders', start: 0n, count: 3 }, { key: 'invoices', start: 5n, count: 1 }] });
    expect(ledger.get('orders')).toBe(3n);
    expect(ledger.get('invoices')).toBe(6n);
    expect(ledger.applySeq).toBe(2n);
    ledger.invariants();
  });

  it('refuses an empty batch, too many entries and a duplicate key, and moves no counter', () => {
    const ledger = new SeqLedger();
    ledger.apply(batch(1n, ['a', 1], ['b', 1]));
    const before = encodeSeqLedgerRecord(ledger.snapshot());
    const tooMany = Array.from({ length: SEQ_BATCH_KEYS_MAX + 1 }, (_, i): [string, number] => [`k${i}`, 1]);
    for (const bad of [batch(2n), batch(3n, ...tooMany), batch(4n, ['a', 1], ['c', 2], ['a', 1])]) {
      const r = ledger.apply(bad);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.code).toBe('INVALID_SEQ_BATCH');
    }
    expect(ledger.apply(batch(5n, ['a', 0], ['b', 1]))).toMatchObject({ ok: false, code: 'INVALID_SEQ_COUNT' });
    expect(ledger.apply(batch(6n, ['', 1], ['b', 1]))).toMatchObject({ ok: false, code: 'INVALID_SEQ_KEY' });
    expect(encodeSeqLedgerRecord(ledger.snapshot())).toEqual(before);
  });

  it('moves no counter when one key of the batch would overflow or pass the key cap', () => {
    const ledger = SeqLedger.fromSnapshot({ keyCap: 2, counters: [['full', U64_MAX - 1n]], applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] });
    expect(ledger.apply(batch(1n, ['fresh', 1], ['full', 2]))).toMatchObject({ ok: false, code: 'SEQ_OVERFLOW' });
    expect(ledger.apply(batch(2n, ['x', 1], ['y', 1]))).toMatchObject({ ok: false, code: 'SEQ_KEY_CARDINALITY_EXCEEDED' });
    expect(ledger.get('fresh')).toBe(0n);
    expect(ledger.keyCount).toBe(1);
    expect(ledger.apply(batch(3n, ['x', 1], ['full', 1]))).toMatchObject({ ok: true });
  });

  it('answers a retry with the remembered grants and refuses the id for other entries', () => {
    const ledger = new SeqLedger();
    const first = ledger.apply(batch(9n, ['a', 2], ['b', 3]));
    ledger.apply(batch(10n, ['a', 1], ['b', 1]));
    const again = ledger.apply(batch(9n, ['a', 2], ['b', 3]));
    expect(again.ok && 'grants' in again && again.grants).toEqual(first.ok && 'grants' in first && first.grants);
    expect(again.ok && again.replayed).toBe(true);
    expect(ledger.get('a')).toBe(3n);
    expect(ledger.apply(batch(9n, ['b', 3], ['a', 2]))).toMatchObject({ ok: false, code: 'SEQ_REQUEST_REUSED' });
    expect(ledger.apply({ key: 'a', count: 2, clientId: C, requestId: 9n })).toMatchObject({ ok: false, code: 'SEQ_REQUEST_REUSED' });
    expect(ledger.apply(batch(10n, ['a', 1]))).toMatchObject({ ok: false, code: 'SEQ_REQUEST_REUSED' });
    ledger.invariants();
  });

  it('takes a batch of one entry as the getSeq of that entry', () => {
    const ledger = new SeqLedger();
    const single = ledger.apply({ key: 'a', count: 4, clientId: C, requestId: 1n });
    expect(single).toMatchObject({ ok: true, start: 0n, count: 4 });
    expect(ledger.apply(batch(1n, ['a', 4]))).toEqual({ ok: true, replayed: true, grants: [{ key: 'a', start: 0n, count: 4 }] });
    expect(ledger.snapshot().sessions[0]?.results[0]?.batch).toBeUndefined();
  });

  it('bounds the grants a session remembers, not its results', () => {
    const ledger = new SeqLedger();
    const perBatch = 100;
    const entries = Array.from({ length: perBatch }, (_, i): [string, number] => [`k${i}`, 1]);
    const batches = Math.ceil(SEQ_SESSION_RESULTS_PER_CLIENT_MAX / perBatch) + 2;
    for (let id = 1n; id <= BigInt(batches); id++) expect(ledger.apply(batch(id, ...entries)).ok).toBe(true);
    const session = ledger.snapshot().sessions[0];
    const grants = session?.results.reduce((sum, r) => sum + (r.batch?.length ?? 1), 0) ?? 0;
    expect(grants).toBeLessThanOrEqual(SEQ_SESSION_RESULTS_PER_CLIENT_MAX);
    expect(session?.forgottenBelow).toBeGreaterThan(1n);
    expect(ledger.apply(batch(1n, ...entries))).toMatchObject({ ok: false, code: 'SEQ_SESSION_EXPIRED' });
    ledger.invariants();
  });

  const entryArbitrary = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'é'), count: fc.integer({ min: 0, max: 5 }) });
  const requestArbitrary: fc.Arbitrary<SeqLedgerRequest> = fc.oneof(
    fc.record({ key: fc.constantFrom('a', 'b', 'c'), count: fc.integer({ min: 1, max: 5 }), clientId: fc.bigInt({ min: 1n, max: 3n }), requestId: fc.bigInt({ min: 1n, max: 12n }) }),
    fc.record({
      entries: fc.array(entryArbitrary, { minLength: 0, maxLength: 4 }) as fc.Arbitrary<SeqBatchEntry[]>,
      clientId: fc.bigInt({ min: 1n, max: 3n }),
      requestId: fc.bigInt({ min: 1n, max: 12n }),
    }),
  );

  it('property: all or nothing, gapless per key, and the state survives its TSOD record', () => {
    fc.assert(
      fc.property(fc.array(requestArbitrary, { maxLength: 40 }), (requests) => {
        const ledger = new SeqLedger({ keyCap: 4 });
        const granted = new Map<string, Array<[bigint, number]>>();
        for (const request of requests) {
          const before = new Map(['a', 'b', 'c', 'd', 'é'].map((k) => [k, ledger.get(k)]));
          const r = ledger.apply(request);
          const grants = !r.ok ? [] : 'grants' in r ? r.grants : [{ key: r.key, start: r.start, count: r.count }];
          const replayed = r.ok && r.replayed;
          for (const [key, next] of before) {
            const moved = grants.find((g) => g.key === key);
            // A refusal or a replay moves nothing; a grant moves exactly its key by its count.
            expect(ledger.get(key)).toBe(!r.ok || replayed || moved === undefined ? next : next + BigInt(moved.count));
          }
          if (r.ok && !replayed) {
            if ('entries' in request) expect(grants.map((g) => [g.key, g.count])).toEqual(request.entries.map((e) => [e.key, e.count]));
            for (const g of grants) granted.set(g.key, [...(granted.get(g.key) ?? []), [g.start, g.count]]);
          }
        }
        for (const [key, blocks] of granted) {
          let next = 0n;
          for (const [start, count] of blocks) {
            expect(start).toBe(next);
            next += BigInt(count);
          }
          expect(ledger.get(key)).toBe(next);
        }
        ledger.invariants();
        const bytes = encodeSeqLedgerRecord(ledger.snapshot());
        expect(SeqLedger.fromSnapshot(decodeSeqLedgerRecord(bytes)).snapshot()).toEqual(ledger.snapshot());
      }),
      { numRuns: 300 },
    );
  });
});

describe('record versions for batches', () => {
  it('writes TSOD version 4 only while a batch is remembered', () => {
    const ledger = new SeqLedger();
    ledger.apply({ key: 'a', count: 1, clientId: C, requestId: 1n });
    expect(encodeSeqLedgerRecord(ledger.snapshot())[4]).toBe(2);
    ledger.apply(batch(2n, ['a', 1], ['b', 2]));
    const v4 = encodeSeqLedgerRecord(ledger.snapshot());
    expect(v4[4]).toBe(4);
    expect(decodeSeqLedgerRecord(v4)).toEqual(ledger.snapshot());
  });

  it('refuses a TSOD version 4 record that holds no batch (not canonical)', () => {
    const ledger = new SeqLedger();
    ledger.apply(batch(2n, ['a', 1], ['b', 2]));
    const v4 = encodeSeqLedgerRecord(ledger.snapshot());
    // Flip the batch length byte (the last byte before the CRC) to 0 and reseal: no batch left.
    const body = v4.slice(0, v4.length - 4);
    const grantBytes = 2 + 1 + 8 + 4;
    const patched = new Uint8Array([...body.slice(0, body.length - grantBytes - 1), 0]);
    const sealed = new Uint8Array(patched.length + 4);
    sealed.set(patched);
    new DataView(sealed.buffer).setUint32(patched.length, crc32c(patched), true);
    expect(codeOf(() => decodeSeqLedgerRecord(sealed))).toBe('RECORD_MALFORMED');
  });

  it('writes TSOJ version 2 only for a record that holds a batch, and reads both back', () => {
    const singles = encodeSeqJournalRecord({ applySeqBefore: 3n, requests: [{ key: 'a', count: 1, clientId: C, requestId: 1n }, batch(2n, ['b', 2])] });
    expect(singles[4]).toBe(1);
    expect(decodeSeqJournalRecord(singles).requests[1]).toEqual({ key: 'b', count: 2, clientId: C, requestId: 2n });
    const mixed = { applySeqBefore: 3n, requests: [{ key: 'a', count: 1, clientId: C, requestId: 1n }, batch(2n, ['b', 2], ['c', 1])] };
    const bytes = encodeSeqJournalRecord(mixed);
    expect(bytes[4]).toBe(2);
    expect(decodeSeqJournalRecord(bytes)).toEqual(mixed);
    expect(scanSeqJournal(new Uint8Array([...singles, ...bytes])).records.length).toBe(2);
  });

  it('encodes the oracle command of a turn without batches exactly as before (envelope 1), with batches as envelope 2', () => {
    const single = { key: 'a', count: 1, clientId: C, requestId: 1n };
    const old = encodeOracleCommand({ kind: 'advance-seq', requests: [single] });
    expect(old[0]).toBe(1);
    const prepared = prepareOracleCommand({ kind: 'advance-seq-requests', requests: [single, batch(2n, ['b', 1], ['c', 1])] });
    expect(prepared.ok).toBe(true);
    const bytes = prepared.ok ? prepared.bytes : new Uint8Array();
    expect(bytes[0]).toBe(2);
    expect(decodeOracleCommand(bytes)).toEqual({ kind: 'advance-seq-requests', requests: [single, batch(2n, ['b', 1], ['c', 1])] });
    expect(prepareOracleCommand({ kind: 'advance-seq-requests', requests: [batch(2n, ['b', 1], ['b', 1])] })).toMatchObject({ ok: false, code: 'INVALID_SEQ_BATCH' });
    // An envelope-1 entry with the new variant is refused, like any unknown variant.
    const forged = new Uint8Array([1, ...bytes.subarray(1)]);
    expect(codeOf(() => decodeOracleCommand(forged))).toBe('DECODE_BAD_VARIANT');
  });

  it('replicas applying a batch entry reach equal state, and a refused batch changes nothing', () => {
    const a = new OracleStateMachine();
    const b = new OracleStateMachine();
    const good = prepareOracleCommand({ kind: 'advance-seq-requests', requests: [batch(1n, ['x', 2], ['y', 3])] });
    expect(good.ok).toBe(true);
    const data = good.ok ? good.bytes : new Uint8Array();
    for (const s of [a, b]) {
      const r = s.apply({ index: 1, term: 1, kind: 'normal', data });
      expect(r).toMatchObject({ kind: 'seq-requests', results: [{ ok: true, grants: [{ key: 'x', start: 0n }, { key: 'y', start: 0n }] }] });
    }
    expect(a.snapshot()).toEqual(b.snapshot());
    expect(OracleStateMachine.fromSnapshot(a.snapshot()).seq('y')).toBe(3n);
  });
});
