// `tsoracle serve raft`: one member of a Raft cluster. The raft driver (drivers/raft) runs on the
// Node ports (NodeDisk with fsync, NodeTransport over TCP for peers, NodeClock, Math.random), and
// the embeddable server (server.ts) hosts the serving node, the client protocol and HTTP on top.
//
// Configuration is checked before anything is opened, and refused with a clear message
// (TsoError INVALID_CONFIG): a malformed peer list, an id that is not in it, duplicate ids or
// addresses, more voters than RAFT_VOTERS_MAX, bad timeouts. The data directory is refused at
// open when it belongs to another node or cluster (drivers/raft/meta.ts). Restart resumes from the
// data directory. An even number of voters works but tolerates no more failures than one fewer:
// a warning says so.
//
// Unlike `serve file`, the server announces `serving on H:P` as soon as it accepts clients, not
// when it leads: a follower answers NOT_LEADER with the leader's service endpoint as the hint.
import { TsoError } from '../core/errors.js';
import { RAFT_CLOCK_DRIFT_BOUND_DEFAULT, RAFT_ELECTION_TIMEOUT_MS_DEFAULT, RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT, RAFT_VOTERS_MAX } from '../core/limits.js';
import { NodeClock } from '../drivers/node/clock.js';
import { NodeDisk } from '../drivers/node/disk.js';
import { NodeTransport } from '../drivers/node/transport.js';
import { formatHostPort, parseHostPort } from '../drivers/ports.js';
import { RaftDriver } from '../drivers/raft/index.js';
import { RaftMetrics } from './raft-metrics.js';
import { startServer } from './server.js';
function invalid(message) {
    return new TsoError('INVALID_CONFIG', message);
}
function parseAddress(text, what) {
    const address = parseHostPort(text);
    if (address === null || address.port === 0)
        throw invalid(`${what}: ${JSON.stringify(text)} is not host:port (with a port from 1 to 65535)`);
    return address;
}
/**
 * Parses `"1=RAFT_H:P/SERVICE_H:P,2=..."` and checks it: ids are positive integers, each at most
 * once; no address is used twice (as a Raft or a service address); 1 to RAFT_VOTERS_MAX voters.
 */
export function parseRaftPeers(text) {
    const peers = new Map();
    const addressOwners = new Map();
    const items = text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    if (items.length === 0)
        throw invalid('--peers is empty: give every voter as ID=RAFT_HOST:PORT/SERVICE_HOST:PORT');
    for (const item of items) {
        const m = /^(\d+)=([^/\s]+)\/([^/\s]+)$/.exec(item);
        if (m === null)
            throw invalid(`--peers: ${JSON.stringify(item)} is not ID=RAFT_HOST:PORT/SERVICE_HOST:PORT`);
        const id = Number(m[1]);
        if (!Number.isSafeInteger(id) || id < 1)
            throw invalid(`--peers: id ${m[1]} is not a positive integer`);
        if (peers.has(id))
            throw invalid(`--peers: id ${id} appears twice`);
        const raftAddress = parseAddress(m[2], `--peers: node ${id}'s Raft address`);
        const serviceAddress = parseAddress(m[3], `--peers: node ${id}'s service address`);
        for (const [address, role] of [
            [raftAddress, 'Raft'],
            [serviceAddress, 'service'],
        ]) {
            const key = formatHostPort(address);
            const owner = addressOwners.get(key);
            if (owner !== undefined)
                throw invalid(`--peers: address ${key} is used twice (${owner} and node ${id}'s ${role} address)`);
            addressOwners.set(key, `node ${id}'s ${role} address`);
        }
        peers.set(id, { raftAddress, serviceEndpoint: formatHostPort(serviceAddress) });
    }
    if (peers.size > RAFT_VOTERS_MAX)
        throw invalid(`--peers: ${peers.size} voters, at most ${RAFT_VOTERS_MAX}`);
    return peers;
}
/** Checks the whole configuration before anything is opened; returns warnings worth printing. */
export function checkRaftConfig(id, peers) {
    if (!peers.has(id))
        throw invalid(`--id ${id} is not in --peers (ids: ${[...peers.keys()].join(', ')})`);
    const warnings = [];
    if (peers.size % 2 === 0) {
        warnings.push(`${peers.size} voters: an even cluster tolerates no more failures than ${peers.size - 1} voters; an odd size is recommended`);
    }
    return warnings;
}
function describeEvent(event) {
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
            const never = event;
            return String(never);
        }
    }
}
/** Starts the raft driver and the server on the Node ports; resolves once clients are accepted. */
export async function startRaftServer(options) {
    const log = options.log ?? (() => { });
    const peers = typeof options.peers === 'string' ? parseRaftPeers(options.peers) : options.peers;
    for (const warning of checkRaftConfig(options.id, peers))
        log(`warning: ${warning}`);
    const self = peers.get(options.id);
    const serviceAddress = parseHostPort(self.serviceEndpoint);
    const clock = new NodeClock();
    let onFatal = options.onFatal;
    const raftMetrics = new RaftMetrics();
    const driver = await RaftDriver.open({
        disk: new NodeDisk(),
        transport: new NodeTransport(),
        clock,
        random: Math.random,
        dataDir: options.dataDir,
        id: options.id,
        peers,
        config: {
            electionTimeoutMs: options.electionTimeoutMs ?? RAFT_ELECTION_TIMEOUT_MS_DEFAULT,
            heartbeatIntervalMs: options.heartbeatIntervalMs ?? RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT,
            clockDriftBound: options.clockDriftBound ?? RAFT_CLOCK_DRIFT_BOUND_DEFAULT,
        },
        ...(options.snapshotEntries !== undefined ? { snapshotEntries: options.snapshotEntries } : {}),
        onEvent: (event) => {
            raftMetrics.onEvent(event);
            const line = describeEvent(event);
            if (line !== null)
                log(line);
            if (event.kind === 'fatal')
                onFatal?.(event.error);
        },
    });
    let server;
    try {
        server = await startServer({
            driver,
            clock,
            listen: options.listen ?? self.serviceEndpoint,
            httpListen: options.httpListen === undefined ? formatHostPort({ host: serviceAddress.host, port: 0 }) : options.httpListen,
            waitUntilServing: false,
            log,
            ...(options.windowAheadMs !== undefined ? { windowAheadMs: options.windowAheadMs } : {}),
            ...(options.failoverAdvanceMs !== undefined ? { failoverAdvanceMs: options.failoverAdvanceMs } : {}),
            ...(options.shutdownGraceMs !== undefined ? { shutdownGraceMs: options.shutdownGraceMs } : {}),
        });
    }
    catch (e) {
        onFatal = undefined;
        await driver.close().catch(() => { });
        throw e;
    }
    raftMetrics.register(server.metrics.registry, driver);
    return { ...server, close: () => server.close(), driver };
}
/** Parses a clock-drift bound: a ratio in [0, 0.25), e.g. `0.01` (1%). */
export function parseClockDrift(text) {
    const value = Number(text);
    if (!/^\d*\.?\d+$/.test(text.trim()) || !(value >= 0 && value < 0.25)) {
        throw invalid(`--clock-drift ${JSON.stringify(text)}: a ratio in [0, 0.25) is expected (0.01 means clocks run within 1% of real time)`);
    }
    return value;
}
//# sourceMappingURL=raft.js.map