// The stress checkers on synthetic histories: the online interval checker agrees exactly with a
// brute-force comparison of every pair of calls, finds nothing in histories a correct service
// produces, and keeps no completion once nothing is in flight; the ledger verdict; percentiles.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLedger, durationStats, IntervalSpaceChecker, percentile, ViolationLog, type CheckedCall, type FloorToken } from './checkers.js';

interface SynthOp {
  readonly id: number;
  invokeOrder: number;
  completeOrder: number;
  lo: bigint;
  hi: bigint;
}

type Step = { readonly kind: 'invoke' } | { readonly kind: 'complete'; readonly pick: number; readonly lo: number; readonly len: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'invoke' }),
  fc.record({ kind: fc.constant('complete' as const), pick: fc.nat(), lo: fc.integer({ min: 0, max: 30 }), len: fc.integer({ min: 1, max: 3 }) }),
);

/**
 * Plays `steps` through a checker. `values`: 'correct' hands out a counter at completion (a
 * linearizable service); 'arbitrary' uses the step's random interval.
 */
function play(steps: readonly Step[], values: 'correct' | 'arbitrary'): { ops: SynthOp[]; realTimeFlagged: Set<number>; anyFinding: boolean; retainedAtEnd: number } {
  const checker = new IntervalSpaceChecker('test');
  const ops: SynthOp[] = [];
  const inFlight: Array<{ op: SynthOp; call: CheckedCall; token: FloorToken }> = [];
  const realTimeFlagged = new Set<number>();
  let anyFinding = false;
  let order = 0;
  let counter = 0n;
  const complete = (index: number, lo: bigint, hi: bigint): void => {
    const [entry] = inFlight.splice(index, 1);
    if (entry === undefined) return;
    entry.op.completeOrder = order;
    entry.op.lo = lo;
    entry.op.hi = hi;
    for (const f of checker.acknowledge(entry.call, entry.token, lo, hi, order++)) {
      anyFinding = true;
      if (f.kind === 'real_time_order') realTimeFlagged.add(entry.op.id);
    }
  };
  for (const step of steps) {
    if (step.kind === 'invoke') {
      const op: SynthOp = { id: ops.length, invokeOrder: order++, completeOrder: -1, lo: 0n, hi: 0n };
      ops.push(op);
      const call: CheckedCall = { id: op.id, invokeOrder: op.invokeOrder, describe: () => `op ${op.id}` };
      inFlight.push({ op, call, token: checker.invoke(call) });
    } else if (inFlight.length > 0) {
      const index = step.pick % inFlight.length;
      if (values === 'correct') {
        const lo = counter;
        counter += BigInt(step.len);
        complete(index, lo, counter - 1n);
      } else {
        complete(index, BigInt(step.lo), BigInt(step.lo + step.len - 1));
      }
    }
  }
  // Calls never completed end without values.
  for (const entry of inFlight.splice(0)) checker.end(entry.call);
  return { ops: ops.filter((o) => o.completeOrder >= 0), realTimeFlagged, anyFinding, retainedAtEnd: checker.retained };
}

/** Every pair of acknowledged calls, compared directly. */
function bruteForce(ops: readonly SynthOp[]): { realTimeFlagged: Set<number>; anyViolation: boolean } {
  const realTimeFlagged = new Set<number>();
  let anyViolation = false;
  for (const a of ops) {
    for (const b of ops) {
      if (a === b) continue;
      if (a.completeOrder < b.invokeOrder && b.lo <= a.hi) {
        realTimeFlagged.add(b.id);
        anyViolation = true;
      }
      if (a.lo <= b.hi && b.lo <= a.hi) anyViolation = true;
    }
  }
  return { realTimeFlagged, anyViolation };
}

describe('IntervalSpaceChecker', () => {
  it('finds nothing in histories of a linearizable counter, and keeps nothing once no call is in flight', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 200 }), (steps) => {
        const run = play(steps, 'correct');
        expect(run.anyFinding).toBe(false);
        expect(run.retainedAtEnd).toBe(0);
      }),
    );
  });

  it('agrees with the brute-force pairwise check on arbitrary values', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        const run = play(steps, 'arbitrary');
        const truth = bruteForce(run.ops);
        expect([...run.realTimeFlagged].sort((x, y) => x - y)).toEqual([...truth.realTimeFlagged].sort((x, y) => x - y));
        expect(run.anyFinding).toBe(truth.anyViolation);
      }),
      { numRuns: 300 },
    );
  });

  it('flags a value not above one acknowledged before the call was invoked, with no grace window', () => {
    const checker = new IntervalSpaceChecker('ts');
    const call = (id: number, invokeOrder: number): CheckedCall => ({ id, invokeOrder, describe: () => `call ${id}` });
    const a = call(0, 0);
    const ta = checker.invoke(a);
    expect(checker.acknowledge(a, ta, 100n, 100n, 1)).toEqual([]);
    const b = call(1, 2);
    const tb = checker.invoke(b);
    const findings = checker.acknowledge(b, tb, 100n, 100n, 3);
    expect(findings.map((f) => f.kind)).toEqual(['real_time_order']);
    expect(findings[0]?.message).toMatch(/call 1 got 100, not above 100 which call 0 had received/);
  });

  it('flags two concurrent calls that got the same value, and not two concurrent calls that got different ones', () => {
    const checker = new IntervalSpaceChecker('ts');
    const calls = [0, 1, 2].map((id) => ({ id, invokeOrder: id, describe: () => `call ${id}` }));
    const tokens = calls.map((c) => checker.invoke(c));
    expect(checker.acknowledge(calls[1] as CheckedCall, tokens[1] as FloorToken, 10n, 12n, 3)).toEqual([]);
    expect(checker.acknowledge(calls[0] as CheckedCall, tokens[0] as FloorToken, 5n, 9n, 4)).toEqual([]);
    const dup = checker.acknowledge(calls[2] as CheckedCall, tokens[2] as FloorToken, 12n, 12n, 5);
    expect(dup.map((f) => f.kind)).toEqual(['duplicate']);
    expect(checker.retained).toBe(0);
  });
});

describe('checkLedger', () => {
  it('accepts a ledger whose holes unknown outcomes explain', () => {
    expect(checkLedger({ key: 'k', counter: 10n, acknowledgedValues: 10n, unknownValues: 0n })).toMatchObject({ holes: 0n, unexplained: 0n, message: null });
    expect(checkLedger({ key: 'k', counter: 10n, acknowledgedValues: 7n, unknownValues: 6n })).toMatchObject({ holes: 3n, explainedByUnknown: 3n, unexplained: 0n, message: null });
  });

  it('flags holes nothing explains, and more acknowledged values than the counter', () => {
    const hole = checkLedger({ key: 'k', counter: 10n, acknowledgedValues: 6n, unknownValues: 3n });
    expect(hole.unexplained).toBe(1n);
    expect(hole.message).toMatch(/k: 1 of the 10 values below the counter were never acknowledged/);
    expect(checkLedger({ key: 'k', counter: 4n, acknowledgedValues: 5n, unknownValues: 0n }).message).toMatch(/5 values acknowledged but the counter is only 4/);
  });
});

describe('percentiles and the violation log', () => {
  it('uses the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 100)]).toEqual([50, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    expect(durationStats([30, 10, 20])).toEqual({ count: 3, p50Ms: 20, p99Ms: 30, maxMs: 30 });
  });

  it('is a real p99: above every sample but the top 1 %', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 500 }), (samples) => {
        const sorted = [...samples].sort((a, b) => a - b);
        const p99 = percentile(sorted, 99) ?? -1;
        expect(sorted.filter((s) => s <= p99).length / sorted.length).toBeGreaterThanOrEqual(0.99);
        expect(sorted.filter((s) => s < p99).length / sorted.length).toBeLessThan(0.99);
      }),
    );
  });

  it('keeps the first violations in detail and counts all, by class', () => {
    const log = new ViolationLog(() => 0);
    for (let i = 0; i < 60; i += 1) log.report('ts_duplicate', `dup ${i}`);
    log.report('no_recovery', 'stuck');
    expect(log.kept.length).toBe(50);
    expect([log.total, log.safetyCount, log.livenessCount]).toEqual([61, 60, 1]);
  });
});
