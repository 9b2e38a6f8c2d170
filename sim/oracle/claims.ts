// The ground truth of a run whose driver brings none of its own (a user's SimDriverModule with
// no `groundTruth` extra): what the drivers acknowledged. Every driver the harness builds is
// wrapped in a witness that records, as each call returns:
//   - every high-water a persist returned (the contract: durable, at least what was asked);
//   - every block an advance returned, under its (clientId, requestId).
// `ClaimsView` serves these claims to the timestamp and sequence checkers as the state a value
// must be part of before a client may see it, and the witness checks the driver against them:
//   - a load is linearized: a loadHighWater invoked after a persist returned H, on any node and
//     in any incarnation, returns at least H (else `durable_high_water_went_back`); a loadSeq
//     invoked after an advance returned [s, s+c) returns at least s+c (`durable_ledger_went_back`);
//   - exactly once: an advance of a (clientId, requestId) that returned a block before returns
//     the same block (`seq_request_two_blocks`);
//   - persist is "advance to at least": it returns at least what was asked (`high_water_published_not_durable`).
// The durable-image checks of the built-in drivers (bytes on the simulated disk) have no
// equivalent here: the records' format is the driver's own. Holes in a key's ledger cannot be
// told from claims (a block granted and never answered is durable but unclaimed), so the
// ledger view says so and the checker skips the hole check.

import { SEQ_KEY_CARDINALITY_CAP_DEFAULT } from '../../core/limits.js';
import type { SeqLedgerSnapshot, SeqSessionResult, SeqAdvanceRequest, SeqBatchRequest, SeqGrant } from '../../core/ledger.js';
import type { LeaseRecord } from '../../core/oracle/leases.js';
import type { ConsensusDriver, DriverResult, LeaderState, SeqBatchGrants, SeqBlockResult } from '../../drivers/driver.js';
import { type Decoded, type DurableLedger, type DurableSource, indexLedger } from './durable.js';
import type { ViolationDetails, ViolationKind } from './violations.js';

type Report = (kind: ViolationKind, message: string, details?: ViolationDetails) => void;

export class ClaimsView implements DurableSource {
  private highWaterClaimedMs = 0;
  private readonly counters = new Map<string, bigint>();
  private readonly sessions = new Map<bigint, Map<bigint, SeqSessionResult>>();
  private ledger: Decoded<DurableLedger> | null = null;

  constructor(readonly report: Report) {}

  highWaterMs(): Decoded<number> {
    return { ok: true, value: this.highWaterClaimedMs };
  }

  highWaterCovering(): Decoded<number> {
    return this.highWaterMs();
  }

  sequenceLedger(): Decoded<DurableLedger> {
    if (this.ledger === null) {
      const snapshot: SeqLedgerSnapshot = {
        keyCap: SEQ_KEY_CARDINALITY_CAP_DEFAULT,
        counters: [...this.counters].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        applySeq: 0n,
        requestsExpiredBelow: 0n,
        sessions: [...this.sessions]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([clientId, results]) => ({ clientId, forgottenBelow: 0n, lastActiveSeq: 0n, results: [...results.values()] })),
      };
      this.ledger = { ok: true, value: { ...indexLedger(snapshot), holesKnowable: false } };
    }
    return this.ledger;
  }

  /** Wraps one node's driver: its answers become claims, and its loads are checked against them. */
  witness(label: string, driver: ConsensusDriver): ConsensusDriver {
    return new WitnessedDriver(label, driver, this);
  }

  /** @internal */
  claimHighWater(label: string, atLeastMs: number, returnedMs: number): void {
    if (returnedMs < atLeastMs) {
      this.report('high_water_published_not_durable', `${label}: persistHighWater(${atLeastMs}) returned ${returnedMs}, below what was asked`, {
        atLeastMs,
        returnedMs,
      });
    }
    if (returnedMs > this.highWaterClaimedMs) this.highWaterClaimedMs = returnedMs;
  }

  /** @internal */
  claimedHighWaterMs(): number {
    return this.highWaterClaimedMs;
  }

  /** @internal */
  claimedCounter(key: string): bigint {
    return this.counters.get(key) ?? 0n;
  }

  /** @internal */
  claimBlock(label: string, request: SeqAdvanceRequest, block: SeqBlockResult): void {
    let session = this.sessions.get(request.clientId);
    if (session === undefined) {
      session = new Map();
      this.sessions.set(request.clientId, session);
    }
    const earlier = session.get(request.requestId);
    if (earlier !== undefined) {
      if (earlier.key !== request.key || earlier.start !== block.start || earlier.count !== block.count) {
        this.report(
          'seq_request_two_blocks',
          `${label}: request ${request.requestId} of client ${request.clientId} got [${block.start}, +${block.count}) of ${JSON.stringify(request.key)}, ` +
            `but an advance of the same request returned [${earlier.start}, +${earlier.count}) of ${JSON.stringify(earlier.key)} before (advanceSeq is exactly once per request id)`,
          { requestId: request.requestId.toString(), clientId: request.clientId.toString() },
        );
      }
      return;
    }
    session.set(request.requestId, { requestId: request.requestId, key: request.key, start: block.start, count: block.count });
    const end = block.start + BigInt(block.count);
    if (end > (this.counters.get(request.key) ?? 0n)) this.counters.set(request.key, end);
    this.ledger = null;
  }

  /** @internal A batch's grants, claimed like a block per key, remembered whole under its request id. */
  claimBatch(label: string, request: SeqBatchRequest, grants: readonly SeqGrant[]): void {
    if (grants.length === 0) return;
    let session = this.sessions.get(request.clientId);
    if (session === undefined) {
      session = new Map();
      this.sessions.set(request.clientId, session);
    }
    const result = batchResult(request.requestId, grants);
    const earlier = session.get(request.requestId);
    if (earlier !== undefined) {
      if (!sameGrants(earlier, result)) {
        this.report('seq_request_two_blocks', `${label}: batch request ${request.requestId} of client ${request.clientId} got other grants than an advance of the same request before`, {
          requestId: request.requestId.toString(),
          clientId: request.clientId.toString(),
        });
      }
      return;
    }
    session.set(request.requestId, result);
    for (const g of grants) {
      const end = g.start + BigInt(g.count);
      if (end > (this.counters.get(g.key) ?? 0n)) this.counters.set(g.key, end);
    }
    this.ledger = null;
  }
}

/** A batch's grants as one remembered result (a one-key batch is a getSeq's result). */
function batchResult(requestId: bigint, grants: readonly SeqGrant[]): SeqSessionResult {
  const first = grants[0] as SeqGrant;
  const base = { requestId, key: first.key, start: first.start, count: first.count };
  return grants.length === 1 ? base : { ...base, batch: grants.map((g) => ({ key: g.key, start: g.start, count: g.count })) };
}

const sameGrants = (a: SeqSessionResult, b: SeqSessionResult): boolean => {
  const ga = a.batch ?? [a];
  const gb = b.batch ?? [b];
  return ga.length === gb.length && ga.every((g, i) => g.key === gb[i]?.key && g.start === gb[i]?.start && g.count === gb[i]?.count);
};

/** Passes every call through; records what it returned; checks loads against earlier claims. */
class WitnessedDriver implements ConsensusDriver {
  constructor(
    private readonly label: string,
    private readonly inner: ConsensusDriver,
    private readonly claims: ClaimsView,
  ) {
    if (inner.hasLease !== undefined) this.hasLease = () => (inner.hasLease as () => boolean).call(inner);
    // Only a driver that serves batches gets one through the witness (else getSeqBatch stays unimplemented).
    const batch = inner.advanceSeqBatch;
    if (batch !== undefined) {
      this.advanceSeqBatch = async (request, epoch) => {
        const result = await batch.call(inner, request, epoch);
        if (result.ok) this.claims.claimBatch(this.label, request, result.grants);
        return result;
      };
    }
    // Likewise the stamping leases (both or neither, drivers/driver.ts): passed through as they
    // are, so a driver that keeps leases serves them under the swarm (the service checkers judge
    // the answers against the claimed high-water).
    const load = inner.loadLeases;
    const persist = inner.persistLeases;
    if (load !== undefined && persist !== undefined) {
      this.loadLeases = () => load.call(inner);
      this.persistLeases = (leases, epoch) => persist.call(inner, leases, epoch);
    }
  }

  hasLease?: () => boolean;
  advanceSeqBatch?: (request: SeqBatchRequest, epoch: bigint) => Promise<DriverResult<SeqBatchGrants>>;
  loadLeases?: () => Promise<DriverResult<{ readonly leases: readonly LeaseRecord[] }>>;
  persistLeases?: (leases: readonly LeaseRecord[], epoch: bigint) => Promise<DriverResult<Record<never, never>>>;

  subscribeLeadership(listener: (state: LeaderState) => void): () => void {
    return this.inner.subscribeLeadership(listener);
  }

  async loadHighWater(): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    const claimedMs = this.claims.claimedHighWaterMs();
    const result = await this.inner.loadHighWater();
    if (result.ok && result.highWaterMs < claimedMs) {
      this.report('durable_high_water_went_back', `${this.label}: loadHighWater returned ${result.highWaterMs}, but a persist had returned ${claimedMs} before the load was invoked`, {
        loadedMs: result.highWaterMs,
        claimedMs,
      });
    }
    return result;
  }

  async persistHighWater(atLeastMs: number, epoch: bigint): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    const result = await this.inner.persistHighWater(atLeastMs, epoch);
    if (result.ok) this.claims.claimHighWater(this.label, atLeastMs, result.highWaterMs);
    return result;
  }

  async advanceSeq(request: SeqAdvanceRequest, epoch: bigint): Promise<DriverResult<SeqBlockResult>> {
    const result = await this.inner.advanceSeq(request, epoch);
    if (result.ok) this.claims.claimBlock(this.label, request, result);
    return result;
  }

  async loadSeq(key: string): Promise<DriverResult<{ readonly next: bigint }>> {
    const claimed = this.claims.claimedCounter(key);
    const result = await this.inner.loadSeq(key);
    if (result.ok && result.next < claimed) {
      this.report('durable_ledger_went_back', `${this.label}: loadSeq(${JSON.stringify(key)}) returned ${result.next}, but an advance had returned a block up to ${claimed} before the load was invoked`, {
        key,
        loaded: result.next.toString(),
        claimed: claimed.toString(),
      });
    }
    return result;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private report(kind: ViolationKind, message: string, details: ViolationDetails): void {
    this.claims.report(kind, message, details);
  }
}
