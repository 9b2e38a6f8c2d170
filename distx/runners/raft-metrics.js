// Prometheus metrics of a Raft node, registered in the server's registry next to the serving
// node's (runners/metrics.ts). Gauges read the driver's status when scraped (term, role, log
// indexes, lease, WAL size); counters count the driver's events (role changes, entries applied,
// snapshots, torn WAL tails cut, peer connections lost or refused, messages dropped while a peer
// was unreachable). The counters exist from the driver's first event, before the HTTP server
// does, so nothing that happens while a node starts is missed.
import client from 'prom-client';
const ROLES = ['follower', 'pre-candidate', 'candidate', 'leader'];
export class RaftMetrics {
    roleChanges = new client.Counter({
        name: 'tsoracle_raft_role_changes_total',
        help: 'Times this node took a Raft role, by role.',
        labelNames: ['role'],
        registers: [],
    });
    entriesApplied = new client.Counter({ name: 'tsoracle_raft_entries_applied_total', help: 'Log entries applied to the oracle state.', registers: [] });
    snapshotsSaved = new client.Counter({ name: 'tsoracle_raft_snapshots_saved_total', help: 'Snapshots this node took (log compactions).', registers: [] });
    snapshotsInstalled = new client.Counter({ name: 'tsoracle_raft_snapshots_installed_total', help: "Leader's snapshots installed (InstallSnapshot).", registers: [] });
    walTornTails = new client.Counter({ name: 'tsoracle_raft_wal_torn_tails_cut_total', help: 'Torn WAL tails truncated at start (a crash interrupted a write).', registers: [] });
    peerDisconnects = new client.Counter({ name: 'tsoracle_raft_peer_disconnects_total', help: 'Outgoing peer connections lost.', registers: [] });
    peerRefusals = new client.Counter({ name: 'tsoracle_raft_peer_connections_refused_total', help: 'Incoming peer connections refused (another cluster, bad frames).', registers: [] });
    peerMessagesDropped = new client.Counter({
        name: 'tsoracle_raft_peer_messages_dropped_total',
        help: 'Messages dropped while a peer was unreachable (Raft resends what matters).',
        registers: [],
    });
    /** Peers with an open outgoing connection. */
    connectedPeers = new Set();
    registered = false;
    /** Counts one driver event (pass it every event of the driver). */
    onEvent(event) {
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
            case 'wal-truncated':
                this.walTornTails.inc();
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
                this.peerMessagesDropped.inc(event.messages);
                return;
            case 'started':
            case 'leadership':
            case 'meta-created':
            case 'snapshot-marker-completed':
            case 'fatal':
                return;
            default: {
                const never = event;
                return never;
            }
        }
    }
    /** Registers the counters and the driver's gauges in `registry` (once). */
    register(registry, driver) {
        if (this.registered)
            return;
        this.registered = true;
        for (const metric of [
            this.roleChanges,
            this.entriesApplied,
            this.snapshotsSaved,
            this.snapshotsInstalled,
            this.walTornTails,
            this.peerDisconnects,
            this.peerRefusals,
            this.peerMessagesDropped,
        ]) {
            registry.registerMetric(metric);
        }
        const registers = [registry];
        const gauge = (name, help, read) => {
            new client.Gauge({
                name,
                help,
                registers,
                collect() {
                    this.set(read());
                },
            });
        };
        gauge('tsoracle_raft_term', 'Current Raft term.', () => driver.status().term);
        gauge('tsoracle_raft_commit_index', 'Index of the last entry known committed.', () => driver.status().commit);
        gauge('tsoracle_raft_applied_index', 'Index of the last entry applied to the oracle state.', () => driver.appliedIndex);
        gauge('tsoracle_raft_last_log_index', 'Index of the last entry in the log.', () => driver.status().lastIndex);
        gauge('tsoracle_raft_snapshot_index', 'Index the newest snapshot covers.', () => driver.status().snapshotIndex);
        gauge('tsoracle_raft_lease_held', '1 while this node leads and holds its lease (may serve timestamps).', () => (driver.hasLease() ? 1 : 0));
        gauge('tsoracle_raft_wal_bytes', 'Size of the write-ahead log.', () => driver.walBytes);
        gauge('tsoracle_raft_peers_connected', 'Peers with an open outgoing connection.', () => this.connectedPeers.size);
        new client.Gauge({
            name: 'tsoracle_raft_role',
            help: "This node's Raft role: 1 for the current one, 0 for the others.",
            labelNames: ['role'],
            registers,
            collect() {
                const role = driver.status().role;
                for (const r of ROLES)
                    this.set({ role: r }, r === role ? 1 : 0);
            },
        });
    }
}
//# sourceMappingURL=raft-metrics.js.map