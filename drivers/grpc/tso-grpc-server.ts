// The tsoracle.v1.TsoService gRPC listener (docs/grpc.md): @grpc/grpc-js over HTTP/2 (h2c with
// prior knowledge, as the original's Rust client speaks it), answering from the SAME ServingNode
// as the native protocol port: nothing of the request handling is copied here, only the wire
// mapping. The messages are the hand codecs of tso-messages.ts.
//
// Invariants:
//   - GetTs answers exactly the count asked or an error (the serving node never grants less).
//   - A not-leader answer is FAILED_PRECONDITION "not leader"; when the leader's endpoint or epoch
//     is known it carries the binary trailer `tsoracle-leader-hint-bin`, a protobuf LeaderHint
//     whose endpoint is the leader's gRPC endpoint, scheme-less (`hintEndpoint` maps the serving
//     node's native hint to it; without a mapping the hint carries the epoch only).
//   - Status codes (the original's): INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE and
//     INTERNAL pass through; a request that does not decode is INVALID_ARGUMENT and touches
//     nothing; SEQ_SESSION_EXPIRED (only reachable with caller-chosen GetSeq ids) is ABORTED,
//     which the Rust client treats as "uncertain", as it is. RPCs not built yet (the leases)
//     answer UNIMPLEMENTED, as does GetSeqBatch on a driver without batches; `handlers` plugs one
//     in without touching the rest.
//   - GetCurrentMaxSafe and GetSafeFrontier are answered by any node (a follower says 0 with
//     epoch 0, never a redirect); GetSeqBatch is leader-only, all or nothing, grants in request
//     order, the nested epoch always set.
//   - GetSeq and GetSeqBatch are exactly-once at the ledger: every call carries a (clientId, requestId) pair. By
//     default the pair is minted here (one session per listener, request ids from the start's
//     wall ms << 22, never reused), so a call is non-idempotent across calls, as in the original.
//     A caller that wants retries to be exactly-once sends its own pair as the metadata
//     `tsoracle-seq-client-id` / `tsoracle-seq-request-id` (decimal u64) and repeats it.
//   - Limits: received messages up to `messageBytesMax` (beyond: RESOURCE_EXHAUSTED from
//     grpc-js), `concurrentStreamsMax` HTTP/2 streams per connection, `connectionsMax` TCP
//     connections (net.Server.maxConnections: beyond it, a new socket is closed at once).
//   - TLS (`tls`): the listener is a node:tls server advertising ALPN h2; a connection reaches
//     grpc-js only once its handshake (and, with a CA, the client certificate check: mTLS)
//     succeeded. `reloadTls` swaps the material for new handshakes without closing anything.
//   - Token (`authToken`): every call must carry `authorization: Bearer <token>`; a missing or
//     wrong one is answered UNAUTHENTICATED before the request is looked at, and the caller's
//     connection is closed right after. The compare is constant-time (AuthToken); the token is
//     never in a status message, a log or a metric.
//   - close() is bounded: new connections stop at once, calls in flight get `graceMs`, then every
//     session and socket is destroyed.

import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { AUTH_METADATA_KEY, bearerToken, type AuthToken } from '../node/auth-token.js';
import { tlsServerContext, type TlsServerOptions } from '../node/transport.js';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { U64_MAX } from '../../core/limits.js';
import type { HostPort } from '../ports.js';
import type { LeaseAnswer, LeaseReleaseAnswer, LeaseWireFailure, SeqAnswer, SeqBatchAnswer, ServingNode, WireFailure } from '../server/serving-node.js';
import {
  AcquireLeaseRequestCodec,
  AcquireLeaseResponseCodec,
  epochToWire,
  GetCurrentMaxSafeRequestCodec,
  GetCurrentMaxSafeResponseCodec,
  GetSafeFrontierRequestCodec,
  GetSafeFrontierResponseCodec,
  GetSeqBatchRequestCodec,
  GetSeqBatchResponseCodec,
  GetSeqRequestCodec,
  GetSeqResponseCodec,
  GetTsRequestCodec,
  GetTsResponseCodec,
  GrpcMessageError,
  LeaderHintCodec,
  ReleaseLeaseRequestCodec,
  ReleaseLeaseResponseCodec,
  RenewLeaseRequestCodec,
  RenewLeaseResponseCodec,
  type GetCurrentMaxSafeResponse,
  type GetSafeFrontierResponse,
  type GetSeqBatchRequest,
  type GetSeqBatchResponse,
  type AcquireLeaseRequest,
  type AcquireLeaseResponse,
  type GetSeqRequest,
  type ReleaseLeaseRequest,
  type ReleaseLeaseResponse,
  type RenewLeaseRequest,
  type RenewLeaseResponse,
  type GetSeqResponse,
  type GetTsRequest,
  type GetTsResponse,
  type LeaderHint,
  type MessageCodec,
} from './tso-messages.js';

export const TSO_SERVICE_NAME = 'tsoracle.v1.TsoService';
export const LEADER_HINT_TRAILER = 'tsoracle-leader-hint-bin';
export const SEQ_CLIENT_ID_METADATA = 'tsoracle-seq-client-id';
export const SEQ_REQUEST_ID_METADATA = 'tsoracle-seq-request-id';
/** Requests are small (the largest, a GetSeqBatch of 128 keys of 128 bytes, is under 20 KiB). */
export const GRPC_MESSAGE_BYTES_MAX_DEFAULT = 64 * 1024;
export const GRPC_CONCURRENT_STREAMS_MAX_DEFAULT = 1_024;
export const GRPC_CONNECTIONS_MAX_DEFAULT = 4_096;

/** The RPCs of tsoracle.v1.TsoService, in the proto's declaration order. */
export const TSO_RPC_NAMES = ['GetTs', 'GetCurrentMaxSafe', 'GetSeq', 'GetSeqBatch', 'AcquireLease', 'RenewLease', 'ReleaseLease', 'GetSafeFrontier'] as const;
export type TsoRpcName = (typeof TSO_RPC_NAMES)[number];

const RPC_CODECS: Record<TsoRpcName, { readonly request: MessageCodec<unknown>; readonly response: MessageCodec<unknown> }> = {
  GetTs: { request: GetTsRequestCodec, response: GetTsResponseCodec },
  GetCurrentMaxSafe: { request: GetCurrentMaxSafeRequestCodec, response: GetCurrentMaxSafeResponseCodec },
  GetSeq: { request: GetSeqRequestCodec, response: GetSeqResponseCodec },
  GetSeqBatch: { request: GetSeqBatchRequestCodec, response: GetSeqBatchResponseCodec },
  AcquireLease: { request: AcquireLeaseRequestCodec, response: AcquireLeaseResponseCodec },
  RenewLease: { request: RenewLeaseRequestCodec, response: RenewLeaseResponseCodec },
  ReleaseLease: { request: ReleaseLeaseRequestCodec, response: ReleaseLeaseResponseCodec },
  GetSafeFrontier: { request: GetSafeFrontierRequestCodec, response: GetSafeFrontierResponseCodec },
};

/** What a handler answers: the response message, or a status (and, for not-leader, the hint). */
export type RpcOutcome<Res> =
  | { readonly ok: true; readonly value: Res }
  | { readonly ok: false; readonly code: grpc.status; readonly message: string; readonly hint?: LeaderHint; readonly trailers?: Readonly<Record<string, string>> };

/** One RPC's handler: the decoded request and the call's metadata in, the outcome out. */
export type RpcHandler = (request: unknown, metadata: grpc.Metadata) => Promise<RpcOutcome<unknown>>;

export interface TsoGrpcServerOptions {
  readonly node: ServingNode;
  readonly listen: HostPort;
  /**
   * The leader's gRPC endpoint (scheme-less host:port) from the leader's native service endpoint
   * the serving node reports; null or absent: the hint carries no endpoint.
   */
  readonly hintEndpoint?: (serviceEndpoint: string) => string | null;
  /** Called once per finished call with the RPC and the status code's name (OK, NOT_FOUND, ...). */
  readonly onRequest?: (method: TsoRpcName, code: string) => void;
  /** Serve TLS with this certificate; with `ca`, clients must present a certificate it signed (mTLS). */
  readonly tls?: TlsServerOptions;
  /** Every call must carry `authorization: Bearer <token>`; else UNAUTHENTICATED and the connection closed. */
  readonly authToken?: AuthToken;
  /** Handlers of RPCs built elsewhere (they override UNIMPLEMENTED; GetTs/GetSeq too, if given). */
  readonly handlers?: Partial<Record<TsoRpcName, RpcHandler>>;
  readonly messageBytesMax?: number;
  readonly concurrentStreamsMax?: number;
  readonly connectionsMax?: number;
  /** Wall clock ms, the start of the minted GetSeq request ids (default Date.now()). */
  readonly nowMs?: () => number;
  /** Uniform in [0, 1): the minted GetSeq client id (default Math.random). */
  readonly random?: () => number;
}

/** A decoded request, or why it did not decode (the deserializer must not throw: grpc-js would answer INTERNAL). */
export type Decoded = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

const statusName = (code: grpc.status): string => grpc.status[code] ?? String(code);

function parseU64(text: string): bigint | null {
  if (!/^\d{1,20}$/.test(text)) return null;
  const v = BigInt(text);
  return v <= U64_MAX ? v : null;
}

/** One unary RPC's request and response codecs (MessageCodec of any message). */
interface UnaryCodecs {
  readonly request: { encode(value: never): Uint8Array; decode(bytes: Uint8Array): unknown };
  readonly response: { encode(value: never): Uint8Array; decode(bytes: Uint8Array): unknown };
}

/**
 * The definition of a unary gRPC service on the hand codecs (tsoracle.v1.TsoService here,
 * tsoracle.admin.v1.MembershipAdmin in drivers/admin). The request deserializer never throws (it
 * returns a Decoded: grpc-js would answer INTERNAL); a client's response deserializer throws
 * GrpcMessageError on a bad answer.
 */
export function unaryServiceDefinition(serviceName: string, rpcs: Readonly<Record<string, UnaryCodecs>>): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, codecs] of Object.entries(rpcs)) {
    const encodeRequest = codecs.request.encode as (value: unknown) => Uint8Array;
    const encodeResponse = codecs.response.encode as (value: unknown) => Uint8Array;
    definition[name] = {
      path: `/${serviceName}/${name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: unknown) => Buffer.from(encodeRequest(value)),
      requestDeserialize: (bytes: Buffer): Decoded => {
        try {
          return { ok: true, value: codecs.request.decode(bytes) };
        } catch (e) {
          if (e instanceof GrpcMessageError) return { ok: false, message: e.message };
          throw e;
        }
      },
      responseSerialize: (value: unknown) => Buffer.from(encodeResponse(value)),
      responseDeserialize: (bytes: Buffer) => codecs.response.decode(bytes),
    };
  }
  return definition;
}

/** The service definition of tsoracle.v1.TsoService. */
export function tsoServiceDefinition(): grpc.ServiceDefinition {
  return unaryServiceDefinition(TSO_SERVICE_NAME, RPC_CODECS);
}

export class TsoGrpcServer {
  private readonly sockets = new Set<Socket>();
  private closed: Promise<void> | null = null;
  /** How long an unauthenticated caller's connection stays open after its UNAUTHENTICATED answer (for the answer to leave). */
  private static readonly UNAUTHENTICATED_CLOSE_DELAY_MS = 50;
  /** The minted GetSeq session: one client id, request ids never reused. */
  private readonly seqClientId: bigint;
  private nextSeqRequestId: bigint;

  private constructor(
    private readonly options: TsoGrpcServerOptions,
    private readonly grpcServer: grpc.Server,
    private readonly injector: ReturnType<grpc.Server['createConnectionInjector']>,
    private readonly netServer: NetServer,
    readonly address: HostPort,
  ) {
    const random = options.random ?? Math.random;
    this.seqClientId = BigInt(Math.floor(random() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(random() * 2 ** 32));
    this.nextSeqRequestId = BigInt(Math.floor((options.nowMs ?? Date.now)())) << 22n;
  }

  /** Binds `listen` and serves; rejects with Node's bind error (the caller names the flag). */
  static async start(options: TsoGrpcServerOptions): Promise<TsoGrpcServer> {
    const messageBytesMax = options.messageBytesMax ?? GRPC_MESSAGE_BYTES_MAX_DEFAULT;
    const grpcServer = new grpc.Server({
      'grpc.max_receive_message_length': messageBytesMax,
      'grpc.max_send_message_length': messageBytesMax,
      'grpc.max_concurrent_streams': options.concurrentStreamsMax ?? GRPC_CONCURRENT_STREAMS_MAX_DEFAULT,
    });
    const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    let netServer: NetServer;
    const tlsOptions = options.tls;
    if (tlsOptions === undefined) {
      netServer = createNetServer({ noDelay: true });
    } else {
      tlsServerContext(tlsOptions); // INVALID_CONFIG before binding when the material does not load
      netServer = createTlsServer({
        noDelay: true,
        ALPNProtocols: ['h2'],
        cert: tlsOptions.cert,
        key: tlsOptions.key,
        handshakeTimeout: 10_000,
        ...(tlsOptions.ca !== undefined ? { ca: tlsOptions.ca, requestCert: true, rejectUnauthorized: true } : {}),
      });
      netServer.on('tlsClientError', () => undefined);
    }
    netServer.maxConnections = options.connectionsMax ?? GRPC_CONNECTIONS_MAX_DEFAULT;
    const address = await new Promise<HostPort>((resolve, reject) => {
      netServer.once('error', reject);
      netServer.listen(options.listen.port, options.listen.host, () => {
        netServer.off('error', reject);
        const bound = netServer.address();
        resolve({ host: options.listen.host, port: typeof bound === 'object' && bound !== null ? bound.port : options.listen.port });
      });
    });
    const server = new TsoGrpcServer(options, grpcServer, injector, netServer, address);
    grpcServer.addService(tsoServiceDefinition(), server.implementation());
    netServer.on(tlsOptions === undefined ? 'connection' : 'secureConnection', (socket: Socket) => {
      server.sockets.add(socket);
      socket.once('close', () => server.sockets.delete(socket));
      socket.on('error', () => {});
      injector.injectConnection(socket);
    });
    return server;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /**
   * Swaps the certificate, key and CA for every handshake from now on; open connections and the
   * listener stay. INVALID_CONFIG (nothing changed) when the material does not load, or when the
   * listener was started without TLS.
   */
  reloadTls(tls: TlsServerOptions): void {
    tlsServerContext(tls);
    if (this.options.tls === undefined) throw new TsoError(ErrorCode.INVALID_CONFIG, 'the gRPC listener was started without TLS');
    (this.netServer as TlsServer).setSecureContext({ cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) });
  }

  /** Closes the connection a call came on (by its peer address), a moment after its answer. */
  private closeCallerConnection(peer: string): void {
    const timer = setTimeout(() => {
      for (const socket of this.sockets) {
        const address = socket.remoteFamily === 'IPv6' ? `[${socket.remoteAddress}]:${socket.remotePort}` : `${socket.remoteAddress}:${socket.remotePort}`;
        if (address === peer || peer.endsWith(address)) socket.destroy();
      }
    }, TsoGrpcServer.UNAUTHENTICATED_CLOSE_DELAY_MS);
    timer.unref();
  }

  private implementation(): grpc.UntypedServiceImplementation {
    const builtIn: Partial<Record<TsoRpcName, RpcHandler>> = {
      GetTs: (request) => this.getTs(request as GetTsRequest),
      GetSeq: (request, metadata) => this.getSeq(request as GetSeqRequest, metadata),
      GetSeqBatch: (request, metadata) => this.getSeqBatch(request as GetSeqBatchRequest, metadata),
      GetCurrentMaxSafe: () => Promise.resolve(this.getCurrentMaxSafe()),
      GetSafeFrontier: () => Promise.resolve(this.getSafeFrontier()),
      AcquireLease: (request) => this.acquireLease(request as AcquireLeaseRequest),
      RenewLease: (request) => this.renewLease(request as RenewLeaseRequest),
      ReleaseLease: (request) => this.releaseLease(request as ReleaseLeaseRequest),
    };
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const name of TSO_RPC_NAMES) {
      const handler = this.options.handlers?.[name] ?? builtIn[name];
      implementation[name] = (call: grpc.ServerUnaryCall<Decoded, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const finish = (outcome: RpcOutcome<unknown>): void => {
          this.options.onRequest?.(name, outcome.ok ? 'OK' : statusName(outcome.code));
          if (outcome.ok) {
            callback(null, outcome.value);
            return;
          }
          const trailers = new grpc.Metadata();
          if (outcome.hint !== undefined) trailers.set(LEADER_HINT_TRAILER, Buffer.from(LeaderHintCodec.encode(outcome.hint)));
          for (const [k, v] of Object.entries(outcome.trailers ?? {})) trailers.set(k, v);
          callback({ code: outcome.code, details: outcome.message, metadata: trailers });
        };
        const authToken = this.options.authToken;
        if (authToken !== undefined && !authToken.matches(bearerToken(call.metadata.get(AUTH_METADATA_KEY)[0]))) {
          finish({ ok: false, code: grpc.status.UNAUTHENTICATED, message: 'missing or wrong token' });
          this.closeCallerConnection(call.getPeer());
          return;
        }
        const decoded = call.request;
        if (!decoded.ok) {
          finish({ ok: false, code: grpc.status.INVALID_ARGUMENT, message: decoded.message });
          return;
        }
        if (handler === undefined) {
          finish({ ok: false, code: grpc.status.UNIMPLEMENTED, message: `${name} is not implemented by this server yet (docs/grpc.md)` });
          return;
        }
        handler(decoded.value, call.metadata).then(finish, (e: unknown) => finish({ ok: false, code: grpc.status.INTERNAL, message: e instanceof Error ? e.message : String(e) }));
      };
    }
    return implementation;
  }

  /** The gRPC status of a serving node failure (the not-leader hint included). */
  private failure(answer: WireFailure): RpcOutcome<never> {
    switch (answer.code) {
      case 'NOT_LEADER': {
        const endpoint = answer.leaderEndpoint === undefined ? null : (this.options.hintEndpoint?.(answer.leaderEndpoint) ?? null);
        const hint: LeaderHint = {
          ...(endpoint !== null ? { leaderEndpoint: endpoint } : {}),
          ...(answer.leaderEpoch !== undefined ? { leaderEpoch: epochToWire(answer.leaderEpoch) } : {}),
        };
        const known = hint.leaderEndpoint !== undefined || hint.leaderEpoch !== undefined;
        return { ok: false, code: grpc.status.FAILED_PRECONDITION, message: 'not leader', ...(known ? { hint } : {}) };
      }
      case 'INVALID_ARGUMENT':
        // A driver without the call (e.g. getSeqBatch) refuses before anything is written.
        if (answer.message.startsWith('UNIMPLEMENTED:')) return { ok: false, code: grpc.status.UNIMPLEMENTED, message: answer.message };
        return { ok: false, code: grpc.status.INVALID_ARGUMENT, message: answer.message };
      case 'RESOURCE_EXHAUSTED':
        return { ok: false, code: grpc.status.RESOURCE_EXHAUSTED, message: answer.message };
      case 'UNAVAILABLE':
        return { ok: false, code: grpc.status.UNAVAILABLE, message: answer.message };
      case 'SEQ_SESSION_EXPIRED':
        return {
          ok: false,
          code: grpc.status.ABORTED,
          message: `SEQ_SESSION_EXPIRED: ${answer.message}`,
          ...(answer.requestIdsFrom !== undefined ? { trailers: { 'tsoracle-seq-request-ids-from': answer.requestIdsFrom.toString() } } : {}),
        };
      case 'INTERNAL':
        return { ok: false, code: grpc.status.INTERNAL, message: answer.message };
    }
  }

  private async getTs(request: GetTsRequest): Promise<RpcOutcome<GetTsResponse>> {
    const answer = await this.options.node.getTs(request.count);
    if (!answer.ok) return this.failure(answer);
    const epoch = epochToWire(answer.epoch);
    return { ok: true, value: { physicalMs: BigInt(answer.physicalMs), logicalStart: answer.logicalStart, count: answer.count, epochHi: epoch.hi, epochLo: epoch.lo } };
  }

  /**
   * The (clientId, requestId) pair of a GetSeq or GetSeqBatch call: the caller's metadata pair,
   * null for a malformed one, or 'mint' when the caller sent neither.
   */
  private callerSeqIds(metadata: grpc.Metadata): { readonly clientId: bigint; readonly requestId: bigint } | null | 'mint' {
    const clientIdText = metadata.get(SEQ_CLIENT_ID_METADATA)[0];
    const requestIdText = metadata.get(SEQ_REQUEST_ID_METADATA)[0];
    if (clientIdText === undefined && requestIdText === undefined) return 'mint';
    const clientId = typeof clientIdText === 'string' ? parseU64(clientIdText) : null;
    const requestId = typeof requestIdText === 'string' ? parseU64(requestIdText) : null;
    return clientId === null || requestId === null ? null : { clientId, requestId };
  }

  /**
   * Applies one sequence request under the caller's ids, or under ids minted here. A minted id is
   * sent once: SEQ_SESSION_EXPIRED for it (many calls in flight pushed the session's window past
   * it) proves it was never applied, so a fresh id is safe.
   */
  private async applySeq<A extends SeqAnswer | SeqBatchAnswer>(metadata: grpc.Metadata, apply: (clientId: bigint, requestId: bigint) => Promise<A>): Promise<A | WireFailure> {
    const ids = this.callerSeqIds(metadata);
    if (ids === null) {
      return { ok: false, code: 'INVALID_ARGUMENT', message: `${SEQ_CLIENT_ID_METADATA} and ${SEQ_REQUEST_ID_METADATA} go together, each a decimal u64` };
    }
    if (ids !== 'mint') return apply(ids.clientId, ids.requestId);
    for (let attempt = 0; ; attempt++) {
      const requestId = this.nextSeqRequestId;
      this.nextSeqRequestId += 1n;
      const answer = await apply(this.seqClientId, requestId);
      if (answer.ok || answer.code !== 'SEQ_SESSION_EXPIRED' || attempt >= 3) return answer;
      if (answer.requestIdsFrom !== undefined && answer.requestIdsFrom > this.nextSeqRequestId) this.nextSeqRequestId = answer.requestIdsFrom;
    }
  }

  private async getSeq(request: GetSeqRequest, metadata: grpc.Metadata): Promise<RpcOutcome<GetSeqResponse>> {
    const answer = await this.applySeq(metadata, (clientId, requestId) => this.options.node.getSeq({ key: request.key, count: request.count, clientId, requestId }));
    if (!answer.ok) return this.failure(answer);
    return { ok: true, value: { key: request.key, start: answer.start, count: answer.count, epoch: epochToWire(answer.epoch) } };
  }

  /** All or nothing; grants in request order; the nested epoch always set on success. */
  private async getSeqBatch(request: GetSeqBatchRequest, metadata: grpc.Metadata): Promise<RpcOutcome<GetSeqBatchResponse>> {
    const entries = request.entries.map((e) => ({ key: e.key, count: e.count }));
    const answer = await this.applySeq(metadata, (clientId, requestId) => this.options.node.getSeqBatch({ entries, clientId, requestId }));
    if (!answer.ok) return this.failure(answer);
    return { ok: true, value: { grants: answer.grants.map((g) => ({ key: g.key, start: g.start, count: g.count })), epoch: epochToWire(answer.epoch) } };
  }

  /**
   * A lease refusal (the original's statuses, without a hint trailer): an unknown lease id is
   * NOT_FOUND; a stale holder epoch, an expired or superseded lease FAILED_PRECONDITION with the
   * lease code first in the message; the rest as every other call.
   */
  private leaseFailure(answer: LeaseWireFailure): RpcOutcome<never> {
    if (answer.code === 'NOT_FOUND') return { ok: false, code: grpc.status.NOT_FOUND, message: answer.message };
    if (answer.code === 'FAILED_PRECONDITION') return { ok: false, code: grpc.status.FAILED_PRECONDITION, message: answer.message };
    return this.failure(answer as WireFailure);
  }

  private leaseGranted(answer: Extract<LeaseAnswer, { ok: true }>): { tsUpperBound: bigint; expiresAtMs: bigint; epoch: ReturnType<typeof epochToWire> } {
    return { tsUpperBound: BigInt(answer.tsUpperBoundMs), expiresAtMs: BigInt(answer.expiresAtMs), epoch: epochToWire(answer.epoch) };
  }

  /** ttl_ms is a u64 on the wire: one above what a number holds exactly is out of bounds anyway. */
  private async acquireLease(request: AcquireLeaseRequest): Promise<RpcOutcome<AcquireLeaseResponse>> {
    const ttlMs = request.ttlMs > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(request.ttlMs);
    const answer = await this.options.node.acquireLease({ holder: request.holder, holderEpoch: request.holderEpoch, ttlMs });
    if (!answer.ok) return this.leaseFailure(answer);
    return { ok: true, value: { leaseId: answer.leaseId, ...this.leaseGranted(answer) } };
  }

  private async renewLease(request: RenewLeaseRequest): Promise<RpcOutcome<RenewLeaseResponse>> {
    const answer: LeaseAnswer = await this.options.node.renewLease(request.leaseId);
    if (!answer.ok) return this.leaseFailure(answer);
    return { ok: true, value: this.leaseGranted(answer) };
  }

  private async releaseLease(request: ReleaseLeaseRequest): Promise<RpcOutcome<ReleaseLeaseResponse>> {
    const answer: LeaseReleaseAnswer = await this.options.node.releaseLease(request.leaseId);
    if (!answer.ok) return this.leaseFailure(answer);
    return { ok: true, value: {} };
  }

  /** Any node: a follower (or a leader before its first window) answers 0 with epoch 0, never a redirect. */
  private getCurrentMaxSafe(): RpcOutcome<GetCurrentMaxSafeResponse> {
    const answer = this.options.node.getCurrentMaxSafe();
    const epoch = epochToWire(answer.epoch);
    return { ok: true, value: { maxSafePhysicalMs: BigInt(answer.physicalMs), epochHi: epoch.hi, epochLo: epoch.lo } };
  }

  /** Any node: a follower answers 0 with epoch 0 (without leases, the leader's committed high-water). */
  private getSafeFrontier(): RpcOutcome<GetSafeFrontierResponse> {
    const answer = this.options.node.getSafeFrontier();
    const epoch = epochToWire(answer.epoch);
    return { ok: true, value: { frontierPhysicalMs: BigInt(answer.physicalMs), epochHi: epoch.hi, epochLo: epoch.lo } };
  }

  /**
   * Stops accepting connections, lets calls in flight finish for up to `graceMs`, then destroys
   * every session and socket. Idempotent.
   */
  close(graceMs: number): Promise<void> {
    this.closed ??= (async () => {
      const listenerClosed = new Promise<void>((resolve) => this.netServer.close(() => resolve()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.grpcServer.forceShutdown();
          resolve();
        }, graceMs);
        this.grpcServer.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.injector.destroy();
      for (const socket of this.sockets) socket.destroy();
      await listenerClosed;
    })();
    return this.closed;
  }
}
