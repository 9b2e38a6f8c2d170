// The serving node: binds the pure window allocator to a consensus driver and a clock. It is
// written against the driver interface and the ports only, so the simulator runs it unchanged.
//
// Contracts (DESIGN.md section 3):
//   - Persist before serve: a timestamp is granted only from a window whose high-water the driver
//     returned as durable.
//   - Fence on leadership gain: stop serving, drain in-flight extensions, linearized load of the
//     prior high-water H, floor = max(H + 1, now), persist floor + failoverAdvance, seed the
//     allocator, then serve. Transient errors retry with backoff (25 ms doubling to 250 ms) for as
//     long as this node is still the leader of that epoch.
//   - Window extension is single-flight and uses the requester's one clock sample; the grant is
//     retried after the extension. Extensions start in the background when the window runs low,
//     so steady-state requests do not wait for the disk.
//   - Not-leader answers carry the leader hint the driver reported.
//   - An INVALID_ARGUMENT message starts with the precise reason (`INVALID_COUNT:`,
//     `INVALID_SEQ_KEY:`, `INVALID_SEQ_COUNT:`, `INVALID_SEQ_BATCH:`), exactly once, as
//     docs/protocol.md promises.
//   - Stamping leases (core/oracle/leases.ts): the node keeps the set it loaded (linearized) at
//     its fence and every set it made durable since; a lease change projects a new set from it
//     and answers only after the driver made the WHOLE set durable under this node's epoch.
//     Acquire and renew first run a window extension to max(now + ttl, committed high-water + 1):
//     the durable high-water it returns is the lease's bound (and, on acquire, its id, unique
//     because it is above every earlier one). Every lease change holds the extension slot, so
//     lease changes and window extensions never overlap. getSafeFrontier is the minimum of the
//     committed high-water and the bound of every live lease, superseded ones included.
//   - getSeqBatch: 1..`seqBatchKeysMax` distinct keys (a server option, at most
//     SEQ_BATCH_KEYS_MAX), checked before the driver is called, so a refused batch moves no
//     counter; the driver writes the whole batch in one durable write (drivers/driver.ts).
//
// Every await is followed by a generation check: a leadership change while a step was in flight
// makes that step's result stale, and the allocator's epoch check on commit is the second guard.

import { assert, unreachable } from '../../core/assert.js';
import { WindowAllocator } from '../../core/allocator.js';
import { withCodePrefix } from '../../core/errors.js';
import { SeqLedger, seqBatchProblem, type SeqAdvanceRequest, type SeqBatchRequest, type SeqGrant } from '../../core/ledger.js';
import {
  FAILOVER_ADVANCE_MS_DEFAULT,
  FENCE_BACKOFF_MS_MAX,
  FENCE_BACKOFF_MS_MIN,
  GET_TS_COUNT_MAX,
  PHYSICAL_MS_MAX,
  SEQ_BATCH_KEYS_DEFAULT,
  SEQ_BATCH_KEYS_MAX,
  WINDOW_AHEAD_MS_DEFAULT,
} from '../../core/limits.js';
import type { ClientMembers, ConsensusDriver, DriverFailure, LeaderState } from '../driver.js';
import {
  grantLease,
  LEASE_POLICY_DEFAULT,
  hasExpiredLease,
  leaseAcquireProblem,
  leaseIdProblem,
  leasePolicyProblem,
  liveLeases,
  planLeaseAcquire,
  planLeaseRenew,
  releaseLease,
  renewLease,
  safeFrontierMs,
  type LeaseAcquireRequest,
  type LeaseFailure,
  type LeasePolicy,
  type LeaseRecord,
} from '../../core/oracle/leases.js';
import { sleep, type Clock } from '../ports.js';
import { noopMetrics, type RequestOp, type RequestOutcome, type ServerMetrics } from './metrics.js';
import { sometimes } from '../../core/sometimes.js';

export type WireErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_LEADER'
  | 'UNAVAILABLE'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL'
  | 'SEQ_SESSION_EXPIRED';

/**
 * The lease calls' answer codes: the wire codes plus NOT_FOUND (an unknown lease id) and
 * FAILED_PRECONDITION (a stale holder epoch, an expired or superseded lease). The message starts
 * with the lease code (`LEASE_NOT_FOUND:`, `LEASE_EXPIRED:`, ...).
 */
export type LeaseWireErrorCode = WireErrorCode | 'NOT_FOUND' | 'FAILED_PRECONDITION';

export interface LeaseWireFailure extends Omit<WireFailure, 'code'> {
  readonly code: LeaseWireErrorCode;
}

export interface WireFailure {
  readonly ok: false;
  readonly code: WireErrorCode;
  readonly message: string;
  readonly leaderEndpoint?: string;
  readonly leaderEpoch?: bigint;
  /** With SEQ_SESSION_EXPIRED for a client without a session: ids at or above this may open one. */
  readonly requestIdsFrom?: bigint;
}

export type TsAnswer =
  | { readonly ok: true; readonly physicalMs: number; readonly logicalStart: number; readonly count: number; readonly epoch: bigint }
  | WireFailure;

export type SeqAnswer = { readonly ok: true; readonly start: bigint; readonly count: number; readonly epoch: bigint } | WireFailure;

/** A safe point in physical ms with the epoch it was read at; 0 and epoch 0 off the leader. */
export interface SafePointAnswer {
  readonly ok: true;
  readonly physicalMs: number;
  readonly epoch: bigint;
}

/** A stamping lease: stamp at most `tsUpperBoundMs` until `expiresAtMs` (the leader's wall ms). */
export type LeaseAnswer =
  | { readonly ok: true; readonly leaseId: bigint; readonly tsUpperBoundMs: number; readonly expiresAtMs: number; readonly epoch: bigint }
  | LeaseWireFailure;

export type LeaseReleaseAnswer = { readonly ok: true } | LeaseWireFailure;

export type SeqBatchAnswer = { readonly ok: true; readonly grants: readonly SeqGrant[]; readonly epoch: bigint } | WireFailure;

/** Test-only switches that plant known bugs in the real code path (for the simulator's proofs). */
export interface ServingNodeFaults {
  /** Planted bug: commit an extension to the allocator before the driver made it durable. */
  serveBeforePersist?: boolean;
  /** Planted bug: fence at `prior` instead of `prior + 1`. */
  fenceAtPrior?: boolean;
  /** Planted bug: getSafeFrontier ignores superseded (still unexpired) leases. */
  frontierIgnoresSupersededLeases?: boolean;
}

export interface ServingNodeOptions {
  readonly driver: ConsensusDriver;
  readonly clock: Clock;
  readonly windowAheadMs?: number;
  readonly failoverAdvanceMs?: number;
  /** Most entries one getSeqBatch may carry (1..SEQ_BATCH_KEYS_MAX, default SEQ_BATCH_KEYS_DEFAULT). */
  readonly seqBatchKeysMax?: number;
  /** Stamping-lease TTL bounds and live-lease cap (default LEASE_POLICY_DEFAULT: 5 s..300 s, 1,024). */
  readonly leasePolicy?: LeasePolicy;
  readonly metrics?: ServerMetrics;
  readonly faults?: ServingNodeFaults;
  /** Called on every state change (for logs and traces). */
  readonly onEvent?: (event: ServingEvent) => void;
}

export type ServingEvent =
  | { readonly kind: 'leadership'; readonly state: LeaderState }
  | { readonly kind: 'serving'; readonly epoch: bigint; readonly floorMs: number; readonly highWaterMs: number }
  | { readonly kind: 'extended'; readonly epoch: bigint; readonly highWaterMs: number }
  | { readonly kind: 'fence-retry'; readonly epoch: bigint; readonly code: string }
  | { readonly kind: 'poisoned'; readonly reason: string };

type ServingState =
  | { readonly kind: 'not-serving'; readonly leaderEndpoint: string | null; readonly leaderEpoch: bigint | null }
  | { readonly kind: 'fencing'; readonly epoch: bigint }
  | { readonly kind: 'serving'; readonly epoch: bigint }
  | { readonly kind: 'poisoned'; readonly reason: string }
  | { readonly kind: 'closed' };

const seqValidator = new SeqLedger();

export class ServingNode {
  private readonly allocator = new WindowAllocator();
  private state: ServingState = { kind: 'not-serving', leaderEndpoint: null, leaderEpoch: null };
  /** Bumped on every leadership event; a step that finds it changed drops its result. */
  private generation = 0;
  private extension: Promise<void> | null = null;
  /** Whether the slot holder is a lease change (which need not have extended the window). */
  private extensionIsLeaseChange = false;
  /** The lease set this leader loaded at its fence and made durable since; null when not serving. */
  private leases: readonly LeaseRecord[] | null = null;
  /**
   * The wall ms stamping leases are judged against, never going back (docs/client.md, "Promises
   * of the service calls"): a wall clock stepped back must not revive, for renew and acquire, a
   * lease this node already judged expired (3-node swarm seed 362). The frontier does not rest on
   * it: a lease leaves the frontier only once a durable write dropped it, which also covers a
   * restarted or new leader whose clock is behind (1-node swarm seed 362). The fence floor cannot
   * stand in for this clock: it runs ahead of wall time by the window, and judging on it expires
   * live leases early.
   */
  private leaseClockMs = 0;
  /** Whether the write that drops expired leases is running (at most one at a time). */
  private expiredLeaseDropInFlight = false;
  private readonly leasePolicy: LeasePolicy;
  private fence: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly windowAheadMs: number;
  /** The latest clock sample of a request that found the window exhausted (wall ms). */
  private extensionWantedMs = 0;
  private readonly failoverAdvanceMs: number;
  private readonly seqBatchKeysMax: number;
  private readonly metrics: ServerMetrics;
  private readonly faults: ServingNodeFaults;

  constructor(private readonly options: ServingNodeOptions) {
    this.windowAheadMs = options.windowAheadMs ?? WINDOW_AHEAD_MS_DEFAULT;
    this.failoverAdvanceMs = options.failoverAdvanceMs ?? FAILOVER_ADVANCE_MS_DEFAULT;
    assert(Number.isSafeInteger(this.windowAheadMs) && this.windowAheadMs >= 1, 'window_ahead_positive');
    assert(Number.isSafeInteger(this.failoverAdvanceMs) && this.failoverAdvanceMs >= 0, 'failover_advance_non_negative');
    this.seqBatchKeysMax = options.seqBatchKeysMax ?? SEQ_BATCH_KEYS_DEFAULT;
    assert(Number.isSafeInteger(this.seqBatchKeysMax) && this.seqBatchKeysMax >= 1 && this.seqBatchKeysMax <= SEQ_BATCH_KEYS_MAX, 'seq_batch_keys_max_in_range');
    this.leasePolicy = options.leasePolicy ?? LEASE_POLICY_DEFAULT;
    assert(leasePolicyProblem(this.leasePolicy) === null, 'lease_policy_valid', () => leasePolicyProblem(this.leasePolicy) ?? '');
    this.metrics = options.metrics ?? noopMetrics;
    this.faults = options.faults ?? {};
  }

  /** Subscribes to the driver's leadership events (the current state arrives at once). */
  start(): void {
    assert(this.unsubscribe === null, 'serving_node_started_once');
    this.unsubscribe = this.options.driver.subscribeLeadership((s) => this.onLeadership(s));
  }

  get isServing(): boolean {
    return this.state.kind === 'serving';
  }

  get currentEpoch(): bigint | null {
    return this.state.kind === 'serving' || this.state.kind === 'fencing' ? this.state.epoch : null;
  }

  /** Resolves once this node serves (or rejects after `timeoutMs` on the node's clock). */
  async waitUntilServing(timeoutMs: number): Promise<void> {
    const deadline = this.options.clock.monotonicMs() + timeoutMs;
    while (!this.isServing) {
      if (this.state.kind === 'poisoned') throw new Error(`serving node poisoned: ${this.state.reason}`);
      if (this.options.clock.monotonicMs() >= deadline) throw new Error('timed out waiting to serve');
      await sleep(this.options.clock, 5);
    }
  }

  private onLeadership(s: LeaderState): void {
    if (this.state.kind === 'closed' || this.state.kind === 'poisoned') return;
    this.generation += 1;
    this.metrics.leaderTransition(s.kind);
    this.options.onEvent?.({ kind: 'leadership', state: s });
    // Clear the allocator before publishing the new state: no grant can slip in between.
    this.allocator.stepDown();
    this.leases = null;
    switch (s.kind) {
      case 'leader':
        this.setState({ kind: 'fencing', epoch: s.epoch });
        this.fence = this.runFence(s.epoch, this.generation);
        return;
      case 'follower':
        this.setState({ kind: 'not-serving', leaderEndpoint: s.leaderEndpoint, leaderEpoch: s.leaderEpoch });
        return;
      case 'unknown':
        this.setState({ kind: 'not-serving', leaderEndpoint: null, leaderEpoch: null });
        return;
      default:
        unreachable(s);
    }
  }

  private setState(next: ServingState): void {
    this.state = next;
    this.metrics.serving(next.kind === 'serving');
  }

  private async runFence(epoch: bigint, generation: number): Promise<void> {
    const startedMs = this.options.clock.monotonicMs();
    // Drain an extension of the previous epoch: its commit must not land after our seed.
    while (this.extension !== null) await this.extension;
    let backoffMs = FENCE_BACKOFF_MS_MIN;
    for (;;) {
      if (generation !== this.generation) return;
      const outcome = await this.fenceOnce(epoch, generation);
      if (outcome === 'done' || outcome === 'stale') {
        if (outcome === 'done') this.metrics.fenceLatency(this.options.clock.monotonicMs() - startedMs);
        return;
      }
      sometimes(true, 'serving.fence_retried');
      this.metrics.fenceRetry();
      this.options.onEvent?.({ kind: 'fence-retry', epoch, code: outcome });
      await sleep(this.options.clock, backoffMs);
      backoffMs = Math.min(backoffMs * 2, FENCE_BACKOFF_MS_MAX);
    }
  }

  /** One fence attempt: 'done', 'stale' (leadership moved on), or a transient code to retry. */
  private async fenceOnce(epoch: bigint, generation: number): Promise<'done' | 'stale' | string> {
    const loaded = await this.options.driver.loadHighWater();
    if (sometimes(generation !== this.generation, 'serving.fence_superseded')) return 'stale';
    if (!loaded.ok) return this.fenceFailure(loaded, generation);
    // The lease set, read after the high-water: every bound in it is at or below that high-water.
    let leases: readonly LeaseRecord[] = [];
    if (this.options.driver.loadLeases !== undefined) {
      const loadedLeases = await this.options.driver.loadLeases();
      if (generation !== this.generation) return 'stale';
      if (!loadedLeases.ok) return this.fenceFailure(loadedLeases, generation);
      leases = loadedLeases.leases;
    }
    const nowMs = this.options.clock.wallMs();
    const priorMs = loaded.highWaterMs;
    // `prior` is inclusive: the old leader may have issued (prior, LOGICAL_MAX).
    const floorMs = Math.max(this.faults.fenceAtPrior === true ? priorMs : priorMs + 1, nowMs);
    const requestedMs = floorMs + this.failoverAdvanceMs;
    if (requestedMs > PHYSICAL_MS_MAX) {
      this.poison(`fence target ${requestedMs} is above the 46-bit physical cap`);
      return 'stale';
    }
    const persisted = await this.options.driver.persistHighWater(requestedMs, epoch);
    if (generation !== this.generation) return 'stale';
    if (!persisted.ok) return this.fenceFailure(persisted, generation);
    const seeded = this.allocator.becomeLeader(floorMs, persisted.highWaterMs, epoch);
    if (!seeded.ok) {
      this.poison(`allocator refused the fenced window: ${seeded.code}`);
      return 'stale';
    }
    this.leases = leases;
    this.setState({ kind: 'serving', epoch });
    this.options.onEvent?.({ kind: 'serving', epoch, floorMs, highWaterMs: persisted.highWaterMs });
    return 'done';
  }

  private fenceFailure(failure: DriverFailure, generation: number): 'stale' | string {
    switch (failure.code) {
      case 'DRIVER_TRANSIENT':
        return failure.code;
      case 'DRIVER_NOT_LEADER':
      case 'DRIVER_FENCED':
        sometimes(true, 'serving.fence_lost_leadership');
        if (generation === this.generation) {
          this.setState({ kind: 'not-serving', leaderEndpoint: failure.leaderEndpoint ?? null, leaderEpoch: failure.leaderEpoch ?? null });
        }
        return 'stale';
      default:
        this.poison(`fence failed: ${failure.code}: ${failure.message}`);
        return 'stale';
    }
  }

  private poison(reason: string): void {
    sometimes(true, 'serving.poisoned');
    this.allocator.stepDown();
    this.leases = null;
    this.setState({ kind: 'poisoned', reason });
    this.options.onEvent?.({ kind: 'poisoned', reason });
  }

  private notLeader(): WireFailure {
    this.metrics.notLeader();
    const s = this.state;
    if (s.kind === 'not-serving') {
      return {
        ok: false,
        code: 'NOT_LEADER',
        message: 'not leader',
        ...(s.leaderEndpoint !== null ? { leaderEndpoint: s.leaderEndpoint } : {}),
        ...(s.leaderEpoch !== null ? { leaderEpoch: s.leaderEpoch } : {}),
      };
    }
    return { ok: false, code: 'NOT_LEADER', message: s.kind === 'fencing' ? 'leader is fencing' : `not serving (${s.kind})` };
  }

  /** Grants `count` timestamps in one millisecond, or answers why not. */
  getTs(count: number): Promise<TsAnswer> {
    return this.timed('getTs', this.answerGetTs(count));
  }

  /** A durable, exactly-once block of a sequence key, or why not. */
  getSeq(request: SeqAdvanceRequest): Promise<SeqAnswer> {
    return this.timed('getSeq', this.answerGetSeq(request));
  }

  /**
   * The original's GetCurrentMaxSafe: on a serving leader, committed high-water − windowAhead − 1
   * (saturating at 0) with its epoch; anywhere else (a follower, a leader before its first
   * window) 0 with epoch 0. Never a redirect: a caller that needs freshness asks the leader.
   */
  /** The members op: what the driver knows of the cluster's members (none without a membership). */
  clientMembers(): ClientMembers {
    return this.options.driver.clientMembers?.() ?? { members: [], leaderEndpoint: null };
  }

  getCurrentMaxSafe(): SafePointAnswer {
    const highWaterMs = this.servingHighWaterMs();
    if (highWaterMs === null) return { ok: true, physicalMs: 0, epoch: 0n };
    return { ok: true, physicalMs: Math.max(0, highWaterMs.value - this.windowAheadMs - 1), epoch: highWaterMs.epoch };
  }

  /**
   * The original's GetSafeFrontier: on a serving leader, the minimum of the committed high-water
   * and the bounds of the leases in the durable set (an expired one binds until a write drops it:
   * the original judges on the clock alone, which a clock stepped back or a restart defeats);
   * anywhere else 0 with epoch 0.
   */
  getSafeFrontier(): SafePointAnswer {
    const highWaterMs = this.servingHighWaterMs();
    if (highWaterMs === null || this.leases === null) return { ok: true, physicalMs: 0, epoch: 0n };
    // An expired lease binds until a durable write drops it (core/oracle/leases.ts): start that
    // write now, so a later frontier can pass its bound.
    if (hasExpiredLease(this.leases, this.leaseNowMs())) this.dropExpiredLeases();
    const binding = this.faults.frontierIgnoresSupersededLeases === true ? this.leases.filter((l) => !l.superseded) : this.leases;
    return { ok: true, physicalMs: safeFrontierMs(binding, highWaterMs.value), epoch: highWaterMs.epoch };
  }

  /**
   * Makes the lease set without its expired records durable (one write at a time, in the lease
   * slot); the frontier passes an expired lease's bound only after this write, never on a clock
   * read alone. Best effort: a failure leaves the lease binding until the next frontier retries.
   */
  private dropExpiredLeases(): void {
    if (this.expiredLeaseDropInFlight) return;
    this.expiredLeaseDropInFlight = true;
    this.leaseChange(async (epoch, leases, generation) => {
      const live = liveLeases(leases, this.leaseNowMs());
      if (live.length === leases.length) return { ok: true } as LeaseReleaseAnswer;
      return (await this.storeLeases(live, epoch, generation)) ?? ({ ok: true } as LeaseReleaseAnswer);
    }).then(
      () => {
        this.expiredLeaseDropInFlight = false;
      },
      () => {
        this.expiredLeaseDropInFlight = false;
      },
    );
  }

  /** The wall ms the lease calls judge expiry against: the wall clock, ratcheted (never back). */
  private leaseNowMs(): number {
    this.leaseClockMs = Math.max(this.leaseClockMs, this.options.clock.wallMs());
    return this.leaseClockMs;
  }

  /** The leases this leader holds in its durable set (empty when not serving), for tests and checkers. */
  get leaseSet(): readonly LeaseRecord[] {
    return this.leases ?? [];
  }

  /**
   * AcquireLease: the holder's live lease at the same holder epoch, or a new lease (superseding
   * the holder's active one on a higher epoch), made durable before the answer.
   */
  async acquireLease(request: LeaseAcquireRequest): Promise<LeaseAnswer> {
    const invalid = leaseAcquireProblem(request, this.leasePolicy);
    if (invalid !== null) return this.leaseFailure(invalid);
    return this.leaseChange(async (epoch, leases, generation) => {
      const nowMs = this.leaseNowMs();
      const plan = planLeaseAcquire(leases, request, nowMs, this.leasePolicy);
      if (!plan.ok) return this.leaseFailure(plan);
      if (plan.kind === 'existing') {
        sometimes(true, 'serving.lease_reacquired_idempotent');
        return this.leaseGranted(plan.lease, epoch);
      }
      const bound = await this.extendForLease(nowMs + request.ttlMs, epoch, generation);
      if (typeof bound !== 'number') return bound;
      const granted = grantLease(leases, request, bound, nowMs);
      const stored = await this.storeLeases(granted.leases, epoch, generation);
      return stored ?? this.leaseGranted(granted.lease, epoch);
    });
  }

  /** RenewLease: a new bound and expiry (the acquire-time TTL), made durable before the answer. */
  async renewLease(leaseId: bigint): Promise<LeaseAnswer> {
    const invalid = leaseIdProblem(leaseId);
    if (invalid !== null) return this.leaseFailure(invalid);
    return this.leaseChange(async (epoch, leases, generation) => {
      const nowMs = this.leaseNowMs();
      const plan = planLeaseRenew(leases, leaseId, nowMs);
      if (!plan.ok) return this.leaseFailure(plan);
      const bound = await this.extendForLease(nowMs + plan.lease.ttlMs, epoch, generation);
      if (typeof bound !== 'number') return bound;
      const renewed = renewLease(leases, leaseId, bound, nowMs);
      const stored = await this.storeLeases(renewed.leases, epoch, generation);
      return stored ?? this.leaseGranted(renewed.lease, epoch);
    });
  }

  /** ReleaseLease: idempotent; the lease stops binding the frontier once the smaller set is durable. */
  async releaseLease(leaseId: bigint): Promise<LeaseReleaseAnswer> {
    const invalid = leaseIdProblem(leaseId);
    if (invalid !== null) return this.leaseFailure(invalid);
    return this.leaseChange(async (epoch, leases, generation) => {
      const next = releaseLease(leases, leaseId);
      if (next === null) return { ok: true };
      return (await this.storeLeases(next, epoch, generation)) ?? { ok: true };
    });
  }

  /**
   * Runs a lease change holding the extension slot (no window extension and no other lease change
   * runs meanwhile), on the set of this leader, or answers why it cannot.
   */
  private async leaseChange<A extends LeaseAnswer | LeaseReleaseAnswer>(
    change: (epoch: bigint, leases: readonly LeaseRecord[], generation: number) => Promise<A | LeaseWireFailure>,
  ): Promise<A | LeaseWireFailure> {
    const driver = this.options.driver;
    if (driver.loadLeases === undefined || driver.persistLeases === undefined) {
      return { ok: false, code: 'INVALID_ARGUMENT', message: "UNIMPLEMENTED: this server's consensus driver does not keep stamping leases" };
    }
    while (this.extension !== null) await this.extension;
    const s = this.state;
    if (s.kind !== 'serving' || this.leases === null) return this.notLeader();
    const run = change(s.epoch, this.leases, this.generation);
    this.extension = run.then(
      () => {},
      () => {},
    );
    this.extensionIsLeaseChange = true;
    try {
      return await run;
    } finally {
      this.extension = null;
      this.extensionIsLeaseChange = false;
    }
  }

  /** A window extension to at least `wantedMs` and above the committed high-water: the lease bound. */
  private async extendForLease(wantedMs: number, epoch: bigint, generation: number): Promise<number | WireFailure> {
    const committedMs = this.allocator.committedHighWaterMs;
    if (committedMs === null) return this.notLeader();
    const targetMs = Math.max(wantedMs, committedMs + 1);
    if (targetMs > PHYSICAL_MS_MAX) return { ok: false, code: 'INTERNAL', message: 'a lease bound would pass the 46-bit physical cap' };
    const persisted = await this.options.driver.persistHighWater(targetMs, epoch);
    if (generation !== this.generation) return this.notLeader();
    if (!persisted.ok) return this.leaseDriverFailure(persisted, generation);
    this.allocator.commitExtension(persisted.highWaterMs, epoch);
    return persisted.highWaterMs;
  }

  /** Persists the whole set under `epoch`; null once it is durable (and adopted), else the answer. */
  private async storeLeases(leases: readonly LeaseRecord[], epoch: bigint, generation: number): Promise<WireFailure | null> {
    const persist = this.options.driver.persistLeases;
    assert(persist !== undefined, 'lease_driver_persists_leases');
    const stored = await persist.call(this.options.driver, leases, epoch);
    if (generation !== this.generation) return this.notLeader();
    if (!stored.ok) return this.leaseDriverFailure(stored, generation);
    this.leases = leases;
    return null;
  }

  private leaseGranted(lease: LeaseRecord, epoch: bigint): LeaseAnswer {
    return { ok: true, leaseId: lease.leaseId, tsUpperBoundMs: lease.tsUpperBoundMs, expiresAtMs: lease.expiresAtMs, epoch };
  }

  private leaseFailure(failure: LeaseFailure): LeaseWireFailure {
    const message = withCodePrefix(failure.code, failure.message);
    switch (failure.code) {
      case 'INVALID_LEASE_HOLDER':
      case 'INVALID_LEASE_TTL':
      case 'INVALID_LEASE_ID':
        return { ok: false, code: 'INVALID_ARGUMENT', message };
      case 'LEASE_NOT_FOUND':
        return { ok: false, code: 'NOT_FOUND', message };
      case 'LEASE_HOLDER_EPOCH_STALE':
      case 'LEASE_EXPIRED':
      case 'LEASE_SUPERSEDED':
        return { ok: false, code: 'FAILED_PRECONDITION', message };
      case 'LEASE_LIMIT_EXCEEDED':
        this.metrics.resourceExhausted('lease_limit');
        return { ok: false, code: 'RESOURCE_EXHAUSTED', message };
      default:
        return unreachable(failure.code);
    }
  }

  private leaseDriverFailure(failure: DriverFailure, generation: number): WireFailure {
    switch (failure.code) {
      case 'DRIVER_NOT_LEADER':
      case 'DRIVER_FENCED':
        sometimes(true, 'serving.lease_change_lost_leadership');
        if (generation === this.generation) {
          this.allocator.stepDown();
          this.leases = null;
          this.setState({ kind: 'not-serving', leaderEndpoint: failure.leaderEndpoint ?? null, leaderEpoch: failure.leaderEpoch ?? null });
        }
        return this.notLeader();
      case 'DRIVER_TRANSIENT':
        return { ok: false, code: 'UNAVAILABLE', message: `lease: ${failure.message}` };
      default:
        return { ok: false, code: 'INTERNAL', message: `lease: ${failure.code}: ${failure.message}` };
    }
  }

  /** The committed high-water and epoch while this node serves, else null. */
  private servingHighWaterMs(): { readonly value: number; readonly epoch: bigint } | null {
    const s = this.state;
    const highWaterMs = this.allocator.committedHighWaterMs;
    if (s.kind !== 'serving' || highWaterMs === null) return null;
    return { value: highWaterMs, epoch: s.epoch };
  }

  /** A durable, exactly-once grant for every key of a batch, all or nothing, or why not. */
  getSeqBatch(request: SeqBatchRequest): Promise<SeqBatchAnswer> {
    return this.timed('getSeqBatch', this.answerGetSeqBatch(request));
  }

  /**
   * Reports how long `answer` takes to settle, by op and outcome (a rejection is the protocol
   * server's INTERNAL). Returns `answer` itself: the report hangs off a side branch, so timing
   * adds no step between the answer and its caller (the simulator's schedules stay as they were).
   */
  private timed<A extends TsAnswer | SeqAnswer | SeqBatchAnswer>(op: RequestOp, answer: Promise<A>): Promise<A> {
    const startedMs = this.options.clock.monotonicMs();
    const report = (outcome: RequestOutcome): void => this.metrics.requestDuration(op, outcome, this.options.clock.monotonicMs() - startedMs);
    answer.then(
      (settled) => report(settled.ok ? 'OK' : settled.code),
      () => report('INTERNAL'),
    );
    return answer;
  }

  private async answerGetTs(count: number): Promise<TsAnswer> {
    this.metrics.getTsRequest();
    if (!Number.isSafeInteger(count) || count < 1 || count > GET_TS_COUNT_MAX) {
      return { ok: false, code: 'INVALID_ARGUMENT', message: `INVALID_COUNT: count must be an integer in [1, ${GET_TS_COUNT_MAX}]` };
    }
    // One clock sample per request: the grant, the recheck and the extension target all use it.
    const nowMs = this.options.clock.wallMs();
    for (let round = 0; round < 3; round++) {
      if (this.state.kind !== 'serving') return this.notLeader();
      // No stale leader: a replicated driver's lease must hold at the instant of the grant.
      if (this.options.driver.hasLease !== undefined && !this.options.driver.hasLease()) {
        sometimes(true, 'serving.lease_not_held_refused');
        this.metrics.notLeader();
        return { ok: false, code: 'NOT_LEADER', message: 'leader lease not held' };
      }
      const g = this.allocator.grant(nowMs, count);
      if (g.ok) {
        this.metrics.getTsSuccess(count);
        this.maybeExtendAhead(nowMs);
        return { ok: true, physicalMs: g.physicalMs, logicalStart: g.logicalStart, count: g.count, epoch: g.epoch };
      }
      switch (g.code) {
        case 'WINDOW_EXHAUSTED': {
          sometimes(true, 'serving.window_exhausted_waits_for_extension');
          // Registered before waiting: the next extension to start covers this request's clock
          // sample even when the one in flight was prepared from an older one.
          this.extensionWantedMs = Math.max(this.extensionWantedMs, nowMs);
          const failure = await this.extend(nowMs);
          if (failure !== null) return failure;
          continue;
        }
        case 'NOT_LEADER':
          return this.notLeader();
        case 'PHYSICAL_MS_OUT_OF_RANGE':
          return { ok: false, code: 'INTERNAL', message: 'physical time is above the 46-bit cap' };
        case 'INVALID_COUNT':
          return { ok: false, code: 'INVALID_ARGUMENT', message: 'INVALID_COUNT: invalid count' };
        default:
          return { ok: false, code: 'INTERNAL', message: `grant failed: ${g.code}` };
      }
    }
    return { ok: false, code: 'INTERNAL', message: 'window still exhausted after extension' };
  }

  /** Starts a background extension when less than half a window is left ahead of the clock. */
  private maybeExtendAhead(nowMs: number): void {
    if (this.extension !== null) return;
    const highWaterMs = this.allocator.committedHighWaterMs;
    if (highWaterMs === null || highWaterMs - nowMs >= this.windowAheadMs / 2) return;
    void this.extend(nowMs);
  }

  /**
   * Single-flight extension. Resolves to null when the window was extended (by this call or by
   * one already in flight), or to the failure to answer with.
   */
  private async extend(nowMs: number): Promise<WireFailure | null> {
    while (this.extension !== null) {
      // A lease change in the slot may not have extended the window: wait, then extend.
      const leaseChange = this.extensionIsLeaseChange;
      await this.extension;
      if (!leaseChange) return null;
    }
    const run = this.extendOnce(nowMs);
    this.extension = run.then(
      () => {},
      () => {},
    );
    try {
      return await run;
    } finally {
      this.extension = null;
    }
  }

  private async extendOnce(nowMs: number): Promise<WireFailure | null> {
    const generation = this.generation;
    // Cover every request that found the window exhausted so far (their clock samples may be
    // later than this one): with a window shorter than a persist round trip, an extension aimed
    // at one request's sample is stale for the requests that queued behind it (found by the
    // simulator: a 3-node cluster with a 1 ms window answered INTERNAL to every call).
    const prepared = this.allocator.prepareExtension(Math.max(nowMs, this.extensionWantedMs), this.windowAheadMs);
    if (!prepared.ok) {
      if (prepared.code === 'NOT_LEADER') return this.notLeader();
      return { ok: false, code: 'INTERNAL', message: `window extension refused: ${prepared.code}` };
    }
    const { targetMs, epoch } = prepared;
    if (this.faults.serveBeforePersist === true) {
      // Planted bug: the window is served before the driver made it durable.
      this.allocator.commitExtension(targetMs, epoch);
    }
    const startedMs = this.options.clock.monotonicMs();
    const persisted = await this.options.driver.persistHighWater(targetMs, epoch);
    if (!persisted.ok) {
      switch (persisted.code) {
        case 'DRIVER_NOT_LEADER':
        case 'DRIVER_FENCED':
          sometimes(true, 'serving.extension_lost_leadership');
          if (generation === this.generation) {
            this.allocator.stepDown();
            this.setState({ kind: 'not-serving', leaderEndpoint: persisted.leaderEndpoint ?? null, leaderEpoch: persisted.leaderEpoch ?? null });
          }
          return this.notLeader();
        case 'DRIVER_TRANSIENT':
          return { ok: false, code: 'UNAVAILABLE', message: `persist: ${persisted.message}` };
        default:
          return { ok: false, code: 'INTERNAL', message: `persist: ${persisted.code}: ${persisted.message}` };
      }
    }
    this.metrics.windowExtension(this.options.clock.monotonicMs() - startedMs);
    const committed = this.allocator.commitExtension(persisted.highWaterMs, epoch);
    if (!committed.applied) {
      sometimes(true, 'serving.extension_commit_ignored');
      this.metrics.windowExtensionIgnored(
        committed.reason === 'COMMIT_IGNORED_NOT_LEADER' ? 'not_leader' : committed.reason === 'COMMIT_IGNORED_EPOCH_MISMATCH' ? 'epoch_mismatch' : 'not_advanced',
      );
    } else {
      this.options.onEvent?.({ kind: 'extended', epoch, highWaterMs: committed.highWaterMs });
    }
    return null;
  }

  private async answerGetSeq(request: SeqAdvanceRequest): Promise<SeqAnswer> {
    this.metrics.seqRequest();
    const invalid = seqValidator.validate(request);
    if (invalid !== null) return { ok: false, code: 'INVALID_ARGUMENT', message: withCodePrefix(invalid.code, invalid.message ?? 'invalid request') };
    const s = this.state;
    if (s.kind !== 'serving') return this.notLeader();
    const generation = this.generation;
    const r = await this.options.driver.advanceSeq(request, s.epoch);
    if (r.ok) {
      this.metrics.seqSuccess(r.count);
      return { ok: true, start: r.start, count: r.count, epoch: s.epoch };
    }
    return this.seqFailure(r, generation);
  }

  private async answerGetSeqBatch(request: SeqBatchRequest): Promise<SeqBatchAnswer> {
    this.metrics.seqRequest();
    const invalid = seqBatchProblem(request.entries, this.seqBatchKeysMax);
    if (invalid !== null) return { ok: false, code: 'INVALID_ARGUMENT', message: withCodePrefix(invalid.code, invalid.message ?? 'invalid request') };
    const s = this.state;
    if (s.kind !== 'serving') return this.notLeader();
    const driver = this.options.driver;
    if (driver.advanceSeqBatch === undefined) {
      // Decided before anything is written: nothing happened.
      return { ok: false, code: 'INVALID_ARGUMENT', message: "UNIMPLEMENTED: this server's consensus driver does not serve getSeqBatch" };
    }
    const generation = this.generation;
    const r = await driver.advanceSeqBatch(request, s.epoch);
    if (r.ok) {
      assert(r.grants.length === request.entries.length, 'seq_batch_one_grant_per_entry');
      let values = 0;
      r.grants.forEach((g, i) => {
        assert(g.key === request.entries[i]?.key && g.count === request.entries[i]?.count, 'seq_batch_grants_in_request_order');
        values += g.count;
      });
      this.metrics.seqSuccess(values);
      return { ok: true, grants: r.grants, epoch: s.epoch };
    }
    return this.seqFailure(r, generation);
  }

  private seqFailure(r: DriverFailure, generation: number): WireFailure {
    switch (r.code) {
      case 'INVALID_SEQ_KEY':
      case 'INVALID_SEQ_COUNT':
      case 'INVALID_SEQ_BATCH':
        // A driver may be configured with a lower cap than the protocol's.
        return { ok: false, code: 'INVALID_ARGUMENT', message: withCodePrefix(r.code, r.message) };
      case 'SEQ_KEY_CARDINALITY_EXCEEDED':
        this.metrics.seqCardinalityRejected();
        this.metrics.resourceExhausted('seq_key_cardinality');
        return { ok: false, code: 'RESOURCE_EXHAUSTED', message: r.message };
      case 'SEQ_OVERFLOW':
        this.metrics.resourceExhausted('seq_counter_overflow');
        return { ok: false, code: 'RESOURCE_EXHAUSTED', message: `sequence counter overflow: ${r.message}` };
      case 'SEQ_SESSION_EXPIRED':
        sometimes(true, 'serving.seq_session_expired_answered');
        return {
          ok: false,
          code: 'SEQ_SESSION_EXPIRED',
          message: r.message,
          ...(r.requestIdsFrom === undefined ? {} : { requestIdsFrom: r.requestIdsFrom }),
        };
      case 'SEQ_REQUEST_REUSED':
        // An argument error on the wire (old clients know no other code for it), named by the
        // message's prefix as INVALID_SEQ_KEY is; the library maps it back to its own code.
        return { ok: false, code: 'INVALID_ARGUMENT', message: withCodePrefix(r.code, r.message) };
      case 'DRIVER_NOT_LEADER':
      case 'DRIVER_FENCED':
        sometimes(true, 'serving.seq_lost_leadership');
        if (generation === this.generation) {
          this.allocator.stepDown();
          this.setState({ kind: 'not-serving', leaderEndpoint: r.leaderEndpoint ?? null, leaderEpoch: r.leaderEpoch ?? null });
        }
        return this.notLeader();
      case 'DRIVER_TRANSIENT':
        return { ok: false, code: 'UNAVAILABLE', message: r.message };
      case 'DRIVER_PERMANENT':
      case 'DRIVER_OUT_OF_RANGE':
        return { ok: false, code: 'INTERNAL', message: r.message };
      default:
        return unreachable(r.code);
    }
  }

  /** Stops serving and detaches from the driver (the driver itself is closed by its owner). */
  async close(): Promise<void> {
    this.generation += 1;
    this.allocator.stepDown();
    this.setState({ kind: 'closed' });
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.extension !== null) await this.extension.catch(() => {});
  }
}
