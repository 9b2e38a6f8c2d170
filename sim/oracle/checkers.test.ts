// The checkers on hand-made histories and durable states: each property is shown to hold on a
// correct history and to be reported, with the right kind, when it breaks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqLedger } from '../../core/ledger.js';
import { encodeHighWaterRecord } from '../../core/records/high-water.js';
import { encodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import { World } from '../world.js';
import { Checker } from './checkers.js';
import { DurableView } from './durable.js';
import { History, type ClientSession } from './history.js';
import type { ViolationKind } from './violations.js';

const ts = (physicalMs: number, logical = 0): bigint => (BigInt(physicalMs) << 18n) | BigInt(logical);

function fixture(options: { readonly highWaterMs?: number; readonly ledger?: SeqLedger; readonly valueChecks?: boolean } = {}) {
  const world = new World({ seed: 1, trace: { keep: false } });
  world.addNode({ name: 'tso', start: false });
  const disk = world.node('tso').disk;
  const durable = new DurableView(disk, '/data');
  const history = new History();
  let now = 0;
  const checker = new Checker(history, durable, () => now, { valueChecks: options.valueChecks ?? true });
  history.observer = checker;
  const write = (highWaterMs: number | undefined, ledger: SeqLedger | undefined): void => {
    const files: Record<string, Uint8Array> = {};
    if (highWaterMs !== undefined) files['/data/state'] = encodeHighWaterRecord(highWaterMs);
    if (ledger !== undefined) files['/data/dense'] = encodeSeqLedgerRecord(ledger.snapshot());
    disk.preload(files);
    durable.markChanged();
  };
  write(options.highWaterMs ?? 1_000_000, options.ledger);
  const session = history.openSession('c1', 1, 7n);
  return {
    history,
    checker,
    session,
    write,
    at: (t: number) => {
      now = t;
      return t;
    },
    kinds: (): ViolationKind[] => checker.violations.map((v) => v.kind),
  };
}

function getTs(f: ReturnType<typeof fixture>, session: ClientSession, invokeMs: number, completeMs: number, value: bigint) {
  const op = f.history.invoke(session, 'getTs', 1, null, f.at(invokeMs));
  f.history.completeTs(op, value, value, f.at(completeMs));
  return op;
}

describe('timestamp checkers', () => {
  it('accepts increasing timestamps and concurrent calls in any order', () => {
    const f = fixture();
    const a = f.history.invoke(f.session, 'getTs', 1, null, f.at(0));
    const b = f.history.invoke(f.session, 'getTs', 1, null, f.at(1));
    f.history.completeTs(b, ts(10), ts(10), f.at(2));
    f.history.completeTs(a, ts(9), ts(9), f.at(3)); // concurrent with b: any order is fine
    getTs(f, f.session, 4, 5, ts(11));
    f.checker.final();
    expect(f.kinds()).toEqual([]);
  });

  it('reports a call that got a timestamp below one acknowledged before it was invoked', () => {
    const f = fixture();
    getTs(f, f.session, 0, 1, ts(10, 5));
    getTs(f, f.session, 2, 3, ts(10, 4));
    expect(f.kinds()).toEqual(['ts_real_time_order']);
  });

  it('names a rewind across a restart of the server', () => {
    const f = fixture();
    getTs(f, f.session, 0, 1, ts(10));
    f.history.serverStarts++;
    getTs(f, f.session, 2, 3, ts(10));
    expect(f.kinds()).toContain('ts_rewind_after_restart');
  });

  it('reports overlapping grants of concurrent calls at the end', () => {
    const f = fixture();
    const a = f.history.invoke(f.session, 'getTsBatch', 4, null, f.at(0));
    const b = f.history.invoke(f.session, 'getTsBatch', 4, null, f.at(0));
    f.history.completeTs(a, ts(10, 0), ts(10, 3), f.at(1));
    f.history.completeTs(b, ts(10, 3), ts(10, 6), f.at(1));
    expect(f.kinds()).toEqual([]);
    f.checker.final();
    expect(f.kinds()).toEqual(['ts_duplicate']);
  });

  it('reports a batch that is not count consecutive timestamps of one millisecond', () => {
    const f = fixture();
    const op = f.history.invoke(f.session, 'getTsBatch', 3, null, f.at(0));
    f.history.completeTs(op, ts(10, (1 << 18) - 1), ts(11, 1), f.at(1));
    expect(f.kinds()).toEqual(['ts_batch_shape']);
  });

  it('reports a timestamp above the durable high-water (persist before serve)', () => {
    const f = fixture({ highWaterMs: 100 });
    getTs(f, f.session, 0, 1, ts(100, 7));
    expect(f.kinds()).toEqual([]);
    getTs(f, f.session, 2, 3, ts(101));
    expect(f.kinds()).toEqual(['ts_served_not_durable']);
  });

  it('checks no value when value checks are off (frames may be corrupted)', () => {
    const f = fixture({ valueChecks: false, highWaterMs: 1 });
    getTs(f, f.session, 0, 1, ts(10));
    getTs(f, f.session, 2, 3, ts(9));
    f.checker.final();
    expect(f.kinds()).toEqual([]);
  });

  it('finds no violation in histories of a correct counter, and finds every injected rewind', () => {
    // A correct oracle: each call takes the next value at its completion (linearizable). The
    // schedule interleaves invocations and completions of up to 4 concurrent calls.
    const schedule = fc.array(fc.record({ invoke: fc.boolean(), pick: fc.nat(), rewind: fc.boolean() }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(schedule, fc.nat(), (steps, victim) => {
        const f = fixture();
        const pending: ReturnType<History['invoke']>[] = [];
        let next = 1n;
        let t = 0;
        for (const step of steps) {
          t += 1;
          if (step.invoke || pending.length === 0) {
            if (pending.length < 4) pending.push(f.history.invoke(f.session, 'getTs', 1, null, f.at(t)));
          } else {
            const [op] = pending.splice(step.pick % pending.length, 1);
            if (op !== undefined) f.history.completeTs(op, next, next, f.at(t));
            next += 1n;
          }
        }
        f.checker.final();
        expect(f.kinds()).toEqual([]);
        // Now one more call, invoked after everything above completed, gets an old value.
        for (const op of pending.splice(0)) f.history.completeTs(op, next++, next - 1n, f.at(++t));
        const done = f.history.ops.filter((op) => op.outcome === 'ok');
        const old = done[victim % done.length]?.first ?? 0n;
        getTs(f, f.session, ++t, ++t, old);
        expect(f.kinds().some((k) => k === 'ts_real_time_order')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

function seqLedger(...grants: Array<[key: string, count: number, requestId: bigint, clientId?: bigint]>): SeqLedger {
  const ledger = new SeqLedger();
  for (const [key, count, requestId, clientId] of grants) {
    const r = ledger.advance({ key, count, requestId, clientId: clientId ?? 7n });
    expect(r.ok).toBe(true);
  }
  return ledger;
}

describe('sequence checkers', () => {
  it('accepts acknowledged blocks the durable ledger records under their request ids', () => {
    const f = fixture({ ledger: seqLedger(['k', 5, 1n], ['k', 3, 2n]) });
    const a = f.history.invoke(f.session, 'getSeq', 5, 'k', f.at(0));
    const b = f.history.invoke(f.session, 'getSeq', 3, 'k', f.at(0));
    f.history.completeSeq(a, 'k', 0n, 5, f.at(1));
    f.history.completeSeq(b, 'k', 5n, 3, f.at(2));
    f.checker.final();
    expect(f.kinds()).toEqual([]);
  });

  it('reports overlapping acknowledged blocks', () => {
    const f = fixture({ ledger: seqLedger(['k', 5, 1n], ['k', 3, 2n]) });
    const a = f.history.invoke(f.session, 'getSeq', 5, 'k', f.at(0));
    const b = f.history.invoke(f.session, 'getSeq', 3, 'k', f.at(0));
    f.history.completeSeq(a, 'k', 0n, 5, f.at(1));
    f.history.completeSeq(b, 'k', 4n, 3, f.at(2));
    f.checker.final();
    expect(f.kinds()).toContain('seq_overlap');
  });

  it('reports an acknowledged block the durable ledger lost at a crash', () => {
    const f = fixture({ ledger: seqLedger(['k', 5, 1n]) });
    const a = f.history.invoke(f.session, 'getSeq', 5, 'k', f.at(0));
    f.history.completeSeq(a, 'k', 0n, 5, f.at(1));
    f.checker.checkpoint();
    expect(f.kinds()).toEqual([]);
    f.write(1_000_000, new SeqLedger()); // the crash took the ledger back to empty
    f.checker.checkpoint();
    expect(f.kinds()).toEqual(expect.arrayContaining(['durable_ledger_went_back', 'seq_acknowledged_lost']));
  });

  it('reports a request whose ledger block differs from the block its call got (a retry spent two)', () => {
    const f = fixture({ ledger: seqLedger(['k', 5, 1n], ['k', 5, 2n]) });
    const a = f.history.invoke(f.session, 'getSeq', 5, 'k', f.at(0)); // request 1
    f.history.completeSeq(a, 'k', 5n, 5, f.at(1)); // but it got request 2's block
    f.checker.checkpoint();
    expect(f.kinds()).toEqual(['seq_request_two_blocks']);
  });

  it('reports a ledger block of a call that failed definitively, and accepts one of a call whose outcome is unknown', () => {
    const f = fixture({ ledger: seqLedger(['k', 5, 1n], ['k', 2, 2n]) });
    const a = f.history.invoke(f.session, 'getSeq', 5, 'k', f.at(0));
    f.history.fail(a, 'SEQ_UNCERTAIN', 'unknown', true, f.at(1));
    const b = f.history.invoke(f.session, 'getSeq', 2, 'k', f.at(2));
    f.history.fail(b, 'TIMEOUT', 'never sent', false, f.at(3));
    f.checker.final();
    expect(f.kinds()).toEqual(['seq_block_for_failed_call']);
  });

  it('reports a ledger block under a request id no call used', () => {
    const f = fixture({ ledger: seqLedger(['k', 5, 9n]) });
    f.checker.final();
    expect(f.kinds()).toEqual(['seq_block_unexplained']);
  });

  it('reports values below a durable counter that no request was granted', () => {
    const ledger = seqLedger(['k', 5, 1n]);
    const snapshot = ledger.snapshot();
    // A counter ahead of every remembered block: a hole the ledger cannot explain.
    const holed = SeqLedger.fromSnapshot({ ...snapshot, counters: [['k', 9n]] });
    const f = fixture({ ledger: holed });
    const a = f.history.invoke(f.session, 'getSeq', 5, 'k', f.at(0));
    f.history.completeSeq(a, 'k', 0n, 5, f.at(1));
    f.checker.final();
    expect(f.kinds()).toEqual(['seq_ledger_hole']);
  });
});

describe('durability checkers', () => {
  it('reports a durable high-water that went back across a crash', () => {
    const f = fixture({ highWaterMs: 500 });
    f.checker.checkpoint();
    f.write(400, undefined);
    f.checker.checkpoint();
    expect(f.kinds()).toEqual(['durable_high_water_went_back']);
  });

  it('reports a published high-water the disk does not hold durably, and one below an earlier one', () => {
    const f = fixture({ highWaterMs: 500 });
    f.checker.onPublished(500, 'fence');
    expect(f.kinds()).toEqual([]);
    f.checker.onPublished(501, 'extension');
    expect(f.kinds()).toEqual(['high_water_published_not_durable']);
    f.checker.onPublished(499, 'fence');
    expect(f.kinds()).toEqual(['high_water_published_not_durable', 'published_high_water_went_back']);
  });

  it('reports a durable record that does not decode', () => {
    const f = fixture();
    const bytes = encodeHighWaterRecord(5);
    bytes[8] = (bytes[8] as number) ^ 1;
    const world = new World({ seed: 2 });
    world.addNode({ name: 'tso', start: false });
    world.node('tso').disk.preload({ '/data/state': bytes });
    const checker = new Checker(f.history, new DurableView(world.node('tso').disk, '/data'), () => 0, { valueChecks: true });
    checker.checkpoint();
    expect(checker.violations.map((v) => v.kind)).toEqual(['durable_record_corrupt']);
  });

  it('calls back once, on the first safety violation', () => {
    const seen: string[] = [];
    const world = new World({ seed: 3 });
    world.addNode({ name: 'tso', start: false });
    const history = new History();
    const checker = new Checker(history, new DurableView(world.node('tso').disk, '/data'), () => 0, {
      valueChecks: true,
      onSafetyViolation: (v) => seen.push(v.kind),
    });
    checker.report('liveness_call_stuck', 'stuck');
    checker.report('ts_duplicate', 'one');
    checker.report('seq_overlap', 'two');
    expect(seen).toEqual(['ts_duplicate']);
    expect(checker.hasSafetyViolation).toBe(true);
  });
});
