/** Largest transport frame body the driver sends to a peer (what both transports accept). */
export declare const RAFT_PEER_FRAME_BODY_BYTES_MAX: number;
/** Largest Raft message reassembled from fragments (a whole snapshot plus message overhead). */
export declare const RAFT_PEER_MESSAGE_BYTES_MAX: number;
/** Messages queued for one peer while its connection is being (re)established; oldest dropped. */
export declare const RAFT_PEER_SEND_QUEUE_MESSAGES_MAX = 4096;
/** Encoded bytes queued for one peer while not connected; oldest dropped past it. */
export declare const RAFT_PEER_SEND_QUEUE_BYTES_MAX: number;
/** Inbound peer connections one node keeps at once (peers reconnect; strangers are closed). */
export declare const RAFT_PEER_INBOUND_CONNECTIONS_MAX = 64;
/** Reconnect backoff to a peer: doubles from the minimum to the maximum; each wait is half fixed, half jitter. */
export declare const RAFT_PEER_RECONNECT_BACKOFF_MS_MIN = 10;
export declare const RAFT_PEER_RECONNECT_BACKOFF_MS_MAX = 500;
/**
 * A connect to a peer that has not completed within this long is abandoned and retried. The
 * kernel's own connect timeout is far longer (minutes on Linux): a SYN lost to a brief partition
 * would otherwise leave the link down long after the network healed, and a cluster whose only
 * quorum needs that link cannot elect a leader (found by the simulator, 3-node seed 30).
 */
export declare const RAFT_PEER_CONNECT_TIMEOUT_MS = 500;
/** An inbound connection must say hello within this long, or it is closed. */
export declare const RAFT_PEER_HELLO_TIMEOUT_MS = 5000;
/**
 * Bytes of WAL records written by one append (then one fsync). A Ready larger than this is written
 * in several appends, each made durable before the next, so a crash can tear at most the last
 * RAFT_WAL_APPEND_BYTES_MAX bytes of the file: damage further back is corruption, not a torn write.
 */
export declare const RAFT_WAL_APPEND_BYTES_MAX: number;
/** The part of the WAL a crash may have torn: one append (a single record never exceeds it). */
export declare const RAFT_WAL_TORN_WINDOW_BYTES: number;
/** A torn write is recognised by a sector that never landed, which reads as zeros. */
export declare const RAFT_WAL_SECTOR_BYTES = 512;
/** Smallest run of zeros in the damaged record that counts as a sector that never landed. */
export declare const RAFT_WAL_ZERO_RUN_BYTES_MIN = 16;
/** The WAL is rewritten (after a snapshot) once it grows past this. */
export declare const RAFT_WAL_COMPACT_BYTES: number;
/** Applied entries between two state-machine snapshots (and WAL rewrites). */
export declare const RAFT_SNAPSHOT_ENTRIES_DEFAULT = 10000;
/** Proposals waiting for their entry to apply (the core refuses past its uncommitted limit). */
export declare const RAFT_PROPOSALS_PENDING_MAX = 4096;
/** Linearized reads waiting for a read state or for the apply to reach it. */
export declare const RAFT_READS_PENDING_MAX = 4096;
/** A driver call that has not completed after this many election timeouts answers DRIVER_TRANSIENT. */
export declare const RAFT_DRIVER_CALL_ELECTION_TIMEOUTS = 2;
