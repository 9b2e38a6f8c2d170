// The etcd driver: a ConsensusDriver whose whole state lives in an existing etcd cluster (v3
// API), so several stateless tsoracle nodes get failover from etcd's own replication. docs/etcd.md
// has the key layout, the lease argument and the limits.
//
// Keys, all under `prefix` (default `/tsoracle/<cluster>`):
//   <prefix>/leader                         this node's advertised endpoint, bound to its etcd lease
//   <prefix>/hw                             the high-water, decimal physical ms
//   <prefix>/leases                         the stamping-lease set: a TSOL record (docs/formats.md §8), base64
//   <prefix>/ledger/meta                    JSON {keyCap, applySeq, requestsExpiredBelow}
//   <prefix>/ledger/seq/<key>               one sequence counter, decimal u64
//   <prefix>/ledger/session/<cid>/meta      JSON {lastActiveSeq, forgottenBelow} of one client session
//   <prefix>/ledger/session/<cid>/r/<rid>   JSON {key, start, count}: one remembered result
// (<cid> and <rid> are 20-digit zero-padded decimals, so key order is numeric order.)
//
// Contracts kept (drivers/driver.ts):
//   - Leadership: a node campaigns with `If(CreateRevision(leader) == 0) Then Put(leader, me,
//     lease)`; the epoch is the leader key's create revision, which etcd makes strictly larger for
//     every later campaign. `leader` is emitted only after the campaign committed; `follower`
//     carries the leader key's value and create revision (never decreasing); `unknown` when etcd
//     cannot be read. The current state is delivered at subscribe.
//   - Every write is ONE transaction whose first compare is `CreateRevision(leader) == epoch`: a
//     deposed leader's write fails (DRIVER_FENCED), whatever its in-memory state.
//   - `persistHighWater` reads the high-water and its mod revision behind the leader compare, and
//     writes `atLeast` only with `ModRevision(hw) == read` as well: never an absolute value, never
//     above PHYSICAL_MS_MAX (refused before any request), the durable max returned.
//   - `advanceSeq` applies requests to the core's SeqLedger (core/ledger.ts), cached by the
//     leader, and commits each batch's changes (counters, sessions, results) in one transaction
//     that also compares `ModRevision(ledger/meta) == the cached one`: the cache is exactly etcd's
//     state or the write fails. After any failure or unknown outcome the cache is dropped and
//     reloaded by a linearized range read, so a retried request id is answered from the durable
//     session (exactly once). A batch is at most ETCD_SEQ_BATCH_MAX requests: at most 5 ops each
//     plus the meta put stays within etcd's default --max-txn-ops of 128.
//   - `hasLease()` holds only before `send time of the last successful keep-alive (or grant) +
//     TTL × (1 − 2ρ) − margin` on the monotonic clock: etcd cannot have expired the lease (and let
//     another node campaign) before then. Past it the node steps down (revokes, emits `unknown`).
//   - A lease given up while etcd could not be reached (a failed revoke) is remembered and revoked
//     again at each tick until etcd confirms it gone: etcd re-arms every lease to a full TTL when
//     it elects a leader, so a forgotten lease would keep this node's leader key (and every other
//     node following it) for a whole TTL after etcd is back. Revoking it is always safe: the node
//     no longer leads, and only its own keys are bound to it.
//   - `persistLeases` replaces the whole lease set in one transaction behind the leader compare
//     and `ModRevision(leases) == the one it read` under the same leader: a deposed leader's set
//     is refused DRIVER_FENCED, and a slow write of an older set that lands late cannot overwrite
//     a newer one. `loadLeases` is a linearized read.
//   - Every call is bounded: each etcd request has a deadline; no request is retried blindly.
import {
  isSeqBatchRequest,
  isValidSeqCount,
  isValidSeqKey,
  seqBatchProblem,
  SeqLedger,
  type SeqAdvanceRequest,
  type SeqBatchRequest,
  type SeqGrant,
  type SeqLedgerRequest,
  type SeqLedgerResult,
  type SeqLedgerSnapshot,
  type SeqSessionSnapshot,
} from '../../core/ledger.js';
import { PHYSICAL_MS_MAX, SEQ_KEY_CARDINALITY_CAP_DEFAULT } from '../../core/limits.js';
import { decodeLeaseRecord, encodeLeaseRecord } from '../../core/oracle/lease-record.js';
import type { LeaseRecord } from '../../core/oracle/leases.js';
import type { ConsensusDriver, DriverFailure, DriverResult, LeaderState, SeqBatchGrants, SeqBlockResult } from '../driver.js';
import { driverFailure, seqDriverFailure } from '../driver.js';
import type { Clock, TimerHandle } from '../ports.js';
import { EtcdRequestError, EtcdUnavailableError, type EtcdClient, type EtcdKeyValue, type EtcdOp } from './etcd-client.js';

/** etcd's default --max-txn-ops. */
export const ETCD_TXN_OPS_MAX_DEFAULT = 128;
/** Ops one sequence request can add to a transaction: counter, result, evicted result, session meta, evicted session. */
export const ETCD_OPS_PER_SEQ_REQUEST_MAX = 5;
/** Sequence requests per transaction: 25 × 5 + 1 (ledger meta) = 126 ≤ 128. */
export const ETCD_SEQ_BATCH_MAX = Math.floor((ETCD_TXN_OPS_MAX_DEFAULT - 1) / ETCD_OPS_PER_SEQ_REQUEST_MAX);
/**
 * Ops a getSeqBatch of N keys adds besides its N counter puts: its result, its session's evicted
 * results (one range delete: they are the session's lowest ids), its session meta, an evicted session.
 */
export const ETCD_OPS_PER_SEQ_BATCH_OVERHEAD = 4;
/**
 * Keys of one getSeqBatch on etcd: N + 4 + 1 (ledger meta) ≤ 128 gives 123, below the protocol's
 * 128 (docs/etcd.md, "getSeqBatch"). A larger batch is refused INVALID_SEQ_BATCH before anything is written.
 */
export const ETCD_SEQ_BATCH_KEYS_MAX = ETCD_TXN_OPS_MAX_DEFAULT - 1 - ETCD_OPS_PER_SEQ_BATCH_OVERHEAD;
export const ETCD_LEASE_TTL_SECONDS_DEFAULT = 3;
export const ETCD_TICK_MS_DEFAULT = 250;
export const ETCD_CLOCK_DRIFT_BOUND_DEFAULT = 0.01;
/** Taken off the lease on top of the drift: etcd checks expiry on its own timer, and our timer may fire late. */
export const ETCD_LEASE_MARGIN_MS_DEFAULT = 500;
/** Sequence requests waiting for their transaction before new ones are refused. */
export const ETCD_SEQ_QUEUE_MAX = 10_000;
/** Attempts of persistHighWater's read-compare-write when another write moved the high-water between. */
const PERSIST_ATTEMPTS_MAX = 3;
/** Leases given up without etcd's confirmation that are remembered for another revoke (older ones expire by themselves). */
const ABANDONED_LEASES_MAX = 8;

export type EtcdDriverEvent =
  | { readonly kind: 'leadership'; readonly state: LeaderState }
  | { readonly kind: 'stepped-down'; readonly reason: string }
  | { readonly kind: 'etcd-unavailable'; readonly message: string };

export interface EtcdDriverOptions {
  readonly client: EtcdClient;
  readonly clock: Clock;
  /** Key prefix, e.g. `/tsoracle/prod` (no trailing slash). */
  readonly prefix: string;
  /** This node's service endpoint `host:port`, stored in the leader key for followers' hints (or given to start()). */
  readonly advertise?: string;
  readonly leaseTtlSeconds?: number;
  readonly tickMs?: number;
  /** Assumed bound on the rate error of this node's and etcd's clocks (default 0.01). */
  readonly clockDriftBound?: number;
  readonly leaseMarginMs?: number;
  /** Cap on distinct sequence keys, written once with the ledger's meta. */
  readonly seqKeyCap?: number;
  readonly onEvent?: (event: EtcdDriverEvent) => void;
  /**
   * Planted bugs, for the tests and the simulator's swarm that must catch them:
   * `writeWithoutLeaderCompare` drops the leader compare from every write, so a deposed leader's
   * write lands unless a version compare stops it; `writeWithoutFence` drops every compare of a
   * write (the leader's, the high-water's and the ledger's version): the leader compare alone is
   * backed up by the version compares, so no checker can see it missing (docs/etcd.md), and the
   * swarm plants this one; `serveAfterLeaseExpired` ignores the lease deadline (hasLease holds
   * while the node thinks it leads, and the tick does not step down at the deadline);
   * `batchAppliedKeyByKey` writes a getSeqBatch key by key (one transaction per key before the
   * whole one), so a crash or a failed transaction in between leaves part of a batch durable.
   */
  readonly faults?: {
    readonly writeWithoutLeaderCompare?: boolean;
    readonly writeWithoutFence?: boolean;
    readonly serveAfterLeaseExpired?: boolean;
    readonly batchAppliedKeyByKey?: boolean;
  };
}

/** The default key prefix of a cluster name. */
export function etcdPrefixOf(cluster: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(cluster)) {
    throw new TypeError(`--cluster ${JSON.stringify(cluster)}: 1–64 characters of letters, digits, '.', '_' or '-'`);
  }
  return `/tsoracle/${cluster}`;
}

const pad20 = (n: bigint): string => n.toString().padStart(20, '0');

/** The format of a remembered batch result (a getSeq's result has no `v`: format 1). */
export const ETCD_BATCH_RESULT_FORMAT = 2;

/**
 * A remembered result's value: a getSeq's `{key, start, count}` (format 1, no `v`); a batch of two
 * or more keys `{v: 2, batch: [{key, start, count}, ...]}`, with NO top-level key, start or count:
 * the release before batches reads `start` with BigInt() and so refuses such a record (its load
 * fails) instead of misreading it as the batch's first grant alone.
 */
export function encodeResult(r: SeqSessionSnapshot['results'][number]): string {
  if (r.batch === undefined) return JSON.stringify({ key: r.key, start: r.start.toString(), count: r.count });
  return JSON.stringify({ v: ETCD_BATCH_RESULT_FORMAT, batch: r.batch.map((g) => ({ key: g.key, start: g.start.toString(), count: g.count })) });
}

/** The inverse of `encodeResult`; a format newer than this release reads is refused by name. */
export function decodeResult(requestId: bigint, parsed: Record<string, unknown>): SeqSessionSnapshot['results'][number] {
  const version = parsed['v'];
  if (version === undefined) return { requestId, key: String(parsed['key']), start: BigInt(parsed['start'] as string), count: Number(parsed['count']) };
  if (version !== ETCD_BATCH_RESULT_FORMAT) {
    throw new EtcdRequestError(`a remembered result of format ${JSON.stringify(version)}: this release reads formats 1 and ${ETCD_BATCH_RESULT_FORMAT} (upgrade it)`, 200);
  }
  const batch = parsed['batch'];
  if (!Array.isArray(batch) || batch.length < 2) throw new EtcdRequestError(`a remembered batch result of format ${ETCD_BATCH_RESULT_FORMAT} holds no list of two or more grants`, 200);
  const grants: SeqGrant[] = batch.map((g: Record<string, unknown>) => ({ key: String(g['key']), start: BigInt(g['start'] as string), count: Number(g['count']) }));
  const first = grants[0] as SeqGrant;
  return { requestId, key: first.key, start: first.start, count: first.count, batch: grants };
}

interface QueuedAdvance {
  readonly request: SeqLedgerRequest;
  readonly epoch: bigint;
  /** Ops the request may add to its transaction (the ledger meta put aside). */
  readonly ops: number;
  /** Answers with the outcome as committed, or the failure of its transaction. */
  readonly deliver: (outcome: SeqLedgerResult) => void;
  readonly fail: (failure: DriverFailure) => void;
}

function seqBlockAnswer(o: SeqLedgerResult): DriverResult<SeqBlockResult> {
  if (!o.ok) return seqDriverFailure(o);
  if ('grants' in o) return driverFailure('DRIVER_PERMANENT', 'a getSeq was answered with batch grants');
  return { ok: true, start: o.start, count: o.count };
}

function seqBatchGrantsAnswer(o: SeqLedgerResult): DriverResult<SeqBatchGrants> {
  if (!o.ok) return seqDriverFailure(o);
  if (!('grants' in o)) return driverFailure('DRIVER_PERMANENT', 'a getSeqBatch was answered with one block');
  return { ok: true, grants: o.grants };
}

interface CachedLedger {
  readonly ledger: SeqLedger;
  /** ModRevision of <prefix>/ledger/meta this cache matches (0 when absent). */
  metaModRevision: bigint;
}

function parseDecimal(text: string, what: string): bigint {
  if (!/^\d{1,20}$/.test(text)) throw new EtcdRequestError(`${what} holds ${JSON.stringify(text.slice(0, 40))}, not a decimal`, 200);
  return BigInt(text);
}

/**
 * The sequence ledger stored under `ledgerPrefix` (`<prefix>/ledger/`), from the key-values of one
 * range read, unvalidated (SeqLedger.fromSnapshot validates); null when nothing is stored. Throws
 * EtcdRequestError on a key or value that is not the driver's. Also the simulator's ground truth.
 */
export function storedLedgerSnapshot(ledgerPrefix: string, kvs: readonly EtcdKeyValue[]): { readonly snapshot: SeqLedgerSnapshot; readonly metaModRevision: bigint } | null {
  let meta: { keyCap: number; applySeq: bigint; requestsExpiredBelow: bigint } | null = null;
  let metaModRevision = 0n;
  const counters: Array<readonly [string, bigint]> = [];
  const sessions = new Map<bigint, { lastActiveSeq: bigint; forgottenBelow: bigint; results: SeqSessionSnapshot['results'][number][] }>();
  const sessionOf = (cid: bigint): { lastActiveSeq: bigint; forgottenBelow: bigint; results: SeqSessionSnapshot['results'][number][] } => {
    let s = sessions.get(cid);
    if (s === undefined) sessions.set(cid, (s = { lastActiveSeq: 0n, forgottenBelow: 0n, results: [] }));
    return s;
  };
  for (const kv of kvs) {
    const rest = kv.key.slice(ledgerPrefix.length);
    if (rest === 'meta') {
      const parsed = JSON.parse(kv.value) as { keyCap: number; applySeq: string; requestsExpiredBelow: string };
      meta = { keyCap: parsed.keyCap, applySeq: BigInt(parsed.applySeq), requestsExpiredBelow: BigInt(parsed.requestsExpiredBelow) };
      metaModRevision = kv.modRevision;
    } else if (rest.startsWith('seq/')) {
      counters.push([rest.slice(4), parseDecimal(kv.value, kv.key)]);
    } else {
      const m = /^session\/(\d{20})\/(meta|r\/(\d{20}))$/.exec(rest);
      if (m === null) throw new EtcdRequestError(`unexpected key ${JSON.stringify(kv.key)} under the ledger prefix`, 200);
      const session = sessionOf(BigInt(m[1] as string));
      const parsed = JSON.parse(kv.value) as Record<string, unknown>;
      if (m[2] === 'meta') {
        session.lastActiveSeq = BigInt(parsed['lastActiveSeq'] as string);
        session.forgottenBelow = BigInt(parsed['forgottenBelow'] as string);
      } else {
        session.results.push(decodeResult(BigInt(m[3] as string), parsed));
      }
    }
  }
  if (meta === null) {
    if (kvs.length > 0) throw new EtcdRequestError(`${ledgerPrefix}meta is missing while the ledger has ${kvs.length} keys`, 200);
    return null;
  }
  const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  counters.sort((a, b) => byBytes(a[0], b[0]));
  const snapshot: SeqLedgerSnapshot = {
    keyCap: meta.keyCap,
    counters,
    applySeq: meta.applySeq,
    requestsExpiredBelow: meta.requestsExpiredBelow,
    sessions: [...sessions.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([clientId, s]) => ({ clientId, lastActiveSeq: s.lastActiveSeq, forgottenBelow: s.forgottenBelow, results: s.results })),
  };
  return { snapshot, metaModRevision };
}

export class EtcdDriver implements ConsensusDriver {
  private readonly listeners = new Set<(state: LeaderState) => void>();
  private state: LeaderState = { kind: 'unknown' };
  private leaseId: bigint | null = null;
  /** Leases this node gave up whose revoke etcd did not confirm (oldest first): revoked again at each tick. */
  private readonly abandonedLeaseIds: bigint[] = [];
  private leaseDeadlineMs = -Infinity;
  private timer: TimerHandle | null = null;
  private closed = false;
  private tickRunning: Promise<void> | null = null;
  private cache: CachedLedger | null = null;
  private readonly queue: QueuedAdvance[] = [];
  private draining = false;
  private readonly keys: { leader: string; hw: string; leases: string; ledger: string; meta: string };
  private readonly ttlSeconds: number;
  private readonly tickMs: number;
  private readonly drift: number;
  private readonly marginMs: number;
  private advertise: string;

  constructor(private readonly options: EtcdDriverOptions) {
    const p = options.prefix.replace(/\/+$/, '');
    if (p.length === 0) throw new TypeError('the etcd key prefix is empty');
    this.keys = { leader: `${p}/leader`, hw: `${p}/hw`, leases: `${p}/leases`, ledger: `${p}/ledger/`, meta: `${p}/ledger/meta` };
    this.ttlSeconds = options.leaseTtlSeconds ?? ETCD_LEASE_TTL_SECONDS_DEFAULT;
    this.tickMs = options.tickMs ?? ETCD_TICK_MS_DEFAULT;
    this.drift = options.clockDriftBound ?? ETCD_CLOCK_DRIFT_BOUND_DEFAULT;
    this.marginMs = options.leaseMarginMs ?? ETCD_LEASE_MARGIN_MS_DEFAULT;
    this.advertise = options.advertise ?? '';
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 1) throw new TypeError('the etcd lease TTL must be a whole number of seconds ≥ 1');
    if (!(this.drift >= 0 && this.drift < 0.25)) throw new TypeError('the clock drift bound must be in [0, 0.25)');
    if (this.leaseSpanMs(this.ttlSeconds) <= this.tickMs) {
      throw new TypeError(`the etcd lease (${this.ttlSeconds}s less drift and a ${this.marginMs} ms margin) must be longer than the ${this.tickMs} ms keep-alive tick`);
    }
  }

  /** Starts campaigning / following (advertising `advertise`, e.g. once the server is bound); the first tick runs now. */
  start(advertise?: string): void {
    if (advertise !== undefined) this.advertise = advertise;
    if (this.advertise === '') throw new TypeError('the etcd driver needs the endpoint it advertises before it starts');
    this.schedule(0);
  }

  /** The key layout (for docs, tests and tools). */
  get keyNames(): { readonly leader: string; readonly hw: string; readonly leases: string; readonly ledger: string } {
    return this.keys;
  }

  get leaderState(): LeaderState {
    return this.state;
  }

  private leaseSpanMs(ttlSeconds: number): number {
    return ttlSeconds * 1000 * (1 - 2 * this.drift) - this.marginMs;
  }

  private emit(state: LeaderState): void {
    const previous = this.state;
    if (
      previous.kind === state.kind &&
      (state.kind !== 'leader' || (previous as { epoch: bigint }).epoch === state.epoch) &&
      (state.kind !== 'follower' ||
        ((previous as { leaderEndpoint: string | null }).leaderEndpoint === state.leaderEndpoint &&
          (previous as { leaderEpoch: bigint | null }).leaderEpoch === state.leaderEpoch))
    ) {
      return;
    }
    this.state = state;
    this.options.onEvent?.({ kind: 'leadership', state });
    for (const listener of [...this.listeners]) listener(state);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer?.cancel();
    this.timer = this.options.clock.setTimer(delayMs, () => {
      this.timer = null;
      this.tickRunning = this.tick().finally(() => {
        this.tickRunning = null;
        this.schedule(this.tickMs);
      });
    });
  }

  private async tick(): Promise<void> {
    // A follower first frees its abandoned leader key, so it and the others can campaign at once.
    if (this.state.kind !== 'leader' && this.abandonedLeaseIds.length > 0) await this.revokeAbandonedLeases();
    try {
      if (this.state.kind === 'leader') await this.renew(this.state.epoch);
      else await this.followOrCampaign();
    } catch (e) {
      // Never thrown out of the timer: every failure of the loop is reported and retried next tick.
      this.options.onEvent?.({ kind: 'etcd-unavailable', message: e instanceof Error ? e.message : String(e) });
      // A leader keeps its state until the lease deadline below; a follower no longer knows.
      if (this.state.kind !== 'leader') this.emit({ kind: 'unknown' });
    }
    if (this.state.kind === 'leader' && this.options.clock.monotonicMs() >= this.leaseDeadlineMs && this.options.faults?.serveAfterLeaseExpired !== true) {
      await this.stepDown('no keep-alive succeeded before the lease deadline (it may have expired in etcd)');
    }
    // A leader frees older abandoned leases after its own keep-alive, never before it.
    if (this.state.kind === 'leader' && this.abandonedLeaseIds.length > 0) await this.revokeAbandonedLeases();
  }

  private async renew(epoch: bigint): Promise<void> {
    const leaseId = this.leaseId;
    if (leaseId === null) return this.stepDown('no lease is held');
    const sentAt = this.options.clock.monotonicMs();
    const ttl = await this.options.client.leaseKeepAlive(leaseId);
    if (this.closed || this.state.kind !== 'leader') return;
    if (ttl <= 0) return this.stepDown('etcd says the lease is gone');
    this.leaseDeadlineMs = Math.max(this.leaseDeadlineMs, sentAt + this.leaseSpanMs(ttl));
    const { kvs } = await this.options.client.range(this.keys.leader);
    if (kvs[0]?.createRevision !== epoch) await this.stepDown('the leader key is no longer this node\'s');
  }

  private async stepDown(reason: string): Promise<void> {
    if (this.state.kind !== 'leader') return;
    this.options.onEvent?.({ kind: 'stepped-down', reason });
    this.cache = null;
    this.leaseDeadlineMs = -Infinity;
    this.emit({ kind: 'unknown' });
    await this.revokeLease();
  }

  private async revokeLease(): Promise<void> {
    const leaseId = this.leaseId;
    this.leaseId = null;
    if (leaseId === null) return;
    try {
      await this.options.client.leaseRevoke(leaseId);
    } catch {
      // etcd did not confirm: revoke it again at the next ticks (etcd may re-arm it when it elects a leader).
      this.abandonedLeaseIds.push(leaseId);
      if (this.abandonedLeaseIds.length > ABANDONED_LEASES_MAX) this.abandonedLeaseIds.shift();
    }
  }

  /** Revokes the leases given up earlier without etcd's confirmation; the first failure ends the try (etcd is still out). */
  private async revokeAbandonedLeases(): Promise<void> {
    while (this.abandonedLeaseIds.length > 0) {
      try {
        await this.options.client.leaseRevoke(this.abandonedLeaseIds[0] as bigint);
      } catch {
        return;
      }
      this.abandonedLeaseIds.shift();
    }
  }

  private followFrom(kv: EtcdKeyValue): void {
    const previous = this.state;
    // A follower's leaderEpoch never decreases (a stale read cannot move it back).
    if (previous.kind === 'follower' && previous.leaderEpoch !== null && kv.createRevision < previous.leaderEpoch) return;
    this.emit({ kind: 'follower', leaderEndpoint: kv.value, leaderEpoch: kv.createRevision });
  }

  private async followOrCampaign(): Promise<void> {
    const { kvs } = await this.options.client.range(this.keys.leader);
    const current = kvs[0];
    if (current !== undefined) return this.followFrom(current);
    const sentAt = this.options.clock.monotonicMs();
    const grant = await this.options.client.leaseGrant(this.ttlSeconds);
    if (this.closed) {
      await this.options.client.leaseRevoke(grant.id).catch(() => {});
      return;
    }
    this.leaseId = grant.id;
    let result;
    try {
      result = await this.options.client.txn(
        [{ key: this.keys.leader, target: 'CREATE', result: 'EQUAL', createRevision: 0n }],
        [{ put: { key: this.keys.leader, value: this.advertise, lease: grant.id } }],
        [{ range: { key: this.keys.leader } }],
      );
    } catch (e) {
      // Outcome unknown: give the lease back (or let it expire), so a key it may have made goes too.
      await this.revokeLease();
      throw e;
    }
    if (!result.succeeded) {
      await this.revokeLease();
      const winner = result.ranges[0]?.[0];
      if (winner !== undefined) this.followFrom(winner);
      return;
    }
    if (this.closed) return this.revokeLease();
    this.cache = null;
    this.leaseDeadlineMs = sentAt + this.leaseSpanMs(grant.ttlSeconds);
    // The put's revision is the leader key's create revision: the epoch.
    this.emit({ kind: 'leader', epoch: result.revision });
  }

  subscribeLeadership(listener: (state: LeaderState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => {
      this.listeners.delete(listener);
    };
  }

  hasLease(): boolean {
    if (this.closed || this.state.kind !== 'leader') return false;
    if (this.options.faults?.serveAfterLeaseExpired === true) return true;
    return this.options.clock.monotonicMs() < this.leaseDeadlineMs;
  }

  /** NOT_LEADER / FENCED for a call made at `epoch` (null: any epoch of this leader). */
  private gate(epoch: bigint | null): DriverFailure | null {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    const s = this.state;
    if (s.kind === 'leader') {
      if (epoch === null || epoch === s.epoch) return null;
      return driverFailure('DRIVER_FENCED', `epoch ${epoch} is not this leader's epoch ${s.epoch}`, { leaderEndpoint: this.advertise, leaderEpoch: s.epoch });
    }
    const hint = s.kind === 'follower' ? { leaderEndpoint: s.leaderEndpoint, leaderEpoch: s.leaderEpoch } : { leaderEndpoint: null, leaderEpoch: null };
    return driverFailure('DRIVER_NOT_LEADER', 'this node does not lead', hint);
  }

  private fencedBy(leader: EtcdKeyValue | undefined, epoch: bigint): DriverFailure {
    this.cache = null;
    void this.stepDown(`a write at epoch ${epoch} failed its leader compare`);
    return driverFailure('DRIVER_FENCED', `the leader key is no longer epoch ${epoch}`, {
      leaderEndpoint: leader?.value ?? null,
      leaderEpoch: leader?.createRevision ?? null,
    });
  }

  /** Unavailability is transient; anything else (an error answer, a malformed stored value) is permanent. */
  private failureOf(e: unknown, what: string): DriverFailure {
    if (e instanceof EtcdUnavailableError) return driverFailure('DRIVER_TRANSIENT', `${what}: ${e.message}`);
    return driverFailure('DRIVER_PERMANENT', `${what}: ${e instanceof Error ? e.message : String(e)}`);
  }

  private leaderCompare(epoch: bigint): { key: string; target: 'CREATE'; result: 'EQUAL' | 'NOT_EQUAL'; createRevision: bigint }[] {
    if (this.options.faults?.writeWithoutLeaderCompare === true || this.options.faults?.writeWithoutFence === true) return [];
    return [{ key: this.keys.leader, target: 'CREATE', result: 'EQUAL', createRevision: epoch }];
  }

  /** `ModRevision(key) == modRevision`: the value a write was computed from is still the stored one. */
  private versionCompare(key: string, modRevision: bigint): { key: string; target: 'MOD'; result: 'EQUAL'; modRevision: bigint }[] {
    if (this.options.faults?.writeWithoutFence === true) return [];
    return [{ key, target: 'MOD', result: 'EQUAL', modRevision }];
  }

  private parseHighWater(kv: EtcdKeyValue | undefined): number {
    if (kv === undefined) return 0;
    const value = parseDecimal(kv.value, this.keys.hw);
    if (value > BigInt(PHYSICAL_MS_MAX)) throw new EtcdRequestError(`${this.keys.hw} holds ${value}, above PHYSICAL_MS_MAX`, 200);
    return Number(value);
  }

  async loadHighWater(): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    try {
      const { kvs } = await this.options.client.range(this.keys.hw);
      return { ok: true, highWaterMs: this.parseHighWater(kvs[0]) };
    } catch (e) {
      return this.failureOf(e, 'loading the high-water');
    }
  }

  async persistHighWater(atLeastMs: number, epoch: bigint): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    if (!Number.isSafeInteger(atLeastMs) || atLeastMs < 0 || atLeastMs > PHYSICAL_MS_MAX) {
      return driverFailure('DRIVER_OUT_OF_RANGE', `high-water ${atLeastMs} is not an integer in 0..${PHYSICAL_MS_MAX}`);
    }
    const gate = this.gate(epoch);
    if (gate !== null) return gate;
    try {
      for (let attempt = 0; attempt < PERSIST_ATTEMPTS_MAX; attempt++) {
        const read = await this.options.client.txn(this.leaderCompare(epoch), [{ range: { key: this.keys.hw } }], [{ range: { key: this.keys.leader } }]);
        if (!read.succeeded) return this.fencedBy(read.ranges[0]?.[0], epoch);
        const stored = read.ranges[0]?.[0];
        const current = this.parseHighWater(stored);
        if (current >= atLeastMs) return { ok: true, highWaterMs: current };
        const write = await this.options.client.txn(
          [...this.leaderCompare(epoch), ...this.versionCompare(this.keys.hw, stored?.modRevision ?? 0n)],
          [{ put: { key: this.keys.hw, value: String(atLeastMs) } }],
          [{ range: { key: this.keys.leader } }],
        );
        if (write.succeeded) return { ok: true, highWaterMs: atLeastMs };
        const leader = write.ranges[0]?.[0];
        if (leader?.createRevision !== epoch) return this.fencedBy(leader, epoch);
        // The high-water moved between the read and the write: read again (max absorbs it).
      }
      return driverFailure('DRIVER_TRANSIENT', `the high-water kept moving during ${PERSIST_ATTEMPTS_MAX} attempts`);
    } catch (e) {
      return this.failureOf(e, 'persisting the high-water');
    }
  }

  private parseLeases(kv: EtcdKeyValue | undefined): LeaseRecord[] {
    if (kv === undefined) return [];
    try {
      // A plain Uint8Array (not a Buffer), so the holders decoded from it are plain bytes too.
      return decodeLeaseRecord(new Uint8Array(Buffer.from(kv.value, 'base64')));
    } catch (e) {
      throw new EtcdRequestError(`${this.keys.leases} does not hold a lease set: ${e instanceof Error ? e.message : String(e)}`, 200);
    }
  }

  async loadLeases(): Promise<DriverResult<{ readonly leases: readonly LeaseRecord[] }>> {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    try {
      const { kvs } = await this.options.client.range(this.keys.leases);
      return { ok: true, leases: this.parseLeases(kvs[0]) };
    } catch (e) {
      return this.failureOf(e, 'loading the lease set');
    }
  }

  async persistLeases(leases: readonly LeaseRecord[], epoch: bigint): Promise<DriverResult<Record<never, never>>> {
    const gate = this.gate(epoch);
    if (gate !== null) return gate;
    const value = Buffer.from(encodeLeaseRecord(leases)).toString('base64');
    try {
      // The stored set's revision, read behind the leader compare: the write below lands only on it.
      const read = await this.options.client.txn(this.leaderCompare(epoch), [{ range: { key: this.keys.leases } }], [{ range: { key: this.keys.leader } }]);
      if (!read.succeeded) return this.fencedBy(read.ranges[0]?.[0], epoch);
      const stored = read.ranges[0]?.[0];
      const write = await this.options.client.txn(
        [...this.leaderCompare(epoch), ...this.versionCompare(this.keys.leases, stored?.modRevision ?? 0n)],
        [{ put: { key: this.keys.leases, value } }],
        [{ range: { key: this.keys.leader } }],
      );
      if (write.succeeded) return { ok: true };
      const leader = write.ranges[0]?.[0];
      if (leader?.createRevision !== epoch) return this.fencedBy(leader, epoch);
      // Another write of this leader's (one whose answer was lost) moved the set between: nothing written.
      return driverFailure('DRIVER_TRANSIENT', 'the stored lease set changed between its read and the write; nothing was written');
    } catch (e) {
      return this.failureOf(e, 'persisting the lease set');
    }
  }

  async loadSeq(key: string): Promise<DriverResult<{ readonly next: bigint }>> {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    if (!isValidSeqKey(key)) return driverFailure('INVALID_SEQ_KEY', 'a sequence key is 1–128 bytes of well-formed UTF-8');
    try {
      const { kvs } = await this.options.client.range(this.seqKey(key));
      const kv = kvs[0];
      return { ok: true, next: kv === undefined ? 0n : parseDecimal(kv.value, this.seqKey(key)) };
    } catch (e) {
      return this.failureOf(e, 'loading a sequence counter');
    }
  }

  advanceSeq(request: SeqAdvanceRequest, epoch: bigint): Promise<DriverResult<SeqBlockResult>> {
    if (!isValidSeqKey(request.key)) return Promise.resolve(driverFailure('INVALID_SEQ_KEY', 'a sequence key is 1–128 bytes of well-formed UTF-8'));
    if (!isValidSeqCount(request.count)) return Promise.resolve(driverFailure('INVALID_SEQ_COUNT', `count ${request.count} is not an integer in 1–65536`));
    const gate = this.gate(epoch);
    if (gate !== null) return Promise.resolve(gate);
    return this.enqueue(request, epoch, ETCD_OPS_PER_SEQ_REQUEST_MAX, seqBlockAnswer);
  }

  /**
   * getSeqBatch: the batch is applied to the cached ledger as ONE request and committed in ONE
   * transaction (behind the same leader and ledger-meta compares as advanceSeq), so every grant
   * is durable or none. At most ETCD_SEQ_BATCH_KEYS_MAX keys, so the transaction stays within
   * etcd's --max-txn-ops.
   */
  advanceSeqBatch(request: SeqBatchRequest, epoch: bigint): Promise<DriverResult<SeqBatchGrants>> {
    const invalid = seqBatchProblem(request.entries, ETCD_SEQ_BATCH_KEYS_MAX);
    if (invalid !== null) {
      const message = request.entries.length > ETCD_SEQ_BATCH_KEYS_MAX ? `${invalid.message ?? invalid.code} on etcd (one transaction of at most ${ETCD_TXN_OPS_MAX_DEFAULT} ops)` : (invalid.message ?? invalid.code);
      return Promise.resolve(driverFailure(invalid.code, message));
    }
    const gate = this.gate(epoch);
    if (gate !== null) return Promise.resolve(gate);
    return this.enqueue(request, epoch, request.entries.length + ETCD_OPS_PER_SEQ_BATCH_OVERHEAD, seqBatchGrantsAnswer);
  }

  private enqueue<T>(request: SeqLedgerRequest, epoch: bigint, ops: number, answer: (outcome: SeqLedgerResult) => DriverResult<T>): Promise<DriverResult<T>> {
    if (this.queue.length >= ETCD_SEQ_QUEUE_MAX) return Promise.resolve(driverFailure('DRIVER_TRANSIENT', 'too many sequence requests waiting to commit'));
    return new Promise((resolve) => {
      this.queue.push({ request, epoch, ops, deliver: (outcome) => resolve(answer(outcome)), fail: resolve });
      if (!this.draining) void this.drain();
    });
  }

  private seqKey(key: string): string {
    return `${this.keys.ledger}seq/${key}`;
  }

  private sessionPrefix(clientId: bigint): string {
    return `${this.keys.ledger}session/${pad20(clientId)}/`;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const epoch = (this.queue[0] as QueuedAdvance).epoch;
        // Requests in arrival order while their ops fit one transaction beside the meta put (a
        // getSeq-only turn takes ETCD_SEQ_BATCH_MAX, as before batches existed).
        let count = 0;
        let ops = 0;
        while (count < this.queue.length && count < ETCD_SEQ_BATCH_MAX) {
          const next = this.queue[count] as QueuedAdvance;
          if (next.epoch !== epoch || (count > 0 && ops + next.ops > ETCD_TXN_OPS_MAX_DEFAULT - 1)) break;
          ops += next.ops;
          count++;
        }
        const batch = this.queue.splice(0, count);
        let outcome: { readonly outcomes: readonly SeqLedgerResult[] } | { readonly failure: DriverFailure };
        try {
          outcome = await this.commitBatch(batch.map((b) => b.request), epoch);
        } catch (e) {
          // A bug (the ledger asserts on ids that are not u64): no waiter is left hanging.
          this.cache = null;
          outcome = { failure: driverFailure('DRIVER_PERMANENT', `sequence batch failed: ${e instanceof Error ? e.message : String(e)}`) };
        }
        if ('failure' in outcome) for (const b of batch) b.fail(outcome.failure);
        else batch.forEach((b, i) => b.deliver(outcome.outcomes[i] as SeqLedgerResult));
      }
    } finally {
      this.draining = false;
    }
  }

  /** Loads the whole ledger with one linearized range read (one revision). */
  private async loadLedger(): Promise<CachedLedger> {
    const { kvs } = await this.options.client.range(this.keys.ledger, { prefix: true });
    const stored = storedLedgerSnapshot(this.keys.ledger, kvs);
    if (stored === null) return { ledger: new SeqLedger({ keyCap: this.options.seqKeyCap ?? SEQ_KEY_CARDINALITY_CAP_DEFAULT }), metaModRevision: 0n };
    try {
      return { ledger: SeqLedger.fromSnapshot(stored.snapshot), metaModRevision: stored.metaModRevision };
    } catch (e) {
      throw new EtcdRequestError(`the ledger stored under ${this.keys.ledger} is not a valid ledger: ${e instanceof Error ? e.message : String(e)}`, 200);
    }
  }

  /** The ledger as stored in etcd now (a linearized read; for tools and tests). */
  async storedLedger(): Promise<SeqLedgerSnapshot> {
    return (await this.loadLedger()).ledger.snapshot();
  }

  /** The ops that turn the stored `before` into `after` (only what changed). */
  private diffOps(before: SeqLedgerSnapshot, after: SeqLedgerSnapshot, touchedKeys: ReadonlySet<string>): EtcdOp[] {
    const ops: EtcdOp[] = [];
    const counters = new Map(after.counters);
    for (const key of touchedKeys) {
      const next = counters.get(key);
      if (next !== undefined) ops.push({ put: { key: this.seqKey(key), value: next.toString() } });
    }
    const beforeSessions = new Map(before.sessions.map((s) => [s.clientId, s]));
    const afterSessions = new Map(after.sessions.map((s) => [s.clientId, s]));
    for (const [clientId, s] of afterSessions) {
      const old = beforeSessions.get(clientId);
      if (old === s) continue;
      const prefix = this.sessionPrefix(clientId);
      if (old === undefined || old.lastActiveSeq !== s.lastActiveSeq || old.forgottenBelow !== s.forgottenBelow) {
        ops.push({ put: { key: `${prefix}meta`, value: JSON.stringify({ lastActiveSeq: s.lastActiveSeq.toString(), forgottenBelow: s.forgottenBelow.toString() }) } });
      }
      const oldIds = new Set((old?.results ?? []).map((r) => r.requestId));
      const newIds = new Set(s.results.map((r) => r.requestId));
      for (const r of s.results) {
        if (!oldIds.has(r.requestId)) ops.push({ put: { key: `${prefix}r/${pad20(r.requestId)}`, value: encodeResult(r) } });
      }
      const gone = [...oldIds].filter((id) => !newIds.has(id));
      // A batch may evict several results; they are the session's lowest ids (all below its new
      // forgottenBelow, where no kept result is), so one range delete takes them all.
      if (gone.length > 1 && gone.every((id) => id < s.forgottenBelow) && s.results.every((r) => r.requestId >= s.forgottenBelow)) {
        ops.push({ deleteRange: { key: `${prefix}r/`, rangeEnd: `${prefix}r/${pad20(s.forgottenBelow)}` } });
      } else {
        for (const id of gone) ops.push({ deleteRange: { key: `${prefix}r/${pad20(id)}` } });
      }
    }
    for (const clientId of beforeSessions.keys()) {
      if (!afterSessions.has(clientId)) ops.push({ deleteRange: { key: this.sessionPrefix(clientId), prefix: true } });
    }
    ops.push({
      put: {
        key: this.keys.meta,
        value: JSON.stringify({ keyCap: after.keyCap, applySeq: after.applySeq.toString(), requestsExpiredBelow: after.requestsExpiredBelow.toString() }),
      },
    });
    return ops;
  }

  private async commitBatch(requests: readonly SeqLedgerRequest[], epoch: bigint): Promise<{ readonly outcomes: readonly SeqLedgerResult[] } | { readonly failure: DriverFailure }> {
    const gate = this.gate(epoch);
    if (gate !== null) return { failure: gate };
    try {
      this.cache ??= await this.loadLedger();
    } catch (e) {
      return { failure: this.failureOf(e, 'loading the sequence ledger') };
    }
    const cache = this.cache;
    const before = cache.ledger.snapshot();
    const outcomes = requests.map((r) => cache.ledger.apply(r));
    const touchedKeys = new Set<string>();
    for (const o of outcomes) {
      if (!o.ok || o.replayed) continue;
      if ('grants' in o) for (const g of o.grants) touchedKeys.add(g.key);
      else touchedKeys.add(o.key);
    }
    if (!outcomes.some((o) => o.ok)) return { outcomes }; // refusals change nothing
    if (this.options.faults?.batchAppliedKeyByKey === true) {
      const failure = await this.plantedKeyByKey(requests, outcomes, epoch);
      if (failure !== null) {
        this.cache = null;
        return { failure };
      }
    }
    const ops = this.diffOps(before, cache.ledger.snapshot(), touchedKeys);
    const compares = [...this.leaderCompare(epoch), ...this.versionCompare(this.keys.meta, cache.metaModRevision)];
    try {
      const result = await this.options.client.txn(compares, ops, [{ range: { key: this.keys.leader } }]);
      if (result.succeeded) {
        if (this.cache === cache) cache.metaModRevision = result.revision;
        return { outcomes };
      }
      this.cache = null;
      const leader = result.ranges[0]?.[0];
      if (leader?.createRevision !== epoch) return { failure: this.fencedBy(leader, epoch) };
      // The ledger changed under this leader's cache: nothing was written; reload and let the client retry.
      return { failure: driverFailure('DRIVER_TRANSIENT', 'the stored ledger changed under the cache; reloaded') };
    } catch (e) {
      // The transaction's outcome is unknown: the cache may be ahead of or behind etcd.
      this.cache = null;
      return { failure: this.failureOf(e, 'committing sequence advances') };
    }
  }

  /**
   * The planted bug `batchAppliedKeyByKey`: before the whole transaction, each key of a new batch
   * but the last is written alone (its counter and the batch's result with the grants so far).
   * A failure in between leaves that part durable. Null when every partial write landed.
   */
  private async plantedKeyByKey(requests: readonly SeqLedgerRequest[], outcomes: readonly SeqLedgerResult[], epoch: bigint): Promise<DriverFailure | null> {
    for (const [i, o] of outcomes.entries()) {
      const request = requests[i] as SeqLedgerRequest;
      if (!o.ok || o.replayed || !('grants' in o) || o.grants.length < 2 || !isSeqBatchRequest(request)) continue;
      for (let k = 0; k + 1 < o.grants.length; k++) {
        const g = o.grants[k] as SeqGrant;
        const sofar = o.grants.slice(0, k + 1);
        const first = sofar[0] as SeqGrant;
        const result = { requestId: request.requestId, key: first.key, start: first.start, count: first.count, ...(sofar.length > 1 ? { batch: sofar } : {}) };
        const ops: EtcdOp[] = [
          { put: { key: this.seqKey(g.key), value: (g.start + BigInt(g.count)).toString() } },
          { put: { key: `${this.sessionPrefix(request.clientId)}r/${pad20(request.requestId)}`, value: encodeResult(result) } },
        ];
        try {
          const written = await this.options.client.txn(this.leaderCompare(epoch), ops, [{ range: { key: this.keys.leader } }]);
          if (!written.succeeded) return this.fencedBy(written.ranges[0]?.[0], epoch);
        } catch (e) {
          return this.failureOf(e, 'committing a batch key by key');
        }
      }
    }
    return null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    if (this.tickRunning !== null) await this.tickRunning;
    for (const q of this.queue.splice(0)) q.fail(driverFailure('DRIVER_PERMANENT', 'driver closed'));
    const wasLeader = this.state.kind === 'leader';
    this.emit({ kind: 'unknown' });
    // Give the leadership back at once, so another node need not wait for the lease to expire.
    if (wasLeader || this.leaseId !== null) await this.revokeLease();
    await this.revokeAbandonedLeases();
  }
}
