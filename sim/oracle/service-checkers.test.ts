// The checkers of the service calls on hand-made histories: getSeqBatch (checkers.ts) against a
// durable ledger, and the safe points and leases (service-checkers.ts) against a durable
// high-water. Each promise holds on a correct history and is reported, with its kind, when a
// history breaks it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqLedger } from '../../core/ledger.js';
import { encodeHighWaterRecord } from '../../core/records/high-water.js';
import { encodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import { World } from '../world.js';
import { Checker } from './checkers.js';
import { DurableView, type Decoded, type DurableLedger, type DurableSource } from './durable.js';
import { History } from './history.js';
import { drawOptions, type SimOptions } from './options.js';
import { certainlyLive, clockSpreadOf, ServiceChecker } from './service-checkers.js';
import { ServiceLog, type ServiceCall } from './service-workload.js';
import type { ViolationKind } from './violations.js';

const CLIENT = 7n;

function batchFixture(ledger: SeqLedger) {
  const world = new World({ seed: 1, trace: { keep: false } });
  world.addNode({ name: 'tso', start: false });
  const disk = world.node('tso').disk;
  const durable = new DurableView(disk, '/data');
  disk.preload({ '/data/state': encodeHighWaterRecord(1_000_000), '/data/dense': encodeSeqLedgerRecord(ledger.snapshot()) });
  durable.markChanged();
  const history = new History();
  const checker = new Checker(history, durable, () => 0, { valueChecks: true });
  history.observer = checker;
  const session = history.openSession('c1', 1, CLIENT);
  return { history, checker, session, kinds: (): ViolationKind[] => checker.violations.map((v) => v.kind) };
}

const ENTRIES = [
  { key: 'orders', count: 3 },
  { key: 'invoices', count: 2 },
];

describe('getSeqBatch checkers', () => {
  it('accept a batch granted whole, in request order, recorded under its request id', () => {
    const ledger = new SeqLedger();
    ledger.apply({ entries: ENTRIES, clientId: CLIENT, requestId: 1n });
    const f = batchFixture(ledger);
    const op = f.history.invoke(f.session, 'getSeqBatch', 3, 'orders', 0, ENTRIES);
    f.history.completeSeqBatch(op, [
      { key: 'orders', start: 0n, count: 3 },
      { key: 'invoices', start: 0n, count: 2 },
    ], 1);
    f.checker.final();
    expect(f.kinds()).toEqual([]);
  });

  it('report grants out of request order (seq_batch_shape)', () => {
    const ledger = new SeqLedger();
    ledger.apply({ entries: ENTRIES, clientId: CLIENT, requestId: 1n });
    const f = batchFixture(ledger);
    const op = f.history.invoke(f.session, 'getSeqBatch', 3, 'orders', 0, ENTRIES);
    f.history.completeSeqBatch(op, [
      { key: 'invoices', start: 0n, count: 2 },
      { key: 'orders', start: 0n, count: 3 },
    ], 1);
    expect(f.kinds()).toEqual(['seq_batch_shape']);
  });

  it('report a batch the durable ledger remembers in part (seq_batch_partial), whatever the call saw', () => {
    // The ledger remembers the request id with its first entry only: the second was never written.
    const ledger = new SeqLedger();
    ledger.apply({ key: 'orders', count: 3, clientId: CLIENT, requestId: 1n });
    const f = batchFixture(ledger);
    const op = f.history.invoke(f.session, 'getSeqBatch', 3, 'orders', 0, ENTRIES);
    f.history.fail(op, 'SEQ_UNCERTAIN', 'unknown', true, 1);
    f.checker.checkpoint();
    expect(f.kinds()).toEqual(['seq_batch_partial']);
  });

  it('report a batch whose request id holds other grants than the call got (exactly once)', () => {
    const ledger = new SeqLedger();
    ledger.apply({ key: 'orders', count: 5, clientId: 99n, requestId: 1n });
    ledger.apply({ entries: ENTRIES, clientId: CLIENT, requestId: 1n });
    const f = batchFixture(ledger);
    f.history.openSession('c2', 1, 99n).nextRequestId = 1n;
    const op = f.history.invoke(f.session, 'getSeqBatch', 3, 'orders', 0, ENTRIES);
    // The call got the grants a first execution would have: the ledger holds a second set.
    f.history.completeSeqBatch(op, [
      { key: 'orders', start: 0n, count: 3 },
      { key: 'invoices', start: 0n, count: 2 },
    ], 1);
    f.checker.final();
    expect(f.kinds()).toContain('seq_request_two_blocks');
  });

  it('report a batch grant that overlaps a getSeq block of its key', () => {
    const ledger = new SeqLedger();
    ledger.apply({ entries: ENTRIES, clientId: CLIENT, requestId: 1n });
    ledger.apply({ key: 'orders', count: 2, clientId: CLIENT, requestId: 2n });
    const f = batchFixture(ledger);
    const batch = f.history.invoke(f.session, 'getSeqBatch', 3, 'orders', 0, ENTRIES);
    f.history.completeSeqBatch(batch, [
      { key: 'orders', start: 0n, count: 3 },
      { key: 'invoices', start: 0n, count: 2 },
    ], 1);
    const seq = f.history.invoke(f.session, 'getSeq', 2, 'orders', 2);
    f.history.completeSeq(seq, 'orders', 1n, 2, 3); // overlaps the batch's [0, 3)
    f.checker.final();
    expect(f.kinds()).toContain('seq_overlap');
  });
});

/** A durable high-water the test sets. */
class FixedHighWater implements DurableSource {
  constructor(public highWater: number) {}
  highWaterMs(): Decoded<number> {
    return { ok: true, value: this.highWater };
  }
  highWaterCovering(): Decoded<number> {
    return this.highWaterMs();
  }
  sequenceLedger(): Decoded<DurableLedger> {
    return { ok: false, problem: 'not used' };
  }
}

const BASE_MS = 1_700_000_000_000;

function serviceFixture(highWaterMs: number, options: SimOptions = drawOptions({ seed: 1, profile: 'calm', planted: null })) {
  const history = new History();
  const log = new ServiceLog(history);
  const durable = new FixedHighWater(highWaterMs);
  const kinds: ViolationKind[] = [];
  log.observer = new ServiceChecker(log, durable, options, (kind) => kinds.push(kind), true);
  const lease = (kind: 'leaseAcquire' | 'leaseRenew', atMs: number, fields: { holder?: string; holderEpoch?: bigint; ttlMs?: number; leaseId?: bigint }, answer: { leaseId: bigint; boundMs: number }): ServiceCall => {
    const call = log.invoke(kind, 'c1', atMs, fields);
    log.completeLease(call, { leaseId: answer.leaseId, tsUpperBoundMs: answer.boundMs, expiresAtMs: answer.boundMs, epoch: 1n }, atMs + 1);
    return call;
  };
  const point = (kind: 'maxSafe' | 'frontier', atMs: number, value: number, epoch = 1n): ServiceCall => {
    const call = log.invoke(kind, 'c1', atMs);
    log.completeSafePoint(call, value, epoch, atMs + 1);
    return call;
  };
  return { log, durable, kinds, lease, point, options };
}

describe('safe point and lease checkers', () => {
  it('accept a frontier at or below every live bound, superseded leases included', () => {
    const f = serviceFixture(BASE_MS + 400_000);
    f.lease('leaseAcquire', 0, { holder: 'h', holderEpoch: 1n, ttlMs: 300_000 }, { leaseId: 1n, boundMs: BASE_MS + 300_000 });
    f.lease('leaseAcquire', 10, { holder: 'h', holderEpoch: 2n, ttlMs: 300_000 }, { leaseId: 2n, boundMs: BASE_MS + 300_010 });
    f.point('frontier', 20, BASE_MS + 300_000);
    expect(f.kinds).toEqual([]);
  });

  it('report a frontier above a superseded lease that still binds (frontier_above_live_lease)', () => {
    const f = serviceFixture(BASE_MS + 400_000);
    f.lease('leaseAcquire', 0, { holder: 'h', holderEpoch: 1n, ttlMs: 300_000 }, { leaseId: 1n, boundMs: BASE_MS + 300_000 });
    f.lease('leaseAcquire', 10, { holder: 'h', holderEpoch: 2n, ttlMs: 300_000 }, { leaseId: 2n, boundMs: BASE_MS + 300_010 });
    f.point('frontier', 20, BASE_MS + 300_010);
    expect(f.kinds).toEqual(['frontier_above_live_lease']);
  });

  it('do not judge a lease released, or renewed in flight, during the frontier call', () => {
    const released = serviceFixture(BASE_MS + 400_000);
    released.lease('leaseAcquire', 0, { holder: 'h', holderEpoch: 1n, ttlMs: 300_000 }, { leaseId: 1n, boundMs: BASE_MS + 300_000 });
    released.log.invoke('leaseRelease', 'c1', 5, { leaseId: 1n }); // in flight: the lease may be gone
    released.point('frontier', 20, BASE_MS + 350_000);
    expect(released.kinds).toEqual([]);
    const renewing = serviceFixture(BASE_MS + 400_000);
    renewing.lease('leaseAcquire', 0, { holder: 'h', holderEpoch: 1n, ttlMs: 300_000 }, { leaseId: 1n, boundMs: BASE_MS + 300_000 });
    renewing.log.invoke('leaseRenew', 'c1', 5, { leaseId: 1n }); // its new bound is not known
    renewing.point('frontier', 20, BASE_MS + 350_000);
    expect(renewing.kinds).toEqual([]);
  });

  it('do not judge a lease once renewed (a late attempt of the renew may raise its bound), but judge renews refused after it was superseded', () => {
    const renewed = serviceFixture(BASE_MS + 400_000);
    renewed.lease('leaseAcquire', 0, { holder: 'h', holderEpoch: 1n, ttlMs: 300_000 }, { leaseId: 1n, boundMs: BASE_MS + 300_000 });
    renewed.lease('leaseRenew', 5, { leaseId: 1n }, { leaseId: 1n, boundMs: BASE_MS + 300_005 });
    renewed.point('frontier', 20, BASE_MS + 300_006); // the server may hold a later bound than the answered one
    expect(renewed.kinds).toEqual([]);
    const superseded = serviceFixture(BASE_MS + 400_000);
    superseded.lease('leaseAcquire', 0, { holder: 'h', holderEpoch: 1n, ttlMs: 300_000 }, { leaseId: 1n, boundMs: BASE_MS + 300_000 });
    superseded.lease('leaseAcquire', 10, { holder: 'h', holderEpoch: 2n, ttlMs: 300_000 }, { leaseId: 2n, boundMs: BASE_MS + 300_010 });
    const refused = superseded.log.invoke('leaseRenew', 'c1', 15, { leaseId: 1n });
    superseded.log.fail(refused, 'FAILED_PRECONDITION', 'LEASE_SUPERSEDED: lease 1 was superseded', 16);
    superseded.point('frontier', 20, BASE_MS + 300_001);
    expect(superseded.kinds).toEqual(['frontier_above_live_lease']);
  });

  it('do not judge a lease that may have expired on a server clock', () => {
    const f = serviceFixture(BASE_MS + 400_000);
    f.lease('leaseAcquire', 0, { holder: 'h', holderEpoch: 1n, ttlMs: 5_000 }, { leaseId: 1n, boundMs: BASE_MS + 5_000 });
    f.point('frontier', 5_000, BASE_MS + 6_000);
    expect(f.kinds).toEqual([]);
  });

  it('report a frontier or a max-safe above the durable high-water', () => {
    const f = serviceFixture(BASE_MS + 1_000);
    f.point('frontier', 0, BASE_MS + 1_001);
    f.point('maxSafe', 10, BASE_MS + 1_000 - f.options.server.windowAheadMs); // one above HW − window − 1
    f.point('maxSafe', 20, BASE_MS + 1_000 - f.options.server.windowAheadMs - 1, 2n); // at the bound (another epoch)
    expect(f.kinds).toEqual(['frontier_above_high_water', 'max_safe_above_high_water']);
  });

  it('report a safe point that went back within one leader epoch, not across epochs or for concurrent calls', () => {
    const f = serviceFixture(BASE_MS + 400_000);
    f.point('frontier', 0, BASE_MS + 100);
    f.point('frontier', 10, BASE_MS + 50, 2n); // another leader: not compared
    const slow = f.log.invoke('frontier', 'c1', 20);
    f.point('frontier', 21, BASE_MS + 200);
    f.log.completeSafePoint(slow, BASE_MS + 150, 1n, 30); // concurrent with the one above: any order
    expect(f.kinds).toEqual([]);
    f.point('frontier', 40, BASE_MS + 199);
    expect(f.kinds).toEqual(['safe_point_went_back']);
  });

  it('report a lease bound above the durable high-water (lease_bound_not_durable)', () => {
    const f = serviceFixture(BASE_MS + 1_000);
    f.lease('leaseAcquire', 0, { holder: 'h', holderEpoch: 1n, ttlMs: 5_000 }, { leaseId: 1n, boundMs: BASE_MS + 5_000 });
    expect(f.kinds).toEqual(['lease_bound_not_durable']);
  });
});

describe('certainlyLive', () => {
  it('with no clock fault, a lease is live exactly while less than its TTL (less the read margin) has passed', () => {
    const spread = clockSpreadOf(drawOptions({ seed: 1, profile: 'calm', planted: null }));
    expect(spread).toEqual({ drift: 0, forwardMs: 0, behindMs: 0, severalNodes: false });
    expect(certainlyLive(spread, 100, 5_000, 5_097)).toBe(true);
    expect(certainlyLive(spread, 100, 5_000, 5_098)).toBe(false);
  });

  it('is monotone: live at a time means live at every earlier time after the arming, and under a smaller spread', () => {
    fc.assert(
      fc.property(
        fc.record({ drift: fc.double({ min: 0, max: 0.5, noNaN: true }), forwardMs: fc.nat(100_000), behindMs: fc.nat(100_000), severalNodes: fc.boolean() }),
        fc.nat(10_000),
        fc.integer({ min: 5_000, max: 300_000 }),
        fc.nat(20_000),
        fc.nat(20_000),
        (spread, armedMs, ttlMs, a, b) => {
          const later = armedMs + Math.max(a, b);
          const earlier = armedMs + Math.min(a, b);
          if (certainlyLive(spread, armedMs, ttlMs, later)) {
            expect(certainlyLive(spread, armedMs, ttlMs, earlier)).toBe(true);
            expect(certainlyLive({ ...spread, forwardMs: 0, behindMs: 0 }, armedMs, ttlMs, later)).toBe(true);
          }
        },
      ),
    );
  });
});
