// The window allocator (reference 3.2): one test per rule of the state machine, then the
// reference's monotonicity property over random Grant / Extend / Gain / Lose sequences with a
// clock that jumps, stalls and steps backwards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { WindowAllocator, type GrantResult } from './allocator.js';
import { ErrorCode } from './errors.js';
import { GET_TS_COUNT_MAX, PHYSICAL_MS_MAX, TIMESTAMPS_PER_MS } from './limits.js';
import { packTimestamp } from './timestamp.js';

function leaderAt(floorMs: number, ceilingMs: number, epoch = 1n): WindowAllocator {
  const allocator = new WindowAllocator();
  expect(allocator.becomeLeader(floorMs, ceilingMs, epoch)).toEqual({ ok: true });
  allocator.invariants();
  return allocator;
}

function granted(result: GrantResult): { physicalMs: number; logicalStart: number; count: number } {
  if (!result.ok) throw new Error(`expected a grant, got ${result.code}`);
  return { physicalMs: result.physicalMs, logicalStart: result.logicalStart, count: result.count };
}

function failureCode(result: { ok: boolean; code?: string }): string | undefined {
  return result.ok ? undefined : result.code;
}

describe('WindowAllocator: leadership', () => {
  it('starts as not leader and refuses grants and extensions', () => {
    const allocator = new WindowAllocator();
    allocator.invariants();
    expect(allocator.isLeader).toBe(false);
    expect(allocator.epoch).toBeNull();
    expect(allocator.committedHighWaterMs).toBeNull();
    expect(failureCode(allocator.grant(1_000, 1))).toBe(ErrorCode.NOT_LEADER);
    expect(failureCode(allocator.wouldGrant(1_000, 1))).toBe(ErrorCode.NOT_LEADER);
    expect(failureCode(allocator.prepareExtension(1_000, 3_000))).toBe(ErrorCode.NOT_LEADER);
    expect(allocator.commitExtension(5_000, 1n)).toEqual({ applied: false, reason: ErrorCode.COMMIT_IGNORED_NOT_LEADER });
    allocator.invariants();
  });

  it('becomes leader with H = ceiling and the cursor at (floor, 0)', () => {
    const allocator = leaderAt(100, 150, 7n);
    expect(allocator.isLeader).toBe(true);
    expect(allocator.epoch).toBe(7n);
    expect(allocator.committedHighWaterMs).toBe(150);
    expect(allocator.view()).toEqual({
      kind: 'leader',
      epoch: 7n,
      committedHighWaterMs: 150,
      nextPhysicalMs: 100,
      nextLogical: 0,
      fenceFloorMs: 100,
    });
  });

  it('accepts a window of one millisecond (ceiling equal to floor)', () => {
    const allocator = leaderAt(100, 100);
    expect(granted(allocator.grant(0, 3))).toEqual({ physicalMs: 100, logicalStart: 0, count: 3 });
  });

  it('refuses a leadership window whose ceiling is below the floor or out of range, and keeps its state', () => {
    const allocator = leaderAt(100, 150, 3n);
    allocator.grant(120, 5);
    const before = allocator.view();
    for (const [floorMs, ceilingMs] of [
      [200, 199],
      [-1, 10],
      [0, PHYSICAL_MS_MAX + 1],
      [1.5, 10],
      [Number.NaN, 10],
    ] as const) {
      expect(failureCode(allocator.becomeLeader(floorMs, ceilingMs, 4n))).toBe(ErrorCode.INVALID_LEADERSHIP_WINDOW);
      expect(allocator.view()).toEqual(before);
      allocator.invariants();
    }
    const fresh = new WindowAllocator();
    expect(failureCode(fresh.becomeLeader(10, 9, 1n))).toBe(ErrorCode.INVALID_LEADERSHIP_WINDOW);
    expect(fresh.isLeader).toBe(false);
  });

  it('steps down: later grants, prepares and commits are refused or ignored', () => {
    const allocator = leaderAt(100, 150);
    allocator.stepDown();
    allocator.invariants();
    expect(allocator.view()).toEqual({ kind: 'not-leader' });
    expect(failureCode(allocator.grant(120, 1))).toBe(ErrorCode.NOT_LEADER);
    expect(failureCode(allocator.prepareExtension(120, 10))).toBe(ErrorCode.NOT_LEADER);
    expect(allocator.commitExtension(400, 1n)).toEqual({ applied: false, reason: ErrorCode.COMMIT_IGNORED_NOT_LEADER });
  });

  it('a new leadership replaces the old one and its grants carry the new epoch', () => {
    const allocator = leaderAt(100, 150, 1n);
    allocator.stepDown();
    expect(allocator.becomeLeader(151, 200, 2n)).toEqual({ ok: true });
    const grant = allocator.grant(0, 1);
    expect(grant).toEqual({ ok: true, physicalMs: 151, logicalStart: 0, count: 1, epoch: 2n });
  });
});

describe('WindowAllocator: grant', () => {
  it('refuses a count below 1, above 262,144 or not an integer, before checking leadership', () => {
    const notLeader = new WindowAllocator();
    const leader = leaderAt(100, 150);
    const before = leader.view();
    for (const count of [0, -1, GET_TS_COUNT_MAX + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(failureCode(notLeader.grant(120, count))).toBe(ErrorCode.INVALID_COUNT);
      expect(failureCode(leader.grant(120, count))).toBe(ErrorCode.INVALID_COUNT);
      expect(failureCode(leader.wouldGrant(120, count))).toBe(ErrorCode.INVALID_COUNT);
    }
    expect(leader.view()).toEqual(before);
  });

  it('grants the full millisecond in one request (count 262,144)', () => {
    const allocator = leaderAt(100, 150);
    expect(granted(allocator.grant(100, GET_TS_COUNT_MAX))).toEqual({ physicalMs: 100, logicalStart: 0, count: GET_TS_COUNT_MAX });
    allocator.invariants();
  });

  it('never grants below the fence floor when the clock is behind it', () => {
    const allocator = leaderAt(1_000, 1_100);
    expect(granted(allocator.grant(10, 4))).toEqual({ physicalMs: 1_000, logicalStart: 0, count: 4 });
    expect(granted(allocator.grant(-50, 2))).toEqual({ physicalMs: 1_000, logicalStart: 4, count: 2 });
    allocator.invariants();
  });

  it('jumps to (now, 0) when the clock is ahead of the cursor', () => {
    const allocator = leaderAt(1_000, 1_100);
    allocator.grant(1_000, 10);
    expect(granted(allocator.grant(1_040, 3))).toEqual({ physicalMs: 1_040, logicalStart: 0, count: 3 });
    allocator.invariants();
  });

  it('hands out consecutive grants in the same millisecond contiguously', () => {
    const allocator = leaderAt(1_000, 1_100);
    expect(granted(allocator.grant(1_000, 5))).toEqual({ physicalMs: 1_000, logicalStart: 0, count: 5 });
    expect(granted(allocator.grant(1_000, 7))).toEqual({ physicalMs: 1_000, logicalStart: 5, count: 7 });
    expect(granted(allocator.grant(1_000, 1))).toEqual({ physicalMs: 1_000, logicalStart: 12, count: 1 });
  });

  it('does not move back when the clock steps backwards', () => {
    const allocator = leaderAt(1_000, 1_100);
    allocator.grant(1_050, 5);
    expect(granted(allocator.grant(1_020, 1))).toEqual({ physicalMs: 1_050, logicalStart: 5, count: 1 });
    allocator.invariants();
  });

  it('never spans two milliseconds: a grant that does not fit starts at the next millisecond', () => {
    const allocator = leaderAt(1_000, 1_100);
    allocator.grant(1_000, TIMESTAMPS_PER_MS - 10);
    expect(granted(allocator.grant(1_000, 11))).toEqual({ physicalMs: 1_001, logicalStart: 0, count: 11 });
    expect(allocator.view()).toMatchObject({ nextPhysicalMs: 1_001, nextLogical: 11 });
    allocator.invariants();
  });

  it('an exact fill rolls the cursor to (physical + 1, 0)', () => {
    const allocator = leaderAt(1_000, 1_100);
    allocator.grant(1_000, TIMESTAMPS_PER_MS - 10);
    expect(granted(allocator.grant(1_000, 10))).toEqual({ physicalMs: 1_000, logicalStart: TIMESTAMPS_PER_MS - 10, count: 10 });
    expect(allocator.view()).toMatchObject({ nextPhysicalMs: 1_001, nextLogical: 0 });
    allocator.invariants();
  });

  it('a stalled clock keeps issuing by filling milliseconds up to H', () => {
    const allocator = leaderAt(1_000, 1_002);
    const physicals: number[] = [];
    for (let i = 0; i < 3; i += 1) physicals.push(granted(allocator.grant(1_000, GET_TS_COUNT_MAX)).physicalMs);
    expect(physicals).toEqual([1_000, 1_001, 1_002]);
    expect(failureCode(allocator.grant(1_000, 1))).toBe(ErrorCode.WINDOW_EXHAUSTED);
    expect(allocator.view()).toMatchObject({ nextPhysicalMs: 1_003, nextLogical: 0 });
    allocator.invariants();
  });

  it('refuses with WINDOW_EXHAUSTED past H and changes nothing', () => {
    const allocator = leaderAt(1_000, 1_010);
    allocator.grant(1_010, TIMESTAMPS_PER_MS - 1);
    const before = allocator.view();
    expect(failureCode(allocator.grant(1_010, 2))).toBe(ErrorCode.WINDOW_EXHAUSTED); // would roll to H + 1
    expect(failureCode(allocator.grant(1_011, 1))).toBe(ErrorCode.WINDOW_EXHAUSTED); // clock past H
    expect(allocator.view()).toEqual(before);
    expect(granted(allocator.grant(1_010, 1))).toEqual({ physicalMs: 1_010, logicalStart: TIMESTAMPS_PER_MS - 1, count: 1 });
  });

  it('refuses with PHYSICAL_MS_OUT_OF_RANGE past the 46-bit physical maximum', () => {
    const allocator = leaderAt(PHYSICAL_MS_MAX, PHYSICAL_MS_MAX);
    expect(failureCode(allocator.grant(PHYSICAL_MS_MAX + 5, 1))).toBe(ErrorCode.PHYSICAL_MS_OUT_OF_RANGE);
    expect(granted(allocator.grant(0, GET_TS_COUNT_MAX)).physicalMs).toBe(PHYSICAL_MS_MAX);
    allocator.invariants();
    expect(failureCode(allocator.grant(0, 1))).toBe(ErrorCode.PHYSICAL_MS_OUT_OF_RANGE);
    expect(failureCode(allocator.wouldGrant(0, 1))).toBe(ErrorCode.PHYSICAL_MS_OUT_OF_RANGE);
  });

  it('wouldGrant answers what grant would, without granting', () => {
    const allocator = leaderAt(1_000, 1_001);
    expect(allocator.wouldGrant(1_000, 10)).toEqual({ ok: true });
    expect(allocator.wouldGrant(1_000, 10)).toEqual({ ok: true });
    expect(allocator.view()).toMatchObject({ nextPhysicalMs: 1_000, nextLogical: 0 });
    expect(failureCode(allocator.wouldGrant(1_002, 1))).toBe(ErrorCode.WINDOW_EXHAUSTED);
    expect(granted(allocator.grant(1_000, 10))).toEqual({ physicalMs: 1_000, logicalStart: 0, count: 10 });
  });

  it('asserts on a clock reading that is not an integer (a broken clock port)', () => {
    const allocator = leaderAt(1_000, 1_010);
    expect(() => allocator.grant(1_000.5, 1)).toThrow(AssertionError);
    expect(() => allocator.grant(Number.NaN, 1)).toThrow(AssertionError);
  });
});

describe('WindowAllocator: extension', () => {
  it('prepares max(H + 1, now) + ahead and changes nothing', () => {
    const allocator = leaderAt(1_000, 1_010, 5n);
    const before = allocator.view();
    expect(allocator.prepareExtension(1_005, 3_000)).toEqual({ ok: true, targetMs: 4_011, epoch: 5n }); // clock behind H
    expect(allocator.prepareExtension(1_011, 3_000)).toEqual({ ok: true, targetMs: 4_011, epoch: 5n });
    expect(allocator.prepareExtension(2_000, 3_000)).toEqual({ ok: true, targetMs: 5_000, epoch: 5n }); // clock ahead
    expect(allocator.prepareExtension(-10, 0)).toEqual({ ok: true, targetMs: 1_011, epoch: 5n }); // progress even with no ahead
    expect(allocator.view()).toEqual(before);
  });

  it('refuses an extension target past the 46-bit maximum with WINDOW_EXTENSION_OVERFLOW', () => {
    const allocator = leaderAt(1_000, PHYSICAL_MS_MAX - 10);
    // H + 1 + 9 is exactly the maximum; one more millisecond ahead overflows.
    expect(allocator.prepareExtension(0, 9)).toEqual({ ok: true, targetMs: PHYSICAL_MS_MAX, epoch: 1n });
    expect(failureCode(allocator.prepareExtension(0, 10))).toBe(ErrorCode.WINDOW_EXTENSION_OVERFLOW);
    expect(failureCode(allocator.prepareExtension(PHYSICAL_MS_MAX, 1))).toBe(ErrorCode.WINDOW_EXTENSION_OVERFLOW);
    const atMax = leaderAt(PHYSICAL_MS_MAX, PHYSICAL_MS_MAX);
    expect(failureCode(atMax.prepareExtension(0, 0))).toBe(ErrorCode.WINDOW_EXTENSION_OVERFLOW);
  });

  it('commits a persisted high-water that advances H, after which the retried grant succeeds', () => {
    const allocator = leaderAt(1_000, 1_010, 2n);
    expect(failureCode(allocator.grant(1_020, 1))).toBe(ErrorCode.WINDOW_EXHAUSTED);
    const prepared = allocator.prepareExtension(1_020, 3_000);
    if (!prepared.ok) throw new Error('prepare failed');
    expect(allocator.commitExtension(prepared.targetMs, prepared.epoch)).toEqual({ applied: true, highWaterMs: 4_020 });
    expect(allocator.committedHighWaterMs).toBe(4_020);
    expect(granted(allocator.grant(1_020, 1))).toEqual({ physicalMs: 1_020, logicalStart: 0, count: 1 });
    allocator.invariants();
  });

  it('applies a durable value above the prepared target (the driver returns max(stored, asked))', () => {
    const allocator = leaderAt(1_000, 1_010, 2n);
    expect(allocator.commitExtension(9_999, 2n)).toEqual({ applied: true, highWaterMs: 9_999 });
  });

  it('ignores a commit that does not advance H', () => {
    const allocator = leaderAt(1_000, 1_010, 2n);
    expect(allocator.commitExtension(1_010, 2n)).toEqual({
      applied: false,
      reason: ErrorCode.COMMIT_IGNORED_NOT_ADVANCED,
      persistedMs: 1_010,
      committedHighWaterMs: 1_010,
    });
    expect(allocator.commitExtension(900, 2n)).toMatchObject({ applied: false, reason: ErrorCode.COMMIT_IGNORED_NOT_ADVANCED });
    expect(allocator.committedHighWaterMs).toBe(1_010);
  });

  it('ignores a commit prepared under another epoch, checking the epoch before the value', () => {
    const allocator = leaderAt(1_000, 1_010, 2n);
    expect(allocator.commitExtension(5_000, 1n)).toEqual({
      applied: false,
      reason: ErrorCode.COMMIT_IGNORED_EPOCH_MISMATCH,
      expectedEpoch: 1n,
      currentEpoch: 2n,
    });
    // A value that would not advance either: the epoch mismatch is what is reported.
    expect(allocator.commitExtension(500, 3n)).toMatchObject({ reason: ErrorCode.COMMIT_IGNORED_EPOCH_MISMATCH });
    expect(allocator.committedHighWaterMs).toBe(1_010);
  });

  it('ignores a commit that arrives after leadership was lost', () => {
    const allocator = leaderAt(1_000, 1_010, 2n);
    const prepared = allocator.prepareExtension(1_000, 100);
    allocator.stepDown();
    expect(prepared.ok).toBe(true);
    if (prepared.ok) {
      expect(allocator.commitExtension(prepared.targetMs, prepared.epoch)).toEqual({
        applied: false,
        reason: ErrorCode.COMMIT_IGNORED_NOT_LEADER,
      });
    }
  });

  it('asserts on a persisted value past the 46-bit maximum (drivers refuse those before writing)', () => {
    const allocator = leaderAt(1_000, 1_010);
    expect(() => allocator.commitExtension(PHYSICAL_MS_MAX + 1, 1n)).toThrow(AssertionError);
  });
});

describe('WindowAllocator: invariants()', () => {
  it('detects a cursor past H + 1 and a cursor below the fence floor', () => {
    const allocator = leaderAt(1_000, 1_010);
    const fields = allocator as unknown as { nextPhysicalMs: number };
    fields.nextPhysicalMs = 1_012;
    expect(() => allocator.invariants()).toThrow(AssertionError);
    fields.nextPhysicalMs = 999;
    expect(() => allocator.invariants()).toThrow(AssertionError);
    fields.nextPhysicalMs = 1_005;
    allocator.invariants();
  });
});

// ---------------------------------------------------------------------------------------------
// The monotonicity property (reference 9: random Grant / Extend / Gain / Lose sequences).

type Command =
  | { readonly kind: 'grant'; readonly clockStepMs: number; readonly count: number }
  /** The server's path: grant; on WINDOW_EXHAUSTED prepare, persist, commit, and retry once. */
  | { readonly kind: 'serve'; readonly clockStepMs: number; readonly count: number; readonly aheadMs: number }
  | { readonly kind: 'prepare'; readonly clockStepMs: number; readonly aheadMs: number }
  /** Persists and commits one of the pending prepares (any order; possibly from an older epoch). */
  | { readonly kind: 'commit'; readonly pick: number }
  /** Commits a value at or below H under the current epoch (a late, out-of-order durable answer). */
  | { readonly kind: 'commit-lower'; readonly belowMs: number }
  | { readonly kind: 'gain'; readonly clockStepMs: number; readonly advanceMs: number }
  | { readonly kind: 'lose' }
  | { readonly kind: 'invalid-grant'; readonly count: number };

// The clock jumps forward, stalls and steps backwards.
const clockStepMs = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: -50, max: -1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 4, max: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: -2_000, max: -51 }) },
);
const count = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: GET_TS_COUNT_MAX }) },
  { weight: 1, arbitrary: fc.constantFrom(GET_TS_COUNT_MAX, GET_TS_COUNT_MAX - 1, TIMESTAMPS_PER_MS / 2, TIMESTAMPS_PER_MS / 2 + 1) },
);
const smallMs = fc.integer({ min: 0, max: 30 });

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('grant' as const), clockStepMs, count }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('serve' as const), clockStepMs, count, aheadMs: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('prepare' as const), clockStepMs, aheadMs: smallMs }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('commit-lower' as const), belowMs: smallMs }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gain' as const), clockStepMs, advanceMs: smallMs }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lose' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid-grant' as const), count: fc.constantFrom(0, -3, GET_TS_COUNT_MAX + 1, 2.5) }) },
);

/** The world around one allocator: a clock, a durable high-water, and every timestamp issued. */
class World {
  readonly allocator = new WindowAllocator();
  nowMs = 1_000_000;
  /** The durable high-water, as loaded by a new leader (max of everything ever persisted). */
  durableMs = 0;
  nextEpoch = 1n;
  pending: Array<{ targetMs: number; epoch: bigint }> = [];
  /** The greatest timestamp issued so far (by any leadership), or -1n. */
  lastIssued = -1n;
  grants = 0;

  tick(stepMs: number): void {
    this.nowMs += stepMs;
  }

  persist(atLeastMs: number): number {
    this.durableMs = Math.max(this.durableMs, atLeastMs);
    return this.durableMs;
  }

  /** Checks a grant against everything issued before, then records it. */
  record(result: GrantResult, requestedCount: number): void {
    if (!result.ok) return;
    const view = this.allocator.view();
    expect(view.kind).toBe('leader');
    if (view.kind !== 'leader') return;
    expect(result.count).toBe(requestedCount);
    expect(result.epoch).toBe(view.epoch);
    expect(result.logicalStart + result.count).toBeLessThanOrEqual(TIMESTAMPS_PER_MS); // one millisecond
    expect(result.physicalMs).toBeLessThanOrEqual(view.committedHighWaterMs); // persisted before served
    expect(result.physicalMs).toBeGreaterThanOrEqual(view.fenceFloorMs);
    const first = packTimestamp(result.physicalMs, result.logicalStart);
    const last = packTimestamp(result.physicalMs, result.logicalStart + result.count - 1);
    expect(last - first).toBe(BigInt(result.count - 1)); // contiguous
    expect(first > this.lastIssued).toBe(true); // strictly after everything issued before
    this.lastIssued = last;
    this.grants += 1;
  }

  grantChecked(requestedCount: number): GrantResult {
    const predicted = this.allocator.wouldGrant(this.nowMs, requestedCount);
    const result = this.allocator.grant(this.nowMs, requestedCount);
    expect(result.ok).toBe(predicted.ok);
    if (!result.ok && !predicted.ok) expect(result.code).toBe(predicted.code);
    this.record(result, requestedCount);
    return result;
  }

  run(cmd: Command): void {
    const allocator = this.allocator;
    switch (cmd.kind) {
      case 'grant': {
        this.tick(cmd.clockStepMs);
        const result = this.grantChecked(cmd.count);
        if (!allocator.isLeader) expect(result).toMatchObject({ ok: false, code: ErrorCode.NOT_LEADER });
        break;
      }
      case 'serve': {
        // One clock sample for the grant, the prepare and the retry (reference 3.5).
        this.tick(cmd.clockStepMs);
        const first = this.grantChecked(cmd.count);
        if (first.ok || first.code !== ErrorCode.WINDOW_EXHAUSTED) break;
        const prepared = allocator.prepareExtension(this.nowMs, cmd.aheadMs);
        if (!prepared.ok) throw new Error(`prepare failed: ${prepared.code}`);
        expect(prepared.targetMs).toBe(Math.max((allocator.committedHighWaterMs ?? 0) + 1, this.nowMs) + cmd.aheadMs);
        const outcome = allocator.commitExtension(this.persist(prepared.targetMs), prepared.epoch);
        expect(outcome.applied).toBe(true);
        // With aheadMs ≥ 1 the retried grant always fits.
        expect(this.grantChecked(cmd.count).ok).toBe(true);
        break;
      }
      case 'prepare': {
        this.tick(cmd.clockStepMs);
        const prepared = allocator.prepareExtension(this.nowMs, cmd.aheadMs);
        if (!allocator.isLeader) {
          expect(prepared).toMatchObject({ ok: false, code: ErrorCode.NOT_LEADER });
        } else if (prepared.ok) {
          this.pending.push({ targetMs: prepared.targetMs, epoch: prepared.epoch });
        }
        break;
      }
      case 'commit': {
        if (this.pending.length === 0) break;
        const [chosen] = this.pending.splice(cmd.pick % this.pending.length, 1);
        if (chosen === undefined) break;
        const highWaterBefore = allocator.committedHighWaterMs;
        const persistedMs = this.persist(chosen.targetMs);
        const outcome = allocator.commitExtension(persistedMs, chosen.epoch);
        if (highWaterBefore === null) {
          expect(outcome).toEqual({ applied: false, reason: ErrorCode.COMMIT_IGNORED_NOT_LEADER });
        } else if (allocator.epoch !== chosen.epoch) {
          expect(outcome).toMatchObject({ applied: false, reason: ErrorCode.COMMIT_IGNORED_EPOCH_MISMATCH });
        } else if (persistedMs <= highWaterBefore) {
          expect(outcome).toMatchObject({ applied: false, reason: ErrorCode.COMMIT_IGNORED_NOT_ADVANCED });
        } else {
          expect(outcome).toEqual({ applied: true, highWaterMs: persistedMs });
        }
        break;
      }
      case 'commit-lower': {
        const highWaterMs = allocator.committedHighWaterMs;
        const epoch = allocator.epoch;
        if (highWaterMs === null || epoch === null) break;
        const outcome = allocator.commitExtension(Math.max(0, highWaterMs - cmd.belowMs), epoch);
        expect(outcome).toMatchObject({ applied: false, reason: ErrorCode.COMMIT_IGNORED_NOT_ADVANCED });
        expect(allocator.committedHighWaterMs).toBe(highWaterMs);
        break;
      }
      case 'gain': {
        // The fence (reference 3.6): drop the old state, load the prior H, floor = max(H + 1, now),
        // persist floor + advance, seed.
        this.tick(cmd.clockStepMs);
        allocator.stepDown();
        const floorMs = Math.max(this.durableMs + 1, this.nowMs);
        const ceilingMs = this.persist(floorMs + cmd.advanceMs);
        expect(allocator.becomeLeader(floorMs, ceilingMs, this.nextEpoch)).toEqual({ ok: true });
        this.nextEpoch += 1n;
        break;
      }
      case 'lose':
        allocator.stepDown();
        break;
      case 'invalid-grant': {
        const before = allocator.view();
        expect(allocator.grant(this.nowMs, cmd.count)).toMatchObject({ ok: false, code: ErrorCode.INVALID_COUNT });
        expect(allocator.view()).toEqual(before);
        break;
      }
    }
    allocator.invariants();
    const highWaterMs = allocator.committedHighWaterMs;
    if (highWaterMs !== null) expect(highWaterMs).toBeLessThanOrEqual(this.durableMs);
  }
}

describe('WindowAllocator: monotonicity property', () => {
  it('never issues a timestamp at or below one issued before, under any clock and leadership changes', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 200 }), (commands) => {
        const world = new World();
        // Start as leader most of the time so grants happen from the first command.
        world.run({ kind: 'gain', clockStepMs: 0, advanceMs: 5 });
        for (const cmd of commands) world.run(cmd);
      }),
      { numRuns: 300 },
    );
  });

  it('the property test issues grants, so it checks something', () => {
    const world = new World();
    world.run({ kind: 'gain', clockStepMs: 0, advanceMs: 1 });
    for (let i = 0; i < 50; i += 1) world.run({ kind: 'serve', clockStepMs: i % 3 === 0 ? -5 : 1, count: 100_000, aheadMs: 2 });
    expect(world.grants).toBeGreaterThanOrEqual(50);
  });
});
