// `tsoracle serve etcd`: a stateless tsoracle node whose state lives in an existing etcd cluster
// (drivers/etcd, docs/etcd.md). Several nodes point at the same etcd and the same --cluster: one
// leads (it holds the leader key), the others answer NOT_LEADER with its endpoint as the hint.
//
// Configuration is checked before anything is opened, and refused with a clear message (TsoError
// INVALID_CONFIG): malformed --etcd-endpoints, --cluster or --prefix, a lease too short for the
// drift and margin, a malformed --listen/--advertise/--http-listen. At start etcd must answer
// /version within the request deadline and be at least 3.4 (the v3 JSON gateway the client uses);
// otherwise the start fails naming the endpoints (TsoError UNAVAILABLE / DRIVER_PERMANENT).
//
// Like `serve raft`, the server accepts clients before it leads (`serving on H:P` as soon as it
// is bound); /readyz answers 200 only while this node serves and holds its lease. The advertised
// endpoint (the leader key's value) is --advertise, else the bound client address.
import client from 'prom-client';
import { TsoError } from '../core/errors.js';
import type { LeasePolicy } from '../core/oracle/leases.js';
import { NodeClock } from '../drivers/node/clock.js';
import { formatHostPort, parseHostPort, type HostPort } from '../drivers/ports.js';
import { EtcdHttpClient, EtcdUnavailableError, parseEtcdEndpoints, ETCD_REQUEST_TIMEOUT_MS_DEFAULT } from '../drivers/etcd/etcd-client.js';
import {
  ETCD_CLOCK_DRIFT_BOUND_DEFAULT,
  ETCD_LEASE_TTL_SECONDS_DEFAULT,
  EtcdDriver,
  etcdPrefixOf,
  type EtcdDriverEvent,
} from '../drivers/etcd/etcd-driver.js';
import type { AuthToken } from '../drivers/node/auth-token.js';
import type { TlsServerOptions } from '../drivers/node/transport.js';
import { startServer, type ConnectionLimits, type TsoServer } from './server.js';
import { checkHttpTls } from './tls-config.js';

/** The oldest etcd whose v3 JSON gateway answers at /v3/ (3.3 served it at /v3beta/). */
export const ETCD_VERSION_MIN = [3, 4] as const;

export interface EtcdServerOptions {
  /** `http://H:P,http://H:P` (or `H:P,...`). */
  readonly etcdEndpoints: string;
  /** Cluster name: the key prefix is `/tsoracle/<cluster>` unless `prefix` is given. */
  readonly cluster: string;
  readonly prefix?: string;
  /** Client protocol bind address (default 127.0.0.1:0). */
  readonly listen?: string;
  /** The endpoint clients are redirected to (default: the bound --listen address). */
  readonly advertise?: string;
  /** HTTP bind address; null disables HTTP (default 127.0.0.1:0). */
  readonly httpListen?: string | null;
  readonly leaseTtlSeconds?: number;
  readonly clockDriftBound?: number;
  readonly windowAheadMs?: number;
  readonly failoverAdvanceMs?: number;
  /** Most keys one getSeqBatch may name (default SEQ_BATCH_KEYS_DEFAULT). */
  readonly seqBatchKeysMax?: number;
  /** The stamping-lease policy (the set itself lives in etcd, under `<prefix>/leases`). */
  readonly leasePolicy?: LeasePolicy;
  readonly connectionLimits?: ConnectionLimits;
  /** TLS on the client port (and, with `httpTls`, the HTTP port); with `ca`, mTLS. The connection to etcd stays plaintext HTTP. */
  readonly tls?: TlsServerOptions;
  /** The HTTP port serves HTTPS with `tls` (startServer's `httpTls`). */
  readonly httpTls?: boolean;
  /** A token the first request of every client connection must carry (docs/security.md); never logged. */
  readonly authToken?: AuthToken;
  readonly log?: (line: string) => void;
}

export interface EtcdServer extends TsoServer {
  readonly driver: EtcdDriver;
}

function invalid(message: string): TsoError {
  return new TsoError('INVALID_CONFIG', message);
}

function bindAddress(text: string, flag: string): HostPort {
  const address = parseHostPort(text);
  if (address === null) throw invalid(`${flag} must be host:port (port 0 to 65535), got ${JSON.stringify(text)}`);
  return address;
}

function describe(event: EtcdDriverEvent): string {
  switch (event.kind) {
    case 'leadership': {
      const s = event.state;
      if (s.kind === 'leader') return `etcd: leading epoch ${s.epoch}`;
      if (s.kind === 'follower') return `etcd: following ${s.leaderEndpoint ?? '?'} (epoch ${s.leaderEpoch ?? '?'})`;
      return 'etcd: leader unknown';
    }
    case 'stepped-down':
      return `etcd: stepped down: ${event.reason}`;
    case 'etcd-unavailable':
      return `etcd: unavailable: ${event.message}`;
  }
}

/** Checks etcd answers and is recent enough; throws a TsoError naming the endpoints otherwise. */
export async function checkEtcd(etcd: EtcdHttpClient, endpoints: readonly string[]): Promise<string> {
  let version: string;
  try {
    version = await etcd.version();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new TsoError(e instanceof EtcdUnavailableError ? 'UNAVAILABLE' : 'DRIVER_PERMANENT', `etcd at ${endpoints.join(',')} cannot be reached: ${why}`);
  }
  const m = /^(\d+)\.(\d+)/.exec(version);
  const [major, minor] = m === null ? [0, 0] : [Number(m[1]), Number(m[2])];
  if (major < ETCD_VERSION_MIN[0] || (major === ETCD_VERSION_MIN[0] && minor < ETCD_VERSION_MIN[1])) {
    throw new TsoError('DRIVER_PERMANENT', `etcd at ${endpoints.join(',')} is version ${version}; tsoracle needs ${ETCD_VERSION_MIN.join('.')} or later`);
  }
  return version;
}

/** Starts the etcd driver and the server; resolves once clients are accepted (leading or not). */
export async function startEtcdServer(options: EtcdServerOptions): Promise<EtcdServer> {
  const log = options.log ?? (() => {});
  let endpoints: string[];
  let prefix: string;
  try {
    endpoints = parseEtcdEndpoints(options.etcdEndpoints);
    prefix = options.prefix ?? etcdPrefixOf(options.cluster);
  } catch (e) {
    throw invalid(e instanceof Error ? e.message : String(e));
  }
  if (!/^\/[^\s]*[^/\s]$/.test(prefix)) throw invalid(`--prefix ${JSON.stringify(prefix)} must start with '/', not end with '/', and hold no spaces`);
  const listen = formatHostPort(bindAddress(options.listen ?? '127.0.0.1:0', '--listen'));
  const httpListen = options.httpListen === null ? null : formatHostPort(bindAddress(options.httpListen ?? '127.0.0.1:0', '--http-listen'));
  checkHttpTls(options.httpTls === true, options.tls, httpListen === null);
  if (options.advertise !== undefined) {
    const advertised = parseHostPort(options.advertise);
    if (advertised === null || advertised.port === 0) throw invalid(`--advertise must be host:port with a port from 1 to 65535, got ${JSON.stringify(options.advertise)}`);
  }
  const clock = new NodeClock();
  const etcd = new EtcdHttpClient(endpoints, ETCD_REQUEST_TIMEOUT_MS_DEFAULT);
  let driver: EtcdDriver;
  let driverRef: EtcdDriver | null = null;
  const leaderGauge = new client.Gauge({
    name: 'tsoracle_etcd_leader',
    help: '1 while this node holds the etcd leader key and its lease, else 0.',
    registers: [],
    collect() {
      this.set(driverRef?.hasLease() === true ? 1 : 0);
    },
  });
  const unavailable = new client.Counter({ name: 'tsoracle_etcd_unavailable_total', help: 'etcd requests of the leadership loop that failed or timed out.', registers: [] });
  const stepDowns = new client.Counter({ name: 'tsoracle_etcd_step_downs_total', help: 'Times this node gave up leadership (lease deadline, lost key, fenced write).', registers: [] });
  try {
    driver = new EtcdDriver({
      client: etcd,
      clock,
      prefix,
      leaseTtlSeconds: options.leaseTtlSeconds ?? ETCD_LEASE_TTL_SECONDS_DEFAULT,
      clockDriftBound: options.clockDriftBound ?? ETCD_CLOCK_DRIFT_BOUND_DEFAULT,
      onEvent: (event) => {
        if (event.kind === 'etcd-unavailable') unavailable.inc();
        if (event.kind === 'stepped-down') stepDowns.inc();
        log(describe(event));
      },
    });
  } catch (e) {
    throw invalid(e instanceof Error ? e.message : String(e));
  }
  const version = await checkEtcd(etcd, endpoints);
  log(`etcd: ${endpoints.join(',')} (version ${version}), keys under ${prefix}/`);
  const server = await startServer({
    driver,
    clock,
    listen,
    httpListen,
    waitUntilServing: false,
    log,
    ...(options.windowAheadMs !== undefined ? { windowAheadMs: options.windowAheadMs } : {}),
    ...(options.failoverAdvanceMs !== undefined ? { failoverAdvanceMs: options.failoverAdvanceMs } : {}),
    ...(options.seqBatchKeysMax !== undefined ? { seqBatchKeysMax: options.seqBatchKeysMax } : {}),
    ...(options.connectionLimits !== undefined ? { connectionLimits: options.connectionLimits } : {}),
    ...(options.leasePolicy !== undefined ? { leasePolicy: options.leasePolicy } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.httpTls === true ? { httpTls: true } : {}),
    ...(options.authToken !== undefined ? { authToken: options.authToken } : {}),
  });
  driverRef = driver;
  for (const metric of [leaderGauge, unavailable, stepDowns]) server.metrics.registry.registerMetric(metric);
  driver.start(options.advertise ?? formatHostPort(server.address));
  return { ...server, close: () => server.close(), driver };
}
