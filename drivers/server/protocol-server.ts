// The client-protocol server: binds the serving node to a Transport. It is written against the
// ports only, so the simulator runs it unchanged (docs/protocol.md is the wire contract).
//
// Per connection, requests pipeline: each frame carries a request id and answers may leave out of
// order. Bad input never takes the server down: a frame that does not decode (garbage, a wrong
// type, an oversized or empty frame reported by the transport) is answered with a connection-
// level BAD_FRAME error (id 0) and closes that one connection; every other connection carries
// on. Limits: SERVER_CONNECTIONS_MAX connections (beyond it a new connection gets
// RESOURCE_EXHAUSTED and is closed) and CONNECTION_REQUESTS_IN_FLIGHT_MAX requests in flight per
// connection (beyond it the request is answered RESOURCE_EXHAUSTED).
//
// A request id is the client's correlation key, so it must be unique among the requests in
// flight on its connection: a request whose id is still in flight is answered INVALID_ARGUMENT
// (`DUPLICATE_REQUEST_ID:`) and not executed. The set of ids in flight is the in-flight count,
// so it is bounded by the same limit.

import { assert } from '../../core/assert.js';
import { DecodeError, withCodePrefix } from '../../core/errors.js';
import { CONNECTION_REQUESTS_IN_FLIGHT_MAX, SERVER_CONNECTIONS_MAX } from '../../core/limits.js';
import { decodeRequest, encodeResponse, validateRequest, type Request, type Response } from '../../core/protocol.js';
import type { Clock, Connection, HostPort, Listener, TimerHandle, Transport } from '../ports.js';
import { noopMetrics, type ServerMetrics } from './metrics.js';
import type { SeqAnswer, ServingNode, TsAnswer } from './serving-node.js';

export interface ProtocolServerOptions {
  readonly node: ServingNode;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly listen: HostPort;
  readonly metrics?: ServerMetrics;
  readonly connectionsMax?: number;
  readonly requestsInFlightMax?: number;
}

interface ConnectionState {
  readonly connection: Connection;
  /** Ids of the requests executing for this connection (at most requestsInFlightMax). */
  readonly inFlight: Set<number>;
  open: boolean;
}

function answerToResponse(id: number, answer: TsAnswer | SeqAnswer): Response {
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
  if ('physicalMs' in answer) {
    return { id, ok: true, physicalMs: answer.physicalMs, logicalStart: answer.logicalStart, count: answer.count, epoch: answer.epoch };
  }
  return { id, ok: true, start: answer.start, count: answer.count, epoch: answer.epoch };
}

export class ProtocolServer {
  private readonly connections = new Set<ConnectionState>();
  private readonly metrics: ServerMetrics;
  private readonly connectionsMax: number;
  private readonly requestsInFlightMax: number;
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

  private accept(connection: Connection): void {
    if (this.closing || this.connections.size >= this.connectionsMax) {
      this.metrics.resourceExhausted(this.closing ? 'shutting_down' : 'connections');
      connection.send(encodeResponse({ id: 0, ok: false, code: 'RESOURCE_EXHAUSTED', message: this.closing ? 'server shutting down' : 'too many connections' }));
      connection.close();
      return;
    }
    const state: ConnectionState = { connection, inFlight: new Set(), open: true };
    this.connections.add(state);
    this.metrics.connectionOpened();
    connection.setHandlers({
      onFrame: (body) => this.onFrame(state, body),
      onClose: (reason) => {
        if (reason !== undefined && state.open) {
          // The transport refused the framing (oversized or empty frame): say why before it goes.
          // Transports differ on whether `reason.message` already names the code (the Node one
          // passes a DecodeError's message, which does): the prefix is added only when missing.
          this.metrics.badFrame();
          connection.send(encodeResponse({ id: 0, ok: false, code: 'BAD_FRAME', message: withCodePrefix(reason.code, reason.message) }));
        }
        if (state.open) {
          state.open = false;
          this.connections.delete(state);
          this.metrics.connectionClosed();
        }
      },
    });
  }

  private onFrame(state: ConnectionState, body: Uint8Array): void {
    if (!state.open) return;
    let request: Request;
    try {
      request = decodeRequest(body);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.metrics.badFrame();
      state.connection.send(encodeResponse({ id: 0, ok: false, code: 'BAD_FRAME', message: e.message }));
      state.connection.close();
      return;
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
    if (state.inFlight.size >= this.requestsInFlightMax) {
      this.metrics.resourceExhausted('requests_in_flight');
      state.connection.send(encodeResponse({ id: request.id, ok: false, code: 'RESOURCE_EXHAUSTED', message: 'too many requests in flight on this connection' }));
      return;
    }
    state.inFlight.add(request.id);
    this.inFlightTotal += 1;
    const answer: Promise<TsAnswer | SeqAnswer> =
      request.op === 'getTs'
        ? this.options.node.getTs(request.count)
        : this.options.node.getSeq({ key: request.key, count: request.count, clientId: request.clientId, requestId: request.requestId });
    answer.then(
      (a) => this.finish(state, request.id, a),
      (e: unknown) => this.finish(state, request.id, { ok: false, code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) }),
    );
  }

  private finish(state: ConnectionState, id: number, answer: TsAnswer | SeqAnswer): void {
    state.inFlight.delete(id);
    this.inFlightTotal -= 1;
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
      if (s.open) {
        s.open = false;
        this.connections.delete(s);
        this.metrics.connectionClosed();
      }
    }
    await this.listener?.close();
  }
}
