// The paxos driver's named limits (its storage and its calls). Peer-network limits are the raft
// driver's (drivers/raft/limits.ts): the two drivers share the peer network.
import { PAXOS_READ_INDEX_PENDING_MAX, PAXOS_UNDECIDED_ENTRIES_MAX } from '../../core/paxos/limits.js';

/** Bytes of log records written with one append and one fsync. */
export const PAXOS_LOG_APPEND_BYTES_MAX = 4 * 1024 * 1024;
/** How far before the end of the log a torn write can reach: one append. */
export const PAXOS_LOG_TORN_WINDOW_BYTES = PAXOS_LOG_APPEND_BYTES_MAX;
/** Log size that triggers a compaction even before PAXOS_SNAPSHOT_ENTRIES_DEFAULT entries. */
export const PAXOS_LOG_COMPACT_BYTES = 64 * 1024 * 1024;
/** Applied entries between two snapshots, by default. */
export const PAXOS_SNAPSHOT_ENTRIES_DEFAULT = 10_000;
/** Proposals waiting to be decided. */
export const PAXOS_PROPOSALS_PENDING_MAX = PAXOS_UNDECIDED_ENTRIES_MAX;
/** Linearized reads waiting for their barrier. */
export const PAXOS_READS_PENDING_MAX = PAXOS_READ_INDEX_PENDING_MAX;
/** A call with no answer after this many election timeouts answers DRIVER_TRANSIENT. */
export const PAXOS_DRIVER_CALL_ELECTION_TIMEOUTS = 2;
