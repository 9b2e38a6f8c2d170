// Limits and defaults of the raft driver (the host around core/raft). Every queue, map and batch
// the driver keeps is bounded by one of these; the core's own limits live in core/limits.ts.
import { assert } from '../../core/assert.js';
import { FRAME_BODY_BYTES_MAX, RAFT_READ_INDEX_PENDING_MAX, RAFT_SNAPSHOT_BYTES_MAX, RAFT_UNCOMMITTED_ENTRIES_MAX, RAFT_WAL_RECORD_BYTES_MAX } from '../../core/limits.js';

// --- Peers ----------------------------------------------------------------------------------
/** Largest transport frame body the driver sends to a peer (what both transports accept). */
export const RAFT_PEER_FRAME_BODY_BYTES_MAX = FRAME_BODY_BYTES_MAX;
/** Largest Raft message reassembled from fragments (a whole snapshot plus message overhead). */
export const RAFT_PEER_MESSAGE_BYTES_MAX = RAFT_SNAPSHOT_BYTES_MAX + 1024 * 1024;
/** Messages queued for one peer while its connection is being (re)established; oldest dropped. */
export const RAFT_PEER_SEND_QUEUE_MESSAGES_MAX = 4_096;
/** Encoded bytes queued for one peer while not connected; oldest dropped past it. */
export const RAFT_PEER_SEND_QUEUE_BYTES_MAX = 96 * 1024 * 1024;
/** Inbound peer connections one node keeps at once (peers reconnect; strangers are closed). */
export const RAFT_PEER_INBOUND_CONNECTIONS_MAX = 64;
/** Reconnect backoff to a peer: doubles from the minimum to the maximum; each wait is half fixed, half jitter. */
export const RAFT_PEER_RECONNECT_BACKOFF_MS_MIN = 10;
export const RAFT_PEER_RECONNECT_BACKOFF_MS_MAX = 500;
/**
 * A connect to a peer that has not completed within this long is abandoned and retried. The
 * kernel's own connect timeout is far longer (minutes on Linux): a SYN lost to a brief partition
 * would otherwise leave the link down long after the network healed, and a cluster whose only
 * quorum needs that link cannot elect a leader (found by the simulator, 3-node seed 30).
 */
export const RAFT_PEER_CONNECT_TIMEOUT_MS = 500;
/** The shortest connect timeout a short election timeout may derive (a connect is one round trip). */
export const RAFT_PEER_CONNECT_TIMEOUT_MS_MIN = 20;
/** Connect timeout and reconnect-backoff cap are each at most this part of the election timeout. */
export const RAFT_PEER_TIMINGS_ELECTION_TIMEOUT_DIVISOR = 3;

/** The peer network's reconnection timings for one node (PeerNetworkOptions). */
export interface PeerTimings {
  readonly connectTimeoutMs: number;
  readonly reconnectBackoffMsMax: number;
}

/**
 * The peer timings a node with this election timeout uses: the connect timeout and the
 * reconnect-backoff cap each a third of the election timeout (within [_MIN, the constants above]).
 * Why: a link that was down (a SYN swallowed by a partition, a peer that was down) is redialled at
 * most connect timeout + backoff cap after the network heals, which is then below one election
 * timeout; a leader whose quorum needs that link hears its answers again before its check-quorum
 * window runs out. With the fixed 500 ms + 500 ms and a 300 ms election timeout, both links of
 * the two live nodes of a 3-node cluster stayed down ~370 ms past a heal and the leader stepped
 * down, again and again (paxos 3-node simulator seed 1621). A connect is one round trip, so a
 * third of the election timeout is ample wherever a leader can hold its quorum at all (its
 * heartbeats must be answered well within an election timeout too).
 */
export function peerTimingsForElectionTimeout(electionTimeoutMs: number): PeerTimings {
  const part = Math.floor(electionTimeoutMs / RAFT_PEER_TIMINGS_ELECTION_TIMEOUT_DIVISOR);
  return {
    connectTimeoutMs: Math.min(RAFT_PEER_CONNECT_TIMEOUT_MS, Math.max(RAFT_PEER_CONNECT_TIMEOUT_MS_MIN, part)),
    reconnectBackoffMsMax: Math.min(RAFT_PEER_RECONNECT_BACKOFF_MS_MAX, Math.max(RAFT_PEER_RECONNECT_BACKOFF_MS_MIN, part)),
  };
}
/** An inbound connection must say hello within this long, or it is closed. */
export const RAFT_PEER_HELLO_TIMEOUT_MS = 5_000;

// --- Storage --------------------------------------------------------------------------------
/**
 * Bytes of WAL records written by one append (then one fsync). A Ready larger than this is written
 * in several appends, each made durable before the next, so a crash can tear at most the last
 * RAFT_WAL_APPEND_BYTES_MAX bytes of the file: damage further back is corruption, not a torn write.
 */
export const RAFT_WAL_APPEND_BYTES_MAX = 4 * 1024 * 1024;
/** The part of the WAL a crash may have torn: one append (a single record never exceeds it). */
export const RAFT_WAL_TORN_WINDOW_BYTES = RAFT_WAL_APPEND_BYTES_MAX;
/** A torn write is recognised by a sector that never landed, which reads as zeros. */
export const RAFT_WAL_SECTOR_BYTES = 512;
/** Smallest run of zeros in the damaged record that counts as a sector that never landed. */
export const RAFT_WAL_ZERO_RUN_BYTES_MIN = 16;
/** The WAL is rewritten (after a snapshot) once it grows past this. */
export const RAFT_WAL_COMPACT_BYTES = 64 * 1024 * 1024;
/** Applied entries between two state-machine snapshots (and WAL rewrites). */
export const RAFT_SNAPSHOT_ENTRIES_DEFAULT = 10_000;

// --- Waiters --------------------------------------------------------------------------------
/** Proposals waiting for their entry to apply (the core refuses past its uncommitted limit). */
export const RAFT_PROPOSALS_PENDING_MAX = RAFT_UNCOMMITTED_ENTRIES_MAX;
/** Linearized reads waiting for a read state or for the apply to reach it. */
export const RAFT_READS_PENDING_MAX = RAFT_READ_INDEX_PENDING_MAX;
/** A driver call that has not completed after this many election timeouts answers DRIVER_TRANSIENT. */
export const RAFT_DRIVER_CALL_ELECTION_TIMEOUTS = 2;

// Consistency of the limits above (checked once at load; a bad edit fails every test).
assert(RAFT_WAL_APPEND_BYTES_MAX >= RAFT_WAL_RECORD_BYTES_MAX + 8, 'raft_wal_append_holds_one_record');
assert(RAFT_PEER_FRAME_BODY_BYTES_MAX >= 64, 'raft_peer_frame_body_room');
