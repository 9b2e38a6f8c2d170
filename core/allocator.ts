// The window allocator: the pure state machine that hands out timestamps on the leader
// (reference 3.2). It is either not leader, or leader of one epoch with:
//   - H, the committed high-water (physical ms): durable, so no timestamp with physicalMs ≤ H
//     can ever be handed out again by a later leader (it fences at max(H + 1, now));
//   - the cursor (nextPhysicalMs, nextLogical): the first timestamp not yet handed out;
//   - the fence floor: the cursor this leadership started at.
//
// Invariants while leader (checked by `invariants()`):
//   - 0 ≤ fenceFloorMs ≤ nextPhysicalMs ≤ H + 1, H ≤ PHYSICAL_MS_MAX, 0 ≤ nextLogical ≤ LOGICAL_MAX;
//   - the cursor reaches H + 1 only through an exact fill of millisecond H, so there
//     nextLogical = 0;
//   - the cursor never moves backwards, and every grant lies strictly below the cursor it leaves,
//     so timestamps within one leadership strictly increase. Across leaderships the fence floor
//     (> every earlier H) keeps them increasing.
//   - H never decreases within a leadership (a commit that does not advance it is ignored).
// The clock is advisory: `nowMs` only ever moves the cursor forward, so a clock that stalls or
// steps backwards cannot make a timestamp repeat; a stalled clock keeps issuing until H and the
// extension target max(H + 1, now) + ahead still progresses.
//
// Persistence is split into prepare / commit so this stays synchronous: the caller persists the
// prepared target through its consensus driver, then commits the durable value it got back.
//
// `grant` is the hot path: number arithmetic only, and no allocation beyond the success object
// (failures are shared frozen constants). Every number here is a safe integer ≤ 2^46.

import { assert, AssertionError, assertSafeUint } from './assert.js';
import { ErrorCode, type Failure, type Result } from './errors.js';
import { GET_TS_COUNT_MAX, LOGICAL_MAX, PHYSICAL_MS_MAX, TIMESTAMPS_PER_MS } from './limits.js';

/** A contiguous run of `count` timestamps in one millisecond: logical `[logicalStart, logicalStart + count)`. */
export interface TimestampGrant {
  readonly physicalMs: number;
  readonly logicalStart: number;
  readonly count: number;
  readonly epoch: bigint;
}

export type GrantFailureCode =
  | typeof ErrorCode.INVALID_COUNT
  | typeof ErrorCode.NOT_LEADER
  | typeof ErrorCode.PHYSICAL_MS_OUT_OF_RANGE
  | typeof ErrorCode.WINDOW_EXHAUSTED;

export type GrantResult = Result<TimestampGrant, GrantFailureCode>;

/** `wouldGrant`'s answer: the outcome `grant` would have, without the grant. */
export type GrantCheck = { readonly ok: true } | Failure<GrantFailureCode>;

export type BecomeLeaderResult = { readonly ok: true } | Failure<typeof ErrorCode.INVALID_LEADERSHIP_WINDOW>;

/** The high-water to persist next, and the epoch the commit must carry. */
export interface PreparedExtension {
  readonly targetMs: number;
  readonly epoch: bigint;
}

export type PrepareExtensionResult = Result<
  PreparedExtension,
  typeof ErrorCode.NOT_LEADER | typeof ErrorCode.WINDOW_EXTENSION_OVERFLOW
>;

export type CommitOutcome =
  | { readonly applied: true; readonly highWaterMs: number }
  | { readonly applied: false; readonly reason: typeof ErrorCode.COMMIT_IGNORED_NOT_LEADER }
  | {
      readonly applied: false;
      readonly reason: typeof ErrorCode.COMMIT_IGNORED_EPOCH_MISMATCH;
      readonly expectedEpoch: bigint;
      readonly currentEpoch: bigint;
    }
  | {
      readonly applied: false;
      readonly reason: typeof ErrorCode.COMMIT_IGNORED_NOT_ADVANCED;
      readonly persistedMs: number;
      readonly committedHighWaterMs: number;
    };

/** A read-only copy of the allocator's state (for tests, traces and metrics; not the hot path). */
export type AllocatorView =
  | { readonly kind: 'not-leader' }
  | {
      readonly kind: 'leader';
      readonly epoch: bigint;
      readonly committedHighWaterMs: number;
      readonly nextPhysicalMs: number;
      readonly nextLogical: number;
      readonly fenceFloorMs: number;
    };

// Shared failure values: the hot path returns these without allocating.
const INVALID_COUNT: Failure<typeof ErrorCode.INVALID_COUNT> = Object.freeze({ ok: false, code: ErrorCode.INVALID_COUNT });
const NOT_LEADER: Failure<typeof ErrorCode.NOT_LEADER> = Object.freeze({ ok: false, code: ErrorCode.NOT_LEADER });
const PHYSICAL_MS_OUT_OF_RANGE: Failure<typeof ErrorCode.PHYSICAL_MS_OUT_OF_RANGE> = Object.freeze({
  ok: false,
  code: ErrorCode.PHYSICAL_MS_OUT_OF_RANGE,
});
const WINDOW_EXHAUSTED: Failure<typeof ErrorCode.WINDOW_EXHAUSTED> = Object.freeze({ ok: false, code: ErrorCode.WINDOW_EXHAUSTED });
const OK: { readonly ok: true } = Object.freeze({ ok: true });
const COMMIT_IGNORED_NOT_LEADER: CommitOutcome = Object.freeze({ applied: false, reason: ErrorCode.COMMIT_IGNORED_NOT_LEADER });

function physicalMsInRange(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= 0 && ms <= PHYSICAL_MS_MAX;
}

export class WindowAllocator {
  // Flat fields rather than a state object so `grant` touches only numbers. When not leader the
  // numeric fields are zero and `leaderEpoch` is null.
  private leaderEpoch: bigint | null = null;
  private highWaterMs = 0;
  private nextPhysicalMs = 0;
  private nextLogical = 0;
  private fenceFloorMs = 0;
  // Scratch output of `project`, read right after it returns (avoids a result object).
  private projectedPhysicalMs = 0;
  private projectedLogical = 0;

  get isLeader(): boolean {
    return this.leaderEpoch !== null;
  }

  /** The epoch of the current leadership, or null when not leader. */
  get epoch(): bigint | null {
    return this.leaderEpoch;
  }

  /** The committed high-water H (physical ms), or null when not leader. */
  get committedHighWaterMs(): number | null {
    return this.leaderEpoch === null ? null : this.highWaterMs;
  }

  /**
   * Seeds a leadership: the cursor starts at `(floorMs, 0)` and H = `ceilingMs`, which the caller
   * has already persisted. Replaces any previous leadership state.
   */
  becomeLeader(floorMs: number, ceilingMs: number, epoch: bigint): BecomeLeaderResult {
    assert(typeof epoch === 'bigint' && epoch >= 0n, 'allocator_epoch_non_negative', () => String(epoch));
    if (!physicalMsInRange(floorMs) || !physicalMsInRange(ceilingMs) || ceilingMs < floorMs) {
      return {
        ok: false,
        code: ErrorCode.INVALID_LEADERSHIP_WINDOW,
        message: `leadership window [${floorMs}, ${ceilingMs}] is empty or outside [0, ${PHYSICAL_MS_MAX}]`,
      };
    }
    this.leaderEpoch = epoch;
    this.highWaterMs = ceilingMs;
    this.nextPhysicalMs = floorMs;
    this.nextLogical = 0;
    this.fenceFloorMs = floorMs;
    return OK;
  }

  /** Leaves leadership: every later grant, prepare and commit is refused or ignored. */
  stepDown(): void {
    this.leaderEpoch = null;
    this.highWaterMs = 0;
    this.nextPhysicalMs = 0;
    this.nextLogical = 0;
    this.fenceFloorMs = 0;
  }

  /**
   * Hands out `count` contiguous timestamps in one millisecond, all greater than every timestamp
   * granted before in this leadership. Mutates the state only on success.
   */
  grant(nowMs: number, count: number): GrantResult {
    const failure = this.project(nowMs, count);
    if (failure !== null) return failure;
    const physicalMs = this.projectedPhysicalMs;
    const logicalStart = this.projectedLogical;
    const logicalEnd = logicalStart + count;
    if (logicalEnd === TIMESTAMPS_PER_MS) {
      // An exact fill: the next grant starts in the next millisecond (which may be H + 1, where
      // it waits for an extension).
      this.nextPhysicalMs = physicalMs + 1;
      this.nextLogical = 0;
    } else {
      this.nextPhysicalMs = physicalMs;
      this.nextLogical = logicalEnd;
    }
    return { ok: true, physicalMs, logicalStart, count, epoch: this.leaderEpoch as bigint };
  }

  /** What `grant(nowMs, count)` would answer, without changing anything. */
  wouldGrant(nowMs: number, count: number): GrantCheck {
    return this.project(nowMs, count) ?? OK;
  }

  /**
   * The high-water to persist for the next window: `max(H + 1, nowMs) + aheadMs`. The `+ 1`
   * guarantees progress when the clock is behind H. Changes nothing.
   */
  prepareExtension(nowMs: number, aheadMs: number): PrepareExtensionResult {
    if (!Number.isSafeInteger(nowMs)) throw new AssertionError('allocator_now_is_integer', String(nowMs));
    assertSafeUint(aheadMs, 'allocator_ahead_is_uint');
    if (this.leaderEpoch === null) return NOT_LEADER;
    const targetMs = Math.max(this.highWaterMs + 1, nowMs) + aheadMs;
    if (targetMs > PHYSICAL_MS_MAX) {
      return {
        ok: false,
        code: ErrorCode.WINDOW_EXTENSION_OVERFLOW,
        message: `extension target ${targetMs} exceeds ${PHYSICAL_MS_MAX}`,
      };
    }
    return { ok: true, targetMs, epoch: this.leaderEpoch };
  }

  /**
   * Applies a durable high-water returned by the driver. Ignored (with the reason) when not
   * leader, when the epoch it was prepared under is not the current one (checked first), or
   * when it does not advance H — an ignored commit never moves H backwards.
   */
  commitExtension(persistedMs: number, expectedEpoch: bigint): CommitOutcome {
    if (!physicalMsInRange(persistedMs)) throw new AssertionError('allocator_persisted_in_range', String(persistedMs));
    if (this.leaderEpoch === null) return COMMIT_IGNORED_NOT_LEADER;
    if (this.leaderEpoch !== expectedEpoch) {
      return {
        applied: false,
        reason: ErrorCode.COMMIT_IGNORED_EPOCH_MISMATCH,
        expectedEpoch,
        currentEpoch: this.leaderEpoch,
      };
    }
    if (persistedMs <= this.highWaterMs) {
      return {
        applied: false,
        reason: ErrorCode.COMMIT_IGNORED_NOT_ADVANCED,
        persistedMs,
        committedHighWaterMs: this.highWaterMs,
      };
    }
    this.highWaterMs = persistedMs;
    return { applied: true, highWaterMs: persistedMs };
  }

  view(): AllocatorView {
    if (this.leaderEpoch === null) return { kind: 'not-leader' };
    return {
      kind: 'leader',
      epoch: this.leaderEpoch,
      committedHighWaterMs: this.highWaterMs,
      nextPhysicalMs: this.nextPhysicalMs,
      nextLogical: this.nextLogical,
      fenceFloorMs: this.fenceFloorMs,
    };
  }

  /** Asserts the state's invariants (see the file comment). */
  invariants(): void {
    if (this.leaderEpoch === null) {
      assert(
        this.highWaterMs === 0 && this.nextPhysicalMs === 0 && this.nextLogical === 0 && this.fenceFloorMs === 0,
        'allocator_not_leader_state_cleared',
      );
      return;
    }
    assert(this.leaderEpoch >= 0n, 'allocator_epoch_non_negative');
    assert(physicalMsInRange(this.highWaterMs), 'allocator_high_water_in_range', () => String(this.highWaterMs));
    assert(physicalMsInRange(this.fenceFloorMs), 'allocator_fence_floor_in_range', () => String(this.fenceFloorMs));
    assert(this.fenceFloorMs <= this.highWaterMs, 'allocator_fence_floor_at_most_high_water');
    assert(Number.isSafeInteger(this.nextPhysicalMs), 'allocator_cursor_is_integer');
    assert(this.nextPhysicalMs >= this.fenceFloorMs, 'allocator_cursor_at_least_fence_floor');
    assert(this.nextPhysicalMs <= this.highWaterMs + 1, 'allocator_cursor_at_most_high_water_plus_one');
    assert(
      Number.isInteger(this.nextLogical) && this.nextLogical >= 0 && this.nextLogical <= LOGICAL_MAX,
      'allocator_cursor_logical_in_range',
    );
    assert(this.nextPhysicalMs <= this.highWaterMs || this.nextLogical === 0, 'allocator_cursor_past_window_only_after_exact_fill');
  }

  /**
   * The grant projection shared by `grant` and `wouldGrant`. On success it leaves the grant's
   * start in `projectedPhysicalMs` / `projectedLogical` and returns null; otherwise the failure.
   */
  private project(nowMs: number, count: number): Failure<GrantFailureCode> | null {
    if (!Number.isInteger(count) || count < 1 || count > GET_TS_COUNT_MAX) return INVALID_COUNT;
    if (this.leaderEpoch === null) return NOT_LEADER;
    // The clock port gives integer milliseconds; anything else is a bug upstream. (The detail
    // string is built only on failure: this is the hot path.)
    if (!Number.isSafeInteger(nowMs)) throw new AssertionError('allocator_now_is_integer', String(nowMs));
    let physicalMs = this.nextPhysicalMs;
    let logical = this.nextLogical;
    // Follow the clock forward only; a clock behind the cursor (or the fence floor) is ignored.
    if (nowMs > physicalMs) {
      physicalMs = nowMs;
      logical = 0;
    }
    // A grant never spans two milliseconds.
    if (logical + count > TIMESTAMPS_PER_MS) {
      physicalMs += 1;
      logical = 0;
    }
    if (physicalMs > PHYSICAL_MS_MAX) return PHYSICAL_MS_OUT_OF_RANGE;
    if (physicalMs > this.highWaterMs) return WINDOW_EXHAUSTED;
    this.projectedPhysicalMs = physicalMs;
    this.projectedLogical = logical;
    return null;
  }
}
