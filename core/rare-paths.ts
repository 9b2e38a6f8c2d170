// The product's catalogue of rare paths: every `sometimes(condition, name)` mark in core/ and
// drivers/, with what the path is and which runs can reach it. The simulator's swarm summary
// lists each with the seeds that reached it and fails its smoke swarm on one no seed reached
// (docs/simulator.md, "Rare paths").
//
// Invariants:
//   - Every mark called in core/ or drivers/ is listed here exactly once, and every name listed
//     here is called somewhere (rare-paths.test.ts reads the sources and checks both ways).
//   - `driver` names the only consensus driver (or drivers) whose runs can take the path; absent, any run can.
//   - A mark with `nightly` is one only long swarms reach: the smoke swarm lists it but does not
//     require it; the reason says which seeds reach it.
//   - Paths the product handles but the simulator cannot reach by design are not marked (a mark
//     no seed can reach is noise): a physical clock past 2^46 ms, a u64 counter overflow, the
//     key cap, queues of 65,536 waiting requests, connection caps and idle timeouts the simulated
//     server does not set, a client reusing a request id for another request (the library never
//     does), and guards against a writer's bug or a foreign directory that no fault of the disk
//     model leads to (journal or WAL records that do not replay, a WAL without its meta record,
//     a WAL record cut short with valid records after it). Nor are the paths no seed of 1..1000
//     reached (docs/simulator.md, "Rare paths", lists them: a mark for each is the next step once
//     a workload or a fault reaches it).

import { declareSometimes, type SometimesDeclaration } from './sometimes.js';

const FILE = 'file';
const RAFT = 'raft';
const PAXOS = 'paxos';
const ETCD = 'etcd';

export const PRODUCT_RARE_PATHS: readonly SometimesDeclaration[] = [
  // core/ledger.ts: the exactly-once session table.
  { name: 'ledger.retry_replayed', what: 'a retried getSeq is answered with the block its request id already got' },
  { name: 'ledger.evicted_session_request_refused', what: 'a client without a session asks below the eviction watermark (SEQ_SESSION_EXPIRED)' },
  { name: 'ledger.session_evicted', what: 'the session table is full: the least recently active session is evicted' },
  { name: 'ledger.session_result_forgotten', what: "a session holds its cap of results: its lowest request id is forgotten" },
  // core/records/seq-journal.ts: the journal scanner's torn tails and corruption.
  { name: 'seq_journal.torn_header_damaged', what: "the last record's header is damaged and nothing intact follows", driver: FILE },
  { name: 'seq_journal.torn_record_cut_short', what: 'the last record is shorter than its header says', driver: FILE, nightly: { file: "single-node seeds 236 and 878 of 1..1000: the journal's zero fill (drivers/ports.ts AppendOptions) means a torn append cuts the file inside a record only where the fill is off or at its edge" } },
  { name: 'seq_journal.torn_full_length_bad_checksum', what: 'a full-length record with a bad checksum at the end of the journal: a torn tail', driver: FILE, nightly: { file: 'single-node seeds 185 and 315 of 1..1000' } },
  { name: 'seq_journal.corrupt_middle_record_refused', what: 'a record with a bad checksum followed by more bytes: corruption, refused', driver: FILE },
  { name: 'seq_journal.corrupt_header_before_intact_record_refused', what: 'a damaged header followed by an intact record header: corruption, refused', driver: FILE },
  // drivers/file: recovery and write failures.
  { name: 'file.corrupt_state_record_refused', what: 'the high-water record does not decode: the driver refuses to start', driver: FILE },
  { name: 'file.corrupt_ledger_file_refused', what: '`dense` or the journal is corrupt: the driver refuses to start', driver: FILE },
  { name: 'file.journal_record_already_in_snapshot', what: 'a journal record already folded into `dense` is skipped at recovery', driver: FILE },
  { name: 'file.journal_tail_reread_differs_refused', what: 'the torn tail reads back differently: the driver refuses to cut it', driver: FILE },
  { name: 'file.journal_torn_tail_cut', what: "the journal's torn tail is cut off at open", driver: FILE, nightly: { file: 'single-node seeds 16, 185, 236, 315, 442 (8 of 1..1000)' } },
  { name: 'file.journal_tail_cut_failed_refused', what: 'cutting the torn tail failed: the driver refuses to start', driver: FILE, nightly: { file: 'single-node seeds 16 and 442 of 1..1000: a crash must tear the journal and the cut at the next open must meet an injected truncate failure (diskTruncateFail)' } },
  { name: 'file.loaded_records_sync_failed_refused', what: 'syncing the loaded records failed: the driver refuses to start', driver: FILE, nightly: { file: 'single-node seeds 113, 535, 570 of 1..1000: a failed sync of what a restart loaded needs a crash with unsynced records and an injected sync failure at the very next open' } },
  { name: 'file.journal_write_failed', what: 'a group commit failed to append or sync: the batch is answered DRIVER_PERMANENT', driver: FILE },
  { name: 'file.high_water_write_failed', what: 'persisting the high-water failed: DRIVER_PERMANENT', driver: FILE },
  { name: 'file.dense_rewritten_journal_removed', what: '`dense` is rewritten from the durable ledger and the old journal removed', driver: FILE },
  { name: 'file.journal_compacted', what: 'the journal passed journalCompactBytes and was folded into `dense`', driver: FILE },
  // drivers/raft: the WAL's tail, storage recovery, the driver.
  { name: 'wal.torn_header_cut_short', what: 'the WAL ends inside a record header: torn, truncated', driver: RAFT, nightly: { raft: '3-node seeds 354, 600, 665, 820 and 5-node 283, 503, 656, 719, 1000 of 1..1000: a crash must cut the WAL within an 8-byte record header at a sector boundary, which the crashes that wait for an append over a sector edge (options.rare.crashAwaitsSectorCrossing) make a few seeds in a thousand; pinned by drivers/raft/wal-tail.test.ts' } },
  { name: 'wal.torn_zeroed_end', what: 'the end of the last write never landed (zeros): torn, truncated', driver: RAFT },
  { name: 'wal.torn_zeroed_sector', what: 'a sector of the last write never landed: torn, truncated', driver: RAFT, nightly: { raft: '3-node seeds 35, 261, 270, 722, 5-node 92, 636, 825 of 1..1000' } },
  { name: 'wal.torn_record_cut_short', what: 'the last record is cut short: torn, truncated', driver: RAFT, nightly: { raft: '3-node seeds 6 and 962, 5-node 138, 217, 298, 810 of 1..1000' } },
  { name: 'wal.full_length_bad_checksum_refused', what: 'a full-length WAL record with a bad checksum and no zeroed sector: bit rot, refused', driver: RAFT },
  { name: 'raft_storage.wal_torn_tail_cut', what: "the WAL's torn tail is truncated at open", driver: RAFT },
  { name: 'raft_storage.corrupt_wal_refused', what: 'the WAL is corrupt: the node refuses to start', driver: RAFT },
  { name: 'raft_storage.corrupt_snapshot_refused', what: 'the snapshot file does not decode: the node refuses to start', driver: RAFT },
  { name: 'raft_storage.corrupt_meta_refused', what: 'the meta record does not decode: the node refuses to start', driver: RAFT },
  { name: 'raft_driver.proposal_covered_by_snapshot', what: "a leader's snapshot covers a pending proposal: its outcome is unknown", driver: RAFT, nightly: { raft: '3-node seeds 56, 455, 510 (9 of 1..1000), 5-node 35, 125, 126 (16 of 1..1000)' } },
  { name: 'raft_driver.proposal_replaced_by_other_entry', what: 'another entry was committed at a proposal\'s index: NOT_LEADER', driver: RAFT },
  { name: 'raft_driver.commit_logged_after_overwrite', what: 'an append overwrites conflicting entries under a commit that covers them: the commit is logged after the entries', driver: RAFT },
  { name: 'raft_driver.removed_node_hints_member', what: 'a node removed from the cluster answers NOT_LEADER pointing at a voter of the membership that removed it', driver: RAFT },
  { name: 'raft_driver.snapshot_saved', what: 'the driver saved a snapshot and compacted its WAL', driver: RAFT },
  { name: 'raft_driver.snapshot_superseded', what: "a leader's InstallSnapshot overtook a snapshot being written", driver: RAFT },
  { name: 'raft_driver.call_timed_out', what: 'a proposal or read got no answer within the call timeout (no quorum)', driver: RAFT },
  // core/raft/node.ts: elections, step-downs, replication repairs, snapshots.
  { name: 'raft.check_quorum_step_down', what: 'a leader no quorum answered for an election timeout steps down (CheckQuorum)', driver: RAFT },
  { name: 'raft.election_lost', what: 'a quorum refused a (pre-)candidate: it goes back to follower', driver: RAFT },
  { name: 'raft.vote_ignored_leader_alive', what: 'a vote request of a higher term is ignored while a live leader is heard (§9.6)', driver: RAFT },
  { name: 'raft.stale_leader_told_new_term', what: 'a stale leader is told the newer term so it steps down', driver: RAFT },
  { name: 'raft.append_rejected_log_mismatch', what: "a follower rejects an append whose previous entry it does not hold", driver: RAFT },
  { name: 'raft.leader_backs_up_after_rejection', what: "the leader backs a follower's next index up after a rejection", driver: RAFT },
  { name: 'raft.snapshot_sent', what: 'the leader sends InstallSnapshot to a follower behind its compacted log', driver: RAFT },
  { name: 'raft.snapshot_installed', what: 'a follower installs a snapshot in place of its log', driver: RAFT },
  { name: 'raft.snapshot_already_held', what: "a follower already holds a snapshot's last entry and only commits", driver: RAFT, nightly: { raft: '3-node seeds 319, 795, 910, 959 and 5-node 7, 137, 173, 191, 431 (8) of 1..1000: a snapshot must reach a follower that holds its last entry but has not heard it committed, which the seeds that snapshot after every entry (one Raft seed in eight) make likelier' } },
  { name: 'raft.snapshot_resent_after_timeout', what: 'an unanswered snapshot is sent again after an election timeout', driver: RAFT },
  // core/raft/node.ts: membership changes (docs/raft.md, "Membership changes").
  { name: 'raft.membership_change_refused_in_flight', what: 'a membership change while another is appended but not committed is refused', driver: RAFT },
  { name: 'raft.promotion_refused_not_caught_up', what: 'promoting a learner that lacks committed entries is refused', driver: RAFT },
  { name: 'raft.uncommitted_membership_cut', what: "a follower's uncommitted config entry is cut from its log: the membership before it is back in effect", driver: RAFT },
  { name: 'raft.removed_leader_stepped_down', what: 'a leader steps down once its own removal committed', driver: RAFT },
  { name: 'raft.non_voter_skips_campaign', what: 'a learner, joining or removed node lets its election timeout pass without campaigning', driver: RAFT },
  { name: 'raft.removed_node_campaigns_until_removal_commits', what: 'a node whose removal is in its log but not known committed still campaigns', driver: RAFT, nightly: { raft: '3-node seeds 144, 147, 173 (22 of 1..1000), 5-node 45, 102, 138: the membership nemesis runs on a quarter of the swarm seeds' } },
  // drivers/server: the serving node and the protocol server.
  { name: 'serving.fence_retried', what: 'a fence attempt failed transiently and is retried with backoff', driver: RAFT, nightly: { raft: '3-node seeds 92, 265, 489, 5-node 92, 265, 521 (9 each of 1..1000)' } },
  { name: 'serving.fence_superseded', what: 'leadership changed while a fence loaded the high-water: its result is dropped', driver: RAFT },
  { name: 'serving.fence_lost_leadership', what: 'the fence learned it is no longer the leader', driver: RAFT },
  { name: 'serving.poisoned', what: 'a durable write failed during a fence: the node poisons itself and stops serving', driver: FILE },
  { name: 'serving.lease_not_held_refused', what: 'a getTs is refused because the leader lease is not held', driver: RAFT },
  { name: 'serving.window_exhausted_waits_for_extension', what: 'a getTs found the window exhausted and waited for an extension' },
  { name: 'serving.extension_lost_leadership', what: 'a window extension learned the node is no longer leader: it steps down', driver: RAFT, nightly: { raft: '3-node seeds 162, 175, 265 (9 of 1..1000), 5-node 54, 87, 237' } },
  { name: 'serving.extension_commit_ignored', what: 'a persisted extension is not committed (leadership moved or it did not advance)', driver: RAFT, nightly: { raft: '3-node seeds 149, 324, 554, 5-node 237, 274, 298 of 1..1000: leadership must move while the persist of an extension is in flight and still commit' } },
  { name: 'serving.seq_lost_leadership', what: 'a getSeq learned the node is no longer leader: it steps down', driver: RAFT },
  { name: 'serving.seq_session_expired_answered', what: 'a getSeq is answered SEQ_SESSION_EXPIRED with the ids to use' },
  { name: 'protocol.transport_closed_bad_frame', what: 'the transport closed a connection on a bad frame: answered BAD_FRAME' },
  { name: 'protocol.undecodable_request_closed', what: 'a frame that does not decode closes its connection' },
  // drivers/client: the client library's rare answers.
  { name: 'client.redirected_to_hinted_leader', what: 'NOT_LEADER with a usable hint: the next attempt goes to the hinted leader', driver: RAFT },
  { name: 'client.stale_leader_hint_ignored', what: "a leader hint older than the cached leader's epoch is ignored", driver: RAFT, nightly: { raft: '3-node seeds 602, 686, 842 (9 of 1..1000), 5-node 8, 9, 35 (31 of 1..1000)' } },
  { name: 'client.attempt_stalled_moved_on', what: 'an attempt stalled and the client moved on to another endpoint', driver: RAFT },
  { name: 'client.seq_outcome_uncertain', what: "a getSeq's outcome cannot be known: SEQ_UNCERTAIN" },
  { name: 'client.seq_retried_under_new_request_id', what: 'SEQ_SESSION_EXPIRED before anything executed: the call asks again under a new request id' },
  { name: 'client.seq_block_count_mismatch', what: 'a getSeq answer grants another count than asked: SEQ_UNCERTAIN', nightly: { file: 'single-node seeds 27, 47, 110 (19 of 1..1000): only a frame corrupted in flight (netCorrupt: a request, so the server grants another count, or an answer) that still decodes with another count; pinned by drivers/client/client.test.ts', raft: '3-node seeds 497, 894 and 5-node 43, 123, 415 (5) of 1..1000: as for file', paxos: '3-node seeds 876 and 894 of 1..1000: as for file', etcd: '3-node seeds 98, 740, 789 (6 of 1..1000): as for file' } },
  // Stamping leases (drivers/file, drivers/server): the swarm's service callers (options.services) make the lease calls.
  { name: 'file.lease_write_failed', what: 'persisting the lease set failed: DRIVER_PERMANENT', driver: FILE },
  { name: 'serving.lease_reacquired_idempotent', what: 'a lease acquire by its holder is answered with the lease it holds' },
  // A lone file-driver node loses leadership only by dying, which ends the call before it learns it.
  { name: 'serving.lease_change_lost_leadership', what: 'a lease change learned the node is no longer leader (or fenced)', driver: [RAFT, PAXOS, ETCD], nightly: { etcd: 'no 3-node etcd seed of 1..2000: the lease write must lose the leader compare to a new leader key while the swarm\'s service callers change a lease' } },
];

declareSometimes(PRODUCT_RARE_PATHS);
