/** Events waiting in the scheduler's queue (timers, I/O completions, deliveries). */
export declare const SCHEDULER_EVENTS_QUEUED_MAX = 4000000;
/** Events a paused node may accumulate before it is resumed. */
export declare const NODE_DEFERRED_EVENTS_MAX = 1000000;
/** Nodes in one world. */
export declare const WORLD_NODES_MAX = 1024;
/** Trace entries kept in memory (use the hash-only mode for longer runs). */
export declare const TRACE_ENTRIES_MAX = 5000000;
/** Files (inodes) on one simulated disk. */
export declare const DISK_FILES_MAX = 100000;
/** Bytes of one simulated file. */
export declare const DISK_FILE_BYTES_MAX: number;
/** Directory operations (create, rename, remove, mkdir) not yet made durable by fsyncDir. */
export declare const DISK_DIR_OPS_PENDING_MAX = 100000;
/** Unsynced write operations remembered per file (for torn and partial crash outcomes). */
export declare const DISK_FILE_PENDING_WRITES_MAX = 100000;
/** Sector size of the simulated disk: the granularity of torn writes and corrupted reads. */
export declare const DISK_SECTOR_BYTES = 512;
/** Open connections in one network (both endpoints count as one). */
export declare const NETWORK_CONNECTIONS_MAX = 65536;
/** Listening sockets in one network. */
export declare const NETWORK_LISTENERS_MAX = 4096;
/**
 * Bytes queued in one direction of a connection (sent, not yet delivered). Like the Node
 * transport's backpressure cap: beyond it the connection is reset.
 */
export declare const NETWORK_PIPE_BYTES_MAX: number;
/** Frames queued in one direction of a connection. */
export declare const NETWORK_PIPE_FRAMES_MAX = 1000000;
/** Frames buffered on a connection whose handlers are not installed yet. */
export declare const NETWORK_UNHANDLED_FRAMES_MAX = 1000000;
/** First port handed out for `listen` on port 0 and for the local side of `connect`. */
export declare const NETWORK_EPHEMERAL_PORT_MIN = 49152;
export declare const NETWORK_EPHEMERAL_PORT_MAX = 65535;
