// TEST SUPPORT ONLY (not part of the client's public surface): a manual Clock, an in-memory
// Transport and a small fake tsoracle cluster that speaks the real protocol (core/protocol.ts)
// over it. Client tests drive the real client through these; nothing in here stands in for the
// client itself. The simulator has its own, richer world; this is the smallest faithful one.
//
// Invariants kept so tests mean something:
//   - ManualClock: time moves only when a test fires timers; timers fire in (deadline, creation)
//     order; `monotonicMs` never decreases.
//   - InMemoryTransport keeps the Transport contract of drivers/ports.ts: whole frames, in
//     order, each delivered asynchronously (a microtask later); `send` on a closed connection
//     drops the frame; `onClose` fires once on both sides, after the frames sent before it.
//   - FakeCluster grants timestamps that strictly increase across all grants (it records the
//     largest granted so far, so a test can check freshness), and keeps an exactly-once
//     sequence ledger per (clientId, requestId), like the real server's.

import { ErrorCode, TsoError, DecodeError } from '../../core/errors.js';
import { TIMESTAMPS_PER_MS } from '../../core/limits.js';
import {
  CONNECTION_ERROR_ID,
  decodeRequest,
  encodeResponse,
  errorAnswer,
  validateRequest,
  type Request,
  type Response,
} from '../../core/protocol.js';
import { packTimestamp } from '../../core/timestamp.js';
import { formatHostPort, type Clock, type Connection, type ConnectionHandlers, type HostPort, type Listener, type TimerHandle, type Transport } from '../ports.js';

// ---------------------------------------------------------------------------------------------
// Clock

interface ManualTimer {
  readonly atMs: number;
  readonly order: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private nowMs = 0;
  private order = 0;
  private timers: ManualTimer[] = [];

  constructor(private readonly wallBaseMs = 1_700_000_000_000) {}

  wallMs(): number {
    return this.wallBaseMs + Math.floor(this.nowMs);
  }

  monotonicMs(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: ManualTimer = { atMs: this.nowMs + Math.max(0, delayMs), order: this.order++, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    this.timers = this.timers.filter((t) => !t.cancelled);
    return this.timers.length;
  }

  private earliest(): ManualTimer | null {
    let best: ManualTimer | null = null;
    for (const t of this.timers) {
      if (t.cancelled) continue;
      if (best === null || t.atMs < best.atMs || (t.atMs === best.atMs && t.order < best.order)) best = t;
    }
    return best;
  }

  /** Advances to the earliest pending timer and fires it. False when there is none. */
  fireNext(): boolean {
    const timer = this.earliest();
    if (timer === null) return false;
    this.timers = this.timers.filter((t) => t !== timer && !t.cancelled);
    this.nowMs = Math.max(this.nowMs, timer.atMs);
    timer.fn();
    return true;
  }

  /** Advances by `ms`, firing every timer due on the way, in order (without awaiting between them). */
  advanceBy(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      const timer = this.earliest();
      if (timer === null || timer.atMs > target) break;
      this.fireNext();
    }
    this.nowMs = target;
  }
}

/** Lets every queued microtask and in-memory delivery run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs the world until `promise` settles: lets microtasks run, and when nothing else can
 * happen fires the next timer. Bounded by `stepsMax`, so a livelock fails instead of hanging.
 */
export async function drive<T>(clock: ManualClock, promise: Promise<T>, stepsMax = 10_000): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let step = 0; step < stepsMax; step += 1) {
    await settle();
    if (done) return promise;
    if (!clock.fireNext()) {
      await settle();
      if (done) return promise;
      throw new Error('drive: the promise is pending but no timer is left (the client is stuck)');
    }
  }
  throw new Error(`drive: not settled within ${stepsMax} steps`);
}

/** A seeded PRNG (mulberry32) returning uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// ---------------------------------------------------------------------------------------------
// Transport

class MemoryConnection implements Connection {
  peer: MemoryConnection | null = null;
  private handlers: ConnectionHandlers | null = null;
  private readonly inbox: Uint8Array[] = [];
  private closeNoticePending = false;
  private closeNoticed = false;
  closed = false;

  constructor(
    readonly remote: string,
    private readonly onEnd: (c: MemoryConnection) => void,
  ) {}

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    for (const frame of this.inbox.splice(0)) handlers.onFrame(frame);
    if (this.closeNoticePending) this.noticeClose();
  }

  send(body: Uint8Array): void {
    if (this.closed) return;
    const copy = Uint8Array.from(body);
    const peer = this.peer;
    queueMicrotask(() => peer?.receive(copy));
  }

  private receive(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.handlers === null) this.inbox.push(frame);
    else this.handlers.onFrame(frame);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onEnd(this);
    const peer = this.peer;
    // Frames already sent were queued before this, so they arrive before the close.
    queueMicrotask(() => {
      peer?.closedByPeer();
      this.noticeClose();
    });
  }

  private closedByPeer(): void {
    if (this.closed) return;
    this.closed = true;
    this.onEnd(this);
    this.noticeClose();
  }

  private noticeClose(): void {
    if (this.closeNoticed) return;
    if (this.handlers === null) {
      this.closeNoticePending = true;
      return;
    }
    this.closeNoticed = true;
    this.handlers.onClose();
  }
}

/** A Transport within one process: `listen` registers an endpoint, `connect` pairs two ends. */
export class InMemoryTransport implements Transport {
  private readonly listeners = new Map<string, (connection: Connection) => void>();
  private readonly unreachable = new Set<string>();
  /** Server-side ends of open connections, per listening endpoint. */
  private readonly serverEnds = new Map<string, Set<MemoryConnection>>();
  private clientPorts = 40_000;
  connects = 0;

  listen(address: HostPort, onConnection: (connection: Connection) => void): Promise<Listener> {
    const endpoint = formatHostPort(address);
    if (this.listeners.has(endpoint)) return Promise.reject(new TsoError(ErrorCode.TRANSPORT, `${endpoint} is already listening`));
    this.listeners.set(endpoint, onConnection);
    this.serverEnds.set(endpoint, new Set());
    return Promise.resolve({
      address,
      close: () => {
        this.listeners.delete(endpoint);
        return Promise.resolve();
      },
    });
  }

  connect(address: HostPort): Promise<Connection> {
    const endpoint = formatHostPort(address);
    this.connects += 1;
    const onConnection = this.listeners.get(endpoint);
    if (onConnection === undefined || this.unreachable.has(endpoint)) {
      return Promise.reject(new TsoError(ErrorCode.TRANSPORT, `connection refused by ${endpoint}`));
    }
    const ends = this.serverEnds.get(endpoint) ?? new Set<MemoryConnection>();
    const clientEnd = new MemoryConnection(endpoint, () => {});
    const serverEnd = new MemoryConnection(`127.0.0.1:${this.clientPorts++}`, (c) => ends.delete(c));
    clientEnd.peer = serverEnd;
    serverEnd.peer = clientEnd;
    ends.add(serverEnd);
    onConnection(serverEnd);
    return new Promise((resolve) => queueMicrotask(() => resolve(clientEnd)));
  }

  /** Makes `endpoint` refuse (false) or accept (true) new connections; refusing drops the open ones. */
  setReachable(endpoint: string, reachable: boolean): void {
    if (reachable) this.unreachable.delete(endpoint);
    else {
      this.unreachable.add(endpoint);
      this.dropConnections(endpoint);
    }
  }

  /** Closes every open connection to `endpoint` from the server side. */
  dropConnections(endpoint: string): void {
    for (const c of [...(this.serverEnds.get(endpoint) ?? [])]) c.close();
  }

  openConnections(endpoint: string): number {
    return this.serverEnds.get(endpoint)?.size ?? 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Fake cluster

export interface FakeRequestContext {
  readonly server: FakeServer;
  readonly request: Request;
  /** The answer this server gives by default; performs the grant (allocates, advances the ledger). */
  serve(): Response;
  /** Sends an answer on the connection the request came from. */
  reply(response: Response): void;
  /** Sends raw bytes as one frame body (to test how a client takes garbage). */
  replyRaw(body: Uint8Array): void;
  /** Closes the connection the request came from. */
  closeConnection(): void;
}

/** Decides what a server does with one request; without a hook it does `ctx.reply(ctx.serve())`. */
export type FakeHook = (ctx: FakeRequestContext) => void;

export interface FakeGrant {
  readonly endpoint: string;
  readonly first: bigint;
  readonly count: number;
}

export class FakeServer {
  hook: FakeHook | null = null;
  readonly received: Request[] = [];

  constructor(
    readonly endpoint: string,
    private readonly cluster: FakeCluster,
  ) {}

  accept(connection: Connection): void {
    connection.setHandlers({
      onFrame: (body) => this.onFrame(connection, body),
      onClose: () => {},
    });
  }

  private onFrame(connection: Connection, body: Uint8Array): void {
    let request: Request;
    try {
      request = decodeRequest(body);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      connection.send(encodeResponse(errorAnswer(CONNECTION_ERROR_ID, ErrorCode.BAD_FRAME, e.message)));
      connection.close();
      return;
    }
    this.received.push(request);
    this.cluster.requests.push({ endpoint: this.endpoint, request });
    const ctx: FakeRequestContext = {
      server: this,
      request,
      serve: () => this.cluster.serve(this.endpoint, request),
      reply: (response) => connection.send(encodeResponse(response)),
      replyRaw: (raw) => connection.send(raw),
      closeConnection: () => connection.close(),
    };
    if (this.hook === null) ctx.reply(ctx.serve());
    else this.hook(ctx);
  }
}

/** A few fake servers sharing one leader, one timestamp allocator and one sequence ledger. */
export class FakeCluster {
  readonly servers = new Map<string, FakeServer>();
  readonly requests: Array<{ readonly endpoint: string; readonly request: Request }> = [];
  readonly grants: FakeGrant[] = [];
  /** Largest timestamp granted so far (-1n before any). */
  maxGrantedTs = -1n;
  /** The leader endpoint (null: an election is in progress, followers answer without a hint). */
  leader: string | null;
  epoch = 1n;
  /** Sequence ledger: next value per key, and remembered answers per (clientId, requestId). */
  readonly counters = new Map<string, bigint>();
  readonly sessions = new Map<string, { readonly start: bigint; readonly count: number; readonly grants?: ReadonlyArray<{ readonly key: string; readonly start: bigint; readonly count: number }> }>();
  seqExecutions = 0;
  private lastPhysicalMs = 0;
  private nextLogical = 0;

  constructor(
    private readonly transport: InMemoryTransport,
    private readonly clock: Clock,
    readonly endpoints: readonly string[],
  ) {
    this.leader = endpoints[0] ?? null;
    for (const endpoint of endpoints) this.servers.set(endpoint, new FakeServer(endpoint, this));
  }

  async start(): Promise<void> {
    for (const [endpoint, server] of this.servers) {
      const [host, port] = [endpoint.slice(0, endpoint.lastIndexOf(':')), Number(endpoint.slice(endpoint.lastIndexOf(':') + 1))];
      await this.transport.listen({ host, port }, (c) => server.accept(c));
    }
  }

  server(endpoint: string): FakeServer {
    const server = this.servers.get(endpoint);
    if (server === undefined) throw new Error(`no fake server ${endpoint}`);
    return server;
  }

  setLeader(endpoint: string | null, epoch?: bigint): void {
    this.leader = endpoint;
    if (epoch !== undefined) this.epoch = epoch;
  }

  /** The default behaviour of server `endpoint` for `request`. */
  serve(endpoint: string, request: Request): Response {
    const invalid = validateRequest(request);
    if (invalid !== null) return invalid;
    if (request.op === 'members') {
      // Any node answers: every fake server is a voter, ids in creation order.
      const members = [...this.servers.keys()].map((e, i) => ({ id: i + 1, role: 'voter' as const, endpoint: e }));
      return this.leader === null ? { id: request.id, ok: true, members } : { id: request.id, ok: true, members, leaderEndpoint: this.leader };
    }
    if (this.leader !== endpoint) {
      return errorAnswer(request.id, ErrorCode.NOT_LEADER, 'not leader', this.leader === null ? undefined : { leaderEndpoint: this.leader, leaderEpoch: this.epoch });
    }
    if (request.op === 'getTs') {
      let physicalMs = Math.max(this.clock.wallMs(), this.lastPhysicalMs);
      if (physicalMs === this.lastPhysicalMs && this.nextLogical + request.count > TIMESTAMPS_PER_MS) physicalMs += 1;
      if (physicalMs !== this.lastPhysicalMs) this.nextLogical = 0;
      const logicalStart = this.nextLogical;
      this.lastPhysicalMs = physicalMs;
      this.nextLogical = logicalStart + request.count;
      const first = packTimestamp(physicalMs, logicalStart);
      this.grants.push({ endpoint, first, count: request.count });
      this.maxGrantedTs = first + BigInt(request.count - 1);
      return { id: request.id, ok: true, physicalMs, logicalStart, count: request.count, epoch: this.epoch };
    }
    if (request.op === 'getCurrentMaxSafe' || request.op === 'getSafeFrontier') {
      // The fake's committed high-water is the last millisecond it granted from.
      const safePhysicalMs = request.op === 'getSafeFrontier' ? this.lastPhysicalMs : Math.max(0, this.lastPhysicalMs - 1);
      return { id: request.id, ok: true, safePoint: request.op === 'getSafeFrontier' ? 'frontier' : 'maxSafe', safePhysicalMs, epoch: this.epoch };
    }
    if (request.op === 'acquireLease' || request.op === 'renewLease') {
      // The fake keeps no lease set: a bound ttl ahead of its clock (renew: 10 s).
      const nowMs = Math.max(this.clock.wallMs(), this.lastPhysicalMs);
      const ttlMs = request.op === 'acquireLease' ? request.ttlMs : 10_000;
      const leaseId = request.op === 'acquireLease' ? BigInt(nowMs + ttlMs) : request.leaseId;
      return { id: request.id, ok: true, leaseId, tsUpperBoundMs: nowMs + ttlMs, expiresAtMs: nowMs + ttlMs, epoch: this.epoch };
    }
    if (request.op === 'releaseLease') return { id: request.id, ok: true, released: true };
    const sessionKey = `${request.clientId}:${request.requestId}`;
    if (request.op === 'getSeqBatch') {
      // All or nothing, in request order, once per (clientId, requestId).
      const known = this.sessions.get(sessionKey)?.grants;
      if (known !== undefined) return { id: request.id, ok: true, grants: known, epoch: this.epoch };
      const grants = request.entries.map((e) => {
        const start = this.counters.get(e.key) ?? 0n;
        this.counters.set(e.key, start + BigInt(e.count));
        return { key: e.key, start, count: e.count };
      });
      this.sessions.set(sessionKey, { start: 0n, count: 0, grants });
      this.seqExecutions += 1;
      return { id: request.id, ok: true, grants, epoch: this.epoch };
    }
    const remembered = this.sessions.get(sessionKey);
    if (remembered !== undefined) return { id: request.id, ok: true, start: remembered.start, count: remembered.count, epoch: this.epoch };
    const start = this.counters.get(request.key) ?? 0n;
    this.counters.set(request.key, start + BigInt(request.count));
    this.sessions.set(sessionKey, { start, count: request.count });
    this.seqExecutions += 1;
    return { id: request.id, ok: true, start, count: request.count, epoch: this.epoch };
  }
}
