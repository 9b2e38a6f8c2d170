// The stress harness's checkers over the real history of a run: every call any client made, with
// its invocation and its completion placed in one total order (the harness is one Node process;
// a completion whose continuation ran before an invocation really happened before it, because
// the answer was on the wire before the next request was written).
//
// One checker serves timestamps and every sequence key alike: each acknowledged call holds an
// inclusive interval of u64 values ([first, last] of timestamps, [start, start + count − 1] of a
// block), and the service promises, per value space:
//   - real-time order, with no grace window: a call invoked after another call completed gets
//     only values above every value of that call (for a linearizable fetch-add and for a TSO);
//   - uniqueness: no two acknowledged intervals share a value.
// Checked online with memory bounded by what is in flight: the real-time check compares the new
// interval with the largest value acknowledged before the call was invoked (captured at
// invocation); two calls whose lifetimes did not overlap are ordered by that check, so the
// uniqueness check only compares a call with the calls that completed while it was in flight
// (kept in a queue pruned to the oldest call still in flight). Together they prove every pair of
// acknowledged intervals disjoint, exactly.
//
// At the end, the ledger check of one sequence key: a final block asked for after the load
// stopped starts at the key's counter C; [0, C) must be covered by the acknowledged blocks, and
// what is not covered (a hole) must be explained by calls that ended with an unknown outcome
// (each may have spent its block). Acknowledged blocks are disjoint and below C (proved above),
// so the holes are C − Σ acknowledged counts.

import { assert } from '../../core/assert.js';

/** Violations kept in detail per run (the rest are counted). */
export const STRESS_VIOLATIONS_KEPT_MAX = 50;
/** Completions one value space keeps for the uniqueness check while older calls are in flight. */
export const STRESS_RECENT_COMPLETIONS_MAX = 2_000_000;
/** Calls of one value space in flight at once (the load has a few dozen loops). */
export const STRESS_SPACE_IN_FLIGHT_MAX = 100_000;

export const SAFETY_KINDS = [
  'ts_real_time_order', // a timestamp not above one acknowledged before its call was invoked
  'ts_duplicate', // two acknowledged timestamp grants share a value
  'ts_batch_shape', // a batch that is not `count` consecutive timestamps of one millisecond
  'seq_real_time_order', // a block not above a block of the same key acknowledged before the call
  'seq_overlap', // two acknowledged blocks of a key share a value
  'seq_block_shape', // a block of another key or size than asked
  'seq_ledger_hole', // values below the final counter that no acknowledged or unknown call explains
  'client_unexpected_error', // the client library threw something other than a TsoError
  'node_crashed', // a server process exited without being killed (an assertion, an exception)
] as const;

export const LIVENESS_KINDS = [
  'never_available', // the cluster never served a timestamp
  'no_recovery', // after a chaos action the cluster did not serve again within the bound
  'final_check_failed', // the final per-key probe or timestamp could not be obtained
  'harness_error', // the harness itself failed (a node did not start, a bound was hit)
  'membership_change_failed', // a node replacement was refused for good, or did not finish within its bound
] as const;

export type SafetyKind = (typeof SAFETY_KINDS)[number];
export type LivenessKind = (typeof LIVENESS_KINDS)[number];
export type ViolationKind = SafetyKind | LivenessKind;

export interface Violation {
  readonly kind: ViolationKind;
  readonly class: 'safety' | 'liveness';
  /** Milliseconds since the start of the run. */
  readonly atMs: number;
  readonly message: string;
}

export function violationClass(kind: ViolationKind): 'safety' | 'liveness' {
  return (SAFETY_KINDS as readonly string[]).includes(kind) ? 'safety' : 'liveness';
}

/** Collects violations: the first STRESS_VIOLATIONS_KEPT_MAX in detail, all of them counted. */
export class ViolationLog {
  readonly kept: Violation[] = [];
  readonly countsByKind = new Map<ViolationKind, number>();
  total = 0;

  constructor(private readonly nowMs: () => number) {}

  report(kind: ViolationKind, message: string): void {
    this.total += 1;
    this.countsByKind.set(kind, (this.countsByKind.get(kind) ?? 0) + 1);
    if (this.kept.length < STRESS_VIOLATIONS_KEPT_MAX) this.kept.push({ kind, class: violationClass(kind), atMs: this.nowMs(), message });
  }

  get safetyCount(): number {
    let n = 0;
    for (const [kind, count] of this.countsByKind) if (violationClass(kind) === 'safety') n += count;
    return n;
  }

  get livenessCount(): number {
    return this.total - this.safetyCount;
  }
}

/** What the checker needs of a call: its identity for messages and its place in the total order. */
export interface CheckedCall {
  readonly id: number;
  readonly invokeOrder: number;
  /** A one-line description for violation messages (built only when a violation is reported). */
  describe(): string;
}

/** Captured at invocation: the largest value acknowledged before the call, and by whom. */
export interface FloorToken {
  readonly floor: bigint;
  readonly floorCall: CheckedCall | null;
}

interface Completion {
  readonly completeOrder: number;
  readonly lo: bigint;
  readonly hi: bigint;
  readonly call: CheckedCall;
}

export type IntervalFinding =
  | { readonly kind: 'real_time_order'; readonly message: string }
  | { readonly kind: 'duplicate'; readonly message: string };

/**
 * Real-time order and uniqueness of acknowledged intervals in one value space (timestamps, or
 * one sequence key). Calls are announced at invocation and at their end, in the total order.
 */
export class IntervalSpaceChecker {
  private maxAck = -1n;
  private maxAckCall: CheckedCall | null = null;
  /** Invoke order of each call in flight, oldest first (a Map keeps insertion order). */
  private readonly inFlight = new Map<number, number>();
  /** Completions, in completion order, that a call still in flight may overlap. */
  private recent: Completion[] = [];
  private recentHead = 0;
  acknowledged = 0;

  constructor(readonly space: string) {}

  invoke(call: CheckedCall): FloorToken {
    assert(this.inFlight.size < STRESS_SPACE_IN_FLIGHT_MAX, 'stress_space_in_flight_bounded', this.space);
    this.inFlight.set(call.id, call.invokeOrder);
    return { floor: this.maxAck, floorCall: this.maxAckCall };
  }

  /** The call ended without values (failed or unknown). */
  end(call: CheckedCall): void {
    this.inFlight.delete(call.id);
    this.prune();
  }

  /** The call was acknowledged with the inclusive interval [lo, hi]; returns what it breaks. */
  acknowledge(call: CheckedCall, token: FloorToken, lo: bigint, hi: bigint, completeOrder: number): IntervalFinding[] {
    assert(lo <= hi, 'stress_interval_ordered', this.space);
    this.inFlight.delete(call.id);
    this.acknowledged += 1;
    const findings: IntervalFinding[] = [];
    if (lo <= token.floor) {
      const by = token.floorCall === null ? 'a call' : token.floorCall.describe();
      findings.push({ kind: 'real_time_order', message: `${call.describe()} got ${lo}, not above ${token.floor} which ${by} had received before it was invoked` });
    }
    // Calls that completed while this one was in flight: the only ones real-time order leaves
    // unordered with it (calls completing later compare themselves with this one).
    for (let i = this.firstCompletedAfter(call.invokeOrder); i < this.recent.length; i += 1) {
      const other = this.recent[i];
      assert(other !== undefined, 'stress_recent_index');
      if (other.lo <= hi && lo <= other.hi) {
        findings.push({ kind: 'duplicate', message: `${call.describe()} got [${lo}, ${hi}], which shares values with [${other.lo}, ${other.hi}] of ${other.call.describe()}` });
        break;
      }
    }
    if (hi > this.maxAck) {
      this.maxAck = hi;
      this.maxAckCall = call;
    }
    if (this.inFlight.size > 0) {
      assert(this.recent.length - this.recentHead < STRESS_RECENT_COMPLETIONS_MAX, 'stress_recent_completions_bounded', this.space);
      this.recent.push({ completeOrder, lo, hi, call });
    }
    this.prune();
    return findings;
  }

  /** The largest value acknowledged so far (−1 when none). */
  get maxAcknowledged(): bigint {
    return this.maxAck;
  }

  /** Completions kept for calls in flight (for tests of the memory bound). */
  get retained(): number {
    return this.recent.length - this.recentHead;
  }

  private firstCompletedAfter(order: number): number {
    let lo = this.recentHead;
    let hi = this.recent.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.recent[mid]?.completeOrder ?? Infinity) <= order) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops completions no call in flight can overlap: those before the oldest invocation. */
  private prune(): void {
    const oldest = this.inFlight.values().next();
    const keepFrom = oldest.done === true ? Infinity : oldest.value;
    while (this.recentHead < this.recent.length && (this.recent[this.recentHead]?.completeOrder ?? Infinity) < keepFrom) this.recentHead += 1;
    if (this.recentHead === this.recent.length) {
      this.recent = [];
      this.recentHead = 0;
    } else if (this.recentHead > 4096 && this.recentHead * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentHead);
      this.recentHead = 0;
    }
  }
}

/** The end-of-run accounting of one sequence key. */
export interface LedgerTally {
  readonly key: string;
  /** The key's counter: the start of a block asked for after the load stopped. */
  readonly counter: bigint;
  /** Values in acknowledged blocks (disjoint and below the counter: checked online). */
  readonly acknowledgedValues: bigint;
  /** Values asked for by calls whose outcome is unknown (each may or may not have been spent). */
  readonly unknownValues: bigint;
}

export interface LedgerVerdict {
  readonly holes: bigint;
  /** Holes that unknown outcomes explain. */
  readonly explainedByUnknown: bigint;
  /** Holes nothing explains (a violation when positive), or a negative count of impossible coverage. */
  readonly unexplained: bigint;
  readonly message: string | null;
}

/** Ledger contiguity of one key: every value below the counter was acknowledged or may belong to an unknown call. */
export function checkLedger(tally: LedgerTally): LedgerVerdict {
  const holes = tally.counter - tally.acknowledgedValues;
  if (holes < 0n) {
    // Disjoint acknowledged blocks below the counter cannot hold more values than the counter.
    return { holes, explainedByUnknown: 0n, unexplained: holes, message: `${tally.key}: ${tally.acknowledgedValues} values acknowledged but the counter is only ${tally.counter}` };
  }
  const explainedByUnknown = holes < tally.unknownValues ? holes : tally.unknownValues;
  const unexplained = holes - explainedByUnknown;
  const message =
    unexplained > 0n
      ? `${tally.key}: ${unexplained} of the ${tally.counter} values below the counter were never acknowledged and no call with an unknown outcome explains them (${tally.acknowledgedValues} acknowledged, ${tally.unknownValues} asked for by unknown calls)`
      : null;
  return { holes, explainedByUnknown, unexplained, message };
}

/** Nearest-rank percentile of ascending `sorted` (p in (0, 100]); null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  assert(p > 0 && p <= 100, 'stress_percentile_range');
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

export interface DurationStats {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

export function durationStats(samplesMs: readonly number[]): DurationStats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.length === 0 ? null : (sorted[sorted.length - 1] ?? null) };
}
