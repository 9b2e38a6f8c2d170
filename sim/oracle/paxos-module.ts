// The `paxos` driver (drivers/paxos/) as a SimDriverModule: 3 or 5 nodes, each running the
// product's PaxosDriver with the seed's cluster timings (the Raft draws: election timeout,
// heartbeat, clock drift bound, lease margin, entries per message, snapshot interval) and the
// run's planted Paxos core bug (options.ts PAXOS_BUGS, `--plant`). The generic cluster harness
// runs it as it runs any user's driver, with the claims witness (claims.ts) as its ground truth,
// leadership from the serving node's events, the liveness phase, and every generic and cluster
// fault family. A storage failure that stops the driver (`fatal`) goes to the context, which
// restarts the process as its supervisor would when an injected disk fault explains it, and
// reports process_failed otherwise.
//
// Its extras (the generic hook any driver module may use, drivers.ts) add the Paxos checkers
// (paxos-checkers.ts), fed by the drivers' events: single decision per slot, decided entries in
// every later leader's log, ballot order, promise keeping (also on the Accepted an acceptor
// sends), and no two leases at once. They only read the drivers,
// so they change nothing the run does.

import type { PaxosMessage } from '../../core/paxos/index.js';
import { openPaxosDriverForPeers, type PaxosDriver, type PaxosDriverEvent } from '../../drivers/paxos/index.js';
import type { SimDriverContext, SimDriverExtras, SimDriverModule, SimRunAccess } from './drivers.js';
import { isPaxosBug } from './options.js';
import { PaxosChecker } from './paxos-checkers.js';

/** Opens one node's PaxosDriver with the seed's timings and planted bug (`onEvent`: the run's hooks). */
export function openPaxosSimDriver(
  context: SimDriverContext,
  onEvent: (event: PaxosDriverEvent) => void,
  onSent?: (messages: readonly PaxosMessage[]) => void,
): Promise<PaxosDriver> {
  const raft = context.options.raft;
  const planted = context.planted;
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
            maxInflightMessages: raft.maxInflightMessages,
          },
          snapshotEntries: raft.snapshotEntries,
        }),
    ...(isPaxosBug(planted) ? { faults: { [planted]: true } } : {}),
    onEvent,
    ...(onSent !== undefined ? { onSent } : {}),
  });
}

export const PAXOS_SIM_DRIVER: SimDriverModule = {
  name: 'paxos',
  nodeCounts: [3, 5],
  // Without a run (the conformance suite): the seed's timings, no checkers.
  createDriver: (context: SimDriverContext) =>
    openPaxosSimDriver(context, (event) => {
      if (event.kind === 'fatal') context.fatal(event.error);
    }),
  extras: (run: SimRunAccess): SimDriverExtras => new PaxosExtras(run),
};

interface PaxosSimNode {
  readonly incarnation: number;
  driver: PaxosDriver | null;
}

class PaxosExtras implements SimDriverExtras {
  readonly paxosChecker: PaxosChecker;
  /** The nodes' current incarnations. */
  private readonly nodes = new Map<string, PaxosSimNode>();
  /** Leases are an invariant only while the clocks drift within the configured bound. */
  private readonly leaseChecked: boolean;

  constructor(private readonly run: SimRunAccess) {
    this.paxosChecker = new PaxosChecker((kind, message, details) => this.run.checker.report(kind, message, details));
    const raft = run.options.raft;
    this.leaseChecked = raft !== null && raft.driftPpmMax <= raft.clockDriftBound * 1e6;
  }

  async createDriver(context: SimDriverContext): Promise<PaxosDriver> {
    const node: PaxosSimNode = { incarnation: context.incarnation, driver: null };
    this.nodes.set(context.name, node);
    const driver = await openPaxosSimDriver(
      context,
      (event) => this.onDriverEvent(context, node, event),
      (messages) => this.paxosChecker.onSent(context.name, context.incarnation, messages),
    );
    node.driver = driver;
    this.paxosChecker.onPromise(context.name, context.incarnation, driver.status().promised, driver.durablePromised, driver.status().acceptedRound);
    return driver;
  }

  private onDriverEvent(context: SimDriverContext, node: PaxosSimNode, event: PaxosDriverEvent): void {
    const name = context.name;
    if (node.driver !== null) this.paxosChecker.onPromise(name, node.incarnation, node.driver.status().promised, node.driver.durablePromised, node.driver.status().acceptedRound);
    switch (event.kind) {
      case 'applied':
        // Before the driver is handed over (it replays from its first Ready) its promise is unknown: no bound.
        this.paxosChecker.onApplied(name, event.entries, node.driver?.status().promised ?? null);
        return;
      case 'role':
        if (event.role === 'leader' && node.driver !== null) {
          const driver = node.driver;
          this.paxosChecker.onLeader(name, event.ballot, { snapshotIndex: driver.status().snapshotIndex, entryAt: (i) => driver.entryAt(i) });
        }
        return;
      case 'fatal':
        context.fatal(event.error);
        return;
      default:
        return;
    }
  }

  onTrace(): void {
    if (!this.leaseChecked) return;
    const holders: string[] = [];
    const ballots = [];
    for (const [name, node] of this.nodes) {
      if (node.driver === null || !this.run.isCurrent(name, node.incarnation) || !node.driver.hasLease()) continue;
      holders.push(name);
      ballots.push(node.driver.status().ballot);
    }
    this.paxosChecker.checkLeases(holders, ballots);
  }
}
