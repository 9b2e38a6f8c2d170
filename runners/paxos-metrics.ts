// Prometheus metrics of a Paxos node, registered in the server's registry next to the serving
// node's (runners/metrics.ts), in the image of raft-metrics.ts. Gauges read the driver's status
// when scraped (ballot, role, decided, applied, compacted index, log size, connected peers);
// counters count the driver's events. The counters exist from the driver's first event.
import client from 'prom-client';
import type { PaxosRole } from '../core/paxos/index.js';
import type { PaxosDriver, PaxosDriverEvent } from '../drivers/paxos/index.js';

const ROLES: readonly PaxosRole[] = ['follower', 'pre-candidate', 'candidate', 'leader'];

export class PaxosMetrics {
  private readonly roleChanges = new client.Counter<'role'>({ name: 'tsoracle_paxos_role_changes_total', help: 'Times this node took a Paxos role, by role.', labelNames: ['role'], registers: [] });
  private readonly entriesApplied = new client.Counter({ name: 'tsoracle_paxos_entries_applied_total', help: 'Decided entries applied to the oracle state.', registers: [] });
  private readonly snapshotsSaved = new client.Counter({ name: 'tsoracle_paxos_snapshots_saved_total', help: 'Snapshots this node took (log compactions).', registers: [] });
  private readonly snapshotsInstalled = new client.Counter({ name: 'tsoracle_paxos_snapshots_installed_total', help: "Leader's snapshots installed (AcceptSync).", registers: [] });
  private readonly logTornTails = new client.Counter({ name: 'tsoracle_paxos_log_torn_tails_cut_total', help: 'Torn log tails truncated at start.', registers: [] });
  private readonly peerDisconnects = new client.Counter({ name: 'tsoracle_paxos_peer_disconnects_total', help: 'Outgoing peer connections lost.', registers: [] });
  private readonly peerRefusals = new client.Counter({ name: 'tsoracle_paxos_peer_connections_refused_total', help: 'Incoming peer connections refused.', registers: [] });
  private readonly connectedPeers = new Set<number>();
  private registered = false;

  /** Counts one driver event (pass it every event of the driver). */
  onEvent(event: PaxosDriverEvent): void {
    switch (event.kind) {
      case 'role':
        this.roleChanges.inc({ role: event.role });
        return;
      case 'applied':
        this.entriesApplied.inc(event.entries.length);
        return;
      case 'snapshot-saved':
        this.snapshotsSaved.inc();
        return;
      case 'snapshot-installed':
        this.snapshotsInstalled.inc();
        return;
      case 'log-truncated':
        this.logTornTails.inc();
        return;
      case 'peer-connected':
        this.connectedPeers.add(event.peer);
        return;
      case 'peer-disconnected':
        this.connectedPeers.delete(event.peer);
        this.peerDisconnects.inc();
        return;
      case 'peer-refused':
        this.peerRefusals.inc();
        return;
      case 'peer-dropped':
      case 'started':
      case 'leadership':
      case 'meta-created':
      case 'snapshot-superseded':
      case 'fatal':
        return;
      default: {
        const never: never = event;
        return never;
      }
    }
  }

  /** Registers the counters and the driver's gauges in `registry` (once). */
  register(registry: client.Registry, driver: PaxosDriver): void {
    if (this.registered) return;
    this.registered = true;
    for (const metric of [this.roleChanges, this.entriesApplied, this.snapshotsSaved, this.snapshotsInstalled, this.logTornTails, this.peerDisconnects, this.peerRefusals]) {
      registry.registerMetric(metric);
    }
    const registers = [registry];
    const gauge = (name: string, help: string, read: () => number): void => {
      new client.Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };
    gauge('tsoracle_paxos_ballot_number', "The ballot number this node leads, campaigns with or promised (n of (n, nodeId)).", () => driver.status().ballot.n);
    gauge('tsoracle_paxos_ballot_node_id', 'The node id of that ballot.', () => driver.status().ballot.nodeId);
    gauge('tsoracle_paxos_decided_index', 'Index of the last entry known decided.', () => driver.status().decided);
    gauge('tsoracle_paxos_applied_index', 'Index of the last entry applied to the oracle state.', () => driver.appliedIndex);
    gauge('tsoracle_paxos_last_log_index', 'Index of the last entry in the log.', () => driver.status().lastIndex);
    gauge('tsoracle_paxos_compacted_index', 'Index the newest snapshot covers.', () => driver.status().snapshotIndex);
    gauge('tsoracle_paxos_log_bytes', 'Bytes in the log file.', () => driver.logBytes);
    gauge('tsoracle_paxos_lease_held', '1 while this node holds the leader lease.', () => (driver.hasLease() ? 1 : 0));
    gauge('tsoracle_paxos_peers_connected', 'Peers with an open outgoing connection.', () => this.connectedPeers.size);
    new client.Gauge<'role'>({
      name: 'tsoracle_paxos_role',
      help: '1 for the role this node is in, 0 for the others.',
      labelNames: ['role'],
      registers,
      collect() {
        const role = driver.status().role;
        for (const r of ROLES) this.set({ role: r }, r === role ? 1 : 0);
      },
    });
  }
}
