// The client library: leader discovery, coalesced getTs, exactly-once getSeq retries. It does
// I/O and reads time only through the ports (Transport, Clock) and draws randomness only from
// the injected `random`, so the simulator runs this code unchanged.
//
// Contracts (docs/client.md explains them to users):
//   - Coalescing without hoarding. At most one getTs request is in flight per client (so per
//     connection). Callers that arrive meanwhile queue up and form the next batch, sent as soon
//     as the current one finishes (the first request after idle goes out on the next microtask;
//     no timer). A batch asks for the sum of its callers' counts (at most GET_TS_COUNT_MAX; the
//     rest waits for the next round), and the answer is sliced exactly among them in arrival
//     order. Nothing is kept for later, so every timestamp a caller gets was allocated after it
//     called. A retried batch asks again; an answer of any other size fails the whole batch
//     with PROTOCOL_VIOLATION.
//   - Leader discovery. The cached leader (valid for leaderTtlMs after its last success) is
//     tried first, then every endpoint round-robin. NOT_LEADER with a usable hint sends the
//     next attempt to the hinted endpoint at once (no backoff, no attempt used), unless the
//     hint's epoch is older than the cached leader's. NOT_LEADER without a usable hint means an
//     election: the client finishes the pass and re-polls after a backoff until the deadline.
//   - getSeq exactly once. Each call has one (clientId, requestId) for as long as any attempt
//     under it may have executed. A failure after the request may have reached the server (lost
//     connection, timeout, stall, UNAVAILABLE, INTERNAL) is retried with the same pair: the
//     server's ledger returns the block it already granted. When the outcome stays unknown
//     (time runs out, SEQ_SESSION_EXPIRED after an unknown attempt) the call fails with
//     SEQ_UNCERTAIN carrying the pair. Definitive answers are never retried, with one
//     exception: SEQ_SESSION_EXPIRED when no attempt of the call can have executed jumps the
//     client's request ids to the server's `requestIdsFrom` and asks again under a new pair.
//   - Pairs are never reused. The default clientId is a random u64, and request ids start at the
//     creating wall ms << 22 and count up, so a process that restarts (even with a fixed
//     clientId) never repeats a pair of its previous life while the wall clock moves forward,
//     and request ids grow with time across clients, as the ledger's evicted-session watermark
//     needs (core/ledger.ts).
//   - Every call ends, with a value or a typed error, by its overall deadline: one sweeper timer,
//     armed for the earliest pending deadline, settles whatever is still pending then (TIMEOUT,
//     or SEQ_UNCERTAIN for a getSeq that was sent) and cuts its attempt short, whatever the
//     network does.
//   - A pending call holds the process open: the `keepAlive` port is held while any call is
//     pending and released when none is (or on close), so a script that awaits a call can never
//     exit silently in the middle of a backoff; an idle client holds nothing.
//   - Retries fit the failure (docs/client.md, "Retries"): a wholly unreachable cluster ends a
//     call after attemptsMax failures; an election, a restart of an endpoint that answered this
//     client before, or a getSeq with an unknown outcome is ridden out until the deadline; with
//     several endpoints an attempt with no answer after the stall timeout moves on without
//     closing its connection.
//   - A timed-out attempt closes its connection only if the connection stayed silent while it
//     waited: one that carried other calls' answers meanwhile is alive, and closing it would
//     fail every sibling request in flight on it. A failure closes only the channel it was seen
//     on, never a newer one for the same endpoint.

import { assert } from '../../core/assert.js';
import { ErrorCode, TsoError } from '../../core/errors.js';
import {
  CLIENT_CONNECTIONS_MAX,
  CLIENT_MEMBERS_REFRESH_MS,
  CLIENT_REDIRECTS_PER_CALL_MAX,
  CLIENT_REDIRECTS_PER_PASS_MAX,
  CLIENT_SEQ_IN_FLIGHT_MAX,
  CLIENT_SEQ_WAITERS_MAX,
  CLIENT_WAITERS_MAX,
  GET_TS_COUNT_MAX,
  U64_MAX,
} from '../../core/limits.js';
import { LEASE_HOLDER_BYTES_MAX, LEASE_HOLDER_BYTES_MIN } from '../../core/oracle/leases.js';
import {
  checkGetTsCount,
  checkSeqBatch,
  checkSeqCount,
  checkSeqKey,
  isGetSeqAnswer,
  isGetSeqBatchAnswer,
  isGetTsAnswer,
  isLeaseAnswer,
  isLeaseReleasedAnswer,
  isMembersAnswer,
  isSafePointAnswer,
  type ErrorAnswer,
  type MembersAnswer,
  type MemberWire,
  type LeaseAnswer,
  type LeaseReleasedAnswer,
  type GetSeqAnswer,
  type GetSeqBatchAnswer,
  type SafePointAnswer,
  type SeqBatchEntryWire,
  type GetTsAnswer,
  type RequestOp,
  type WireErrorCode,
} from '../../core/protocol.js';
import { packTimestamp } from '../../core/timestamp.js';
import { formatHostPort, parseHostPort, type Clock, type HostPort, type TimerHandle, type Transport } from '../ports.js';
import { timestampBatch, type SeqBatch, type SeqBlock, type TimestampBatch } from './batch.js';
import { type Channel, ChannelPool, type ChannelFailureCode, type RequestBody } from './channel.js';
import { LeaderCache, Worklist, type CachedLeader } from './leader.js';
import { BoundedQueue } from './queue.js';
import { backoffDelayMs, resolveRetryPolicy, type RetryPolicy } from './retry.js';
import { sometimes } from '../../core/sometimes.js';

// ---------------------------------------------------------------------------------------------
// Public types

/** Keeps the host process alive while calls are pending (Node: a ref'd handle; simulator: none). */
export interface KeepAlive {
  hold(): void;
  release(): void;
}

const NO_KEEP_ALIVE: KeepAlive = { hold: () => {}, release: () => {} };

export interface ClientCoreOptions {
  /** Server endpoints `host:port`; any of them may be the leader. */
  readonly endpoints: readonly string[];
  readonly transport: Transport;
  readonly clock: Clock;
  /** Uniform in [0, 1): jitter, the first round-robin offset and the default clientId. */
  readonly random: () => number;
  /** u64 id of this client's getSeq session (default: random). */
  readonly clientId?: bigint;
  readonly retry?: Partial<RetryPolicy>;
  /** Held while any call is pending (default: nothing to hold). */
  readonly keepAlive?: KeepAlive;
  /** Observes what the client does (metrics, tracing). Exceptions it throws are ignored. */
  readonly onEvent?: (event: ClientEvent) => void;
  /**
   * How often the client asks the leader it reaches for the cluster's members and adds their
   * endpoints to the ones it tries (default 30,000 ms; 0: never on its own, only `members()`).
   * The first refresh comes one interval after the client was made.
   */
  readonly membersRefreshMs?: number;
  /**
   * The transport speaks TLS. Then a leader hint naming a plaintext scheme (`tcp://`, `http://`)
   * is never followed (the downgrade guard; reported as hintIgnored `downgrade`). Hints are
   * scheme-less `host:port` here; a `tls://` / `https://` one is followed like a bare one.
   */
  readonly tls?: boolean;
  /**
   * The token of a server started with `--auth-token-file` (docs/security.md): sent on the first
   * request of every connection. A missing or wrong one fails the call UNAUTHENTICATED, not
   * retried. Never logged, never in an event.
   */
  readonly token?: string;
  /** Test-only switches that plant known bugs (the simulator proves its checkers catch them). */
  readonly faults?: ClientFaults;
}

export interface ClientFaults {
  /** Planted bug: a getSeq retried after an attempt that was sent uses a new request id. */
  readonly newRequestIdOnRetry?: boolean;
}

export type ClientEvent =
  | { readonly type: 'connected'; readonly endpoint: string }
  | { readonly type: 'disconnected'; readonly endpoint: string; readonly reason: string }
  | { readonly type: 'attempt'; readonly op: RequestOp; readonly endpoint: string; readonly count: number }
  | { readonly type: 'answer'; readonly op: RequestOp; readonly endpoint: string; readonly code: WireErrorCode | 'OK'; readonly latencyMs: number }
  | { readonly type: 'attemptFailed'; readonly op: RequestOp; readonly endpoint: string; readonly code: string; readonly sent: boolean; readonly message: string }
  | { readonly type: 'redirect'; readonly op: RequestOp; readonly from: string; readonly to: string; readonly epoch: bigint | null }
  | { readonly type: 'hintIgnored'; readonly op: RequestOp; readonly endpoint: string; readonly reason: 'none' | 'stale' | 'malformed' | 'self' | 'redirect_cap' | 'downgrade' }
  | { readonly type: 'backoff'; readonly op: RequestOp; readonly delayMs: number }
  | { readonly type: 'batch'; readonly callers: number; readonly count: number }
  | { readonly type: 'failed'; readonly op: RequestOp; readonly code: string }
  | { readonly type: 'stalled'; readonly op: RequestOp; readonly endpoint: string; readonly waitedMs: number }
  | { readonly type: 'requestIdsJumped'; readonly from: bigint; readonly to: bigint }
  /** A getSeq refused SEQ_SESSION_EXPIRED before anything executed asks again under a new request id. */
  | { readonly type: 'requestIdRenewed'; readonly previous: bigint; readonly next: bigint };

/** A stamping lease: stamp timestamps of physical ms at most `tsUpperBoundMs` until `expiresAtMs` (the leader's wall ms). */
export interface StampingLease {
  readonly leaseId: bigint;
  readonly tsUpperBoundMs: number;
  readonly expiresAtMs: number;
  readonly epoch: bigint;
}

/** A safe point in physical ms and the epoch of the leader that answered (0n: not a leader). */
export interface SafePoint {
  readonly physicalMs: number;
  readonly epoch: bigint;
}

/** The cluster's members as one node told them (the members op), and the endpoints the client now tries. */
export interface ClusterMembers {
  readonly members: readonly MemberWire[];
  /** The leader's client endpoint, when the answering node knows one. */
  readonly leaderEndpoint: string | null;
  /** The endpoint that answered. */
  readonly answeredBy: string;
  /** Every endpoint the client tries from now on: the configured ones, then the members learnt. */
  readonly endpoints: readonly string[];
}

export interface TsoClient {
  /** The u64 id this client sends with every getSeq. */
  readonly clientId: bigint;
  /** The request id the next getSeq call will take (ids count up by one per call; a call refused
   *  as expired before it could execute may jump them, see docs/client.md). */
  readonly nextRequestId: bigint;
  /** One timestamp. */
  getTs(): Promise<bigint>;
  /** `count` consecutive timestamps (1..262,144) from one millisecond. */
  getTsBatch(count: number): Promise<TimestampBatch>;
  /** A block of `count` (1..65,536) values of the gapless counter `key` (1..128 UTF-8 bytes). */
  getSeq(key: string, count: number): Promise<SeqBlock>;
  /**
   * One block for each (key, count), 1..128 distinct keys, all granted in one durable write or
   * none; exactly once like getSeq (one request id for the whole batch, SEQ_UNCERTAIN when the
   * outcome cannot be known).
   */
  getSeqBatch(entries: readonly SeqBatchEntryWire[]): Promise<SeqBatch>;
  /**
   * The original's GetCurrentMaxSafe: the leader's committed high-water − windowAhead − 1, in
   * physical ms, with its epoch. A follower (or a leader before its first window) answers 0 with
   * epoch 0: a 0 means no serving leader answered.
   */
  getCurrentMaxSafe(): Promise<SafePoint>;
  /**
   * The original's GetSafeFrontier: the minimum of the leader's committed high-water and the
   * bounds of the unexpired stamping leases, with its epoch; 0 with epoch 0 from a follower.
   */
  getSafeFrontier(): Promise<SafePoint>;
  /**
   * The cluster's members, as the first node reached tells them, with their client endpoints.
   * The client adds the endpoints it did not know to the ones it tries (the configured ones are
   * always kept; learnt ones a later answer no longer lists are dropped), so it finds the cluster
   * after the members it was configured with are replaced. The client also asks on its own, every
   * `membersRefreshMs`, the leader it reaches.
   */
  members(): Promise<ClusterMembers>;
  /**
   * The original's AcquireLease: a stamping lease for `holder` (1..128 bytes) at `holderEpoch`
   * with `ttlMs` (within the server's bounds, default 5,000..300,000). The same holder and epoch
   * get their live lease back, so a retry is safe; a higher epoch supersedes the holder's lease.
   */
  acquireLease(holder: Uint8Array, holderEpoch: bigint, ttlMs: number): Promise<StampingLease>;
  /** The original's RenewLease: a new bound and expiry (the acquire-time TTL). */
  renewLease(leaseId: bigint): Promise<StampingLease>;
  /** The original's ReleaseLease: idempotent; the lease stops binding the frontier. */
  releaseLease(leaseId: bigint): Promise<void>;
  /** The leader the client would try first, or null when it knows none. */
  cachedLeader(): CachedLeader | null;
  /** Rejects every pending call with CLIENT_CLOSED and closes every connection. Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Internals

interface TsWaiter {
  readonly count: number;
  readonly deadlineMs: number;
  /** getTs() wants a bigint, getTsBatch() a batch: decided by `deliver`. */
  readonly single: boolean;
  readonly resolve: (value: bigint | TimestampBatch) => void;
  readonly reject: (error: TsoError) => void;
  settled: boolean;
}

interface SeqCall {
  /** For a getSeq; a getSeqBatch names its first key and its total count here (for messages). */
  readonly key: string;
  readonly count: number;
  /** A getSeqBatch's entries; null for a getSeq. */
  readonly entries: readonly SeqBatchEntryWire[] | null;
  /** The pair this call is asked under; the requestId changes only when the server refused the
   *  pair before any attempt under it could have executed (SEQ_SESSION_EXPIRED). */
  readonly clientId: bigint;
  requestId: bigint;
  readonly deadlineMs: number;
  readonly resolve: (value: SeqBlock | SeqBatch) => void;
  readonly reject: (error: TsoError) => void;
  settled: boolean;
  /** True once a request of this call was handed to a connection. */
  sent: boolean;
  /** Cuts the call's current attempt or backoff short (the sweeper settled it). */
  readonly cancel: CancelSlot;
}

/** Where the attempt or backoff in progress registers how to cut it short, and the call's last failure. */
interface CancelSlot {
  current: (() => void) | null;
  /** The last failed attempt's code and message (the sweeper's TIMEOUT names it). */
  last: { readonly code: string; readonly message: string } | null;
}

interface IssueSpec {
  readonly op: RequestOp;
  /** The request to send next (called before every attempt), or null when nobody waits anymore. */
  body(): RequestBody | null;
  deadlineMs(): number;
  /** Called each time a request is handed to a connection (the server may now execute it). */
  onSent?(): void;
  /** Called when an attempt ends with an unknown outcome (it may have been executed). */
  onOutcomeUnknown?(): void;
  readonly cancel: CancelSlot;
}

type IssueResult =
  | { readonly kind: 'answer'; readonly answer: OkAnswer; readonly asked: RequestBody; readonly endpoint: string }
  | {
      readonly kind: 'failed';
      readonly code: ErrorCode;
      readonly message: string;
      readonly outcomeUnknown: boolean;
      readonly lastCode: string | null;
      /** With SEQ_SESSION_EXPIRED: the lowest request id the server takes as new, when it sent one. */
      readonly requestIdsFrom?: bigint;
    }
  | { readonly kind: 'gone' };

type AttemptOutcome =
  | { readonly kind: 'answer'; readonly answer: OkAnswer | ErrorAnswer }
  | {
      readonly kind: 'failed';
      readonly sent: boolean;
      readonly code: ChannelFailureCode | typeof ErrorCode.TIMEOUT;
      readonly message: string;
      /** The channel the attempt used (null: no slot was free). */
      readonly channel: Channel | null;
      /** A timeout only: the channel received frames (other calls' answers) while this attempt waited. */
      readonly channelHeard: boolean;
    }
  | { readonly kind: 'gone' };

type OkAnswer = GetTsAnswer | GetSeqAnswer | GetSeqBatchAnswer | SafePointAnswer | LeaseAnswer | LeaseReleasedAnswer | MembersAnswer;

/**
 * Error answers that end a call at once: the server decided before executing anything. A lease
 * refusal (NOT_FOUND, FAILED_PRECONDITION) carries no hint and leaves the leader cache alone.
 */
function isDefinitive(code: WireErrorCode): boolean {
  return (
    code === ErrorCode.INVALID_ARGUMENT ||
    code === ErrorCode.RESOURCE_EXHAUSTED ||
    code === ErrorCode.BAD_FRAME ||
    code === ErrorCode.NOT_FOUND ||
    code === ErrorCode.FAILED_PRECONDITION ||
    code === ErrorCode.UNAUTHENTICATED
  );
}

/** Schemes a leader hint may carry, and whether each is plaintext. */
const HINT_SCHEMES: ReadonlyMap<string, boolean> = new Map([
  ['tcp', true],
  ['http', true],
  ['tls', false],
  ['https', false],
]);

function normalizeEndpoint(text: string): { readonly endpoint: string; readonly address: HostPort; readonly plaintext: boolean } | null {
  if (typeof text !== 'string') return null;
  const scheme = /^([a-z]+):\/\//.exec(text);
  const plaintext = scheme === null ? false : HINT_SCHEMES.get(scheme[1] as string);
  if (plaintext === undefined) return null;
  const address = parseHostPort(scheme === null ? text : text.slice(scheme[0].length));
  if (address === null || address.port === 0) return null;
  return { endpoint: formatHostPort(address), address, plaintext };
}

function randomU64(random: () => number): bigint {
  let id = 0n;
  for (let i = 0; i < 4; i += 1) {
    const r = random();
    const unit = Number.isFinite(r) && r >= 0 && r < 1 ? r : 0;
    id = (id << 16n) | BigInt(Math.floor(unit * 65_536));
  }
  return id;
}

/**
 * The first request id of a client created at `wallMs`: `wallMs << 22`. Ids count up from it, so
 * they grow with time (the ledger's watermark needs that) and a restarted process starts above
 * its previous life's ids unless it made 2^22 calls per millisecond it lived.
 */
export function firstRequestIdAt(wallMs: number): bigint {
  const ms = Number.isSafeInteger(Math.floor(wallMs)) && wallMs > 0 ? Math.floor(wallMs) : 0;
  return BigInt(ms) << 22n;
}

/** Creates a client bound to the given ports. Throws TsoError(INVALID_CONFIG / NO_REACHABLE_ENDPOINTS) for bad options. */
export function createClientCore(options: ClientCoreOptions): TsoClient {
  return new ClientCore(options);
}

/** Most endpoints remembered as "has answered this client" (configured ones plus hinted ones). */
const ANSWERED_ENDPOINTS_MAX = CLIENT_CONNECTIONS_MAX;
/** Most times one getSeq call jumps to the server's `requestIdsFrom` before it gives up. */
const REQUEST_ID_JUMPS_PER_CALL_MAX = 3;

class ClientCore implements TsoClient {
  readonly clientId: bigint;
  /** The configured endpoints, then those learnt from members answers (bounded: CLIENT_CONNECTIONS_MAX / 2). */
  private endpoints: readonly string[];
  private readonly configuredEndpoints: ReadonlySet<string>;
  private readonly addresses = new Map<string, HostPort>();
  private readonly membersRefreshMs: number;
  /** When the client next asks a leader it reached for the members (Infinity: never on its own). */
  private nextMembersRefreshMs: number;
  private membersRefreshActive = false;
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly onEvent: ((event: ClientEvent) => void) | undefined;
  private readonly faults: ClientFaults;
  /** The transport speaks TLS: plaintext hints are not followed (the downgrade guard). */
  private readonly tls: boolean;
  private readonly pool: ChannelPool;
  private readonly leader: LeaderCache;
  private roundRobinOffset: number;
  private closed = false;
  private readonly keepAlive: KeepAlive;
  /** Calls made and not yet settled; the keep-alive is held while this is above 0. */
  private pendingCalls = 0;
  /**
   * Of `pendingCalls`, the control-plane calls (safe points, leases): each ends at its own deadline
   * inside the retry loop, so the sweeper neither knows nor needs their deadlines.
   */
  private controlCallsPending = 0;
  /** The sweeper: one timer for the earliest pending deadline (null when not armed). */
  private sweepTimer: TimerHandle | null = null;
  /** Endpoints that have answered this client: failing to reach one later means a restart. */
  private readonly answeredEndpoints = new Set<string>();

  // Coalesced getTs.
  private readonly tsQueue = new BoundedQueue<TsWaiter>(CLIENT_WAITERS_MAX);
  private tsRound: TsWaiter[] = [];
  private readonly tsRoundCancel: CancelSlot = { current: null, last: null };
  private tsRoundActive = false;
  private tsFlushScheduled = false;

  // getSeq.
  private requestIdNext: bigint;
  private readonly seqQueue = new BoundedQueue<SeqCall>(CLIENT_SEQ_WAITERS_MAX);
  private readonly seqInFlight = new Set<SeqCall>();

  // Things close() must interrupt: backoff sleeps and attempts waiting on the network.
  private readonly interrupts = new Set<() => void>();

  constructor(options: ClientCoreOptions) {
    this.faults = options.faults ?? {};
    this.tls = options.tls === true;
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new TsoError(ErrorCode.NO_REACHABLE_ENDPOINTS, 'no endpoints configured');
    }
    const endpoints: string[] = [];
    for (const text of options.endpoints) {
      const parsed = normalizeEndpoint(text);
      if (parsed === null) throw new TsoError(ErrorCode.INVALID_CONFIG, `endpoint ${JSON.stringify(text)} is not host:port`);
      if (this.addresses.has(parsed.endpoint)) continue;
      this.addresses.set(parsed.endpoint, parsed.address);
      endpoints.push(parsed.endpoint);
    }
    if (endpoints.length > CLIENT_CONNECTIONS_MAX / 2) {
      throw new TsoError(ErrorCode.INVALID_CONFIG, `at most ${CLIENT_CONNECTIONS_MAX / 2} endpoints, got ${endpoints.length}`);
    }
    this.endpoints = endpoints;
    this.configuredEndpoints = new Set(endpoints);
    this.policy = resolveRetryPolicy(options.retry);
    this.clock = options.clock;
    const refreshMs = options.membersRefreshMs ?? CLIENT_MEMBERS_REFRESH_MS;
    if (!Number.isSafeInteger(refreshMs) || refreshMs < 0) throw new TsoError(ErrorCode.INVALID_CONFIG, `membersRefreshMs must be a whole number of ms >= 0, got ${String(refreshMs)}`);
    this.membersRefreshMs = refreshMs;
    this.nextMembersRefreshMs = refreshMs === 0 ? Number.POSITIVE_INFINITY : this.clock.monotonicMs() + refreshMs;
    this.random = options.random;
    this.onEvent = options.onEvent;
    if (options.clientId !== undefined && (typeof options.clientId !== 'bigint' || options.clientId < 0n || options.clientId > U64_MAX)) {
      throw new TsoError(ErrorCode.INVALID_CONFIG, `clientId must be a u64 bigint, got ${String(options.clientId)}`);
    }
    this.clientId = options.clientId ?? randomU64(this.random);
    this.requestIdNext = firstRequestIdAt(this.clock.wallMs());
    this.keepAlive = options.keepAlive ?? NO_KEEP_ALIVE;
    this.roundRobinOffset = Math.floor(Math.min(Math.max(this.random(), 0), 0.999_999) * endpoints.length);
    this.leader = new LeaderCache(this.policy.leaderTtlMs);
    if (options.token !== undefined && (typeof options.token !== 'string' || !/^[\x21-\x7e]{1,4096}$/.test(options.token))) {
      throw new TsoError(ErrorCode.INVALID_CONFIG, 'token must be 1..4096 printable ASCII characters without spaces');
    }
    this.pool = new ChannelPool(
      options.transport,
      {
        connected: (endpoint) => this.emit({ type: 'connected', endpoint }),
        disconnected: (endpoint, reason) => this.emit({ type: 'disconnected', endpoint, reason }),
      },
      undefined,
      options.token,
    );
  }

  private emit(event: ClientEvent): void {
    if (this.onEvent === undefined) return;
    try {
      this.onEvent(event);
    } catch {
      // An observer must not be able to break the client.
    }
  }

  private now(): number {
    return this.clock.monotonicMs();
  }

  // -------------------------------------------------------------------------------------------
  // Pending calls: the keep-alive and the deadline sweeper

  private callStarted(deadlineMs: number): void {
    if (this.pendingCalls === 0) this.keepAlive.hold();
    this.pendingCalls += 1;
    // Deadlines only grow (each is its call's start plus the same overall timeout), so an armed
    // sweeper already fires no later than this call's deadline.
    if (this.sweepTimer === null) this.armSweep(deadlineMs);
  }

  private callsEnded(n: number): void {
    if (n === 0) return;
    this.pendingCalls -= n;
    assert(this.pendingCalls >= 0, 'client_pending_calls_non_negative');
    if (this.pendingCalls === 0) {
      this.sweepTimer?.cancel();
      this.sweepTimer = null;
      this.keepAlive.release();
    }
  }

  private armSweep(deadlineMs: number): void {
    this.sweepTimer = this.clock.setTimer(Math.max(0, deadlineMs - this.now()), () => {
      this.sweepTimer = null;
      this.sweep();
    });
  }

  /** The TIMEOUT of a call the sweeper ends, naming its last failed attempt when there was one. */
  private deadlineError(op: RequestOp, progress: CancelSlot, details: Readonly<Record<string, unknown>> = {}): TsoError {
    const last = progress.last;
    return new TsoError(
      ErrorCode.TIMEOUT,
      `${op}: no answer within ${this.policy.overallTimeoutMs} ms${last === null ? '' : ` (last: ${last.code}: ${last.message})`}`,
      last === null ? details : { ...details, lastCode: last.code },
    );
  }

  /** Settles every call whose deadline has passed, then re-arms for the earliest one left. */
  private sweep(): void {
    if (this.closed) return;
    const now = this.now();
    let earliestMs = Number.POSITIVE_INFINITY;
    let roundLeft = 0;
    for (const w of this.tsRound) {
      if (w.settled) continue;
      if (now >= w.deadlineMs) this.settleTs(w, { error: this.deadlineError('getTs', this.tsRoundCancel) });
      else {
        roundLeft += 1;
        earliestMs = Math.min(earliestMs, w.deadlineMs);
      }
    }
    // Nobody waits for the round any more: cut its attempt short so the next round can start.
    if (this.tsRound.length > 0 && roundLeft === 0) this.tsRoundCancel.current?.();
    for (;;) {
      const head = this.tsQueue.peek();
      if (head === undefined) break;
      if (!head.settled && now < head.deadlineMs) {
        earliestMs = Math.min(earliestMs, head.deadlineMs);
        break;
      }
      this.tsQueue.shift();
      this.settleTs(head, { error: new TsoError(ErrorCode.TIMEOUT, 'getTs waited past its deadline') });
    }
    for (const call of this.seqInFlight) {
      if (call.settled) continue;
      if (now >= call.deadlineMs) {
        const timeout = this.deadlineError('getSeq', call.cancel, { requestId: call.requestId });
        this.settleSeq(call, { error: call.sent ? this.seqUncertain(call, timeout.message, ErrorCode.TIMEOUT) : timeout });
        call.cancel.current?.();
      } else earliestMs = Math.min(earliestMs, call.deadlineMs);
    }
    for (;;) {
      const head = this.seqQueue.peek();
      if (head === undefined) break;
      if (!head.settled && now < head.deadlineMs) {
        earliestMs = Math.min(earliestMs, head.deadlineMs);
        break;
      }
      this.seqQueue.shift();
      // Never sent: nothing happened, so this is a plain timeout.
      this.settleSeq(head, { error: new TsoError(ErrorCode.TIMEOUT, 'getSeq waited past its deadline', { requestId: head.requestId }) });
    }
    // Control-plane calls end by themselves at their deadline; every other pending call is one
    // the sweeper ends, so it has a deadline here.
    if (this.pendingCalls > this.controlCallsPending) {
      assert(earliestMs !== Number.POSITIVE_INFINITY, 'client_pending_call_has_deadline');
      if (this.sweepTimer === null) this.armSweep(earliestMs);
    }
  }

  get nextRequestId(): bigint {
    return this.requestIdNext;
  }

  cachedLeader(): CachedLeader | null {
    return this.leader.current(this.now());
  }

  // -------------------------------------------------------------------------------------------
  // getTs: coalescing

  getTs(): Promise<bigint> {
    return this.enqueueTs(1, true) as Promise<bigint>;
  }

  getTsBatch(count: number): Promise<TimestampBatch> {
    return this.enqueueTs(count, false) as Promise<TimestampBatch>;
  }

  private enqueueTs(count: number, single: boolean): Promise<bigint | TimestampBatch> {
    if (this.closed) return Promise.reject(new TsoError(ErrorCode.CLIENT_CLOSED, 'client is closed'));
    const problem = checkGetTsCount(count);
    if (problem !== null) return Promise.reject(new TsoError(problem.code, problem.message));
    if (this.tsQueue.length + this.tsRound.length >= CLIENT_WAITERS_MAX) {
      return Promise.reject(new TsoError(ErrorCode.RESOURCE_EXHAUSTED, `more than ${CLIENT_WAITERS_MAX} getTs calls are waiting`));
    }
    return new Promise((resolve, reject) => {
      const deadlineMs = this.now() + this.policy.overallTimeoutMs;
      this.tsQueue.push({ count, single, deadlineMs, resolve, reject, settled: false });
      this.callStarted(deadlineMs);
      this.scheduleTsRound();
    });
  }

  private scheduleTsRound(): void {
    if (this.tsRoundActive || this.tsFlushScheduled || this.closed || this.tsQueue.length === 0) return;
    this.tsFlushScheduled = true;
    // Next microtask, not a timer: callers made in the same turn share the request, and an
    // idle client adds no latency.
    queueMicrotask(() => {
      this.tsFlushScheduled = false;
      void this.runTsRound();
    });
  }

  private settleTs(waiter: TsWaiter, outcome: { error: TsoError } | { value: bigint | TimestampBatch }): void {
    if (waiter.settled) return;
    waiter.settled = true;
    this.callsEnded(1);
    if ('error' in outcome) waiter.reject(outcome.error);
    else waiter.resolve(outcome.value);
  }

  /** Takes waiters from the queue front, in order, while their counts fit one request. */
  private takeTsBatch(): TsWaiter[] {
    const batch: TsWaiter[] = [];
    let total = 0;
    const now = this.now();
    for (;;) {
      const head = this.tsQueue.peek();
      if (head === undefined || total + head.count > GET_TS_COUNT_MAX) break;
      this.tsQueue.shift();
      if (head.settled) continue;
      if (now >= head.deadlineMs) {
        this.settleTs(head, { error: new TsoError(ErrorCode.TIMEOUT, 'getTs waited past its deadline') });
        continue;
      }
      batch.push(head);
      total += head.count;
    }
    return batch;
  }

  private async runTsRound(): Promise<void> {
    if (this.tsRoundActive || this.closed) return;
    this.tsRoundActive = true;
    try {
      this.tsRound = this.takeTsBatch();
      if (this.tsRound.length === 0) return;
      const result = await this.issue({
        op: 'getTs',
        body: () => {
          // Drop callers whose deadline passed; the others are asked for again, afresh.
          const now = this.now();
          this.tsRound = this.tsRound.filter((w) => {
            if (w.settled) return false;
            if (now < w.deadlineMs) return true;
            this.settleTs(w, { error: new TsoError(ErrorCode.TIMEOUT, `getTs did not complete within ${this.policy.overallTimeoutMs} ms`) });
            return false;
          });
          const count = this.tsRound.reduce((sum, w) => sum + w.count, 0);
          if (count === 0) return null;
          this.emit({ type: 'batch', callers: this.tsRound.length, count });
          return { op: 'getTs', count };
        },
        deadlineMs: () => this.tsRound.reduce((latest, w) => Math.max(latest, w.deadlineMs), 0),
        cancel: this.tsRoundCancel,
      });
      if (result.kind === 'gone') return;
      if (result.kind === 'failed') {
        const error = new TsoError(result.code, result.message, result.lastCode === null ? undefined : { lastCode: result.lastCode });
        this.emit({ type: 'failed', op: 'getTs', code: result.code });
        for (const w of this.tsRound) this.settleTs(w, { error });
        return;
      }
      this.deliverTs(result.answer, result.asked);
    } finally {
      this.tsRound = [];
      this.tsRoundActive = false;
      this.scheduleTsRound();
    }
  }

  /** Slices one grant exactly among the round's callers, in arrival order. */
  private deliverTs(answer: OkAnswer, asked: RequestBody): void {
    assert(isGetTsAnswer(answer) && asked.op === 'getTs', 'client_ts_answer_shape');
    const askedCount = asked.count;
    assert(this.tsRound.reduce((sum, w) => sum + w.count, 0) === askedCount, 'client_ts_round_matches_request');
    if (answer.count !== askedCount) {
      const error = new TsoError(ErrorCode.PROTOCOL_VIOLATION, `asked for ${askedCount} timestamps, got ${answer.count}`);
      this.emit({ type: 'failed', op: 'getTs', code: error.code });
      for (const w of this.tsRound) this.settleTs(w, { error });
      return;
    }
    // Hot path (one iteration per caller): a getTs() caller costs one bigint addition, no
    // batch object; `next` is the packed timestamp at `offset`, both advance together.
    let offset = 0;
    let delivered = 0;
    let next = packTimestamp(answer.physicalMs, answer.logicalStart);
    for (const w of this.tsRound) {
      if (w.settled) {
        next += BigInt(w.count);
      } else if (w.single) {
        w.settled = true;
        delivered += 1;
        w.resolve(next);
        next += 1n;
      } else {
        w.settled = true;
        delivered += 1;
        w.resolve(timestampBatch(answer.physicalMs, answer.logicalStart + offset, w.count, answer.epoch));
        next += BigInt(w.count);
      }
      offset += w.count;
    }
    this.callsEnded(delivered);
  }

  // -------------------------------------------------------------------------------------------
  // getSeq

  getSeq(key: string, count: number): Promise<SeqBlock> {
    if (this.closed) return Promise.reject(new TsoError(ErrorCode.CLIENT_CLOSED, 'client is closed'));
    const problem = checkSeqKey(key) ?? checkSeqCount(count);
    if (problem !== null) return Promise.reject(new TsoError(problem.code, problem.message));
    if (this.seqInFlight.size >= CLIENT_SEQ_IN_FLIGHT_MAX && this.seqQueue.isFull) {
      return Promise.reject(new TsoError(ErrorCode.RESOURCE_EXHAUSTED, `more than ${CLIENT_SEQ_WAITERS_MAX} getSeq calls are waiting`));
    }
    return this.callSeq(key, count, null, (value, resolve: (block: SeqBlock) => void) => {
      assert('start' in value, 'client_seq_value_shape');
      resolve(value);
    });
  }

  getSeqBatch(entries: readonly SeqBatchEntryWire[]): Promise<SeqBatch> {
    if (this.closed) return Promise.reject(new TsoError(ErrorCode.CLIENT_CLOSED, 'client is closed'));
    if (!Array.isArray(entries)) return Promise.reject(new TsoError(ErrorCode.INVALID_SEQ_BATCH, 'getSeqBatch takes an array of { key, count }'));
    const problem = checkSeqBatch(entries);
    if (problem !== null) return Promise.reject(new TsoError(problem.code, problem.message));
    if (this.seqInFlight.size >= CLIENT_SEQ_IN_FLIGHT_MAX && this.seqQueue.isFull) {
      return Promise.reject(new TsoError(ErrorCode.RESOURCE_EXHAUSTED, `more than ${CLIENT_SEQ_WAITERS_MAX} getSeq calls are waiting`));
    }
    const copy = entries.map((e) => ({ key: e.key, count: e.count }));
    const total = copy.reduce((sum, e) => sum + e.count, 0);
    return this.callSeq((copy[0] as SeqBatchEntryWire).key, total, copy, (value, resolve: (batch: SeqBatch) => void) => {
      assert('blocks' in value, 'client_seq_value_shape');
      resolve(value);
    });
  }

  private callSeq<T>(key: string, count: number, entries: readonly SeqBatchEntryWire[] | null, deliver: (value: SeqBlock | SeqBatch, resolve: (value: T) => void) => void): Promise<T> {
    const requestId = this.requestIdNext;
    this.requestIdNext += 1n;
    return new Promise<T>((resolveT, reject) => {
      const deadlineMs = this.now() + this.policy.overallTimeoutMs;
      const resolve = (value: SeqBlock | SeqBatch): void => deliver(value, resolveT);
      const call: SeqCall = { key, count, entries, clientId: this.clientId, requestId, deadlineMs, resolve, reject, settled: false, sent: false, cancel: { current: null, last: null } };
      this.callStarted(deadlineMs);
      if (this.seqInFlight.size < CLIENT_SEQ_IN_FLIGHT_MAX) this.startSeq(call);
      else this.seqQueue.push(call);
    });
  }

  private settleSeq(call: SeqCall, outcome: { error: TsoError } | { value: SeqBlock | SeqBatch }): void {
    if (call.settled) return;
    call.settled = true;
    this.callsEnded(1);
    if ('error' in outcome) call.reject(outcome.error);
    else call.resolve(outcome.value);
  }

  private startSeq(call: SeqCall): void {
    this.seqInFlight.add(call);
    assert(this.seqInFlight.size <= CLIENT_SEQ_IN_FLIGHT_MAX, 'client_seq_in_flight_bounded');
    void this.runSeq(call).finally(() => {
      this.seqInFlight.delete(call);
      this.pumpSeq();
    });
  }

  private pumpSeq(): void {
    while (!this.closed && this.seqInFlight.size < CLIENT_SEQ_IN_FLIGHT_MAX) {
      const next = this.seqQueue.shift();
      if (next === undefined) return;
      if (next.settled) continue;
      if (this.now() >= next.deadlineMs) {
        // Never sent: the outcome is known (nothing happened), so this is a plain timeout.
        this.settleSeq(next, { error: new TsoError(ErrorCode.TIMEOUT, 'getSeq waited past its deadline', { requestId: next.requestId }) });
        continue;
      }
      this.startSeq(next);
    }
  }

  private async runSeq(call: SeqCall): Promise<void> {
    for (let jumps = 0; ; jumps += 1) {
      const result = await this.issueSeq(call);
      if (result.kind === 'gone') return;
      if (result.kind === 'answer') {
        const answer = result.answer;
        if (call.entries !== null) {
          assert(isGetSeqBatchAnswer(answer), 'client_seq_answer_shape');
          const entries = call.entries;
          const matches = answer.grants.length === entries.length && answer.grants.every((g, i) => g.key === entries[i]?.key && g.count === entries[i]?.count);
          if (!matches) {
            // Grants were made, but not the ones asked for: nobody can tell what the ledger holds.
            this.settleSeq(call, { error: this.seqUncertain(call, 'the grants do not match the batch asked for', ErrorCode.PROTOCOL_VIOLATION) });
            return;
          }
          const blocks = answer.grants.map((g) => ({ key: g.key, start: g.start, count: g.count, epoch: answer.epoch }));
          this.settleSeq(call, { value: { blocks, epoch: answer.epoch } });
          return;
        }
        assert(isGetSeqAnswer(answer), 'client_seq_answer_shape');
        if (answer.count !== call.count) {
          // A block was granted, but not the one asked for: nobody can tell what the ledger holds.
          sometimes(true, 'client.seq_block_count_mismatch');
          this.settleSeq(call, { error: this.seqUncertain(call, `asked for ${call.count} values, got ${answer.count}`, ErrorCode.PROTOCOL_VIOLATION) });
          return;
        }
        this.settleSeq(call, { value: { key: call.key, start: answer.start, count: answer.count, epoch: answer.epoch } });
        return;
      }
      const from = result.kind === 'failed' && result.code === ErrorCode.SEQ_SESSION_EXPIRED ? result.requestIdsFrom : undefined;
      if (from !== undefined && !result.outcomeUnknown && jumps < REQUEST_ID_JUMPS_PER_CALL_MAX && from <= U64_MAX) {
        // The server refused the pair before executing anything, and no earlier attempt under it
        // can have executed: ask again under a new request id at or above what it takes as new.
        sometimes(true, 'client.seq_retried_under_new_request_id');
        if (this.requestIdNext < from) {
          this.emit({ type: 'requestIdsJumped', from: this.requestIdNext, to: from });
          this.requestIdNext = from;
        }
        this.emit({ type: 'requestIdRenewed', previous: call.requestId, next: this.requestIdNext });
        call.requestId = this.requestIdNext;
        this.requestIdNext += 1n;
        call.sent = false;
        continue;
      }
      // SEQ_SESSION_EXPIRED with no attempt that may have executed is definitive (nothing
      // happened, and the client could not jump past it); after such an attempt nobody can tell.
      const uncertain = result.outcomeUnknown || result.code === ErrorCode.SEQ_UNCERTAIN;
      this.emit({ type: 'failed', op: call.entries === null ? 'getSeq' : 'getSeqBatch', code: uncertain ? ErrorCode.SEQ_UNCERTAIN : result.code });
      if (sometimes(uncertain, 'client.seq_outcome_uncertain')) {
        this.settleSeq(call, { error: this.seqUncertain(call, result.message, result.lastCode ?? result.code) });
        return;
      }
      this.settleSeq(call, { error: new TsoError(result.code, result.message, { requestId: call.requestId, ...(result.lastCode === null ? {} : { lastCode: result.lastCode }) }) });
      return;
    }
  }

  /** One run of the retry loop for `call` under its current (clientId, requestId). */
  private issueSeq(call: SeqCall): Promise<IssueResult> {
    const entries = call.entries;
    const seqBody = (requestId: bigint): RequestBody =>
      entries === null
        ? { op: 'getSeq', key: call.key, count: call.count, clientId: call.clientId, requestId }
        : { op: 'getSeqBatch', entries, clientId: call.clientId, requestId };
    let body = seqBody(call.requestId);
    let retryUnderNewId = false;
    return this.issue({
      op: entries === null ? 'getSeq' : 'getSeqBatch',
      body: () => {
        if (call.settled) return null;
        if (retryUnderNewId) {
          // Planted bug: the retry is a new request, so the server may spend a second block.
          retryUnderNewId = false;
          body = seqBody(this.requestIdNext);
          this.requestIdNext += 1n;
        }
        return body;
      },
      onOutcomeUnknown: () => {
        if (this.faults.newRequestIdOnRetry === true) retryUnderNewId = true;
      },
      deadlineMs: () => call.deadlineMs,
      onSent: () => {
        call.sent = true;
      },
      cancel: call.cancel,
    });
  }

  private seqUncertain(call: SeqCall, message: string, cause: string): TsoError {
    if (call.entries !== null) {
      return new TsoError(ErrorCode.SEQ_UNCERTAIN, `getSeqBatch outcome unknown (${message}); the blocks may or may not have been granted (all or none)`, {
        requestId: call.requestId,
        clientId: call.clientId,
        entries: call.entries.map((e) => ({ key: e.key, count: e.count })),
        cause,
      });
    }
    return new TsoError(ErrorCode.SEQ_UNCERTAIN, `getSeq outcome unknown (${message}); the block may or may not have been granted`, {
      requestId: call.requestId,
      clientId: call.clientId,
      key: call.key,
      count: call.count,
      cause,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Safe points: reads of the leader's state, safe to retry, answered by any node.

  getCurrentMaxSafe(): Promise<SafePoint> {
    return this.safePoint('getCurrentMaxSafe');
  }

  getSafeFrontier(): Promise<SafePoint> {
    return this.safePoint('getSafeFrontier');
  }

  // -------------------------------------------------------------------------------------------
  // Members: any node answers; the endpoints learnt join the ones the client tries.

  async members(): Promise<ClusterMembers> {
    if (this.closed) throw new TsoError(ErrorCode.CLIENT_CLOSED, 'client is closed');
    const deadlineMs = this.now() + this.policy.overallTimeoutMs;
    this.callStarted(deadlineMs);
    this.controlCallsPending += 1;
    try {
      const result = await this.issue({ op: 'members', body: () => ({ op: 'members' }), deadlineMs: () => deadlineMs, cancel: { current: null, last: null } });
      if (result.kind === 'gone') throw new TsoError(ErrorCode.CLIENT_CLOSED, 'client was closed');
      if (result.kind === 'failed') throw new TsoError(result.code, result.message, result.lastCode === null ? {} : { lastCode: result.lastCode });
      const answer = result.answer;
      assert(isMembersAnswer(answer), 'client_members_answer_shape');
      this.learnMembers(answer);
      return { members: answer.members, leaderEndpoint: answer.leaderEndpoint ?? null, answeredBy: result.endpoint, endpoints: this.endpoints };
    } finally {
      this.controlCallsPending -= 1;
      this.callsEnded(1);
    }
  }

  /**
   * After a leader answered: once every `membersRefreshMs`, one members request to it, in the
   * background (one attempt, no retry, holding nothing alive; a failure changes nothing).
   */
  private maybeRefreshMembers(leaderEndpoint: string): void {
    const nowMs = this.now();
    if (this.membersRefreshActive || nowMs < this.nextMembersRefreshMs) return;
    this.membersRefreshActive = true;
    this.nextMembersRefreshMs = nowMs + this.membersRefreshMs;
    void this.attempt(leaderEndpoint, { op: 'members' }, this.policy.attemptTimeoutMs, undefined, { current: null, last: null }).then((outcome) => {
      this.membersRefreshActive = false;
      if (outcome.kind === 'answer' && isMembersAnswer(outcome.answer)) this.learnMembers(outcome.answer);
    });
  }

  /**
   * The endpoints to try: the configured ones, then the members' (and the leader's) endpoints
   * this answer names that are not configured, up to CLIENT_CONNECTIONS_MAX / 2 in all. Learnt
   * endpoints the answer does not name are dropped; an answer that names none (a driver without
   * a membership) changes nothing. Plaintext-scheme endpoints are skipped on a TLS client.
   */
  private learnMembers(answer: MembersAnswer): void {
    const named = [...answer.members.map((m) => m.endpoint), ...(answer.leaderEndpoint !== undefined ? [answer.leaderEndpoint] : [])];
    if (named.length === 0) return;
    const next = [...this.configuredEndpoints];
    for (const text of named) {
      if (next.length >= CLIENT_CONNECTIONS_MAX / 2) break;
      const parsed = normalizeEndpoint(text);
      if (parsed === null || (parsed.plaintext && this.tls) || next.includes(parsed.endpoint)) continue;
      next.push(parsed.endpoint);
      this.addresses.set(parsed.endpoint, parsed.address);
    }
    for (const endpoint of this.endpoints) if (!next.includes(endpoint)) this.addresses.delete(endpoint);
    if (next.length !== this.endpoints.length || next.some((e, i) => e !== this.endpoints[i])) {
      this.endpoints = next;
      this.roundRobinOffset %= next.length;
    }
  }

  private async safePoint(op: 'getCurrentMaxSafe' | 'getSafeFrontier'): Promise<SafePoint> {
    if (this.closed) throw new TsoError(ErrorCode.CLIENT_CLOSED, 'client is closed');
    const deadlineMs = this.now() + this.policy.overallTimeoutMs;
    this.callStarted(deadlineMs);
    this.controlCallsPending += 1;
    try {
      const result = await this.issue({ op, body: () => ({ op }), deadlineMs: () => deadlineMs, cancel: { current: null, last: null } });
      if (result.kind === 'gone') throw new TsoError(ErrorCode.CLIENT_CLOSED, 'client was closed');
      if (result.kind === 'failed') throw new TsoError(result.code, result.message, result.lastCode === null ? {} : { lastCode: result.lastCode });
      const answer = result.answer;
      assert(isSafePointAnswer(answer), 'client_safe_point_answer_shape');
      return { physicalMs: answer.safePhysicalMs, epoch: answer.epoch };
    } finally {
      this.controlCallsPending -= 1;
      this.callsEnded(1);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Stamping leases: leader-only, each safe to retry (acquire is idempotent per holder and epoch,
  // renew only raises the bound, release is idempotent).

  acquireLease(holder: Uint8Array, holderEpoch: bigint, ttlMs: number): Promise<StampingLease> {
    if (!(holder instanceof Uint8Array) || holder.length < LEASE_HOLDER_BYTES_MIN || holder.length > LEASE_HOLDER_BYTES_MAX) {
      return Promise.reject(new TsoError(ErrorCode.INVALID_ARGUMENT, `${ErrorCode.INVALID_LEASE_HOLDER}: holder must be ${LEASE_HOLDER_BYTES_MIN}..${LEASE_HOLDER_BYTES_MAX} bytes`));
    }
    if (typeof holderEpoch !== 'bigint' || holderEpoch < 0n || holderEpoch > U64_MAX) {
      return Promise.reject(new TsoError(ErrorCode.INVALID_ARGUMENT, `${ErrorCode.INVALID_LEASE_HOLDER}: holder epoch must be a u64`));
    }
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 0 || ttlMs > 0xffff_ffff) {
      return Promise.reject(new TsoError(ErrorCode.INVALID_ARGUMENT, `${ErrorCode.INVALID_LEASE_TTL}: ttl must be a u32 of ms`));
    }
    return this.leaseCall({ op: 'acquireLease', holder: holder.slice(), holderEpoch, ttlMs });
  }

  renewLease(leaseId: bigint): Promise<StampingLease> {
    if (typeof leaseId !== 'bigint' || leaseId < 0n || leaseId > U64_MAX) {
      return Promise.reject(new TsoError(ErrorCode.INVALID_ARGUMENT, `${ErrorCode.INVALID_LEASE_ID}: lease id must be a u64`));
    }
    return this.leaseCall({ op: 'renewLease', leaseId });
  }

  async releaseLease(leaseId: bigint): Promise<void> {
    if (typeof leaseId !== 'bigint' || leaseId < 0n || leaseId > U64_MAX) {
      throw new TsoError(ErrorCode.INVALID_ARGUMENT, `${ErrorCode.INVALID_LEASE_ID}: lease id must be a u64`);
    }
    await this.leaseCall({ op: 'releaseLease', leaseId });
  }

  private async leaseCall(body: RequestBody & { readonly op: 'acquireLease' | 'renewLease' | 'releaseLease' }): Promise<StampingLease> {
    if (this.closed) throw new TsoError(ErrorCode.CLIENT_CLOSED, 'client is closed');
    const deadlineMs = this.now() + this.policy.overallTimeoutMs;
    this.callStarted(deadlineMs);
    this.controlCallsPending += 1;
    try {
      const result = await this.issue({ op: body.op, body: () => body, deadlineMs: () => deadlineMs, cancel: { current: null, last: null } });
      if (result.kind === 'gone') throw new TsoError(ErrorCode.CLIENT_CLOSED, 'client was closed');
      if (result.kind === 'failed') throw new TsoError(result.code, result.message, result.lastCode === null ? {} : { lastCode: result.lastCode });
      const answer = result.answer;
      if (isLeaseReleasedAnswer(answer)) return { leaseId: 0n, tsUpperBoundMs: 0, expiresAtMs: 0, epoch: 0n };
      assert(isLeaseAnswer(answer), 'client_lease_answer_shape');
      return { leaseId: answer.leaseId, tsUpperBoundMs: answer.tsUpperBoundMs, expiresAtMs: answer.expiresAtMs, epoch: answer.epoch };
    } finally {
      this.controlCallsPending -= 1;
      this.callsEnded(1);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The retry loop shared by both operations

  private async issue(spec: IssueSpec): Promise<IssueResult> {
    const attemptsMax = Math.max(this.policy.attemptsMax, this.endpoints.length);
    const worklist = new Worklist(this.endpoints);
    let failures = 0;
    let backoffs = 0;
    let redirectsTotal = 0;
    let redirectsThisPass = 0;
    let electionSeen = false;
    // Riding out (the original's PR #417 for elections, extended to restarts): once this call
    // has seen that the cluster is there but in transition, failed attempts no longer end the
    // call; the overall deadline does. The evidence: a NOT_LEADER without a usable hint; a
    // hinted leader that cannot be reached (followers keep pointing at a dead leader until their
    // election timeout); an endpoint that answered this client before and now cannot be reached
    // (a restart takes 0.5-1.5 s, longer than attemptsMax quick failures); or a getSeq whose
    // outcome is already unknown (giving up early could only end it SEQ_UNCERTAIN). A cluster
    // this client has never reached gives no such evidence and still ends after attemptsMax.
    let ridingOut = false;
    // Made on the first redirect / stall only: most calls succeed at once and never need them.
    let hintedEndpoints = null as Set<string> | null;
    // Stalls per endpoint in this call: the n-th waits stallTimeoutMs * 2^n (see retry.ts).
    let stallsAt = null as Map<string, number> | null;
    const stallsAllowed = this.endpoints.length > 1;
    let outcomeUnknown = false;
    let reachedAServer = false;
    let last = null as { code: ErrorCode; message: string } | null;

    const startPass = (): void => {
      worklist.clearFront();
      worklist.startPass(this.leader.current(this.now())?.endpoint ?? null, this.roundRobinOffset);
      this.roundRobinOffset = (this.roundRobinOffset + 1) % this.endpoints.length;
      redirectsThisPass = 0;
      electionSeen = false;
    };
    spec.cancel.last = null;
    const noteLast = (code: ErrorCode, message: string): void => {
      last = { code, message };
      spec.cancel.last = last;
    };
    const giveUp = (code: ErrorCode, message: string): IssueResult => ({ kind: 'failed', code, message, outcomeUnknown, lastCode: last?.code ?? null });
    const timedOut = (): IssueResult =>
      giveUp(ErrorCode.TIMEOUT, `no answer within ${this.policy.overallTimeoutMs} ms${last === null ? '' : ` (last: ${last.code}: ${last.message})`}`);
    /** Sleeps the next full-jitter backoff, cut at the deadline. False when the client closed or the call was cut short. */
    const backOff = async (): Promise<boolean> => {
      const remainingMs = spec.deadlineMs() - this.now();
      const delayMs = Math.max(0, Math.min(backoffDelayMs(this.policy, backoffs, this.random), remainingMs));
      backoffs += 1;
      this.emit({ type: 'backoff', op: spec.op, delayMs });
      return (await this.pause(delayMs, spec.cancel)) && !this.closed;
    };

    startPass();
    for (;;) {
      if (this.closed) return { kind: 'gone' };
      if (spec.deadlineMs() - this.now() <= 0) return timedOut();
      const body = spec.body();
      if (body === null) return { kind: 'gone' };
      const remainingMs = spec.deadlineMs() - this.now();
      if (remainingMs <= 0) return timedOut();
      const endpoint = worklist.next();
      if (endpoint === null) {
        // End of a pass. After an election signal, wait before polling everyone again.
        if (electionSeen && !(await backOff())) return { kind: 'gone' };
        startPass();
        continue;
      }

      const startedMs = this.now();
      const stallMs = stallsAllowed ? Math.min(this.policy.attemptTimeoutMs, this.policy.stallTimeoutMs * 2 ** Math.min(stallsAt?.get(endpoint) ?? 0, 20)) : this.policy.attemptTimeoutMs;
      const waitMs = Math.min(stallMs, remainingMs);
      // Every call has an attempt and an answer event: built only when someone listens.
      if (this.onEvent !== undefined) this.emit({ type: 'attempt', op: spec.op, endpoint, count: 'entries' in body ? body.entries.reduce((sum, e) => sum + e.count, 0) : 'count' in body ? body.count : 0 });
      const outcome = await this.attempt(endpoint, body, waitMs, spec.onSent, spec.cancel);
      if (outcome.kind === 'gone' || this.closed) return { kind: 'gone' };

      if (outcome.kind === 'answer') {
        reachedAServer = true;
        this.noteAnswered(endpoint);
        const answer = outcome.answer;
        if (this.onEvent !== undefined) this.emit({ type: 'answer', op: spec.op, endpoint, code: answer.ok ? 'OK' : answer.code, latencyMs: this.now() - startedMs });
        if (answer.ok) {
          // A safe point may come from a follower (epoch 0): it says nothing about the leader. A
          // lease acquire or renew refreshes the cache at its epoch; a release carries none (the
          // original's PR #717).
          if (!isSafePointAnswer(answer) && !isLeaseReleasedAnswer(answer) && !isMembersAnswer(answer)) {
            this.leader.recordSuccess(endpoint, answer.epoch, this.now());
            this.maybeRefreshMembers(endpoint);
          }
          return { kind: 'answer', answer, asked: body, endpoint };
        }
        const code = answer.code;
        if (code === ErrorCode.NOT_LEADER) {
          this.leader.forget(endpoint);
          const hinted = answer.leaderEndpoint === undefined ? null : normalizeEndpoint(answer.leaderEndpoint);
          const reason =
            answer.leaderEndpoint === undefined ? 'none'
            : hinted === null ? 'malformed'
            : hinted.plaintext && this.tls ? 'downgrade'
            : hinted.endpoint === endpoint ? 'self'
            : this.leader.judgeHint(answer.leaderEpoch, this.now()) === 'stale' ? 'stale'
            : redirectsThisPass >= CLIENT_REDIRECTS_PER_PASS_MAX ? 'redirect_cap'
            : null;
          noteLast(code, answer.message);
          sometimes(reason === 'stale', 'client.stale_leader_hint_ignored');
          if (reason !== null || hinted === null) {
            this.emit({ type: 'hintIgnored', op: spec.op, endpoint, reason: reason ?? 'malformed' });
            electionSeen = true;
            ridingOut = true;
            continue;
          }
          redirectsTotal += 1;
          redirectsThisPass += 1;
          if (redirectsTotal > CLIENT_REDIRECTS_PER_CALL_MAX) {
            return giveUp(ErrorCode.NOT_LEADER, `followed ${CLIENT_REDIRECTS_PER_CALL_MAX} leader hints without reaching the leader`);
          }
          sometimes(true, 'client.redirected_to_hinted_leader');
          this.emit({ type: 'redirect', op: spec.op, from: endpoint, to: hinted.endpoint, epoch: answer.leaderEpoch ?? null });
          (hintedEndpoints ??= new Set()).add(hinted.endpoint);
          worklist.pushFront(hinted.endpoint);
          continue;
        }
        if (isDefinitive(code)) {
          // Not executed. (If an earlier attempt of this getSeq may have been, the outcome as a
          // whole is still unknown: `outcomeUnknown` carries that to the caller.) A reused
          // request id travels as INVALID_ARGUMENT named by its message prefix; it gets its own
          // library code back.
          noteLast(code, answer.message);
          const libraryCode = code === ErrorCode.INVALID_ARGUMENT && answer.message.startsWith(`${ErrorCode.SEQ_REQUEST_REUSED}:`) ? ErrorCode.SEQ_REQUEST_REUSED : code;
          return giveUp(libraryCode, answer.message);
        }
        if (code === ErrorCode.SEQ_SESSION_EXPIRED) {
          noteLast(code, answer.message);
          if (spec.op !== 'getTs') {
            return {
              kind: 'failed',
              code,
              message: answer.message,
              outcomeUnknown,
              lastCode: code,
              ...(answer.requestIdsFrom === undefined ? {} : { requestIdsFrom: answer.requestIdsFrom }),
            };
          }
          return giveUp(ErrorCode.PROTOCOL_VIOLATION, `getTs answered with ${code}`);
        }
        // UNAVAILABLE or INTERNAL: the server may have executed it (a durable write can fail
        // after the data reached the disk); safe to retry with the same request.
        assert(code === ErrorCode.UNAVAILABLE || code === ErrorCode.INTERNAL, 'client_error_code_classified', code);
        if (spec.op !== 'getTs') {
          outcomeUnknown = true;
          ridingOut = true;
        }
        spec.onOutcomeUnknown?.();
        noteLast(code, answer.message);
      } else {
        // No answer: a failed dial (not sent), a lost connection, a stall or a timeout.
        const stalled = outcome.code === ErrorCode.TIMEOUT && waitMs < this.policy.attemptTimeoutMs && waitMs < remainingMs;
        if (sometimes(stalled, 'client.attempt_stalled_moved_on')) this.emit({ type: 'stalled', op: spec.op, endpoint, waitedMs: waitMs });
        this.emit({ type: 'attemptFailed', op: spec.op, endpoint, code: outcome.code, sent: outcome.sent, message: outcome.message });
        if (outcome.sent) {
          reachedAServer = true;
          if (spec.op !== 'getTs') {
            outcomeUnknown = true;
            ridingOut = true;
          }
          spec.onOutcomeUnknown?.();
        }
        noteLast(outcome.code, outcome.message);
        if (outcome.code === ErrorCode.PROTOCOL_VIOLATION || outcome.code === ErrorCode.UNAUTHENTICATED) {
          // A wrong or missing token is configuration: no endpoint will answer otherwise.
          return { kind: 'failed', code: outcome.code, message: outcome.message, outcomeUnknown, lastCode: outcome.code };
        }
        if (stalled) {
          // A paused or overloaded server: its connection may be fine, so keep it (the late
          // answer is dropped) and try the next endpoint; a later visit here waits longer.
          stallsAt ??= new Map();
          stallsAt.set(endpoint, (stallsAt.get(endpoint) ?? 0) + 1);
        } else if (outcome.code === ErrorCode.TIMEOUT && outcome.channelHeard) {
          // The connection carried other calls' answers while this one waited: it is alive, and
          // the server is slow on this request (a lease change queued behind others). Closing it
          // would fail every sibling request in flight on it, each then re-sent from scratch: a
          // slow lease call evicted the connection three times under one getSeq, which ended
          // SEQ_UNCERTAIN (paxos 3-node simulator seed 1535). The late answer is dropped.
        } else {
          // Only the channel that failed: a sibling may have dialled a new one since.
          this.pool.evict(endpoint, `${outcome.code}: ${outcome.message}`, outcome.channel ?? undefined);
        }
        this.leader.forget(endpoint);
        if (hintedEndpoints?.has(endpoint) === true || this.answeredEndpoints.has(endpoint)) ridingOut = true;
      }

      failures += 1;
      if (failures >= attemptsMax && !ridingOut) {
        const failed = last;
        assert(failed !== null, 'client_failure_recorded');
        if (!reachedAServer) return giveUp(ErrorCode.NO_REACHABLE_ENDPOINTS, `no endpoint could be reached (last: ${failed.message})`);
        return giveUp(failed.code, `gave up after ${failures} failed attempts: ${failed.message}`);
      }
      if (!(await backOff())) return { kind: 'gone' };
    }
  }

  /** Remembers that `endpoint` answered this client (bounded: hinted endpoints come from servers). */
  private noteAnswered(endpoint: string): void {
    if (this.answeredEndpoints.has(endpoint) || this.answeredEndpoints.size >= ANSWERED_ENDPOINTS_MAX) return;
    this.answeredEndpoints.add(endpoint);
  }

  /** One request to one endpoint, bounded by `timeoutMs` (connecting included). */
  private attempt(endpoint: string, body: RequestBody, timeoutMs: number, onSent: (() => void) | undefined, cancel: CancelSlot): Promise<AttemptOutcome> {
    // Endpoints learnt from hints are parsed again here rather than remembered, so a stream of
    // hints cannot grow a map; every worklist entry was normalized, so it parses.
    const address = this.addresses.get(endpoint) ?? parseHostPort(endpoint);
    assert(address !== null, 'client_endpoint_parses', endpoint);
    const channel = this.pool.get(endpoint, address);
    if (channel === null) {
      return Promise.resolve({ kind: 'failed', sent: false, code: ErrorCode.TRANSPORT, message: 'every connection slot is busy', channel: null, channelHeard: false });
    }
    return new Promise<AttemptOutcome>((resolve) => {
      let done = false;
      let sentId: number | null = null;
      /** Frames the channel had received when this attempt's request left. */
      let heardAtSend = 0;
      const failed = (sent: boolean, code: ChannelFailureCode | typeof ErrorCode.TIMEOUT, message: string, channelHeard = false): AttemptOutcome => ({
        kind: 'failed',
        sent,
        code,
        message,
        channel,
        channelHeard,
      });
      const finish = (outcome: AttemptOutcome): void => {
        if (done) return;
        done = true;
        timer.cancel();
        this.interrupts.delete(interrupt);
        if (cancel.current === interrupt) cancel.current = null;
        resolve(outcome);
      };
      const interrupt = (): void => {
        if (sentId !== null) channel.abandon(sentId);
        finish({ kind: 'gone' });
      };
      const timer: TimerHandle = this.clock.setTimer(timeoutMs, () => {
        if (sentId !== null) channel.abandon(sentId);
        finish(failed(sentId !== null, ErrorCode.TIMEOUT, `no answer from ${endpoint} within ${timeoutMs} ms`, sentId !== null && channel.framesReceived > heardAtSend));
      });
      this.interrupts.add(interrupt);
      cancel.current = interrupt;
      channel.open().then(
        () => {
          if (done) return;
          heardAtSend = channel.framesReceived;
          sentId = channel.send(body, {
            onAnswer: (answer) => finish({ kind: 'answer', answer }),
            onFailure: (failure) => finish(failed(failure.sent, failure.code, failure.message)),
          });
          if (sentId === null) finish(failed(false, ErrorCode.TRANSPORT, `connection to ${endpoint} closed before the request was sent`));
          else onSent?.();
        },
        (e: unknown) => finish(failed(false, ErrorCode.TRANSPORT, e instanceof Error ? e.message : String(e))),
      );
    });
  }

  /** A backoff sleep on the injected clock that close() and `cancel` cut short (then false). */
  private pause(delayMs: number, cancel: CancelSlot): Promise<boolean> {
    if (delayMs <= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let done = false;
      const end = (completed: boolean): void => {
        if (done) return;
        done = true;
        timer.cancel();
        this.interrupts.delete(interrupt);
        if (cancel.current === interrupt) cancel.current = null;
        resolve(completed);
      };
      const interrupt = (): void => end(false);
      const timer = this.clock.setTimer(delayMs, () => end(true));
      this.interrupts.add(interrupt);
      cancel.current = interrupt;
    });
  }

  // -------------------------------------------------------------------------------------------
  // close

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const closedError = (details?: Readonly<Record<string, unknown>>): TsoError => new TsoError(ErrorCode.CLIENT_CLOSED, 'client was closed', details);
    for (const w of [...this.tsRound, ...this.tsQueue.drain()]) this.settleTs(w, { error: closedError() });
    for (const call of [...this.seqInFlight, ...this.seqQueue.drain()]) {
      // A getSeq already sent may have been granted: say so, with its requestId.
      this.settleSeq(call, { error: closedError({ requestId: call.requestId, outcomeUnknown: call.sent }) });
    }
    for (const interrupt of [...this.interrupts]) interrupt();
    this.interrupts.clear();
    this.pool.closeAll('client closed');
    return Promise.resolve();
  }
}
