// Limits of the simulated world. Every queue and map the simulator keeps is bounded by one of
// these constants and the bound is asserted on insert: a runaway program (a livelock that keeps
// scheduling, a sender that never stops) fails loudly instead of eating the machine's memory.
// The values are generous: a limit that fires in a legitimate run is a bug in the limit.
/** Events waiting in the scheduler's queue (timers, I/O completions, deliveries). */
export const SCHEDULER_EVENTS_QUEUED_MAX = 4_000_000;
/** Events a paused node may accumulate before it is resumed. */
export const NODE_DEFERRED_EVENTS_MAX = 1_000_000;
/** Nodes in one world. */
export const WORLD_NODES_MAX = 1_024;
/** Trace entries kept in memory (use the hash-only mode for longer runs). */
export const TRACE_ENTRIES_MAX = 5_000_000;
/** Files (inodes) on one simulated disk. */
export const DISK_FILES_MAX = 100_000;
/** Bytes of one simulated file. */
export const DISK_FILE_BYTES_MAX = 256 * 1024 * 1024;
/** Directory operations (create, rename, remove, mkdir) not yet made durable by fsyncDir. */
export const DISK_DIR_OPS_PENDING_MAX = 100_000;
/** Unsynced write operations remembered per file (for torn and partial crash outcomes). */
export const DISK_FILE_PENDING_WRITES_MAX = 100_000;
/** Sector size of the simulated disk: the granularity of torn writes and corrupted reads. */
export const DISK_SECTOR_BYTES = 512;
/** Open connections in one network (both endpoints count as one). */
export const NETWORK_CONNECTIONS_MAX = 65_536;
/** Listening sockets in one network. */
export const NETWORK_LISTENERS_MAX = 4_096;
/**
 * Bytes queued in one direction of a connection (sent, not yet delivered). Like the Node
 * transport's backpressure cap: beyond it the connection is reset.
 */
export const NETWORK_PIPE_BYTES_MAX = 64 * 1024 * 1024;
/** Frames queued in one direction of a connection. */
export const NETWORK_PIPE_FRAMES_MAX = 1_000_000;
/** Frames buffered on a connection whose handlers are not installed yet. */
export const NETWORK_UNHANDLED_FRAMES_MAX = 1_000_000;
/** First port handed out for `listen` on port 0 and for the local side of `connect`. */
export const NETWORK_EPHEMERAL_PORT_MIN = 49_152;
export const NETWORK_EPHEMERAL_PORT_MAX = 65_535;
//# sourceMappingURL=limits.js.map