// The client-protocol server: binds the serving node to a Transport. It is written against the
// ports only, so the simulator runs it unchanged (docs/protocol.md is the wire contract).
//
// Per connection, requests pipeline: each frame carries a request id and answers may leave out of
// order. Bad input never takes the server down: a frame that does not decode (garbage, a wrong
// type, an oversized or empty frame reported by the transport) is answered with a connection-
// level BAD_FRAME error (id 0) and closes that one connection; every other connection carries
// on. Limits: SERVER_CONNECTIONS_MAX connections, and optionally `connectionsPerPeerMax` per
// remote address (beyond either a new connection gets an id-0 RESOURCE_EXHAUSTED naming the cap
// and is closed), and CONNECTION_REQUESTS_IN_FLIGHT_MAX requests in flight per connection
// (at it the connection is not read until an answer frees a slot — backpressure, on transports
// that have `pauseReading`; a request beyond it, from a transport without, is answered
// RESOURCE_EXHAUSTED). With `idleTimeoutMs`, a connection with
// no request in flight and no request or answer for that long gets an id-0 UNAVAILABLE
// (`IDLE_TIMEOUT:`) and is closed. Closes the transport decides (FRAME_TIMEOUT, BUFFER_BUDGET,
// framing errors) are answered with id 0 from inside `onClose`. Every refusal and every close is
// counted once, with its reason (ServerMetrics.connectionRefused / connectionClosed). The
// per-peer cap and the idle timeout are off unless asked for (the simulator does not ask).
// At the global cap, before refusing, the connection idle longest (no request in flight, no
// request or answer for `idleEvictAfterMs`) gives way: it gets an id-0 UNAVAILABLE
// (`IDLE_EVICTED:`) and is closed, and the new connection is served; so idle connections, even
// from many addresses, cannot lock new clients out until the idle timeout. `connections` is
// kept in order of last activity (moved to the end on every request and answer), so finding
// that connection looks at the oldest few only. New connections are not refused when the
// buffers are near their budget: a new connection holds nothing yet, and the budget already
// pauses whatever sends unfinished frames and closes the biggest holder past it; refusing them
// would lock new clients out for as long as an attacker's paused frames last (tried: the
// budget attack test's client could not connect until the frame deadline).
//
// Authentication (`authToken`, docs/protocol.md "Authentication"): the first request of each
// connection must carry the token; one without it or with a wrong one is not executed: the
// connection gets an id-0 UNAUTHENTICATED and is closed (counted `unauthenticated`), and every
// other connection carries on. The compare is the token's own (constant time); neither the token
// nor what a client presented appears in an answer, a log or a metric. Without `authToken` a
// request's token is ignored.
//
// A request id is the client's correlation key, so it must be unique among the requests in
// flight on its connection: a request whose id is still in flight is answered INVALID_ARGUMENT
// (`DUPLICATE_REQUEST_ID:`) and not executed. The set of ids in flight is the in-flight count,
// so it is bounded by the same limit.

import { assert, unreachable } from '../../core/assert.js';
import { DecodeError, withCodePrefix } from '../../core/errors.js';
import { CONNECTION_REQUESTS_IN_FLIGHT_MAX, SERVER_CONNECTIONS_MAX, SERVER_IDLE_EVICT_AFTER_MS_DEFAULT } from '../../core/limits.js';
import { decodeRequestWithToken, encodeResponse, MEMBER_ENDPOINT_BYTES_MAX, MEMBERS_MAX, utf8ByteLength, validateRequest, type MembersRequest, type Request, type Response, type SafePointRequest } from '../../core/protocol.js';
import { parseHostPort, type Clock, type Connection, type HostPort, type Listener, type TimerHandle, type Transport } from '../ports.js';
import { noopMetrics, type ConnectionClosedReason, type ConnectionRefusedReason, type ServerMetrics } from './metrics.js';
import type { LeaseAnswer, LeaseReleaseAnswer, SeqAnswer, SeqBatchAnswer, ServingNode, TsAnswer } from './serving-node.js';
import { sometimes } from '../../core/sometimes.js';

/** The server's token (drivers/node/auth-token.ts AuthToken): compares what a client presented. */
export interface RequestTokenCheck {
  /** Whether `presented` is the token, in time independent of where it differs. */
  matches(presented: string | null): boolean;
}

export interface ProtocolServerOptions {
  readonly node: ServingNode;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly listen: HostPort;
  readonly metrics?: ServerMetrics;
  readonly connectionsMax?: number;
  readonly requestsInFlightMax?: number;
  /** Connections one remote address may hold (default: no cap beyond `connectionsMax`). */
  readonly connectionsPerPeerMax?: number;
  /** Closes a connection with no request in flight and none received for this long (default: never). */
  readonly idleTimeoutMs?: number;
  /** At the connection cap, a connection idle this long gives way to a new one (default SERVER_IDLE_EVICT_AFTER_MS_DEFAULT). */
  readonly idleEvictAfterMs?: number;
  /** Every connection's first request must carry this token; else UNAUTHENTICATED and closed. */
  readonly authToken?: RequestTokenCheck;
}

interface ConnectionState {
  readonly connection: Connection;
  /** The remote address without its port: the key of the per-peer cap. */
  readonly peer: string;
  /** Ids of the requests executing for this connection (at most requestsInFlightMax). */
  readonly inFlight: Set<number>;
  open: boolean;
  /** Monotonic ms of the last request received or answer sent (for the idle timeout). */
  lastActivityMs: number;
  idleTimer: TimerHandle | null;
  /** Set while the connection is not read because it holds requestsInFlightMax requests. */
  readingPaused: boolean;
  /** Set when the server (or the transport, through `onClose`) decided to close it. */
  closeReason: ConnectionClosedReason | null;
  /** Its first request carried the token (always true when the server has none). */
  authenticated: boolean;
}

/** How a close reported by the transport is answered and counted. */
function transportClose(code: string): { answerCode: 'BAD_FRAME' | 'RESOURCE_EXHAUSTED'; reason: ConnectionClosedReason } {
  switch (code) {
    case 'FRAME_TIMEOUT':
      return { answerCode: 'BAD_FRAME', reason: 'frame_timeout' };
    case 'BUFFER_BUDGET':
      return { answerCode: 'RESOURCE_EXHAUSTED', reason: 'buffer_budget' };
    case 'TRANSPORT':
      return { answerCode: 'BAD_FRAME', reason: 'transport' };
    default:
      return { answerCode: 'BAD_FRAME', reason: 'bad_frame' };
  }
}

type Answer = TsAnswer | SeqAnswer | SeqBatchAnswer | LeaseAnswer | LeaseReleaseAnswer;

function answerToResponse(id: number, answer: Answer): Response {
  if (!answer.ok) {
    return {
      id,
      ok: false,
      code: answer.code,
      message: answer.message,
      ...(answer.leaderEndpoint !== undefined ? { leaderEndpoint: answer.leaderEndpoint } : {}),
      ...(answer.leaderEpoch !== undefined ? { leaderEpoch: answer.leaderEpoch } : {}),
      ...(answer.requestIdsFrom !== undefined ? { requestIdsFrom: answer.requestIdsFrom } : {}),
    };
  }
  // Only a release answers ok without an epoch.
  if (!('epoch' in answer)) return { id, ok: true, released: true };
  if ('leaseId' in answer) {
    return { id, ok: true, leaseId: answer.leaseId, tsUpperBoundMs: answer.tsUpperBoundMs, expiresAtMs: answer.expiresAtMs, epoch: answer.epoch };
  }
  if ('grants' in answer) {
    return { id, ok: true, grants: answer.grants.map((g) => ({ key: g.key, start: g.start, count: g.count })), epoch: answer.epoch };
  }
  if ('physicalMs' in answer) {
    return { id, ok: true, physicalMs: answer.physicalMs, logicalStart: answer.logicalStart, count: answer.count, epoch: answer.epoch };
  }
  return { id, ok: true, start: answer.start, count: answer.count, epoch: answer.epoch };
}

export class ProtocolServer {
  private readonly connections = new Set<ConnectionState>();
  /**
   * The last connection of `connections` (the most recently active), or null when unknown. A
   * touch of it moves nothing: one busy connection (a client's, which carries all its callers)
   * then pays no Set delete + add (and the rehash those add up to) per request and per answer.
   */
  private mostRecentlyActive: ConnectionState | null = null;
  private readonly metrics: ServerMetrics;
  private readonly connectionsMax: number;
  private readonly requestsInFlightMax: number;
  /** Open connections per remote address (entries removed at zero, so at most connectionsMax). */
  private readonly connectionsPerPeer = new Map<string, number>();
  private inFlightTotal = 0;
  private drained: (() => void) | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;

  private constructor(
    private readonly options: ProtocolServerOptions,
    private listener: Listener | null,
  ) {
    this.metrics = options.metrics ?? noopMetrics;
    this.connectionsMax = options.connectionsMax ?? SERVER_CONNECTIONS_MAX;
    this.requestsInFlightMax = options.requestsInFlightMax ?? CONNECTION_REQUESTS_IN_FLIGHT_MAX;
    assert(options.connectionsPerPeerMax === undefined || (Number.isSafeInteger(options.connectionsPerPeerMax) && options.connectionsPerPeerMax >= 1), 'connections_per_peer_max_valid');
    assert(options.idleTimeoutMs === undefined || options.idleTimeoutMs > 0, 'idle_timeout_positive');
  }

  static async start(options: ProtocolServerOptions): Promise<ProtocolServer> {
    const server = new ProtocolServer(options, null);
    server.listener = await options.transport.listen(options.listen, (c) => server.accept(c));
    return server;
  }

  get address(): HostPort {
    assert(this.listener !== null, 'protocol_server_listening');
    return this.listener.address;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Open connections from `peer` (a host, without port). */
  connectionsFrom(peer: string): number {
    return this.connectionsPerPeer.get(peer) ?? 0;
  }

  private refusal(peer: string): { reason: ConnectionRefusedReason; message: string } | null {
    if (this.closing) return { reason: 'shutting_down', message: 'server shutting down' };
    const perPeerMax = this.options.connectionsPerPeerMax;
    if (perPeerMax !== undefined && this.connectionsFrom(peer) >= perPeerMax) {
      return { reason: 'connections_per_peer_max', message: `too many connections from ${peer}: the cap per address is ${perPeerMax}` };
    }
    if (this.connections.size >= this.connectionsMax && !this.evictIdlest()) {
      return { reason: 'connections_max', message: `too many connections: the server holds its cap of ${this.connectionsMax}` };
    }
    return null;
  }

  /**
   * At the cap: closes the connection idle longest, if one has had no request in flight and no
   * request or answer for `idleEvictAfterMs`; returns whether one was closed (its slot is free).
   */
  private evictIdlest(): boolean {
    const idleEvictAfterMs = this.options.idleEvictAfterMs ?? SERVER_IDLE_EVICT_AFTER_MS_DEFAULT;
    const nowMs = this.options.clock.monotonicMs();
    for (const state of this.connections) {
      // In order of last activity: once one is too recent, so are all after it.
      if (nowMs - state.lastActivityMs < idleEvictAfterMs) return false;
      if (state.inFlight.size > 0 || state.closeReason !== null) continue;
      state.closeReason = 'idle_evicted';
      const idleMs = Math.round(nowMs - state.lastActivityMs);
      state.connection.send(encodeResponse({ id: 0, ok: false, code: 'UNAVAILABLE', message: `IDLE_EVICTED: no request for ${idleMs} ms while the server is at its cap of ${this.connectionsMax} connections` }));
      state.connection.close();
      this.retire(state, 'idle_evicted');
      return true;
    }
    return false;
  }

  /** Marks activity on a connection: it moves to the end of the last-activity order. */
  private touch(state: ConnectionState): void {
    state.lastActivityMs = this.options.clock.monotonicMs();
    if (state === this.mostRecentlyActive) return;
    if (this.connections.delete(state)) {
      this.connections.add(state);
      this.mostRecentlyActive = state;
    }
  }

  private accept(connection: Connection): void {
    const peer = parseHostPort(connection.remote)?.host ?? connection.remote;
    const refused = this.refusal(peer);
    if (refused !== null) {
      this.metrics.connectionRefused(refused.reason);
      this.metrics.resourceExhausted(refused.reason === 'shutting_down' ? 'shutting_down' : 'connections');
      connection.send(encodeResponse({ id: 0, ok: false, code: 'RESOURCE_EXHAUSTED', message: refused.message }));
      connection.close();
      return;
    }
    const state: ConnectionState = {
      connection,
      peer,
      inFlight: new Set(),
      open: true,
      lastActivityMs: this.options.clock.monotonicMs(),
      idleTimer: null,
      readingPaused: false,
      closeReason: null,
      authenticated: this.options.authToken === undefined,
    };
    this.connections.add(state);
    this.mostRecentlyActive = state;
    this.connectionsPerPeer.set(peer, this.connectionsFrom(peer) + 1);
    this.metrics.connectionOpened();
    if (this.options.idleTimeoutMs !== undefined) this.armIdleTimer(state, this.options.idleTimeoutMs);
    connection.setHandlers({
      onFrame: (body) => this.onFrame(state, body),
      onClose: (reason) => {
        if (reason !== undefined && state.open) {
          // The transport closed it (a bad or unfinished frame, the buffer budget): say why before
          // it goes. Transports differ on whether `reason.message` already names the code (the
          // Node one passes a DecodeError's message, which does): the prefix is added only when
          // missing.
          const close = transportClose(reason.code);
          sometimes(close.reason === 'bad_frame', 'protocol.transport_closed_bad_frame');
          if (close.reason === 'bad_frame') this.metrics.badFrame();
          state.closeReason ??= close.reason;
          connection.send(encodeResponse({ id: 0, ok: false, code: close.answerCode, message: withCodePrefix(reason.code, reason.message) }));
        }
        this.retire(state, state.closeReason ?? 'peer');
      },
    });
  }

  /** Forgets a connection that closed (or is being closed at shutdown); counts it once. */
  private retire(state: ConnectionState, reason: ConnectionClosedReason): void {
    if (!state.open) return;
    state.open = false;
    state.idleTimer?.cancel();
    state.idleTimer = null;
    this.connections.delete(state);
    if (state === this.mostRecentlyActive) this.mostRecentlyActive = null;
    const left = this.connectionsFrom(state.peer) - 1;
    assert(left >= 0, 'connections_per_peer_not_negative', state.peer);
    if (left === 0) this.connectionsPerPeer.delete(state.peer);
    else this.connectionsPerPeer.set(state.peer, left);
    this.metrics.connectionClosed(reason);
  }

  private armIdleTimer(state: ConnectionState, delayMs: number): void {
    state.idleTimer = this.options.clock.setTimer(delayMs, () => this.onIdleTimer(state));
  }

  /** Lazily re-armed: activity only moves `lastActivityMs`; the timer checks it when it fires. */
  private onIdleTimer(state: ConnectionState): void {
    state.idleTimer = null;
    const idleTimeoutMs = this.options.idleTimeoutMs;
    if (!state.open || idleTimeoutMs === undefined || state.closeReason !== null) return;
    if (state.inFlight.size > 0) {
      this.armIdleTimer(state, idleTimeoutMs);
      return;
    }
    const idleMs = this.options.clock.monotonicMs() - state.lastActivityMs;
    if (idleMs < idleTimeoutMs) {
      this.armIdleTimer(state, idleTimeoutMs - idleMs);
      return;
    }
    state.closeReason = 'idle_timeout';
    const message = `IDLE_TIMEOUT: no request for ${Math.round(idleMs)} ms (the idle timeout is ${idleTimeoutMs} ms)`;
    state.connection.send(encodeResponse({ id: 0, ok: false, code: 'UNAVAILABLE', message }));
    state.connection.close();
  }

  private onFrame(state: ConnectionState, body: Uint8Array): void {
    if (!state.open || state.closeReason !== null) return;
    this.touch(state);
    let request: Request;
    let token: string | null;
    try {
      ({ request, token } = decodeRequestWithToken(body));
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      sometimes(true, 'protocol.undecodable_request_closed');
      this.metrics.badFrame();
      state.closeReason = 'bad_frame';
      state.connection.send(encodeResponse({ id: 0, ok: false, code: 'BAD_FRAME', message: e.message }));
      state.connection.close();
      return;
    }
    if (!state.authenticated) {
      if (!(this.options.authToken as RequestTokenCheck).matches(token)) {
        state.closeReason = 'unauthenticated';
        const message = `${token === null ? 'missing' : 'wrong'} token: the first request of a connection must carry the server's token`;
        state.connection.send(encodeResponse({ id: 0, ok: false, code: 'UNAUTHENTICATED', message }));
        state.connection.close();
        return;
      }
      state.authenticated = true;
    }
    if (state.inFlight.has(request.id)) {
      const message = `DUPLICATE_REQUEST_ID: request id ${request.id} is already in flight on this connection`;
      state.connection.send(encodeResponse({ id: request.id, ok: false, code: 'INVALID_ARGUMENT', message }));
      return;
    }
    const invalid = validateRequest(request);
    if (invalid !== null) {
      state.connection.send(encodeResponse({ id: request.id, ok: false, code: invalid.code, message: invalid.message }));
      return;
    }
    if (this.closing) {
      state.connection.send(encodeResponse({ id: request.id, ok: false, code: 'UNAVAILABLE', message: 'server shutting down' }));
      return;
    }
    if (request.op === 'members') {
      // Answered at once from the driver's configuration (no I/O), by any node.
      const known = this.options.node.clientMembers();
      const members = known.members.slice(0, MEMBERS_MAX).filter((m) => utf8ByteLength(m.endpoint) <= MEMBER_ENDPOINT_BYTES_MAX);
      const leader = known.leaderEndpoint !== null && utf8ByteLength(known.leaderEndpoint) <= MEMBER_ENDPOINT_BYTES_MAX ? { leaderEndpoint: known.leaderEndpoint } : {};
      state.connection.send(encodeResponse({ id: request.id, ok: true, members, ...leader }));
      return;
    }
    if (request.op === 'getCurrentMaxSafe' || request.op === 'getSafeFrontier') {
      // Answered at once from the node's state (no I/O), by any node: nothing to keep in flight.
      const maxSafe = request.op === 'getCurrentMaxSafe';
      const point = maxSafe ? this.options.node.getCurrentMaxSafe() : this.options.node.getSafeFrontier();
      state.connection.send(encodeResponse({ id: request.id, ok: true, safePoint: maxSafe ? 'maxSafe' : 'frontier', safePhysicalMs: point.physicalMs, epoch: point.epoch }));
      return;
    }
    if (state.inFlight.size >= this.requestsInFlightMax) {
      this.metrics.resourceExhausted('requests_in_flight');
      state.connection.send(encodeResponse({ id: request.id, ok: false, code: 'RESOURCE_EXHAUSTED', message: 'too many requests in flight on this connection' }));
      return;
    }
    state.inFlight.add(request.id);
    this.inFlightTotal += 1;
    if (state.inFlight.size >= this.requestsInFlightMax && state.connection.pauseReading !== undefined) {
      // Backpressure before refusal: at its cap the connection is not read until an answer
      // frees a slot, so a client that pipelines past the cap is slowed down, not refused.
      state.readingPaused = true;
      state.connection.pauseReading();
    }
    const answer: Promise<Answer> = this.dispatch(request);
    answer.then(
      (a) => this.finish(state, request.id, a),
      (e: unknown) => this.finish(state, request.id, { ok: false, code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) }),
    );
  }

  private dispatch(request: Exclude<Request, SafePointRequest | MembersRequest>): Promise<Answer> {
    switch (request.op) {
      case 'getTs':
        return this.options.node.getTs(request.count);
      case 'getSeq':
        return this.options.node.getSeq({ key: request.key, count: request.count, clientId: request.clientId, requestId: request.requestId });
      case 'getSeqBatch':
        return this.options.node.getSeqBatch({ entries: request.entries, clientId: request.clientId, requestId: request.requestId });
      case 'acquireLease':
        return this.options.node.acquireLease({ holder: request.holder, holderEpoch: request.holderEpoch, ttlMs: request.ttlMs });
      case 'renewLease':
        return this.options.node.renewLease(request.leaseId);
      case 'releaseLease':
        return this.options.node.releaseLease(request.leaseId);
      default:
        return unreachable(request);
    }
  }

  private finish(state: ConnectionState, id: number, answer: Answer): void {
    state.inFlight.delete(id);
    this.inFlightTotal -= 1;
    if (state.open) this.touch(state);
    if (state.readingPaused && state.inFlight.size < this.requestsInFlightMax) {
      state.readingPaused = false;
      state.connection.resumeReading?.();
    }
    if (state.open) state.connection.send(encodeResponse(answerToResponse(id, answer)));
    if (this.inFlightTotal === 0 && this.drained !== null) this.drained();
  }

  /**
   * Stops taking work, lets requests in flight finish and their answers go out for up to
   * `graceMs`, then closes every connection and the listener. Idempotent: every call returns the
   * same promise. It settles in bounded time: the grace timer (cancelled as soon as the requests
   * drain, so it keeps no process alive after that), then the transport's own bound on closing.
   * While closing, a new connection is answered RESOURCE_EXHAUSTED and closed, and a new request
   * UNAVAILABLE. (The listener is closed last because closing it closes its connections, which
   * would drop the answers of the requests still in flight.)
   */
  close(graceMs: number): Promise<void> {
    this.closed ??= this.shutdown(graceMs);
    return this.closed;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.inFlightTotal > 0 && graceMs > 0) {
      let timer: TimerHandle | null = null;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = this.options.clock.setTimer(graceMs, resolve);
      });
      this.drained = null;
      (timer as TimerHandle | null)?.cancel();
    }
    for (const s of [...this.connections]) {
      s.connection.close();
      this.retire(s, 'shutdown');
    }
    await this.listener?.close();
  }
}
