// `tsoracle serve paxos`: one member of a Multi-Paxos cluster. The paxos driver (drivers/paxos)
// runs on the Node ports (NodeDisk with fsync, NodeTransport over TCP for peers, NodeClock,
// Math.random), and the embeddable server (server.ts) hosts the serving node, the client
// protocol and HTTP on top — the lines of `serve raft` (runners/raft.ts) with the other driver.
//
// The flags, defaults and configuration checks are `serve raft`'s, reused from runners/raft.ts:
// the same peer list syntax (`ID=PEER_H:P/SERVICE_H:P`), timeouts, clock-drift bound and HTTP
// default (service port + 2), all checked before anything is opened or written (TsoError
// INVALID_CONFIG). One more check: a paxos node id is at most PAXOS_NODE_ID_MAX (65535), since
// the epoch packs the ballot's node id in 16 bits (core/paxos/ballot.ts).
//
// HTTP: /metrics (the serving node's metrics and the driver's, paxos-metrics.ts), /healthz, and
// /readyz (ready only while this node serves timestamps).
import type { LeasePolicy } from '../core/oracle/leases.js';
import { TsoError } from '../core/errors.js';
import { makePaxosConfig, PAXOS_NODE_ID_MAX } from '../core/paxos/index.js';
import { RAFT_CLOCK_DRIFT_BOUND_DEFAULT, RAFT_ELECTION_TIMEOUT_MS_DEFAULT, RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT } from '../core/limits.js';
import { NodeClock } from '../drivers/node/clock.js';
import { NodeDisk } from '../drivers/node/disk.js';
import type { AuthToken } from '../drivers/node/auth-token.js';
import { NodeTransport, type TlsServerOptions } from '../drivers/node/transport.js';
import { formatHostPort, parseHostPort, type HostPort } from '../drivers/ports.js';
import { formatBallot } from '../core/paxos/index.js';
import { PaxosDriver, type PaxosDriverEvent, type PaxosPeer } from '../drivers/paxos/index.js';
import { PaxosMetrics } from './paxos-metrics.js';
import { checkRaftConfig, checkRaftTimeouts, defaultRaftHttpAddress, parseRaftPeers } from './raft.js';
import { checkDataDir, listenError, startServer, type ConnectionLimits, type TsoServer } from './server.js';
import { checkHttpTls, peerTransportTls } from './tls-config.js';

export interface PaxosServerOptions {
  /** This node's id; it must be in `peers` (1 to 65535). */
  readonly id: number;
  /** Every voter: `"1=PEER_H:P/SERVICE_H:P,2=..."`, or already parsed. */
  readonly peers: string | ReadonlyMap<number, PaxosPeer>;
  readonly dataDir: string;
  readonly listen?: string;
  /** HTTP bind address (default: the service port + 2); null disables HTTP. */
  readonly httpListen?: string | null;
  readonly electionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly clockDriftBound?: number;
  readonly snapshotEntries?: number;
  readonly windowAheadMs?: number;
  readonly failoverAdvanceMs?: number;
  /** Most keys one getSeqBatch may name (default SEQ_BATCH_KEYS_DEFAULT). */
  readonly seqBatchKeysMax?: number;
  /** Stamping-lease TTL bounds and live-lease cap (default 5 s..300 s, 1,024). */
  readonly leasePolicy?: LeasePolicy;
  readonly shutdownGraceMs?: number;
  readonly connectionLimits?: ConnectionLimits;
  /** TLS on the client and Paxos peer ports; with `ca`, mTLS (peers present this certificate to each other). */
  readonly tls?: TlsServerOptions;
  /** Accept plaintext peers (with TLS: on the same port, besides TLS ones). */
  readonly allowInsecurePeer?: boolean;
  /** The HTTP port serves HTTPS with `tls` (startServer's `httpTls`). */
  readonly httpTls?: boolean;
  /** A token the first request of every client connection must carry (docs/security.md); never logged. */
  readonly authToken?: AuthToken;
  readonly log?: (line: string) => void;
  /** The driver stopped on a storage failure; the process should exit and be restarted. */
  readonly onFatal?: (error: unknown) => void;
}

export interface PaxosServer extends TsoServer {
  readonly driver: PaxosDriver;
}

function invalid(message: string): TsoError {
  return new TsoError('INVALID_CONFIG', message);
}

function parseBindAddress(text: string, flag: string): HostPort {
  const address = parseHostPort(text);
  if (address === null) throw invalid(`${flag} must be host:port (port 0 to 65535), got ${JSON.stringify(text)}`);
  return address;
}

/** `serve raft`'s checks, plus the node-id range the Paxos epoch needs. */
export function checkPaxosConfig(id: number, peers: ReadonlyMap<number, PaxosPeer>, electionTimeoutMs: number, heartbeatIntervalMs: number, clockDriftBound: number): string[] {
  const warnings = checkRaftConfig(id, peers);
  for (const peerId of peers.keys()) {
    if (peerId > PAXOS_NODE_ID_MAX) throw invalid(`--peers: id ${peerId} is above ${PAXOS_NODE_ID_MAX} (a paxos epoch packs the node id in 16 bits)`);
  }
  checkRaftTimeouts(id, peers, electionTimeoutMs, heartbeatIntervalMs, clockDriftBound);
  const made = makePaxosConfig({ id, voters: [...peers.keys()], electionTimeoutMs, heartbeatIntervalMs, clockDriftBound });
  if (!made.ok) throw invalid(made.message ?? made.code);
  return warnings;
}

function describeEvent(event: PaxosDriverEvent): string | null {
  switch (event.kind) {
    case 'started':
      return `paxos: started with promise ${formatBallot(event.promised)}, decided ${event.decided}, last index ${event.lastIndex}, snapshot ${event.snapshotIndex}`;
    case 'meta-created':
      return `paxos: new data directory ${event.dir}`;
    case 'log-truncated':
      return `paxos: log torn tail truncated at byte ${event.offset} (${event.droppedBytes} bytes dropped): ${event.reason}`;
    case 'role':
      return `paxos: ${event.role} at ballot ${formatBallot(event.ballot)}${event.leaderId === null ? '' : `, leader ${event.leaderId}`}`;
    case 'leadership':
      return event.state.kind === 'leader' ? `paxos: leading epoch ${event.state.epoch}` : null;
    case 'snapshot-saved':
      return `paxos: snapshot at index ${event.index}, log now ${event.walBytes} bytes`;
    case 'snapshot-installed':
      return `paxos: installed the leader's snapshot at index ${event.index}`;
    case 'snapshot-superseded':
      return `paxos: the snapshot at index ${event.index} was overtaken by the leader's snapshot while it was written; not compacted to it`;
    case 'peer-connected':
      return `paxos: connected to node ${event.peer}`;
    case 'peer-disconnected':
      return `paxos: lost node ${event.peer} (${event.reason})`;
    case 'peer-refused':
      return `paxos: refused a peer connection from ${event.remote}: ${event.reason}`;
    case 'peer-dropped':
    case 'applied':
      return null;
    case 'fatal':
      return `paxos: stopped: ${event.error instanceof Error ? event.error.message : String(event.error)}`;
    default: {
      const never: never = event;
      return String(never);
    }
  }
}

/** Starts the paxos driver and the server on the Node ports; resolves once clients are accepted. */
export async function startPaxosServer(options: PaxosServerOptions): Promise<PaxosServer> {
  const log = options.log ?? (() => {});
  const peers = typeof options.peers === 'string' ? parseRaftPeers(options.peers) : options.peers;
  const electionTimeoutMs = options.electionTimeoutMs ?? RAFT_ELECTION_TIMEOUT_MS_DEFAULT;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT;
  const clockDriftBound = options.clockDriftBound ?? RAFT_CLOCK_DRIFT_BOUND_DEFAULT;
  const warnings = checkPaxosConfig(options.id, peers, electionTimeoutMs, heartbeatIntervalMs, clockDriftBound);
  const self = peers.get(options.id) as PaxosPeer;
  const serviceAddress = parseHostPort(self.serviceEndpoint) as HostPort;
  const listen = formatHostPort(options.listen === undefined ? serviceAddress : parseBindAddress(options.listen, '--listen'));
  const httpListen =
    options.httpListen === undefined
      ? formatHostPort(defaultRaftHttpAddress(options.id, peers))
      : options.httpListen === null
        ? null
        : formatHostPort(parseBindAddress(options.httpListen, '--http-listen'));
  const httpListenHint = options.httpListen === undefined ? `it is the default (node ${options.id}'s service port + 2): pass --http-listen HOST:PORT (or off)` : undefined;
  checkHttpTls(options.httpTls === true, options.tls, httpListen === null);
  checkDataDir(options.dataDir);
  for (const warning of warnings) log(`warning: ${warning}`);
  const clock = new NodeClock();
  let onFatal = options.onFatal;
  const metrics = new PaxosMetrics();
  const peerTransport = new NodeTransport(peerTransportTls(options.tls, options.allowInsecurePeer === true));
  const driver = await PaxosDriver.open({
    disk: new NodeDisk(),
    transport: peerTransport,
    clock,
    random: Math.random,
    dataDir: options.dataDir,
    id: options.id,
    peers,
    config: { electionTimeoutMs, heartbeatIntervalMs, clockDriftBound },
    ...(options.snapshotEntries !== undefined ? { snapshotEntries: options.snapshotEntries } : {}),
    onEvent: (event) => {
      metrics.onEvent(event);
      const line = describeEvent(event);
      if (line !== null) log(line);
      if (event.kind === 'fatal') onFatal?.(event.error);
    },
  }).catch((e: unknown) => {
    throw listenError(e, `--peers: node ${options.id}'s peer address`, self.raftAddress);
  });
  let server: TsoServer;
  try {
    server = await startServer({
      driver,
      clock,
      listen,
      httpListen,
      ...(httpListenHint !== undefined ? { httpListenHint } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.httpTls === true ? { httpTls: true } : {}),
      ...(options.authToken !== undefined ? { authToken: options.authToken } : {}),
      waitUntilServing: false,
      log,
      ...(options.windowAheadMs !== undefined ? { windowAheadMs: options.windowAheadMs } : {}),
      ...(options.failoverAdvanceMs !== undefined ? { failoverAdvanceMs: options.failoverAdvanceMs } : {}),
      ...(options.seqBatchKeysMax !== undefined ? { seqBatchKeysMax: options.seqBatchKeysMax } : {}),
      ...(options.leasePolicy !== undefined ? { leasePolicy: options.leasePolicy } : {}),
      ...(options.shutdownGraceMs !== undefined ? { shutdownGraceMs: options.shutdownGraceMs } : {}),
      ...(options.connectionLimits !== undefined ? { connectionLimits: options.connectionLimits } : {}),
    });
  } catch (e) {
    onFatal = undefined;
    await driver.close().catch(() => {});
    throw e;
  }
  metrics.register(server.metrics.registry, driver);
  const reloadTls = (tls: TlsServerOptions): void => {
    server.reloadTls(tls);
    const peer = peerTransportTls(tls, options.allowInsecurePeer === true);
    peerTransport.reloadTls(peer.tlsServer, peer.tlsClient);
  };
  return { ...server, reloadTls, close: () => server.close(), driver };
}
