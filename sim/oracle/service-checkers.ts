// The checkers of the safe points and the stamping leases (issue 16; the promises are written in
// docs/client.md, "Promises the simulator checks"). They run online, as each service call ends
// (service-workload.ts ServiceLog), against the History's one order of invocations and
// completions and the run's ground truth for the high-water (durable.ts DurableSource: the
// durable image for one node, the committed state for a cluster). getSeqBatch is judged with the
// other sequence calls, in checkers.ts.
//
// Promises checked:
//   - max_safe_above_high_water: a max-safe M from a leader (M ≠ 0: a follower answers 0) has M + windowAhead + 1
//     at or below the durable high-water when the caller receives it;
//   - frontier_above_high_water: a frontier F from a leader is at or below the durable high-water;
//   - safe_point_went_back: from one leader epoch, a max-safe (or frontier) call invoked after
//     another completed answers at least as much;
//   - lease_bound_not_durable: an acquire or renew answer's bound is at or below the durable
//     high-water when the caller receives it (every later leader starts above it);
//   - frontier_above_live_lease: a frontier F is at or below the bound of every lease that is
//     certainly live while the frontier call runs, superseded leases included (a superseded lease
//     still binds). Judged: a lease granted before the frontier call was invoked, no release of
//     it invoked before the call ended, no renew that could have raised its bound (see
//     `knownLiveBound`), and no server clock able to have reached its expiry (`certainlyLive`).
//
// Invariants: every check is exact against the one order (no grace window); a check that cannot
// be sure (a renew in flight, a lease that may have expired) does not judge.

import type { DurableSource } from './durable.js';
import type { SimOptions } from './options.js';
import { describeServiceCall, type ServiceCall, type ServiceLog, type ServiceObserver } from './service-workload.js';
import type { ViolationDetails, ViolationKind } from './violations.js';

/** Margin (ms) on the clock bound: wall clocks read whole milliseconds. */
const CLOCK_READ_MARGIN_MS = 2;

/** How far apart two server wall clocks can read: the bound behind "certainly live". */
export interface ClockSpread {
  /** Largest |rate error| of any server clock (a fraction: 0.01 is 1%). */
  readonly drift: number;
  /** Total of every forward step any server clock may take (ms). */
  readonly forwardMs: number;
  /** Total a clock may fall behind the others by stalls and backward steps (ms; 0 on one node: one clock). */
  readonly behindMs: number;
  /** Whether the lease may be armed on one node and judged on another. */
  readonly severalNodes: boolean;
}

/** The clock spread a run's options allow (its nemesis budgets and drifts). */
export function clockSpreadOf(options: SimOptions): ClockSpread {
  const n = options.nemesis;
  const total = (rule: { readonly size: readonly [number, number]; readonly budget: number } | undefined): number => (rule === undefined ? 0 : rule.size[1] * rule.budget);
  const driftPpm = Math.max(n.clockDrift?.size[1] ?? 0, options.raft?.driftPpmMax ?? 0, ...(options.raft?.initialDriftPpm ?? []).map((p) => Math.abs(p)));
  const severalNodes = options.raft !== null;
  return {
    drift: driftPpm / 1_000_000,
    forwardMs: total(n.clockStepForward),
    behindMs: severalNodes ? total(n.clockStall) + total(n.clockStepBack) : 0,
    severalNodes,
  };
}

/**
 * Whether a lease armed (granted or renewed) at virtual time `armedAtLeastMs` or later with
 * `ttlMs` is still unexpired on every server clock at virtual time `atMs`. Every clock reads
 * epoch + local time (rate within 1 ± drift of virtual time, from virtual 0) + its steps:
 *   - one node: clock(at) − clock(armed) ≤ (at − armed)(1 + drift) + forward steps;
 *   - several: clockB(at) − clockA(armed) ≤ (at − armed) + drift (at + armed) + forward steps
 *     + what A may have fallen behind (stalls, backward steps).
 */
export function certainlyLive(spread: ClockSpread, armedAtLeastMs: number, ttlMs: number, atMs: number): boolean {
  const elapsed = atMs - armedAtLeastMs;
  const spreadMs = spread.severalNodes ? elapsed + spread.drift * (atMs + armedAtLeastMs) + spread.behindMs : elapsed * (1 + spread.drift);
  return spreadMs + spread.forwardMs + CLOCK_READ_MARGIN_MS < ttlMs;
}

/** Per lease id: the calls that answered it, renewed it, released it. */
interface LeaseCalls {
  readonly answers: ServiceCall[];
  readonly renews: ServiceCall[];
  readonly releases: ServiceCall[];
}

/** Safe points completed per (kind, epoch): completion orders and the running maximum of the values. */
interface SafePointSeries {
  readonly completeOrders: number[];
  readonly prefixMax: number[];
  readonly prefixMaxCall: ServiceCall[];
}

export type Report = (kind: ViolationKind, message: string, details?: ViolationDetails) => void;

export class ServiceChecker implements ServiceObserver {
  private readonly leases = new Map<bigint, LeaseCalls>();
  /** Acquire calls by `holder/epoch`: the lease they name was granted after the first was invoked. */
  private readonly acquiresByHolderEpoch = new Map<string, ServiceCall[]>();
  private readonly series = new Map<string, SafePointSeries>();
  private readonly spread: ClockSpread;

  constructor(
    private readonly log: ServiceLog,
    private readonly durable: DurableSource,
    private readonly options: SimOptions,
    private readonly report: Report,
    /** Whether client-visible values are checked (checkers.ts CheckerOptions.valueChecks). */
    private readonly valueChecks: boolean,
  ) {
    this.spread = clockSpreadOf(options);
  }

  private leaseCalls(leaseId: bigint): LeaseCalls {
    let calls = this.leases.get(leaseId);
    if (calls === undefined) {
      calls = { answers: [], renews: [], releases: [] };
      this.leases.set(leaseId, calls);
    }
    return calls;
  }

  /** A service call began (renews and releases must be known while in flight). */
  onServiceInvoke(call: ServiceCall): void {
    if (call.kind === 'leaseRenew') this.leaseCalls(call.leaseId as bigint).renews.push(call);
    else if (call.kind === 'leaseRelease') this.leaseCalls(call.leaseId as bigint).releases.push(call);
    else if (call.kind === 'leaseAcquire') {
      const key = `${call.holder ?? ''}/${String(call.holderEpoch)}`;
      const list = this.acquiresByHolderEpoch.get(key);
      if (list === undefined) this.acquiresByHolderEpoch.set(key, [call]);
      else list.push(call);
    }
  }

  onServiceComplete(call: ServiceCall): void {
    if (call.outcome !== 'ok' || !this.valueChecks) return;
    switch (call.kind) {
      case 'maxSafe':
        this.checkMaxSafe(call);
        return;
      case 'frontier':
        this.checkFrontier(call);
        return;
      case 'leaseAcquire':
      case 'leaseRenew':
        this.checkLeaseAnswer(call);
        return;
      case 'leaseRelease':
        return;
    }
  }

  private checkMaxSafe(call: ServiceCall): void {
    const value = call.physicalMs as number;
    if (value === 0) return; // not a leader: 0 means "no serving leader answered"
    const needMs = value + this.options.server.windowAheadMs + 1;
    const hw = this.durable.highWaterCovering(needMs);
    if (value > 0 && hw.ok && needMs > hw.value) {
      this.report('max_safe_above_high_water', `${describeServiceCall(call)}: max-safe + window ahead (${this.options.server.windowAheadMs} ms) + 1 = ${needMs} is above the durable high-water ${hw.value}`, {
        call: call.id,
        durableHighWaterMs: hw.value,
      });
    }
    this.checkNotBack(call);
  }

  private checkFrontier(call: ServiceCall): void {
    const value = call.physicalMs as number;
    if (value === 0) return; // not a leader
    const hw = this.durable.highWaterCovering(value);
    if (hw.ok && value > hw.value) {
      this.report('frontier_above_high_water', `${describeServiceCall(call)}: above the durable high-water ${hw.value}`, { call: call.id, durableHighWaterMs: hw.value });
    }
    this.checkNotBack(call);
    for (const [leaseId, calls] of this.leases) {
      const bound = this.knownLiveBound(calls, call);
      if (bound !== null && value > bound.boundMs) {
        this.report(
          'frontier_above_live_lease',
          `${describeServiceCall(call)}: above the bound ${bound.boundMs} of lease ${leaseId}, live all through the call (${describeServiceCall(bound.answer)})`,
          { call: call.id, leaseId: leaseId.toString(), boundMs: bound.boundMs, answer: bound.answer.id },
        );
      }
    }
  }

  /**
   * The bound of a lease that is certainly live and of known bound all through `frontier`, or
   * null when that cannot be known. A renew raises the bound, and any attempt of a renew call may
   * execute on the server late, after the call ended (a retry's earlier attempt queued behind
   * other lease changes), so the bound is known only for a lease no renew could have raised: one
   * never renewed, or renewed only after an acquire that superseded it had been answered (its
   * bound froze then, and every such renew is refused).
   */
  private knownLiveBound(calls: LeaseCalls, frontier: ServiceCall): { readonly boundMs: number; readonly answer: ServiceCall } | null {
    const begun = frontier.invokeOrder;
    const ended = frontier.completeOrder as number;
    for (const release of calls.releases) if (release.invokeOrder < ended) return null;
    let grant: ServiceCall | null = null;
    for (const answer of calls.answers) {
      if (answer.kind !== 'leaseAcquire' || (answer.completeOrder as number) > begun) continue;
      grant ??= answer;
    }
    if (grant === null) return null;
    const supersededOrder = this.supersededOrder(grant);
    for (const renew of calls.renews) {
      if (renew.invokeOrder > ended) continue;
      if (supersededOrder === null || renew.invokeOrder < supersededOrder) return null; // may have raised the bound
    }
    // Granted after the first acquire by that holder and epoch was invoked, never re-armed since.
    const first = this.acquiresByHolderEpoch.get(`${grant.holder ?? ''}/${String(grant.holderEpoch)}`)?.[0];
    const armedAtLeastMs = first?.invokeMs ?? grant.invokeMs;
    if (!certainlyLive(this.spread, armedAtLeastMs, grant.ttlMs as number, frontier.completeMs as number)) return null;
    return { boundMs: grant.tsUpperBoundMs as number, answer: grant };
  }

  /** When an acquire by the same holder at a higher epoch was first answered with another lease (null: never yet). */
  private supersededOrder(grant: ServiceCall): number | null {
    let order: number | null = null;
    for (const [key, acquires] of this.acquiresByHolderEpoch) {
      if (!key.startsWith(`${grant.holder ?? ''}/`)) continue;
      for (const a of acquires) {
        if (a.holder !== grant.holder || (a.holderEpoch as bigint) <= (grant.holderEpoch as bigint) || a.outcome !== 'ok' || a.answeredLeaseId === grant.answeredLeaseId) continue;
        if (order === null || (a.completeOrder as number) < order) order = a.completeOrder as number;
      }
    }
    return order;
  }

  private checkLeaseAnswer(call: ServiceCall): void {
    const leaseId = call.answeredLeaseId as bigint;
    this.leaseCalls(leaseId).answers.push(call);
    const bound = call.tsUpperBoundMs as number;
    const hw = this.durable.highWaterCovering(bound);
    if (hw.ok && bound > hw.value) {
      this.report('lease_bound_not_durable', `${describeServiceCall(call)}: the bound is above the durable high-water ${hw.value}`, { call: call.id, durableHighWaterMs: hw.value });
    }
  }

  /** From one leader epoch, a value invoked after another completed is no smaller. */
  private checkNotBack(call: ServiceCall): void {
    const key = `${call.kind}/${String(call.epoch)}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = { completeOrders: [], prefixMax: [], prefixMaxCall: [] };
      this.series.set(key, series);
    }
    const value = call.physicalMs as number;
    // The last completion before this call's invocation (completions are appended in order).
    let lo = 0;
    let hi = series.completeOrders.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((series.completeOrders[mid] as number) < call.invokeOrder) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && (series.prefixMax[lo - 1] as number) > value) {
      const earlier = series.prefixMaxCall[lo - 1] as ServiceCall;
      this.report('safe_point_went_back', `${describeServiceCall(call)}: below ${describeServiceCall(earlier)}, from the same leader epoch, completed before it began`, {
        call: call.id,
        earlier: earlier.id,
      });
    }
    const last = series.prefixMax.length - 1;
    const keep = last >= 0 && (series.prefixMax[last] as number) >= value;
    series.completeOrders.push(call.completeOrder as number);
    series.prefixMax.push(keep ? (series.prefixMax[last] as number) : value);
    series.prefixMaxCall.push(keep ? (series.prefixMaxCall[last] as ServiceCall) : call);
  }

  /** For a final report: the calls judged (for tests and stats). */
  get calls(): readonly ServiceCall[] {
    return this.log.calls;
  }
}
