// Test support: an in-memory consensus driver whose leadership a test controls, like the
// original's InMemoryDriver. It keeps the driver contracts (max-advance persist, range guard,
// exactly-once ledger, current state first) and lets a test inject failures and delays, so the
// serving node's fence and extension paths can be driven step by step. Not a production driver.

import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { SeqLedger, type SeqAdvanceRequest, type SeqBatchRequest } from '../../core/ledger.js';
import type { LeaseRecord } from '../../core/oracle/leases.js';
import { driverFailure, seqDriverFailure, type ConsensusDriver, type DriverErrorCode, type DriverResult, type LeaderState, type SeqBatchGrants, type SeqBlockResult } from '../driver.js';

export class MemoryDriver implements ConsensusDriver {
  highWaterMs = 0;
  readonly ledger = new SeqLedger();
  readonly persistCalls: Array<{ atLeastMs: number; epoch: bigint }> = [];
  /** The stamping-lease set, as `persistLeases` last replaced it. */
  leases: readonly LeaseRecord[] = [];
  readonly failNextLeasePersists: DriverErrorCode[] = [];
  /** Failures to return from the next calls, consumed in order. */
  readonly failNextLoads: DriverErrorCode[] = [];
  readonly failNextPersists: DriverErrorCode[] = [];
  /** The lease `hasLease()` reports (a replicated driver's leader lease). */
  leaseHeld = true;
  /** When set, persists wait for `releasePersists()`. */
  holdPersists = false;
  private held: Array<() => void> = [];
  private state: LeaderState;
  private readonly listeners = new Set<(s: LeaderState) => void>();

  constructor(initial: LeaderState = { kind: 'leader', epoch: 1n }) {
    this.state = initial;
  }

  setLeadership(state: LeaderState): void {
    this.state = state;
    for (const l of [...this.listeners]) l(state);
  }

  releasePersists(): void {
    const held = this.held;
    this.held = [];
    for (const r of held) r();
  }

  subscribeLeadership(listener: (state: LeaderState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  async loadHighWater(): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    const fail = this.failNextLoads.shift();
    if (fail !== undefined) return driverFailure(fail, 'injected');
    return { ok: true, highWaterMs: this.highWaterMs };
  }

  async persistHighWater(atLeastMs: number, epoch: bigint): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    if (atLeastMs > PHYSICAL_MS_MAX) return driverFailure('DRIVER_OUT_OF_RANGE', 'above the cap');
    this.persistCalls.push({ atLeastMs, epoch });
    if (this.holdPersists) await new Promise<void>((resolve) => this.held.push(resolve));
    const fail = this.failNextPersists.shift();
    if (fail !== undefined) return driverFailure(fail, 'injected', { leaderEndpoint: '127.0.0.9:1', leaderEpoch: epoch + 1n });
    this.highWaterMs = Math.max(this.highWaterMs, atLeastMs);
    return { ok: true, highWaterMs: this.highWaterMs };
  }

  async advanceSeq(request: SeqAdvanceRequest, _epoch: bigint): Promise<DriverResult<SeqBlockResult>> {
    const r = this.ledger.advance(request);
    return r.ok ? { ok: true, start: r.start, count: r.count } : seqDriverFailure(r);
  }

  async advanceSeqBatch(request: SeqBatchRequest, _epoch: bigint): Promise<DriverResult<SeqBatchGrants>> {
    const r = this.ledger.advanceBatch(request);
    return r.ok ? { ok: true, grants: r.grants } : seqDriverFailure(r);
  }

  async loadLeases(): Promise<DriverResult<{ readonly leases: readonly LeaseRecord[] }>> {
    return { ok: true, leases: this.leases };
  }

  async persistLeases(leases: readonly LeaseRecord[], epoch: bigint): Promise<DriverResult<Record<never, never>>> {
    if (this.holdPersists) await new Promise<void>((resolve) => this.held.push(resolve));
    const fail = this.failNextLeasePersists.shift();
    if (fail !== undefined) return driverFailure(fail, 'injected');
    // Fenced like a replicated driver: a set projected under another epoch changes nothing.
    if (this.state.kind !== 'leader' || this.state.epoch !== epoch) return driverFailure('DRIVER_FENCED', `epoch ${epoch} does not lead`);
    this.leases = leases;
    return { ok: true };
  }

  async loadSeq(key: string): Promise<DriverResult<{ readonly next: bigint }>> {
    return { ok: true, next: this.ledger.get(key) };
  }

  hasLease(): boolean {
    return this.leaseHeld;
  }

  async close(): Promise<void> {}
}
