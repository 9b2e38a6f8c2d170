// The Paxos core's named limits. Every queue and message of the core has a maximum here,
// asserted where it grows; defaults that tune timing follow the Raft core's (core/limits.ts) so
// the two drivers behave alike under the same flags.
export const PAXOS_VOTERS_MAX = 9;
/** Entries in one Accept or AcceptSync (a follower far behind catches up over several rounds). */
export const PAXOS_ENTRIES_PER_MESSAGE_DEFAULT = 64;
export const PAXOS_ENTRIES_PER_MESSAGE_MAX = 1_024;
/**
 * Accept messages carrying entries a leader keeps unanswered per follower (its send window is
 * this many times `maxEntriesPerMessage` entries past what the follower is known to hold).
 */
export const PAXOS_INFLIGHT_MESSAGES_DEFAULT = 16;
export const PAXOS_INFLIGHT_MESSAGES_MAX = 256;
/** Bytes of one entry's command. */
export const PAXOS_ENTRY_DATA_BYTES_MAX = 1024 * 1024;
/** Entries a leader keeps proposed but undecided before it refuses more (RESOURCE_EXHAUSTED). */
export const PAXOS_UNDECIDED_ENTRIES_MAX = 4_096;
/** Entries in the in-memory log between two snapshots before proposals are refused. */
export const PAXOS_LOG_ENTRIES_IN_MEMORY_MAX = 1 << 20;
/** Decided entries handed to the host in one Ready. */
export const PAXOS_DECIDED_ENTRIES_PER_READY_MAX = 4_096;
/** Read-index requests waiting for a confirming round. */
export const PAXOS_READ_INDEX_PENDING_MAX = 4_096;
/** Messages waiting in the outbox between two Readies. */
export const PAXOS_OUTBOX_MESSAGES_MAX = 65_536;
/** Heartbeat rounds whose start time a leader remembers (older answers give no lease). */
export const PAXOS_LEASE_ROUNDS_TRACKED = 1_024;
/** Entries in a Promise's suffix: at most the whole in-memory log. */
export const PAXOS_PROMISE_ENTRIES_MAX = PAXOS_LOG_ENTRIES_IN_MEMORY_MAX;
/** Bytes of a snapshot (as the Raft core's). */
export const PAXOS_SNAPSHOT_BYTES_MAX = 64 * 1024 * 1024;
