// The `paxos` driver (drivers/paxos/) as a SimDriverModule: 3 or 5 nodes, each running the
// product's PaxosDriver with the seed's cluster timings (the Raft draws: election timeout,
// heartbeat, clock drift bound, lease margin, entries per message, snapshot interval). It has
// no extras: the generic cluster harness runs it as it runs any user's driver, with the
// claims witness (claims.ts) as its ground truth, leadership from the serving node's events,
// and every generic and cluster fault family. A storage failure that stops the driver (`fatal`)
// goes to the context, which restarts the process as its supervisor would when an injected disk
// fault explains it, and reports process_failed otherwise. The Paxos-specific checkers (one value
// per slot, decided entries in every later leader, ballot order, lease overlap) run in
// core/paxos/simulation.test.ts on the pure core; they are not wired into this harness.

import { openPaxosDriverForPeers } from '../../drivers/paxos/index.js';
import type { SimDriverContext, SimDriverModule } from './drivers.js';

export const PAXOS_SIM_DRIVER: SimDriverModule = {
  name: 'paxos',
  nodeCounts: [3, 5],
  createDriver: (context: SimDriverContext) => {
    const raft = context.options.raft;
    return openPaxosDriverForPeers({
      disk: context.disk,
      transport: context.transport,
      clock: context.clock,
      random: context.random,
      id: context.id,
      dataDir: context.dataDir,
      peers: context.peers,
      ...(raft === null
        ? {}
        : {
            tuning: {
              electionTimeoutMs: raft.electionTimeoutMs,
              heartbeatIntervalMs: raft.heartbeatIntervalMs,
              clockDriftBound: raft.clockDriftBound,
              leaseMarginMs: raft.leaseMarginMs,
              maxEntriesPerMessage: raft.maxEntriesPerMessage,
            },
            snapshotEntries: raft.snapshotEntries,
          }),
      onEvent: (event) => {
        if (event.kind === 'fatal') context.fatal(event.error);
      },
    });
  },
};
