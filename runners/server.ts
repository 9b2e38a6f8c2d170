// The embeddable server: hosts a serving node, the client protocol on TCP (and, with --grpc-listen,
// the tsoracle.v1 gRPC service on the same node: runners/grpc-server.ts) and the HTTP endpoints
// (/metrics, /healthz, /readyz) in the caller's process, with the consensus driver of the
// caller's choice (the file driver on a data directory by default). `tsoracle serve file` is a
// thin wrapper around it. `close()` is graceful and bounded: it stops accepting, lets requests
// in flight finish for a grace period, then closes connections, the driver and the HTTP port.
//
// Addresses and the data directory are checked before anything is opened or written (a bad one
// is refused with INVALID_CONFIG, a data directory that cannot be one with a DiskError), and a
// port that cannot be bound is reported with the option and the address it came from: the
// bare `listen EADDRINUSE` of Node names neither.
//
// HTTPS (`httpTls`): the HTTP port serves TLS with the same certificate as the client port, and
// with its CA requires client certificates (mTLS), like every other port. A plaintext request is
// never answered: its handshake fails and the socket is closed. `reloadTls` swaps the HTTP port's
// material with the others' (new handshakes; the listener and open connections stay).

import type { LeasePolicy } from '../core/oracle/leases.js';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { TsoError } from '../core/errors.js';
import {
  CONNECTION_BUFFER_BUDGET_BYTES_DEFAULT,
  DATA_DIR_DEFAULT,
  FRAME_TIMEOUT_MS_DEFAULT,
  HTTP_LISTEN_ADDRESS_DEFAULT,
  LISTEN_ADDRESS_DEFAULT,
  SERVER_CONNECTIONS_PER_PEER_MAX_DEFAULT,
  SERVER_IDLE_TIMEOUT_MS_DEFAULT,
} from '../core/limits.js';
import type { ConsensusDriver } from '../drivers/driver.js';
import { FileDriver, type FileDriverOptions } from '../drivers/file/file-driver.js';
import { NodeClock } from '../drivers/node/clock.js';
import { NodeDisk } from '../drivers/node/disk.js';
import type { AuthToken } from '../drivers/node/auth-token.js';
import { NodeTransport, tlsServerContext, type TlsServerOptions } from '../drivers/node/transport.js';
import { DiskError, formatHostPort, parseHostPort, type Clock, type HostPort, type Transport } from '../drivers/ports.js';
import { ProtocolServer } from '../drivers/server/protocol-server.js';
import { ServingNode, type ServingEvent } from '../drivers/server/serving-node.js';
import type { TsoGrpcServer } from '../drivers/grpc/tso-grpc-server.js';
import { PrometheusMetrics } from './metrics.js';
import { checkHttpTls } from './tls-config.js';
import { countingMetrics, HEARTBEAT_INTERVAL_MS_DEFAULT, startHeartbeat, type HeartbeatCounts } from './heartbeat.js';

export interface ServerOptions {
  /** The consensus driver; default: the file driver on `dataDir`. The server closes it on close(). */
  readonly driver?: ConsensusDriver;
  /** Data directory of the default file driver. */
  readonly dataDir?: string;
  readonly fileDriver?: FileDriverOptions;
  /** Client protocol address, `host:port` (port 0 picks a free port). */
  readonly listen?: string;
  /** HTTP address for /metrics, /healthz, /readyz; `null` disables HTTP. */
  readonly httpListen?: string | null;
  /** Appended to the error when the HTTP address cannot be bound (e.g. how a default was chosen). */
  readonly httpListenHint?: string;
  readonly windowAheadMs?: number;
  readonly failoverAdvanceMs?: number;
  /** Most entries one getSeqBatch may carry (1..128, default 128). */
  readonly seqBatchKeysMax?: number;
  /** Stamping-lease TTL bounds and live-lease cap (default 5 s..300 s, 1,024). */
  readonly leasePolicy?: LeasePolicy;
  /** The status heartbeat's interval (runners/heartbeat.ts; default 10 s, 0 off). */
  readonly heartbeatIntervalMs?: number;
  /** How long close() lets requests in flight finish. */
  readonly shutdownGraceMs?: number;
  readonly log?: (line: string) => void;
  readonly transport?: Transport;
  readonly clock?: Clock;
  /**
   * Resolve only once this node serves timestamps (default true). A replicated driver's follower
   * never serves, yet must accept clients to answer NOT_LEADER with the leader hint: pass false.
   */
  readonly waitUntilServing?: boolean;
  /** The client connections' defences (docs/protocol.md §5); each defaults to its core/limits.ts value. */
  readonly connectionLimits?: ConnectionLimits;
  /** tsoracle.v1.TsoService gRPC address, `host:port`; null or absent: no gRPC port (docs/grpc.md). */
  readonly grpcListen?: string | null;
  /** The leader's gRPC endpoint from its native service endpoint, for not-leader hints. */
  readonly grpcHintEndpoint?: (serviceEndpoint: string) => string | null;
  /** TLS on the native client port (the default transport only) and the gRPC port; with `ca`, mTLS. */
  readonly tls?: TlsServerOptions;
  /** A token every gRPC call and the first request of every native connection must carry (docs/security.md); never logged. */
  readonly authToken?: AuthToken;
  /**
   * The HTTP port serves HTTPS with `tls` (with its `ca`, client certificates are required);
   * INVALID_CONFIG without `tls`. Default false: plaintext HTTP (docs/security.md says why).
   */
  readonly httpTls?: boolean;
}

/** Flags of `serve file` / `serve raft` (--connections-per-peer-max, --idle-timeout, ...). */
export interface ConnectionLimits {
  readonly connectionsPerPeerMax?: number;
  /** 0 disables the idle timeout. */
  readonly idleTimeoutMs?: number;
  /** At the connection cap, a connection idle this long gives way to a new one; 0 never. */
  readonly idleEvictAfterMs?: number;
  /** 0 disables the frame deadline. Applies to the default transport only. */
  readonly frameTimeoutMs?: number;
  /** Applies to the default transport only. */
  readonly bufferBudgetBytes?: number;
}

export interface TsoServer {
  /** The bound client-protocol address. */
  readonly address: HostPort;
  /** The bound HTTP address, or null when HTTP is off. */
  readonly httpAddress: HostPort | null;
  /** The HTTP port speaks TLS (HTTPS). */
  readonly httpTls: boolean;
  /** The bound gRPC address, or null when gRPC is off. */
  readonly grpcAddress: HostPort | null;
  readonly node: ServingNode;
  readonly metrics: PrometheusMetrics;
  /**
   * Swaps the TLS certificate, key and CA of the client and gRPC ports (and of the HTTP port with
   * `httpTls`) for new handshakes (open connections and listeners stay); INVALID_CONFIG, nothing
   * changed, when the material does not load or the server was started without TLS. The CLI
   * calls it on SIGHUP.
   */
  reloadTls(tls: TlsServerOptions): void;
  close(): Promise<void>;
}

function parseAddress(text: string, flag: string): HostPort {
  const parsed = parseHostPort(text);
  if (parsed === null) throw new TsoError('INVALID_CONFIG', `${flag} must be host:port (port 0 to 65535), got ${JSON.stringify(text)}`);
  return parsed;
}

/** Why binding failed, in words, from Node's errno (the OS message alone does not say what to do). */
function bindFailureReason(errno: unknown, fallback: string): string {
  switch (errno) {
    case 'EADDRINUSE':
      return 'address in use (another process listens there; pick another port or stop it)';
    case 'EADDRNOTAVAIL':
      return 'address not available (no network interface of this machine has that IP)';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    default:
      return fallback;
  }
}

/** The errno of a failed bind: a Node system error's, or the one the transport's TRANSPORT error carries. */
function bindErrno(error: unknown): string | undefined {
  if (error instanceof TsoError) {
    const errno = error.code === 'TRANSPORT' ? error.details?.['errno'] : undefined;
    return typeof errno === 'string' ? errno : undefined;
  }
  const system = error as NodeJS.ErrnoException | null;
  return typeof system === 'object' && system !== null && typeof system.syscall === 'string' && typeof system.code === 'string' ? system.code : undefined;
}

/**
 * The error for a listener that could not bind `address` given by `flag`: TRANSPORT, naming the
 * flag and the address, e.g. `--http-listen 127.0.0.1:9464: address in use (...)`. Takes both a
 * Node error (errno in `code`) and the transport's TsoError (errno in `details.errno`); returns
 * any other error as it is.
 */
export function listenError(error: unknown, flag: string, address: HostPort, hint?: string): unknown {
  const errno = bindErrno(error);
  // Anything else (a disk error, a bug) passes through unchanged.
  if (errno === undefined) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TsoError('TRANSPORT', `${flag} ${formatHostPort(address)}: ${bindFailureReason(errno, message)}${hint === undefined ? '' : `; ${hint}`}`, { errno });
}

/**
 * Checks, without writing anything, that `dataDir` is or can become a directory this process
 * writes in: it is a directory, or its nearest existing ancestor is one. Refuses a regular file
 * (`data dir D is not a directory`, DISK_EXISTS) and an unwritable place (DISK_IO) before a
 * driver creates or locks anything.
 */
export function checkDataDir(dataDir: string): void {
  let existing = resolve(dataDir);
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(existing).isDirectory();
    } catch (error) {
      const errno = (error as NodeJS.ErrnoException).code;
      const parent = dirname(existing);
      if ((errno === 'ENOENT' || errno === 'ENOTDIR') && parent !== existing) {
        existing = parent;
        continue;
      }
      throw new DiskError('DISK_IO', `data dir ${dataDir}: cannot inspect ${existing}: ${(error as Error).message}`);
    }
    if (!isDirectory) {
      if (existing === resolve(dataDir)) throw new DiskError('DISK_EXISTS', `data dir ${dataDir} is not a directory`);
      throw new DiskError('DISK_EXISTS', `data dir ${dataDir} cannot be created: ${existing} is not a directory`);
    }
    try {
      accessSync(existing, fsConstants.W_OK | fsConstants.X_OK);
    } catch (error) {
      throw new DiskError('DISK_IO', `data dir ${dataDir}: ${existing} is not writable by this process (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    return;
  }
}

/** A handshake on the HTTPS port must finish this long after the TCP accept, or the socket is destroyed. */
const HTTPS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The HTTP or HTTPS server of /metrics, /healthz, /readyz; with `tls`, mTLS when it has a CA. */
function createHttpListener(handler: (req: IncomingMessage, res: ServerResponse) => void, tls: TlsServerOptions | null): HttpServer | HttpsServer {
  if (tls === null) return createHttpServer(handler);
  const server = createHttpsServer(
    {
      cert: tls.cert,
      key: tls.key,
      handshakeTimeout: HTTPS_HANDSHAKE_TIMEOUT_MS,
      ...(tls.ca !== undefined ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
    },
    handler,
  );
  // A failed handshake (plaintext, no or a foreign client certificate) only closes that socket.
  server.on('tlsClientError', () => undefined);
  return server;
}

function listenHttp(server: HttpServer | HttpsServer, address: HostPort, hint: string | undefined): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(listenError(error, '--http-listen', address, hint) as Error);
    server.once('error', failed);
    server.listen(address.port, address.host, () => {
      server.off('error', failed);
      const bound = server.address() as AddressInfo;
      resolve({ host: address.host, port: bound.port });
    });
  });
}

/** Starts a server; resolves once it accepts requests on both ports and (by default) serves timestamps. */
export async function startServer(options: ServerOptions = {}): Promise<TsoServer> {
  const log = options.log ?? (() => {});
  const listen = parseAddress(options.listen ?? LISTEN_ADDRESS_DEFAULT, '--listen');
  const httpListen = options.httpListen === null ? null : parseAddress(options.httpListen ?? HTTP_LISTEN_ADDRESS_DEFAULT, '--http-listen');
  const grpcListen = options.grpcListen === undefined || options.grpcListen === null ? null : parseAddress(options.grpcListen, '--grpc-listen');
  const httpTls = options.httpTls === true ? (options.tls ?? null) : null;
  checkHttpTls(options.httpTls === true, options.tls, httpListen === null);
  if (httpTls !== null) tlsServerContext(httpTls); // INVALID_CONFIG before anything is opened when the material does not load
  const clock = options.clock ?? new NodeClock();
  const limits = options.connectionLimits ?? {};
  const idleTimeoutMs = limits.idleTimeoutMs ?? SERVER_IDLE_TIMEOUT_MS_DEFAULT;
  let socketsDropped = (): void => {};
  const nodeTransport =
    options.transport === undefined
      ? new NodeTransport({
          frameTimeoutMs: limits.frameTimeoutMs ?? FRAME_TIMEOUT_MS_DEFAULT,
          bufferBudgetBytes: limits.bufferBudgetBytes ?? CONNECTION_BUFFER_BUDGET_BYTES_DEFAULT,
          onSocketDropped: () => socketsDropped(),
          ...(options.tls !== undefined ? { tlsServer: options.tls } : {}),
        })
      : null;
  const transport = options.transport ?? (nodeTransport as NodeTransport);
  const dataDir = options.dataDir ?? DATA_DIR_DEFAULT;
  if (options.driver === undefined) checkDataDir(dataDir);
  const driver = options.driver ?? (await FileDriver.open(new NodeDisk(), dataDir, options.fileDriver ?? {}));
  const metrics = new PrometheusMetrics({ collectDefaults: true });
  socketsDropped = () => metrics.connectionRefused('listener_sockets_max');
  if (nodeTransport !== null) metrics.observeBufferedBytes(() => nodeTransport.bufferedBytes);
  const heartbeatCounts: HeartbeatCounts = { requests: 0, timestampsIssued: 0, seqValuesIssued: 0, notLeader: 0, transitions: 0, fenceRetries: 0 };
  const node = new ServingNode({
    driver,
    clock,
    metrics: countingMetrics(metrics, heartbeatCounts),
    ...(options.windowAheadMs !== undefined ? { windowAheadMs: options.windowAheadMs } : {}),
    ...(options.failoverAdvanceMs !== undefined ? { failoverAdvanceMs: options.failoverAdvanceMs } : {}),
    ...(options.seqBatchKeysMax !== undefined ? { seqBatchKeysMax: options.seqBatchKeysMax } : {}),
    ...(options.leasePolicy !== undefined ? { leasePolicy: options.leasePolicy } : {}),
    onEvent: (e: ServingEvent) => {
      if (e.kind === 'serving') log(`serving epoch ${e.epoch} from ${e.floorMs} ms, high-water ${e.highWaterMs} ms`);
      else if (e.kind === 'poisoned') log(`stopped serving: ${e.reason}`);
      else if (e.kind === 'fence-retry') log(`fence retry (${e.code})`);
    },
  });
  let protocol: ProtocolServer | null = null;
  let http: HttpServer | HttpsServer | null = null;
  let grpcServer: TsoGrpcServer | null = null;
  try {
    node.start();
    protocol = await ProtocolServer.start({
      node,
      transport,
      clock,
      listen,
      metrics,
      connectionsPerPeerMax: limits.connectionsPerPeerMax ?? SERVER_CONNECTIONS_PER_PEER_MAX_DEFAULT,
      ...(idleTimeoutMs > 0 ? { idleTimeoutMs } : {}),
      ...(limits.idleEvictAfterMs !== undefined ? { idleEvictAfterMs: limits.idleEvictAfterMs === 0 ? Number.POSITIVE_INFINITY : limits.idleEvictAfterMs } : {}),
      ...(options.authToken !== undefined ? { authToken: options.authToken } : {}),
    }).catch((e: unknown) => {
      throw listenError(e, '--listen', listen);
    });
    if (grpcListen !== null) {
      // Imported only when asked for: grpc-js is not loaded by a server (or CLI run) without gRPC.
      const { startGrpcListener } = await import('./grpc-server.js');
      grpcServer = await startGrpcListener({
        node,
        listen: grpcListen,
        registry: metrics.registry,
        ...(options.grpcHintEndpoint !== undefined ? { hintEndpoint: options.grpcHintEndpoint } : {}),
        ...(options.tls !== undefined ? { tls: options.tls } : {}),
        ...(options.authToken !== undefined ? { authToken: options.authToken } : {}),
      }).catch((e: unknown) => {
        throw listenError(e, '--grpc-listen', grpcListen);
      });
    }
    let httpAddress: HostPort | null = null;
    if (httpListen !== null) {
      http = createHttpListener((req, res) => {
        const url = req.url ?? '/';
        if (req.method !== 'GET') {
          res.writeHead(405).end();
        } else if (url === '/metrics') {
          metrics.text().then(
            (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
            (e: unknown) => res.writeHead(500).end(String(e)),
          );
        } else if (url === '/healthz') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        } else if (url === '/readyz') {
          // Ready only if a getTs arriving now would be granted: serving, and (for a replicated
          // driver) holding the lease the grant checks. The lease can lapse before the driver steps
          // down (etcd: its keep-alive loop may be stuck in a request to an etcd without quorum).
          const ready = node.isServing && ((driver as ConsensusDriver).hasLease?.() ?? true);
          res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'serving\n' : 'not serving\n');
        } else {
          res.writeHead(404).end();
        }
      }, httpTls);
      httpAddress = await listenHttp(http, httpListen, options.httpListenHint);
    }
    if (options.waitUntilServing !== false) await node.waitUntilServing(30_000);
    const bound = protocol.address;
    const heartbeat = startHeartbeat(options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS_DEFAULT, node, heartbeatCounts, log);
    let closing: Promise<void> | null = null;
    const server: TsoServer = {
      address: bound,
      httpAddress,
      httpTls: httpAddress !== null && httpTls !== null,
      grpcAddress: grpcServer?.address ?? null,
      node,
      metrics,
      reloadTls: (tls: TlsServerOptions) => {
        if (options.tls === undefined) throw new TsoError('INVALID_CONFIG', 'this server was started without TLS: there is nothing to reload');
        tlsServerContext(tls);
        nodeTransport?.reloadTls(tls);
        grpcServer?.reloadTls(tls);
        if (httpTls !== null) (http as HttpsServer).setSecureContext({ cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) });
      },
      close: () => {
        closing ??= (async () => {
          heartbeat.stop();
          await Promise.all([protocol?.close(options.shutdownGraceMs ?? 2_000), grpcServer?.close(options.shutdownGraceMs ?? 2_000)]);
          await node.close();
          await driver.close();
          if (http !== null) {
            http.closeAllConnections();
            await new Promise<void>((resolve) => http?.close(() => resolve()));
          }
        })();
        return closing;
      },
    };
    return server;
  } catch (e) {
    await protocol?.close(0).catch(() => {});
    await grpcServer?.close(0).catch(() => {});
    await node.close().catch(() => {});
    await driver.close().catch(() => {});
    http?.close();
    throw e;
  }
}
