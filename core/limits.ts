// Every limit of the system, named, with its unit last. Queues, maps, batches and inputs are
// bounded by one of these constants; code asserts the bound on insert. Defaults that users can
// override (window ahead, failover advance) live here too, so the CLI, the server and the
// simulator agree on them.

// --- Timestamps: u64 = physical_ms << 18 | logical -------------------------------------------
export const LOGICAL_BITS = 18;
/** Timestamps per physical millisecond. */
export const TIMESTAMPS_PER_MS = 262_144; // 2^18
export const LOGICAL_MAX = TIMESTAMPS_PER_MS - 1;
/** Largest physical millisecond a timestamp can carry (46 bits, good until year ~4199). */
export const PHYSICAL_MS_MAX = 2 ** 46 - 1;
/** Largest count of one getTs request (one full millisecond). */
export const GET_TS_COUNT_MAX = TIMESTAMPS_PER_MS;

// --- Sequences -------------------------------------------------------------------------------
export const SEQ_COUNT_MAX = 65_536;
export const SEQ_KEY_BYTES_MIN = 1;
export const SEQ_KEY_BYTES_MAX = 128;
/** Default cap on distinct sequence keys (a genesis value stored in the ledger). */
export const SEQ_KEY_CARDINALITY_CAP_DEFAULT = 10_000;
/** Client sessions the ledger remembers for exactly-once retries (least recently used evicted). */
export const SEQ_SESSION_CLIENTS_MAX = 256;
/** Results remembered per client session (oldest request id evicted first). */
export const SEQ_SESSION_RESULTS_PER_CLIENT_MAX = 1_024;
/** Most (key, count) entries one getSeqBatch may carry: a format limit (records, entries, frames). */
export const SEQ_BATCH_KEYS_MAX = 128;
/** The server's default cap on getSeqBatch entries (an option, 1..SEQ_BATCH_KEYS_MAX). */
export const SEQ_BATCH_KEYS_DEFAULT = 128;
/** u64 maximum, as a bigint. */
export const U64_MAX = (1n << 64n) - 1n;

// --- Server defaults -------------------------------------------------------------------------
export const WINDOW_AHEAD_MS_DEFAULT = 3_000;
export const FAILOVER_ADVANCE_MS_DEFAULT = 1_000;
export const FENCE_BACKOFF_MS_MIN = 25;
export const FENCE_BACKOFF_MS_MAX = 250;
export const LISTEN_ADDRESS_DEFAULT = '127.0.0.1:50551';
export const RAFT_LISTEN_ADDRESS_DEFAULT = '127.0.0.1:50552';
export const HTTP_LISTEN_ADDRESS_DEFAULT = '127.0.0.1:50553';
/**
 * A Raft node's default HTTP port is its service port plus this (the service host, the port two
 * above: 20551 → 20553), the same step as the defaults above (50551 → 50553). Fixed per node and
 * distinct per node, so three nodes on one machine need no --http-listen (docs/cluster.md).
 */
export const RAFT_HTTP_PORT_OFFSET_FROM_SERVICE = 2;
export const DATA_DIR_DEFAULT = './tsoracle-data';

// --- Wire protocol ---------------------------------------------------------------------------
/** Largest frame body (bytes after the u32 length prefix) a peer may send. */
export const FRAME_BODY_BYTES_MAX = 64 * 1024;
export const FRAME_HEADER_BYTES = 4;
export const SERVER_CONNECTIONS_MAX = 4_096;
export const CONNECTION_REQUESTS_IN_FLIGHT_MAX = 1_024;
/** Group commit: getSeq requests that may wait for the next durable write. */
export const SEQ_GROUP_COMMIT_QUEUE_MAX = 65_536;
/** Requests in one sequence-journal record (one group-commit batch of the file driver). */
export const SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX = 65_536;
/** The file driver folds its sequence journal into a fresh `dense` snapshot past this size. */
export const SEQ_JOURNAL_COMPACT_BYTES_DEFAULT = 4 * 1024 * 1024;
/**
 * Zero bytes the file driver keeps written ahead of the journal's end (AppendOptions in
 * drivers/ports.ts): a commit then overwrites allocated blocks, and its fdatasync has no file
 * size to journal. One extension per MiB of records (about 10,000 single-request commits).
 */
export const SEQ_JOURNAL_ZERO_FILL_BYTES_DEFAULT = 1024 * 1024;

// --- Connection defences (docs/protocol.md §1 and §5) -----------------------------------------
/** Accepted sockets one listener holds at once: the served connections plus the ones being
 *  refused with an answer (a refusal lives until its answer is flushed). Past it a socket is
 *  dropped without an answer (metric reason `listener_sockets_max`). */
export const LISTENER_SOCKETS_MAX_DEFAULT = 2 * SERVER_CONNECTIONS_MAX;
/** Connections one remote address (IP) may hold; past it a new one is refused RESOURCE_EXHAUSTED. */
export const SERVER_CONNECTIONS_PER_PEER_MAX_DEFAULT = 512;
/** A connection with no request in flight and no request received for this long is closed. */
export const SERVER_IDLE_TIMEOUT_MS_DEFAULT = 60_000;
/** At the connection cap, a connection with no request in flight and none for this long gives
 *  way to a new one (closed `IDLE_EVICTED`), so idle connections from many addresses cannot
 *  lock new clients out until the idle timeout. */
export const SERVER_IDLE_EVICT_AFTER_MS_DEFAULT = 1_000;
/** Once the first byte of a frame arrived, the whole frame must arrive within this long. */
export const FRAME_TIMEOUT_MS_DEFAULT = 10_000;
/** Bytes buffered across all connections of a listener: unfinished input frames, decoded frames
 *  waiting for their turn, and unsent answers. Past it the biggest holder is closed. */
export const CONNECTION_BUFFER_BUDGET_BYTES_DEFAULT = 64 * 1024 * 1024;
/** A connection whose unsent output passes this many bytes is not read until half of it drains. */
export const CONNECTION_SEND_PAUSE_BYTES_DEFAULT = 256 * 1024;
/** Frames one connection hands to the server per event-loop turn before it yields to others. */
export const CONNECTION_FRAMES_PER_TURN_MAX = 64;

// --- Client defaults (the original's RetryPolicy) --------------------------------------------
export const CLIENT_ATTEMPTS_MAX = 5;
export const CLIENT_ATTEMPT_TIMEOUT_MS = 2_000;
/** How often a client asks the leader it reaches for the members (docs/client.md, "Finding the cluster"). */
export const CLIENT_MEMBERS_REFRESH_MS = 30_000;
/** With several endpoints, an attempt with no answer after this long moves on (doubling per stall
 *  at the same endpoint, up to the attempt timeout): a paused leader is left behind in about as
 *  long as an election takes, while a slow one still gets its full attempt timeout. */
export const CLIENT_STALL_TIMEOUT_MS = 500;
export const CLIENT_OVERALL_TIMEOUT_MS = 10_000;
export const CLIENT_BACKOFF_BASE_MS = 50;
export const CLIENT_BACKOFF_CAP_MS = 5_000;
export const CLIENT_LEADER_CACHE_TTL_MS = 30_000;
export const CLIENT_WAITERS_MAX = 65_536;
export const CLIENT_SEQ_IN_FLIGHT_MAX = 512;
export const CLIENT_REDIRECTS_PER_CALL_MAX = 64;
/** Redirects followed within one pass over the endpoints; past it the client backs off (an election). */
export const CLIENT_REDIRECTS_PER_PASS_MAX = 16;
/** getSeq calls waiting for one of the CLIENT_SEQ_IN_FLIGHT_MAX slots. */
export const CLIENT_SEQ_WAITERS_MAX = 65_536;
/** Open connections one client keeps (configured endpoints plus endpoints learnt from hints). */
export const CLIENT_CONNECTIONS_MAX = 64;

// --- Codec -----------------------------------------------------------------------------------
/** Default bound on sequence lengths (elements) a postcard-style decoder accepts. */
export const CODEC_SEQUENCE_LENGTH_MAX = 1 << 20;
/** Default bound on byte-string lengths a postcard-style decoder accepts. */
export const CODEC_BYTES_LENGTH_MAX = 16 * 1024 * 1024;

// --- Raft core (core/raft/) and the replicated oracle state (core/oracle/) -------------------
/** Voters in one Raft group (membership changes keep it within; see docs/raft.md). */
export const RAFT_VOTERS_MAX = 9;
/** Learners (members that receive the log but do not vote) in one Raft group. */
export const RAFT_LEARNERS_MAX = 8;
/** Bytes of one member address (Raft peer, service or admin endpoint) stored in the membership. */
export const RAFT_MEMBER_ADDRESS_BYTES_MAX = 255;
export const RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT = 50;
export const RAFT_ELECTION_TIMEOUT_MS_DEFAULT = 300;
/** Assumed bound on every node's clock rate error (1% = a clock runs at 0.99–1.01 × real time). */
export const RAFT_CLOCK_DRIFT_BOUND_DEFAULT = 0.01;
/** Subtracted from the drift-adjusted lease for the time between a lease check and its effect. */
export const RAFT_LEASE_MARGIN_MS_DEFAULT = 10;
export const RAFT_ENTRIES_PER_MESSAGE_DEFAULT = 64;
/** Hard ceiling on `maxEntriesPerMessage` and on entries a decoder accepts in one message. */
export const RAFT_ENTRIES_PER_MESSAGE_MAX = 1_024;
/** Data bytes of all entries of one AppendEntries (the leader stops adding entries past it). */
export const RAFT_MESSAGE_ENTRY_BYTES_MAX = 4 * 1024 * 1024;
export const RAFT_INFLIGHT_MESSAGES_DEFAULT = 16;
export const RAFT_INFLIGHT_MESSAGES_MAX = 256;
/** Data bytes of one log entry (one command; the driver chunks group commits below this). */
export const RAFT_ENTRY_DATA_BYTES_MAX = 1024 * 1024;
/** Application snapshot bytes (a full ledger with every session is about 40 MiB). */
export const RAFT_SNAPSHOT_BYTES_MAX = 64 * 1024 * 1024;
/** Entries a leader holds past its commit index before it refuses proposals. */
export const RAFT_UNCOMMITTED_ENTRIES_MAX = 4_096;
/** Entries kept in memory after the last snapshot before a leader refuses proposals. */
export const RAFT_LOG_ENTRIES_IN_MEMORY_MAX = 1 << 20;
/** Committed entries handed to the host in one Ready (the rest follow in the next one). */
export const RAFT_COMMITTED_ENTRIES_PER_READY_MAX = 4_096;
/** Read-index requests waiting for a quorum (or for the leader's first commit). */
export const RAFT_READ_INDEX_PENDING_MAX = 4_096;
/** Messages queued between two `ready()` calls (a host that never drains is a bug). */
export const RAFT_OUTBOX_MESSAGES_MAX = 65_536;
/** Heartbeat rounds whose send time a leader remembers (acks of older rounds are ignored). */
export const RAFT_LEASE_ROUNDS_TRACKED = 1_024;
/** Bytes of one WAL record payload (an entry with its header, or a hard state). */
export const RAFT_WAL_RECORD_BYTES_MAX = RAFT_ENTRY_DATA_BYTES_MAX + 64;
/** Sequence requests grouped into one AdvanceSeq command. */
export const ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX = 4_096;
