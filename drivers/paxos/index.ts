// Public surface of the paxos driver: the consensus driver of a Multi-Paxos cluster
// (paxos-driver.ts) and what a runner or the simulator needs to construct it. `openPaxosDriver`
// takes the raft driver's inputs (ports, node id, peers with their endpoints, tuning, event
// callback); `openPaxosDriverForPeers` takes a peer list in the shape the simulator's
// driver-registration context gives (`{ id, endpoint, peerAddress }` per node), so registering
// Paxos beside Raft is a few lines.
import type { Clock, Disk, HostPort, Transport } from '../ports.js';
import { PaxosDriver, type PaxosDriverEvent, type PaxosDriverOptions, type PaxosPeer, type PaxosTuning } from './paxos-driver.js';
import type { PaxosFaults } from '../../core/paxos/index.js';

export { PaxosDriver, type PaxosDriverEvent, type PaxosDriverOptions, type PaxosPeer, type PaxosTuning } from './paxos-driver.js';
export { PAXOS_SNAPSHOT_ENTRIES_DEFAULT } from './limits.js';

/** Opens a paxos driver (storage recovered, peers listening, loop started). */
export function openPaxosDriver(options: PaxosDriverOptions): Promise<PaxosDriver> {
  return PaxosDriver.open(options);
}

/** One node as a registration context lists it. */
export interface PaxosNodeAddress {
  readonly id: number;
  /** The client-protocol endpoint `host:port` (what leader hints carry). */
  readonly endpoint: string;
  /** Where the node's peers reach it. */
  readonly peerAddress: HostPort;
}

export interface PaxosDriverContext {
  readonly disk: Disk;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: () => number;
  readonly id: number;
  readonly dataDir: string;
  /** Every node, this one included. */
  readonly peers: readonly PaxosNodeAddress[];
  readonly tuning?: PaxosTuning;
  readonly snapshotEntries?: number;
  readonly onEvent?: (event: PaxosDriverEvent) => void;
  readonly onSent?: PaxosDriverOptions['onSent'];
  readonly faults?: PaxosFaults;
}

/** The peer map the driver takes, from a list of node addresses. */
export function paxosPeersOf(nodes: readonly PaxosNodeAddress[]): Map<number, PaxosPeer> {
  return new Map(nodes.map((n) => [n.id, { raftAddress: n.peerAddress, serviceEndpoint: n.endpoint }] as const));
}

/** Opens a paxos driver from a registration context (the simulator's driver modules). */
export function openPaxosDriverForPeers(context: PaxosDriverContext): Promise<PaxosDriver> {
  return PaxosDriver.open({
    disk: context.disk,
    transport: context.transport,
    clock: context.clock,
    random: context.random,
    dataDir: context.dataDir,
    id: context.id,
    peers: paxosPeersOf(context.peers),
    ...(context.tuning !== undefined ? { config: context.tuning } : {}),
    ...(context.snapshotEntries !== undefined ? { snapshotEntries: context.snapshotEntries } : {}),
    ...(context.onEvent !== undefined ? { onEvent: context.onEvent } : {}),
    ...(context.onSent !== undefined ? { onSent: context.onSent } : {}),
    ...(context.faults !== undefined ? { faults: context.faults } : {}),
  });
}
