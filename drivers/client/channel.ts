// One client connection to one endpoint, with pipelined requests, and the pool that keeps one
// per endpoint. Written against the Transport port only.
//
// A channel connects lazily (the first request dials; concurrent first requests share the dial)
// and is reused until it closes. Each request gets a u32 id unique among the channel's pending
// requests, so answers may arrive in any order. Invariants:
//   - every pending request is settled exactly once: by its answer, by `abandon` (the caller
//     gave up on it, a late answer is then ignored), or by the channel's end;
//   - a channel that ended (closed by either side, undecodable answer, connection-level error)
//     is never used again: the pool replaces it, so the next request re-dials;
//   - a failure reports whether the request was handed to the connection (`sent`): the client's
//     getSeq logic needs to know whether the server may have executed it;
//   - with a token, the first request written on a connection carries it (docs/protocol.md,
//     "Authentication"); a connection-level UNAUTHENTICATED ends the channel with that code, and
//     its requests count as not sent (a server executes nothing before the token matched).

import { assert } from '../../core/assert.js';
import { DecodeError, ErrorCode, TsoError } from '../../core/errors.js';
import { CLIENT_CONNECTIONS_MAX, CONNECTION_REQUESTS_IN_FLIGHT_MAX } from '../../core/limits.js';
import {
  CONNECTION_ERROR_ID,
  REQUEST_ID_MAX,
  decodeResponse,
  encodeRequest,
  isGetSeqAnswer,
  isGetSeqBatchAnswer,
  isGetTsAnswer,
  isLeaseAnswer,
  isLeaseReleasedAnswer,
  isMembersAnswer,
  isSafePointAnswer,
  type AcquireLeaseRequest,
  type ReleaseLeaseRequest,
  type RenewLeaseRequest,
  type GetSeqBatchRequest,
  type GetSeqRequest,
  type SafePointRequest,
  type MembersRequest,
  type GetTsRequest,
  type Request,
  type Response,
} from '../../core/protocol.js';
import type { Connection, HostPort, Transport } from '../ports.js';

/** A request without its id: the channel assigns the id. */
export type RequestBody =
  | Omit<GetTsRequest, 'id'>
  | Omit<GetSeqRequest, 'id'>
  | Omit<GetSeqBatchRequest, 'id'>
  | Omit<SafePointRequest, 'id'>
  | Omit<MembersRequest, 'id'>
  | Omit<AcquireLeaseRequest, 'id'>
  | Omit<RenewLeaseRequest, 'id'>
  | Omit<ReleaseLeaseRequest, 'id'>;

export type ChannelFailureCode = typeof ErrorCode.TRANSPORT | typeof ErrorCode.PROTOCOL_VIOLATION | typeof ErrorCode.UNAUTHENTICATED;

export interface ChannelFailure {
  /** True when the request was handed to the connection (the server may have seen it). */
  readonly sent: boolean;
  readonly code: ChannelFailureCode;
  readonly message: string;
}

export interface PendingHandlers {
  onAnswer(answer: Response): void;
  onFailure(failure: ChannelFailure): void;
}

export interface ChannelEvents {
  connected(endpoint: string): void;
  disconnected(endpoint: string, reason: string): void;
}

interface Pending {
  readonly op: Request['op'];
  readonly handlers: PendingHandlers;
}

export class Channel {
  private connection: Connection | null = null;
  private dialing: Promise<void> | null = null;
  private ended = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private received = 0;
  /** The token still to send: set until the connection's first request carries it. */
  private tokenToSend: string | undefined;

  constructor(
    readonly endpoint: string,
    private readonly address: HostPort,
    private readonly transport: Transport,
    private readonly events: ChannelEvents,
    token?: string,
  ) {
    this.tokenToSend = token;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Frames received so far: an attempt that saw this grow while it waited knows the connection is alive. */
  get framesReceived(): number {
    return this.received;
  }

  /** Resolves once connected; rejects with TsoError(TRANSPORT) when the dial fails or the channel ended. */
  open(): Promise<void> {
    if (this.ended) return Promise.reject(new TsoError(ErrorCode.TRANSPORT, `connection to ${this.endpoint} is closed`));
    if (this.connection !== null) return Promise.resolve();
    if (this.dialing === null) this.dialing = this.dial();
    return this.dialing;
  }

  private async dial(): Promise<void> {
    let connection: Connection;
    try {
      connection = await this.transport.connect(this.address);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.end(`connect failed: ${message}`, false);
      throw new TsoError(ErrorCode.TRANSPORT, `cannot connect to ${this.endpoint}: ${message}`);
    }
    if (this.ended) {
      // The client closed or evicted this channel while the dial was in flight.
      connection.close();
      throw new TsoError(ErrorCode.TRANSPORT, `connection to ${this.endpoint} was closed while connecting`);
    }
    this.connection = connection;
    connection.setHandlers({
      onFrame: (body) => this.onFrame(body),
      onClose: (reason) => this.end(reason === undefined ? 'closed by peer' : `${reason.code}: ${reason.message}`, true),
    });
    this.events.connected(this.endpoint);
  }

  /**
   * Sends `body` with a fresh id and returns the id, or null when the channel is not open (the
   * request was not sent; no handler will be called).
   */
  send(body: RequestBody, handlers: PendingHandlers): number | null {
    const connection = this.connection;
    if (this.ended || connection === null) return null;
    assert(this.pending.size < CONNECTION_REQUESTS_IN_FLIGHT_MAX, 'channel_pending_bounded');
    const id = this.allocateId();
    this.pending.set(id, { op: body.op, handlers });
    const token = this.tokenToSend;
    this.tokenToSend = undefined;
    connection.send(encodeRequest({ id, ...body } as Request, token)); // id first: fields after a spread take V8's slow path
    return id;
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= REQUEST_ID_MAX ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  /** The caller stopped waiting for `id` (its attempt timed out): a late answer is ignored. */
  abandon(id: number): void {
    this.pending.delete(id);
  }

  private onFrame(body: Uint8Array): void {
    if (this.ended) return;
    this.received++;
    let answer: Response;
    try {
      answer = decodeResponse(body);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // After an undecodable answer nothing on this stream can be trusted.
      this.fail(ErrorCode.PROTOCOL_VIOLATION, `undecodable answer from ${this.endpoint}: ${e.message}`);
      return;
    }
    if (answer.id === CONNECTION_ERROR_ID) {
      // A connection-level error: the server closes the connection after it.
      const message = answer.ok ? 'connection-level answer' : `${answer.code}: ${answer.message}`;
      if (!answer.ok && answer.code === ErrorCode.UNAUTHENTICATED) {
        this.end(`${this.endpoint} refused the connection: ${message}`, true, ErrorCode.UNAUTHENTICATED, false);
        return;
      }
      this.fail(ErrorCode.TRANSPORT, `${this.endpoint} dropped the connection: ${message}`);
      return;
    }
    const pending = this.pending.get(answer.id);
    if (pending === undefined) return; // an answer to an abandoned request
    this.pending.delete(answer.id);
    const shapeMatches =
      !answer.ok ||
      (pending.op === 'getTs'
        ? isGetTsAnswer(answer)
        : pending.op === 'getSeq'
          ? isGetSeqAnswer(answer)
          : pending.op === 'getSeqBatch'
            ? isGetSeqBatchAnswer(answer)
            : pending.op === 'acquireLease' || pending.op === 'renewLease'
              ? isLeaseAnswer(answer)
              : pending.op === 'releaseLease'
                ? isLeaseReleasedAnswer(answer)
                : pending.op === 'members'
                  ? isMembersAnswer(answer)
                  : isSafePointAnswer(answer) && answer.safePoint === (pending.op === 'getCurrentMaxSafe' ? 'maxSafe' : 'frontier'));
    if (!shapeMatches) {
      pending.handlers.onFailure({ sent: true, code: ErrorCode.PROTOCOL_VIOLATION, message: `${this.endpoint} answered a ${pending.op} with the other kind of grant` });
      return;
    }
    pending.handlers.onAnswer(answer);
  }

  /** Ends the channel with `code` for every pending request, and closes the connection. */
  private fail(code: ChannelFailureCode, message: string): void {
    this.end(message, true, code);
  }

  /** Closes the channel (idempotent): pending requests fail as sent, with TRANSPORT. */
  close(reason: string): void {
    this.end(reason, true);
  }

  private end(reason: string, wasConnected: boolean, code: ChannelFailureCode = ErrorCode.TRANSPORT, sent = true): void {
    if (this.ended) return;
    this.ended = true;
    const connection = this.connection;
    this.connection = null;
    const failed = [...this.pending.values()];
    this.pending.clear();
    connection?.close();
    if (wasConnected && connection !== null) this.events.disconnected(this.endpoint, reason);
    for (const p of failed) p.handlers.onFailure({ sent, code, message: reason });
  }
}

/** One channel per endpoint, at most CLIENT_CONNECTIONS_MAX, least recently used evicted when idle. */
export class ChannelPool {
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly transport: Transport,
    private readonly events: ChannelEvents,
    private readonly channelsMax: number = CLIENT_CONNECTIONS_MAX,
    /** Sent on the first request of every channel (docs/protocol.md, "Authentication"). */
    private readonly token?: string,
  ) {}

  /** The live channel for `endpoint` (created if needed), or null when every slot is busy. */
  get(endpoint: string, address: HostPort): Channel | null {
    const existing = this.channels.get(endpoint);
    if (existing !== undefined && !existing.isEnded) {
      // Re-insert to keep the map in least-recently-used order.
      this.channels.delete(endpoint);
      this.channels.set(endpoint, existing);
      return existing;
    }
    if (existing !== undefined) this.channels.delete(endpoint);
    if (this.channels.size >= this.channelsMax && !this.evictIdle()) return null;
    const channel = new Channel(endpoint, address, this.transport, this.events, this.token);
    this.channels.set(endpoint, channel);
    assert(this.channels.size <= this.channelsMax, 'channel_pool_bounded');
    return channel;
  }

  private evictIdle(): boolean {
    for (const [endpoint, channel] of this.channels) {
      if (channel.isEnded || channel.pendingCount === 0) {
        channel.close('evicted from the connection pool');
        this.channels.delete(endpoint);
        return true;
      }
    }
    return false;
  }

  /**
   * Closes `endpoint`'s channel (after a transport failure or timeout the next use re-dials).
   * With `only`, only if that is still the endpoint's channel: a failure seen on a channel that
   * already ended must not close the new one a sibling call dialled since.
   */
  evict(endpoint: string, reason: string, only?: Channel): void {
    const channel = this.channels.get(endpoint);
    if (channel === undefined || (only !== undefined && channel !== only)) return;
    this.channels.delete(endpoint);
    channel.close(reason);
  }

  closeAll(reason: string): void {
    const all = [...this.channels.values()];
    this.channels.clear();
    for (const channel of all) channel.close(reason);
  }

  get size(): number {
    return this.channels.size;
  }
}
