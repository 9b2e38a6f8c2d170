export declare const LOGICAL_BITS = 18;
/** Timestamps per physical millisecond. */
export declare const TIMESTAMPS_PER_MS = 262144;
export declare const LOGICAL_MAX: number;
/** Largest physical millisecond a timestamp can carry (46 bits, good until year ~4199). */
export declare const PHYSICAL_MS_MAX: number;
/** Largest count of one getTs request (one full millisecond). */
export declare const GET_TS_COUNT_MAX = 262144;
export declare const SEQ_COUNT_MAX = 65536;
export declare const SEQ_KEY_BYTES_MIN = 1;
export declare const SEQ_KEY_BYTES_MAX = 128;
/** Default cap on distinct sequence keys (a genesis value stored in the ledger). */
export declare const SEQ_KEY_CARDINALITY_CAP_DEFAULT = 10000;
/** Client sessions the ledger remembers for exactly-once retries (least recently used evicted). */
export declare const SEQ_SESSION_CLIENTS_MAX = 256;
/** Results remembered per client session (oldest request id evicted first). */
export declare const SEQ_SESSION_RESULTS_PER_CLIENT_MAX = 1024;
/** u64 maximum, as a bigint. */
export declare const U64_MAX: bigint;
export declare const WINDOW_AHEAD_MS_DEFAULT = 3000;
export declare const FAILOVER_ADVANCE_MS_DEFAULT = 1000;
export declare const FENCE_BACKOFF_MS_MIN = 25;
export declare const FENCE_BACKOFF_MS_MAX = 250;
export declare const LISTEN_ADDRESS_DEFAULT = "127.0.0.1:50551";
export declare const RAFT_LISTEN_ADDRESS_DEFAULT = "127.0.0.1:50552";
export declare const HTTP_LISTEN_ADDRESS_DEFAULT = "127.0.0.1:50553";
export declare const DATA_DIR_DEFAULT = "./tsoracle-data";
/** Largest frame body (bytes after the u32 length prefix) a peer may send. */
export declare const FRAME_BODY_BYTES_MAX: number;
export declare const FRAME_HEADER_BYTES = 4;
export declare const SERVER_CONNECTIONS_MAX = 4096;
export declare const CONNECTION_REQUESTS_IN_FLIGHT_MAX = 1024;
/** Group commit: getSeq requests that may wait for the next durable write. */
export declare const SEQ_GROUP_COMMIT_QUEUE_MAX = 65536;
/** Requests in one sequence-journal record (one group-commit batch of the file driver). */
export declare const SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX = 65536;
/** The file driver folds its sequence journal into a fresh `dense` snapshot past this size. */
export declare const SEQ_JOURNAL_COMPACT_BYTES_DEFAULT: number;
export declare const CLIENT_ATTEMPTS_MAX = 5;
export declare const CLIENT_ATTEMPT_TIMEOUT_MS = 2000;
export declare const CLIENT_OVERALL_TIMEOUT_MS = 10000;
export declare const CLIENT_BACKOFF_BASE_MS = 50;
export declare const CLIENT_BACKOFF_CAP_MS = 5000;
export declare const CLIENT_LEADER_CACHE_TTL_MS = 30000;
export declare const CLIENT_WAITERS_MAX = 65536;
export declare const CLIENT_SEQ_IN_FLIGHT_MAX = 512;
export declare const CLIENT_REDIRECTS_PER_CALL_MAX = 64;
/** Redirects followed within one pass over the endpoints; past it the client backs off (an election). */
export declare const CLIENT_REDIRECTS_PER_PASS_MAX = 16;
/** getSeq calls waiting for one of the CLIENT_SEQ_IN_FLIGHT_MAX slots. */
export declare const CLIENT_SEQ_WAITERS_MAX = 65536;
/** Open connections one client keeps (configured endpoints plus endpoints learnt from hints). */
export declare const CLIENT_CONNECTIONS_MAX = 64;
/** Default bound on sequence lengths (elements) a postcard-style decoder accepts. */
export declare const CODEC_SEQUENCE_LENGTH_MAX: number;
/** Default bound on byte-string lengths a postcard-style decoder accepts. */
export declare const CODEC_BYTES_LENGTH_MAX: number;
/** Voters in one Raft group (the configuration is static; see docs/raft.md). */
export declare const RAFT_VOTERS_MAX = 9;
export declare const RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT = 50;
export declare const RAFT_ELECTION_TIMEOUT_MS_DEFAULT = 300;
/** Assumed bound on every node's clock rate error (1% = a clock runs at 0.99–1.01 × real time). */
export declare const RAFT_CLOCK_DRIFT_BOUND_DEFAULT = 0.01;
/** Subtracted from the drift-adjusted lease for the time between a lease check and its effect. */
export declare const RAFT_LEASE_MARGIN_MS_DEFAULT = 10;
export declare const RAFT_ENTRIES_PER_MESSAGE_DEFAULT = 64;
/** Hard ceiling on `maxEntriesPerMessage` and on entries a decoder accepts in one message. */
export declare const RAFT_ENTRIES_PER_MESSAGE_MAX = 1024;
/** Data bytes of all entries of one AppendEntries (the leader stops adding entries past it). */
export declare const RAFT_MESSAGE_ENTRY_BYTES_MAX: number;
export declare const RAFT_INFLIGHT_MESSAGES_DEFAULT = 16;
export declare const RAFT_INFLIGHT_MESSAGES_MAX = 256;
/** Data bytes of one log entry (one command; the driver chunks group commits below this). */
export declare const RAFT_ENTRY_DATA_BYTES_MAX: number;
/** Application snapshot bytes (a full ledger with every session is about 40 MiB). */
export declare const RAFT_SNAPSHOT_BYTES_MAX: number;
/** Entries a leader holds past its commit index before it refuses proposals. */
export declare const RAFT_UNCOMMITTED_ENTRIES_MAX = 4096;
/** Entries kept in memory after the last snapshot before a leader refuses proposals. */
export declare const RAFT_LOG_ENTRIES_IN_MEMORY_MAX: number;
/** Committed entries handed to the host in one Ready (the rest follow in the next one). */
export declare const RAFT_COMMITTED_ENTRIES_PER_READY_MAX = 4096;
/** Read-index requests waiting for a quorum (or for the leader's first commit). */
export declare const RAFT_READ_INDEX_PENDING_MAX = 4096;
/** Messages queued between two `ready()` calls (a host that never drains is a bug). */
export declare const RAFT_OUTBOX_MESSAGES_MAX = 65536;
/** Heartbeat rounds whose send time a leader remembers (acks of older rounds are ignored). */
export declare const RAFT_LEASE_ROUNDS_TRACKED = 1024;
/** Bytes of one WAL record payload (an entry with its header, or a hard state). */
export declare const RAFT_WAL_RECORD_BYTES_MAX: number;
/** Sequence requests grouped into one AdvanceSeq command. */
export declare const ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX = 4096;
