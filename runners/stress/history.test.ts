// The stress history: outcome classification (like runners/process.test.ts), the online checks it
// wires (batch shape, real-time order per value space, block shape), the per-key tallies the
// ledger check uses, and the unavailability tracker it feeds.
import { describe, expect, it } from 'vitest';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { packTimestamp } from '../../core/timestamp.js';
import { StressHistory } from './history.js';
import { UnavailabilityTracker } from './unavailability.js';

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('StressHistory', () => {
  it('classifies failures: SEQ_UNCERTAIN and a sent-then-closed getSeq are unknown, other codes definitive', () => {
    const h = new StressHistory(['k']);
    const uncertain = h.invoke('getSeq', 'c', 3, 'k');
    expect(h.fail(uncertain, new TsoError(ErrorCode.SEQ_UNCERTAIN, 'x'))).toBe('unknown');
    const closedAfterSend = h.invoke('getSeq', 'c', 3, 'k');
    expect(h.fail(closedAfterSend, new TsoError(ErrorCode.CLIENT_CLOSED, 'x', { outcomeUnknown: true }))).toBe('unknown');
    const timedOut = h.invoke('getSeq', 'c', 3, 'k');
    expect(h.fail(timedOut, new TsoError(ErrorCode.TIMEOUT, 'x'))).toBe('failed');
    const ts = h.invoke('getTs', 'c', 1);
    expect(h.fail(ts, new TsoError(ErrorCode.SEQ_UNCERTAIN, 'x'))).toBe('failed');
    expect(h.outcomes.getSeq).toEqual({ ok: 0, failed: 1, unknown: 2, resolved: 0 });
    expect(h.tallyOf('k')).toEqual({ acknowledgedValues: 0n, unknownValues: 6n });
    expect(Object.fromEntries(h.errorsByKind.getSeq)).toEqual({ SEQ_UNCERTAIN: 1, CLIENT_CLOSED: 1, TIMEOUT: 1 });
    expect(h.violations.total).toBe(0);
    expect(h.pending).toBe(0);
  });

  it('reports a client that throws something other than a TsoError, and counts its block as possibly spent', () => {
    const h = new StressHistory(['k']);
    const op = h.invoke('getSeq', 'c', 2, 'k');
    expect(h.fail(op, new TypeError('boom'))).toBe('unknown');
    expect(h.violations.kept.map((v) => v.kind)).toEqual(['client_unexpected_error']);
    expect(h.violations.kept[0]?.message).toMatch(/TypeError: boom/);
  });

  it('checks timestamps in real-time order across calls and clients, and batch shape', () => {
    const clock = fakeClock();
    const h = new StressHistory([], clock.now);
    const a = h.invoke('getTsBatch', 'c1', 4);
    h.completeTs(a, packTimestamp(5, 0), packTimestamp(5, 3), 2n);
    clock.advance(1);
    const b = h.invoke('getTs', 'c2', 1);
    h.completeTs(b, packTimestamp(5, 3), packTimestamp(5, 3), 2n);
    const c = h.invoke('getTsBatch', 'c1', 3);
    h.completeTs(c, packTimestamp(6, 0), packTimestamp(6, 1), 2n);
    expect(h.violations.kept.map((v) => v.kind)).toEqual(['ts_real_time_order', 'ts_batch_shape']);
    expect(h.violations.kept[0]?.message).toMatch(/op 1 c2 getTs\(\).*not above 1310723 which op 0 c1 getTsBatch\(4\)/);
    expect(h.maxEpoch).toBe(2n);
    expect(h.timestampsAcknowledged).toBe(5);
  });

  it('checks blocks per key: real-time order within a key, none across keys; shape; tallies', () => {
    const h = new StressHistory(['a', 'b']);
    const a1 = h.invoke('getSeq', 'c', 3, 'a');
    h.completeSeq(a1, 'a', 0n, 3);
    const b1 = h.invoke('getSeq', 'c', 3, 'b');
    h.completeSeq(b1, 'b', 0n, 3);
    expect(h.violations.total).toBe(0);
    const a2 = h.invoke('getSeq', 'c', 3, 'a');
    h.completeSeq(a2, 'a', 2n, 3);
    const a3 = h.invoke('getSeq', 'c', 3, 'a');
    h.completeSeq(a3, 'a', 9n, 2);
    expect(h.violations.kept.map((v) => v.kind)).toEqual(['seq_real_time_order', 'seq_block_shape']);
    expect(h.tallyOf('a').acknowledgedValues).toBe(6n);
  });
});

describe('UnavailabilityTracker', () => {
  it('counts an acknowledgement from a newer leader, or from a call invoked after the loss, and nothing else', () => {
    const h = new StressHistory([]);
    const tracker = new UnavailabilityTracker();
    h.listener = tracker;
    const before = h.invoke('getTs', 'c', 1);
    tracker.lost('kill_leader', h.nowMs(), h.currentOrder, 4n);
    // An answer of the old leader read after the kill: not a recovery.
    h.completeTs(before, 10n, 10n, 4n);
    expect(tracker.pendingCount).toBe(1);
    const after = h.invoke('getTs', 'c', 1);
    h.completeTs(after, 11n, 11n, null);
    expect(tracker.pendingCount).toBe(0);
    expect(tracker.samples.map((s) => s.kind)).toEqual(['kill_leader']);

    const stuck = h.invoke('getTsBatch', 'c', 2);
    tracker.lost('pause_leader', h.nowMs(), h.currentOrder, 4n);
    h.completeTs(stuck, 20n, 21n, 5n);
    expect(tracker.pendingCount).toBe(0);
    expect(tracker.stats('pause_leader').count).toBe(1);
    expect(tracker.stats().count).toBe(2);
  });

  it('counts only the calls it is told to', () => {
    const h = new StressHistory([]);
    const tracker = new UnavailabilityTracker((op) => op.client.startsWith('load-'));
    h.listener = tracker;
    tracker.lost('kill_leader', h.nowMs(), h.currentOrder, 1n);
    const witness = h.invoke('getTs', 'witness-1', 1);
    h.completeTs(witness, 5n, 5n, 2n);
    expect(tracker.pendingCount).toBe(1);
    const load = h.invoke('getTs', 'load-1', 1);
    h.completeTs(load, 6n, 6n, 2n);
    expect(tracker.pendingCount).toBe(0);
  });

  it('gives up on losses that never recover', () => {
    const tracker = new UnavailabilityTracker();
    tracker.lost('kill_leader', 5, 0, 1n);
    expect(tracker.oldestPendingMs).toBe(5);
    expect(tracker.abandonPending()).toBe(1);
    expect(tracker.pendingCount).toBe(0);
    expect(tracker.samples).toEqual([]);
  });
});
