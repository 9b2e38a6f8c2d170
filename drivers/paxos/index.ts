// Public surface of the paxos driver: the consensus driver of a Multi-Paxos cluster
// (paxos-driver.ts) and what a runner or the simulator needs to construct it. `openPaxosDriver`
// takes the same inputs the raft driver's `RaftDriver.open` does (ports, node id, peers with
// their endpoints, tuning, event callback), so registering Paxos beside Raft is a few lines.
import { PaxosDriver, type PaxosDriverOptions } from './paxos-driver.js';

export { PaxosDriver, type PaxosDriverEvent, type PaxosDriverOptions, type PaxosPeer, type PaxosTuning } from './paxos-driver.js';
export { PAXOS_SNAPSHOT_ENTRIES_DEFAULT } from './limits.js';

/** Opens a paxos driver (storage recovered, peers listening, loop started). */
export function openPaxosDriver(options: PaxosDriverOptions): Promise<PaxosDriver> {
  return PaxosDriver.open(options);
}
