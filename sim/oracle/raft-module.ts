// The built-in `raft` driver as a SimDriverModule: 3 or 5 nodes, each running the product's
// RaftDriver (the lines `tsoracle serve raft` runs) with the seed's Raft timings and planted
// Raft bugs. Its extras plug the Raft side into the generic cluster harness (raft-run.ts):
//   - the ground truth is the committed state the Raft checkers build (raft-checkers.ts), and
//     the Raft checkers (election safety, log matching, leader completeness, state-machine
//     safety) are fed by the drivers' events;
//   - leadership comes from the drivers' role events (the moment a node wins a term, which the
//     election-time faults of the harness follow);
//   - a driver that stops on a storage failure (`fatal`) is expected only when an injected disk
//     fault fired, and is restarted as its supervisor would;
//   - the run converges only on a lease from a round a quorum acknowledged after the faults
//     stopped;
//   - the report carries the Raft statistics (elections, committed entries, snapshots superseded).

import { RaftDriver, type RaftDriverEvent, type RaftPeer } from '../../drivers/raft/raft-driver.js';
import { unreachable } from '../../core/assert.js';
import type { SimDriverContext, SimDriverExtras, SimDriverModule, SimRunAccess } from './drivers.js';
import { isMembershipBug, isRaftBug } from './options.js';
import { RaftChecker, type RaftLogView } from './raft-checkers.js';
import { errorText } from './workload.js';

interface RaftNode {
  readonly incarnation: number;
  driver: RaftDriver | null;
}

export const RAFT_SIM_DRIVER: SimDriverModule = {
  name: 'raft',
  nodeCounts: [3, 5],
  // Without a run (the conformance suite): the seed's timings and no event hooks.
  createDriver: (context: SimDriverContext) => openRaftDriver(context, undefined),
  extras: (run: SimRunAccess): SimDriverExtras => new RaftExtras(run),
};

/** Opens one node's RaftDriver with the seed's Raft timings and planted bugs (`onEvent`: the run's hooks). */
export function openRaftDriver(context: SimDriverContext, onEvent: ((event: RaftDriverEvent) => void) | undefined): Promise<RaftDriver> {
  const raft = context.options.raft;
  const planted = context.planted;
  const peers = new Map<number, RaftPeer>(context.peers.map((p) => [p.id, { raftAddress: p.peerAddress, serviceEndpoint: p.endpoint }]));
  return RaftDriver.open({
    disk: context.disk,
    transport: context.transport,
    clock: context.clock,
    random: context.random,
    dataDir: context.dataDir,
    id: context.id,
    peers,
    ...(context.joining === true ? { join: { self: { raftAddress: context.peerAddress, serviceEndpoint: context.endpoint } } } : {}),
    ...(raft === null
      ? {}
      : {
          config: {
            electionTimeoutMs: raft.electionTimeoutMs,
            heartbeatIntervalMs: raft.heartbeatIntervalMs,
            clockDriftBound: raft.clockDriftBound,
            leaseMarginMs: raft.leaseMarginMs,
            maxEntriesPerMessage: raft.maxEntriesPerMessage,
            maxInflightMessages: raft.maxInflightMessages,
          },
          snapshotEntries: raft.snapshotEntries,
        }),
    ...(isRaftBug(planted) || isMembershipBug(planted) ? { faults: { [planted]: true } } : {}),
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}

class RaftExtras implements SimDriverExtras {
  readonly raftChecker: RaftChecker;
  readonly groundTruth;
  readonly tracksLeadership = true;
  /** The nodes' current incarnations, in the order they (re)started. */
  private readonly nodes = new Map<string, RaftNode>();
  private snapshotsSuperseded = 0;

  constructor(private readonly run: SimRunAccess) {
    const bootstrapVoters = Array.from({ length: run.options.raft?.nodes ?? 0 }, (_, i) => i + 1);
    this.raftChecker = new RaftChecker((kind, message, details) => this.run.checker.report(kind, message, details), bootstrapVoters);
    this.groundTruth = this.raftChecker.committedView;
  }

  async createDriver(context: SimDriverContext): Promise<RaftDriver> {
    const node: RaftNode = { incarnation: context.incarnation, driver: null };
    this.nodes.delete(context.name);
    this.nodes.set(context.name, node);
    const driver = await openRaftDriver(context, (event) => this.onDriverEvent(context, node, event));
    node.driver = driver;
    return driver;
  }

  private isCurrent(name: string, node: RaftNode): boolean {
    return this.run.isCurrent(name, node.incarnation);
  }

  private logOf(driver: RaftDriver): RaftLogView {
    const status = driver.status();
    return { snapshotIndex: status.snapshotIndex, lastIndex: status.lastIndex, entryAt: (i) => driver.entryAt(i) };
  }

  /** The logs of every running node. */
  private liveLogs(): Map<string, RaftLogView> {
    const logs = new Map<string, RaftLogView>();
    for (const [name, node] of this.nodes) if (node.driver !== null && this.isCurrent(name, node)) logs.set(name, this.logOf(node.driver));
    return logs;
  }

  private onDriverEvent(context: SimDriverContext, node: RaftNode, event: RaftDriverEvent): void {
    const name = context.name;
    switch (event.kind) {
      case 'role':
        context.trace('raft.role', { role: event.role, term: event.term, leader: event.leaderId });
        this.raftChecker.onRole(name, event.role, event.term);
        if (event.role === 'leader') {
          this.run.leaderElected(name);
          if (node.driver !== null) {
            const log = this.logOf(node.driver);
            this.raftChecker.onLeaderLog(name, event.term, log);
            if (this.raftChecker.checkConfigChain(name, log)) this.raftChecker.checkLogMatching(this.liveLogs());
          }
        } else {
          this.run.leaderLost(name);
        }
        return;
      case 'applied':
        // Before the driver is handed over (it applies from its first Ready) its term is unknown: no bound.
        this.raftChecker.onApplied(name, event.entries, node.driver?.status().term ?? Number.MAX_SAFE_INTEGER);
        return;
      case 'snapshot-installed':
        context.trace('raft.snapshot_installed', { index: event.index });
        if (node.driver !== null) this.raftChecker.onSnapshotInstalled(name, event.index, node.driver.appliedHighWaterMs);
        return;
      case 'fatal':
        context.trace('raft.fatal', { error: errorText(event.error) });
        this.onFatal(name, node, event.error);
        return;
      case 'snapshot-superseded':
        context.trace('raft.snapshot_superseded', { index: event.index });
        this.snapshotsSuperseded++;
        return;
      case 'leadership':
      case 'started':
      case 'meta-created':
      case 'wal-truncated':
      case 'snapshot-marker-completed':
      case 'snapshot-saved':
      case 'peer-connected':
      case 'peer-disconnected':
      case 'peer-refused':
      case 'peer-dropped':
        return;
      default:
        unreachable(event);
    }
  }

  /** The driver stopped on a storage failure: expected when an injected disk fault fired. */
  private onFatal(name: string, node: RaftNode, error: unknown): void {
    if (!this.run.diskFaultFiredSince(name, node.incarnation, ['fsyncFail', 'writeFull'])) {
      this.run.checker.report('process_failed', `${name}#${node.incarnation}: the raft driver stopped without an injected disk fault: ${errorText(error)}`);
    }
    // As `tsoracle serve raft` exits on a fatal storage error and its supervisor restarts it.
    this.run.world.after(0, () => {
      if (this.isCurrent(name, node)) this.run.crashAndRestart(name, true, this.run.restartDelayMs());
    }, 'raft.fatal_restart');
  }

  servesSinceLiveness(_name: string, driver: unknown, livenessMonoMs: number): boolean {
    if (!(driver instanceof RaftDriver)) return false;
    const leaseUntilMs = driver.status().leaseUntilMs;
    return leaseUntilMs !== null && leaseUntilMs - driver.leaseMs >= livenessMonoMs;
  }

  describeNode(_name: string, driver: unknown): string {
    return driver instanceof RaftDriver ? driver.status().role : 'no driver';
  }

  beforeFinal(halted: boolean): void {
    if (halted) return;
    const logs = this.liveLogs();
    for (const [name, log] of logs) if (!this.raftChecker.checkConfigChain(name, log)) return;
    this.raftChecker.checkLogMatching(logs);
  }

  raftStats(generic: { nodes: number; failovers: ReadonlyArray<{ readonly electMs: number | null; readonly serveMs: number | null }>; heldDown: readonly string[] }) {
    return {
      nodes: generic.nodes,
      elections: this.raftChecker.elections,
      committedIndex: this.raftChecker.committedIndex,
      failovers: generic.failovers,
      heldDown: generic.heldDown,
      snapshotsSuperseded: this.snapshotsSuperseded,
    };
  }
}
