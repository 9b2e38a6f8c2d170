// `tsoracle serve raft`: one member of a Raft cluster. The raft driver (drivers/raft) runs on the
// Node ports (NodeDisk with fsync, NodeTransport over TCP for peers, NodeClock, Math.random), and
// the embeddable server (server.ts) hosts the serving node, the client protocol and HTTP on top.
//
// Configuration is checked before anything is opened or written, and refused with a clear
// message (TsoError INVALID_CONFIG): a malformed peer list, an id that is not in it, duplicate ids
// or addresses, more voters than RAFT_VOTERS_MAX, bad timeouts, a malformed --listen or
// --http-listen; so is a data directory that cannot be one (checkDataDir: a regular file, an
// unwritable place). The data directory is refused at open when it belongs to another node or
// cluster (drivers/raft/meta.ts). A Raft address that cannot be bound names the node and address. Restart resumes from the
// data directory. An even number of voters works but tolerates no more failures than one fewer:
// a warning says so.
//
// Every start records its bootstrap peers and, for a node that joined, its own addresses in
// `dataDir/raft/start` (drivers/raft/start-record.ts) once its data directory is open and locked,
// so `serve raft --id N --data-dir D` restarts with neither --peers nor --join (readRaftStart).
//
// Unlike `serve file`, the server announces `serving on H:P` as soon as it accepts clients, not
// when it leads: a follower answers NOT_LEADER with the leader's service endpoint as the hint.
//
// HTTP (/metrics, /healthz, /readyz) defaults to a fixed address per node, so a scrape
// configuration can name it: the service host, the service port + 2 (RAFT_HTTP_PORT_OFFSET_FROM_
// SERVICE). A default that lands on an address of --peers is refused before anything is opened,
// and one that cannot be bound says it was the default and how to choose another.
import { readFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import type { LeasePolicy } from '../core/oracle/leases.js';
import { isDecodeError, TsoError } from '../core/errors.js';
import { makeRaftConfig } from '../core/raft/config.js';
import {
  RAFT_CLOCK_DRIFT_BOUND_DEFAULT,
  RAFT_ELECTION_TIMEOUT_MS_DEFAULT,
  RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT,
  RAFT_HTTP_PORT_OFFSET_FROM_SERVICE,
  RAFT_VOTERS_MAX,
} from '../core/limits.js';
import { NodeClock } from '../drivers/node/clock.js';
import { atomicReplace } from '../drivers/file/atomic.js';
import { NodeDisk } from '../drivers/node/disk.js';
import type { AuthToken } from '../drivers/node/auth-token.js';
import { NodeTransport, type TlsServerOptions } from '../drivers/node/transport.js';
import { formatHostPort, parseHostPort, type HostPort } from '../drivers/ports.js';
import { RaftDriver, type RaftDriverEvent, type RaftPeer } from '../drivers/raft/index.js';
import { canonicalCluster } from '../drivers/raft/meta.js';
import { decodeRaftStart, encodeRaftStart } from '../drivers/raft/start-record.js';
import { AdminServer } from '../drivers/admin/admin-server.js';
import { grpcEndpointByPortOffset } from './grpc-server.js';
import { RaftMetrics } from './raft-metrics.js';
import { checkDataDir, listenError, startServer, type ConnectionLimits, type TsoServer } from './server.js';
import { checkHttpTls, isLoopbackHost, peerTransportTls } from './tls-config.js';

export interface RaftServerOptions {
  /** This node's id; it must be in `peers`. */
  readonly id: number;
  /** Every voter: `"1=RAFT_H:P/SERVICE_H:P,2=..."`, or already parsed. */
  readonly peers: string | ReadonlyMap<number, RaftPeer>;
  /**
   * `RAFT_H:P/SERVICE_H:P`: this node joins the cluster whose bootstrap voters are `peers` (the
   * list the cluster was first started with; this id is not in it), at these addresses, and waits
   * to be added as a learner (`tsoracle admin add-learner`).
   */
  readonly join?: string;
  readonly dataDir: string;
  /** Client protocol bind address (default: this node's service address from `peers`). */
  readonly listen?: string;
  /** HTTP bind address (default: defaultRaftHttpAddress, the service port + 2); null disables HTTP. */
  readonly httpListen?: string | null;
  /**
   * tsoracle.v1 gRPC bind address; null or absent: off. Not-leader hints name the leader's gRPC
   * endpoint as its service host and its service port plus this node's offset (every node must
   * use the same offset; with port 0 the hint carries no endpoint).
   */
  readonly grpcListen?: string | null;
  /**
   * TLS on the client, gRPC and Raft peer ports; with `ca`, mTLS (peers always present this
   * certificate to each other and verify against `ca`). A plaintext peer is refused.
   */
  readonly tls?: TlsServerOptions;
  /** Accept plaintext peers (with TLS: on the same port, besides TLS ones). */
  readonly allowInsecurePeer?: boolean;
  /** The HTTP port serves HTTPS with `tls` (startServer's `httpTls`). */
  readonly httpTls?: boolean;
  /** A token every gRPC call must carry. */
  readonly authToken?: AuthToken;
  /**
   * The membership admin API's bind address (tsoracle.admin.v1.MembershipAdmin; with `tls`, TLS
   * with the same material, mTLS with its `ca`; off loopback only with mTLS); null or absent:
   * off. Other members' admin endpoints are derived as their service host and service port plus
   * this node's offset, unless their membership entry names one.
   */
  readonly adminListen?: string | null;
  readonly electionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Assumed bound on every node's clock rate error (docs/raft.md §4; default 0.01). */
  readonly clockDriftBound?: number;
  readonly snapshotEntries?: number;
  readonly windowAheadMs?: number;
  readonly failoverAdvanceMs?: number;
  /** Most entries one getSeqBatch may carry (1..128, default 128). */
  readonly seqBatchKeysMax?: number;
  /** Stamping-lease TTL bounds and live-lease cap (default 5 s..300 s, 1,024). */
  readonly leasePolicy?: LeasePolicy;
  /** The status heartbeat's interval (runners/heartbeat.ts; default 10 s, 0 off). */
  readonly statusHeartbeatIntervalMs?: number;
  readonly shutdownGraceMs?: number;
  /** The client connections' defences (docs/protocol.md §5). */
  readonly connectionLimits?: ConnectionLimits;
  readonly log?: (line: string) => void;
  /** The driver stopped on a storage failure; the process should exit and be restarted. */
  readonly onFatal?: (error: unknown) => void;
}

export interface RaftServer extends TsoServer {
  readonly driver: RaftDriver;
}

function invalid(message: string): TsoError {
  return new TsoError('INVALID_CONFIG', message);
}

function parseAddress(text: string, what: string): HostPort {
  const address = parseHostPort(text);
  if (address === null || address.port === 0) throw invalid(`${what}: ${JSON.stringify(text)} is not host:port (with a port from 1 to 65535)`);
  return address;
}

/** A bind address: host:port, port 0 (a free port) allowed. */
function parseBindAddress(text: string, flag: string): HostPort {
  const address = parseHostPort(text);
  if (address === null) throw invalid(`${flag} must be host:port (port 0 to 65535), got ${JSON.stringify(text)}`);
  return address;
}

/** What each snake_case problem of makeRaftConfig means in terms of the flags. */
const RAFT_CONFIG_PROBLEM_FLAGS: Readonly<Record<string, string>> = {
  heartbeat_interval_not_positive: '--heartbeat-interval must be at least 1ms',
  election_timeout_not_positive: '--election-timeout must be from 1ms to 2^40 ms',
  heartbeat_interval_not_below_election_timeout: '--heartbeat-interval must be below --election-timeout',
  clock_drift_bound_out_of_range: '--clock-drift must be a ratio in [0, 0.25)',
  lease_not_positive: '--election-timeout is too short for a positive lease once --clock-drift and the lease margin are taken off',
};

/**
 * Parses `"1=RAFT_H:P/SERVICE_H:P,2=..."` and checks it: ids are positive integers, each at most
 * once; no address is used twice (as a Raft or a service address); 1 to RAFT_VOTERS_MAX voters.
 */
export function parseRaftPeers(text: string): Map<number, RaftPeer> {
  const peers = new Map<number, RaftPeer>();
  const addressOwners = new Map<string, string>();
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw invalid('--peers is empty: give every voter as ID=RAFT_HOST:PORT/SERVICE_HOST:PORT');
  for (const item of items) {
    const m = /^(\d+)=([^/\s]+)\/([^/\s]+)$/.exec(item);
    if (m === null) throw invalid(`--peers: ${JSON.stringify(item)} is not ID=RAFT_HOST:PORT/SERVICE_HOST:PORT`);
    const id = Number(m[1]);
    if (!Number.isSafeInteger(id) || id < 1) throw invalid(`--peers: id ${m[1]} is not a positive integer`);
    if (peers.has(id)) throw invalid(`--peers: id ${id} appears twice`);
    const raftAddress = parseAddress(m[2] as string, `--peers: node ${id}'s Raft address`);
    const serviceAddress = parseAddress(m[3] as string, `--peers: node ${id}'s service address`);
    for (const [address, role] of [
      [raftAddress, 'Raft'],
      [serviceAddress, 'service'],
    ] as const) {
      const key = formatHostPort(address);
      const owner = addressOwners.get(key);
      if (owner !== undefined) throw invalid(`--peers: address ${key} is used twice (${owner} and node ${id}'s ${role} address)`);
      addressOwners.set(key, `node ${id}'s ${role} address`);
    }
    peers.set(id, { raftAddress, serviceEndpoint: formatHostPort(serviceAddress) });
  }
  if (peers.size > RAFT_VOTERS_MAX) throw invalid(`--peers: ${peers.size} voters, at most ${RAFT_VOTERS_MAX}`);
  return peers;
}

/** Checks the Raft timeouts and drift bound as the driver will, naming the flags. */
export function checkRaftTimeouts(id: number, peers: ReadonlyMap<number, RaftPeer>, electionTimeoutMs: number, heartbeatIntervalMs: number, clockDriftBound: number): void {
  const made = makeRaftConfig({ id, voters: [...peers.keys()], electionTimeoutMs, heartbeatIntervalMs, clockDriftBound });
  if (made.ok) return;
  const problem = (made.message ?? made.code).replace(/^raft config: /, '');
  throw invalid(RAFT_CONFIG_PROBLEM_FLAGS[problem] ?? `raft config: ${problem}`);
}

/** Checks the whole configuration before anything is opened; returns warnings worth printing. */
export function checkRaftConfig(id: number, peers: ReadonlyMap<number, RaftPeer>): string[] {
  if (!peers.has(id)) throw invalid(`--id ${id} is not in --peers (ids: ${[...peers.keys()].join(', ')})`);
  const warnings: string[] = [];
  if (peers.size % 2 === 0) {
    warnings.push(`${peers.size} voters: an even cluster tolerates no more failures than ${peers.size - 1} voters; an odd size is recommended`);
  }
  return warnings;
}

/** How the default HTTP address is chosen, in the words of the errors that mention it. */
function defaultHttpRule(id: number): string {
  return `node ${id}'s service port + ${RAFT_HTTP_PORT_OFFSET_FROM_SERVICE}`;
}

/**
 * Node `id`'s default HTTP address: its service host, its service port + 2. Refused
 * (INVALID_CONFIG) when that port is past 65535 or is an address of --peers (another node's
 * service or Raft address on the same host), naming the clash and --http-listen as the way out.
 */
export function defaultRaftHttpAddress(id: number, peers: ReadonlyMap<number, RaftPeer>): HostPort {
  const self = peers.get(id);
  if (self === undefined) throw invalid(`--id ${id} is not in --peers`);
  const service = parseHostPort(self.serviceEndpoint) as HostPort;
  const address = { host: service.host, port: service.port + RAFT_HTTP_PORT_OFFSET_FROM_SERVICE };
  if (address.port > 65_535) {
    throw invalid(`the default HTTP port (${defaultHttpRule(id)}) is ${address.port}, above 65535: pass --http-listen HOST:PORT (or off)`);
  }
  const key = formatHostPort(address);
  for (const [peerId, peer] of peers) {
    const owner = formatHostPort(peer.raftAddress) === key ? 'Raft' : peer.serviceEndpoint === key ? 'service' : null;
    if (owner !== null) {
      throw invalid(`the default HTTP address ${key} (${defaultHttpRule(id)}) is node ${peerId}'s ${owner} address in --peers: pass --http-listen HOST:PORT (or off)`);
    }
  }
  return address;
}

function describeEvent(event: RaftDriverEvent): string | null {
  switch (event.kind) {
    case 'started':
      return `raft: started at term ${event.term}, commit ${event.commit}, last index ${event.lastIndex}, snapshot ${event.snapshotIndex}`;
    case 'meta-created':
      return `raft: new data directory ${event.dir}`;
    case 'wal-truncated':
      return `raft: WAL torn tail truncated at byte ${event.offset} (${event.droppedBytes} bytes dropped): ${event.reason}`;
    case 'snapshot-marker-completed':
      return `raft: completed the snapshot marker of index ${event.index} lost by a crash`;
    case 'role':
      return `raft: ${event.role} at term ${event.term}${event.leaderId === null ? '' : `, leader ${event.leaderId}`}`;
    case 'leadership':
      return event.state.kind === 'leader' ? `raft: leading epoch ${event.state.epoch}` : null;
    case 'snapshot-saved':
      return `raft: snapshot at index ${event.index}, WAL now ${event.walBytes} bytes`;
    case 'snapshot-installed':
      return `raft: installed the leader's snapshot at index ${event.index}`;
    case 'snapshot-superseded':
      return `raft: the snapshot at index ${event.index} was overtaken by the leader's snapshot while it was written; not compacted to it`;
    case 'peer-connected':
      return `raft: connected to node ${event.peer}`;
    case 'peer-disconnected':
      return `raft: lost node ${event.peer} (${event.reason})`;
    case 'peer-refused':
      return `raft: refused a peer connection from ${event.remote}: ${event.reason}`;
    case 'peer-dropped':
    case 'applied':
      return null;
    case 'fatal':
      return `raft: stopped: ${event.error instanceof Error ? event.error.message : String(event.error)}`;
    default: {
      const never: never = event;
      return String(never);
    }
  }
}

/** Starts the raft driver and the server on the Node ports; resolves once clients are accepted. */
export async function startRaftServer(options: RaftServerOptions): Promise<RaftServer> {
  const log = options.log ?? (() => {});
  const bootstrapPeers = typeof options.peers === 'string' ? parseRaftPeers(options.peers) : options.peers;
  let joinSelf: RaftPeer | null = null;
  if (options.join !== undefined) {
    if (bootstrapPeers.has(options.id)) throw invalid(`--join: node ${options.id} is one of the cluster's bootstrap voters in --peers; a joining node has a new id`);
    const joined = parseRaftPeers(`${options.id}=${options.join}`);
    joinSelf = joined.get(options.id) as RaftPeer;
  }
  // Every check sees this node among the peers (a joining node too, at its --join addresses).
  const peers: ReadonlyMap<number, RaftPeer> = joinSelf === null ? bootstrapPeers : new Map([...bootstrapPeers, [options.id, joinSelf]]);
  const warnings = joinSelf === null ? checkRaftConfig(options.id, peers) : [];
  const electionTimeoutMs = options.electionTimeoutMs ?? RAFT_ELECTION_TIMEOUT_MS_DEFAULT;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT;
  const clockDriftBound = options.clockDriftBound ?? RAFT_CLOCK_DRIFT_BOUND_DEFAULT;
  checkRaftTimeouts(options.id, peers, electionTimeoutMs, heartbeatIntervalMs, clockDriftBound);
  const self = peers.get(options.id) as RaftPeer;
  const serviceAddress = parseHostPort(self.serviceEndpoint) as HostPort;
  // Every address is checked here, before the driver writes LOCK and meta: a typo in --listen
  // or --http-listen must not leave a half-made data directory behind.
  const listen = formatHostPort(options.listen === undefined ? serviceAddress : parseBindAddress(options.listen, '--listen'));
  const httpListen =
    options.httpListen === undefined
      ? formatHostPort(defaultRaftHttpAddress(options.id, peers))
      : options.httpListen === null
        ? null
        : formatHostPort(parseBindAddress(options.httpListen, '--http-listen'));
  const httpListenHint = options.httpListen === undefined ? `it is the default (${defaultHttpRule(options.id)}): pass --http-listen HOST:PORT (or off)` : undefined;
  const grpcListen = options.grpcListen === undefined || options.grpcListen === null ? null : parseBindAddress(options.grpcListen, '--grpc-listen');
  const adminAddress = options.adminListen === undefined || options.adminListen === null ? null : parseBindAddress(options.adminListen, '--admin-listen');
  if (adminAddress !== null && !isLoopbackHost(adminAddress.host) && options.tls?.ca === undefined) {
    throw invalid(
      `--admin-listen ${formatHostPort(adminAddress)} is off loopback: the admin port needs mTLS there (--tls-cert, --tls-key and --tls-ca), as it changes the membership and has no other authentication`,
    );
  }
  checkHttpTls(options.httpTls === true, options.tls, httpListen === null);
  checkDataDir(options.dataDir);
  for (const warning of warnings) log(`warning: ${warning}`);
  const clock = new NodeClock();
  let onFatal = options.onFatal;
  const raftMetrics = new RaftMetrics();
  const peerTransport = new NodeTransport(peerTransportTls(options.tls, options.allowInsecurePeer === true));
  const driver = await RaftDriver.open({
    disk: new NodeDisk(),
    transport: peerTransport,
    clock,
    random: Math.random,
    dataDir: options.dataDir,
    id: options.id,
    peers: bootstrapPeers,
    ...(joinSelf !== null ? { join: { self: joinSelf } } : {}),
    config: { electionTimeoutMs, heartbeatIntervalMs, clockDriftBound },
    ...(options.snapshotEntries !== undefined ? { snapshotEntries: options.snapshotEntries } : {}),
    onEvent: (event) => {
      raftMetrics.onEvent(event);
      const line = describeEvent(event);
      if (line !== null) log(line);
      if (event.kind === 'fatal') onFatal?.(event.error);
    },
  }).catch((e: unknown) => {
    // The only listener the driver opens is this node's Raft address.
    throw listenError(e, `--peers: node ${options.id}'s Raft address`, self.raftAddress);
  });
  try {
    await writeRaftStart(options.dataDir, bootstrapPeers, joinSelf);
  } catch (e) {
    onFatal = undefined;
    await driver.close().catch(() => {});
    throw e;
  }
  let server: TsoServer;
  try {
    server = await startServer({
      driver,
      clock,
      listen,
      httpListen,
      ...(httpListenHint !== undefined ? { httpListenHint } : {}),
      ...(grpcListen !== null
        ? { grpcListen: formatHostPort(grpcListen), ...(grpcListen.port !== 0 ? { grpcHintEndpoint: grpcEndpointByPortOffset(grpcListen.port - serviceAddress.port) } : {}) }
        : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.httpTls === true ? { httpTls: true } : {}),
      ...(options.authToken !== undefined ? { authToken: options.authToken } : {}),
      waitUntilServing: false,
      log,
      ...(options.windowAheadMs !== undefined ? { windowAheadMs: options.windowAheadMs } : {}),
      ...(options.failoverAdvanceMs !== undefined ? { failoverAdvanceMs: options.failoverAdvanceMs } : {}),
      ...(options.seqBatchKeysMax !== undefined ? { seqBatchKeysMax: options.seqBatchKeysMax } : {}),
      ...(options.leasePolicy !== undefined ? { leasePolicy: options.leasePolicy } : {}),
      ...(options.statusHeartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: options.statusHeartbeatIntervalMs } : {}),
      ...(options.shutdownGraceMs !== undefined ? { shutdownGraceMs: options.shutdownGraceMs } : {}),
      ...(options.connectionLimits !== undefined ? { connectionLimits: options.connectionLimits } : {}),
    });
  } catch (e) {
    onFatal = undefined;
    await driver.close().catch(() => {});
    throw e;
  }
  raftMetrics.register(server.metrics.registry, driver);
  let admin: AdminServer | null = null;
  const reloadTls = (tls: TlsServerOptions): void => {
    server.reloadTls(tls);
    const peer = peerTransportTls(tls, options.allowInsecurePeer === true);
    peerTransport.reloadTls(peer.tlsServer, peer.tlsClient);
    admin?.reloadTls({ cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) });
  };
  if (adminAddress !== null) {
    const offset = adminAddress.port - serviceAddress.port;
    try {
      admin = await AdminServer.start({
        backend: driver,
        nodeId: options.id,
        cluster: canonicalCluster(new Map([...bootstrapPeers].map(([id, p]) => [id, p.raftAddress] as const))),
        listen: adminAddress,
        ...(options.tls !== undefined ? { tls: { cert: options.tls.cert, key: options.tls.key, ...(options.tls.ca !== undefined ? { ca: options.tls.ca } : {}) } } : {}),
        adminEndpointOf: (id) => {
          const service = parseHostPort(peers.get(id)?.serviceEndpoint ?? '');
          return service === null || adminAddress.port === 0 ? null : formatHostPort({ host: service.host, port: service.port + offset });
        },
        addressesOf: (id) => {
          const peer = bootstrapPeers.get(id);
          return peer === undefined ? null : { raft: formatHostPort(peer.raftAddress), service: peer.serviceEndpoint };
        },
        onRequest: (method, outcome) => log(`admin ${method}: ${outcome}`),
      });
      log(`admin API (tsoracle.admin.v1.MembershipAdmin) on ${formatHostPort(admin.address)}${options.tls === undefined ? '' : options.tls.ca === undefined ? ' (TLS)' : ' (mTLS)'}`);
    } catch (e) {
      await server.close().catch(() => {});
      throw e instanceof Error && e.message.startsWith('--admin-listen') ? invalid(e.message) : listenError(e, '--admin-listen', adminAddress);
    }
  }
  const adminServer = admin;
  return {
    ...server,
    reloadTls,
    close: async () => {
      await adminServer?.close();
      await server.close();
    },
    driver,
  };
}

/** Where a data directory keeps its start record. */
export function raftStartPath(dataDir: string): string {
  return joinPath(dataDir, 'raft', 'start');
}

/**
 * Writes the start record of `dataDir` (atomically, durably) unless it already holds these
 * addresses. Called with the directory's LOCK held (after the driver opened it).
 */
async function writeRaftStart(dataDir: string, peers: ReadonlyMap<number, RaftPeer>, joinSelf: RaftPeer | null): Promise<void> {
  const bytes = encodeRaftStart({
    voters: [...peers].map(([id, p]) => ({ id, raft: formatHostPort(p.raftAddress), service: p.serviceEndpoint })),
    join: joinSelf === null ? null : { raft: formatHostPort(joinSelf.raftAddress), service: joinSelf.serviceEndpoint },
  });
  const disk = new NodeDisk();
  const path = raftStartPath(dataDir);
  const stored = await disk.read(path);
  if (stored !== null && stored.length === bytes.length && stored.every((b, i) => b === bytes[i])) return;
  await atomicReplace(disk, path, bytes);
}

/**
 * What `dataDir` was last started with: the bootstrap peers, and this node's own `RAFT/SERVICE`
 * when it joined (null when it is a bootstrap voter); null when the directory has no start record
 * (a node that never started, or one of a release before the record). A record that does not
 * decode is DRIVER_PERMANENT; an address in it that does not parse, INVALID_CONFIG.
 */
export function readRaftStart(dataDir: string): { readonly peers: Map<number, RaftPeer>; readonly join: string | null } | null {
  const path = raftStartPath(dataDir);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TsoError('DRIVER_PERMANENT', `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let record;
  try {
    record = decodeRaftStart(bytes);
  } catch (e) {
    if (isDecodeError(e)) throw new TsoError('DRIVER_PERMANENT', `${path} is corrupt (${e.code}): start with --peers (or --join) instead`);
    throw e;
  }
  const peers = new Map<number, RaftPeer>();
  for (const voter of record.voters) peers.set(voter.id, { raftAddress: parseAddress(voter.raft, `${path}: node ${voter.id}'s Raft address`), serviceEndpoint: voter.service });
  if (record.join !== null) parseAddress(record.join.raft, `${path}: this node's Raft address`);
  return { peers, join: record.join === null ? null : `${record.join.raft}/${record.join.service}` };
}

/** Parses a clock-drift bound: a ratio in [0, 0.25), e.g. `0.01` (1%). */
export function parseClockDrift(text: string): number {
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text.trim()) || !(value >= 0 && value < 0.25)) {
    throw invalid(`--clock-drift ${JSON.stringify(text)}: a ratio in [0, 0.25) is expected (0.01 means clocks run within 1% of real time)`);
  }
  return value;
}
