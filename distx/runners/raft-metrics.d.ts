import client from 'prom-client';
import type { RaftDriver, RaftDriverEvent } from '../drivers/raft/index.js';
export declare class RaftMetrics {
    private readonly roleChanges;
    private readonly entriesApplied;
    private readonly snapshotsSaved;
    private readonly snapshotsInstalled;
    private readonly walTornTails;
    private readonly peerDisconnects;
    private readonly peerRefusals;
    private readonly peerMessagesDropped;
    /** Peers with an open outgoing connection. */
    private readonly connectedPeers;
    private registered;
    /** Counts one driver event (pass it every event of the driver). */
    onEvent(event: RaftDriverEvent): void;
    /** Registers the counters and the driver's gauges in `registry` (once). */
    register(registry: client.Registry, driver: RaftDriver): void;
}
