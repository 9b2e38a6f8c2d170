// The shapes of the Raft core: log entries, persisted state, messages, inputs, and the `Ready`
// output with its I/O ordering rule. The algorithm lives in node.ts; this file only names things.
//
// Conventions:
//   - Terms, indexes and node ids are u64 on the wire and safe integers here (the decoder refuses
//     anything above 2^53 − 1; a term or index can never get there by counting).
//   - Node id 0 means "none" (no vote, no known leader); real ids are ≥ 1.
//   - Time is an injected monotonic millisecond count (`nowMs`), never a global clock.

import type { Membership, MembershipChange } from './membership.js';

/**
 * What a log entry carries: an application command, the leader's no-op of its term (§8), or a
 * new group membership (dissertation §4.1; its data is `encodeMembership`), which takes effect on
 * every node as soon as the entry is in its log, committed or not.
 */
export type EntryKind = 'normal' | 'noop' | 'config';

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly kind: EntryKind;
  /** The command bytes; empty for a no-op. */
  readonly data: Uint8Array;
}

/** The state a node must persist before any message that depends on it leaves (Figure 2). */
export interface HardState {
  readonly term: number;
  /** The candidate voted for in `term`; 0 when none. */
  readonly vote: number;
  /** The highest index known committed (persisted to save work after a restart, not for safety). */
  readonly commit: number;
}

/** The application's state up to and including `lastIncludedIndex` (§7). */
export interface Snapshot {
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
  readonly data: Uint8Array;
  /**
   * The membership in effect at `lastIncludedIndex`. Absent only in snapshots written before
   * membership changes existed, when the membership was the bootstrap voters (`RaftConfig.voters`).
   */
  readonly membership?: Membership;
}

/** What the host kept on stable storage; `RaftNode.restore` rebuilds a node from it. */
export interface PersistedRaftState {
  readonly hardState: HardState;
  readonly snapshot?: Snapshot;
  /** Entries after the snapshot, consecutive. */
  readonly entries: readonly Entry[];
}

export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** A read barrier that completed: the host may serve a read once it has applied `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: number;
}

export interface SoftState {
  readonly role: RaftRole;
  readonly term: number;
  /** The leader this node follows (itself when leader); null when unknown. */
  readonly leaderId: number | null;
  /** Leader only: the lease holds while the node's clock reads below this; null without a lease. */
  readonly leaseUntilMs: number | null;
}

// --- Messages: a closed union, each with `from`, `to` and the sender's `term` ------------------
// `round` is the leader's heartbeat round (docs/raft.md, "Lease"): every message a leader sends
// carries its current round, every answer echoes it, and a quorum of answers for round r gives
// the leader a lease from the moment round r began.

export interface AppendEntries {
  readonly type: 'append';
  readonly from: number;
  readonly to: number;
  readonly term: number;
  readonly round: number;
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  /** Consecutive, from prevLogIndex + 1; terms non-decreasing, ≥ prevLogTerm, ≤ term. */
  readonly entries: readonly Entry[];
  readonly commit: number;
}

export interface AppendEntriesResponse {
  readonly type: 'append-response';
  readonly from: number;
  readonly to: number;
  readonly term: number;
  readonly round: number;
  readonly success: boolean;
  /** On success: the follower's log matches the leader's up to here. */
  readonly matchIndex: number;
  /** On failure: the prevLogIndex that did not match. */
  readonly rejectedIndex: number;
  /**
   * On failure, the dissertation's fast backtracking hint: the follower's term at rejectedIndex
   * (0 when its log is shorter) and the first index it holds of that term (or its last index + 1).
   */
  readonly conflictTerm: number;
  readonly conflictIndex: number;
}

export interface RequestVote {
  readonly type: 'vote';
  readonly from: number;
  readonly to: number;
  /** For a pre-vote, the term the sender would campaign in (its term + 1); it does not move to it. */
  readonly term: number;
  readonly preVote: boolean;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface RequestVoteResponse {
  readonly type: 'vote-response';
  readonly from: number;
  readonly to: number;
  /** A grant carries the request's term; a refusal carries the voter's own term. */
  readonly term: number;
  readonly preVote: boolean;
  readonly granted: boolean;
}

export interface InstallSnapshot {
  readonly type: 'snapshot';
  readonly from: number;
  readonly to: number;
  readonly term: number;
  readonly round: number;
  readonly snapshot: Snapshot;
}

export interface InstallSnapshotResponse {
  readonly type: 'snapshot-response';
  readonly from: number;
  readonly to: number;
  readonly term: number;
  readonly round: number;
  /** The follower's log matches the leader's up to here after the install. */
  readonly matchIndex: number;
}

export interface Heartbeat {
  readonly type: 'heartbeat';
  readonly from: number;
  readonly to: number;
  readonly term: number;
  readonly round: number;
  /** min(leader commit, the follower's known match), so a follower never commits past its log. */
  readonly commit: number;
}

export interface HeartbeatResponse {
  readonly type: 'heartbeat-response';
  readonly from: number;
  readonly to: number;
  readonly term: number;
  readonly round: number;
}

export type Message =
  | AppendEntries
  | AppendEntriesResponse
  | RequestVote
  | RequestVoteResponse
  | InstallSnapshot
  | InstallSnapshotResponse
  | Heartbeat
  | HeartbeatResponse;

export type MessageType = Message['type'];

// --- Inputs -----------------------------------------------------------------------------------

export type RaftInput =
  /** Time passed: fire the election, heartbeat and check-quorum deadlines that are due. */
  | { readonly kind: 'tick'; readonly nowMs: number }
  /** A message from a peer arrived at `nowMs`. */
  | { readonly kind: 'message'; readonly message: Message; readonly nowMs: number }
  /** Leader only: append a command; the answer is its index, or NOT_LEADER with a hint. */
  | { readonly kind: 'propose'; readonly command: Uint8Array }
  /** Leader only: a linearizable read barrier (dissertation §6.4), resolved in Ready.readStates. */
  | { readonly kind: 'read-index'; readonly context: number }
  /** Start an election now (tests, operators); refused while a live leader was heard from. */
  | { readonly kind: 'campaign' }
  /** Leader only: append a membership change (one at a time; see node.ts `changeMembership`). */
  | { readonly kind: 'change-membership'; readonly change: MembershipChange }
  /**
   * The application persisted a snapshot of its state after applying `index` (≤ the applied
   * index); the core drops the log up to it and sends `data` to followers that need it.
   */
  | { readonly kind: 'snapshot-taken'; readonly index: number; readonly data: Uint8Array };

export type RaftInputKind = RaftInput['kind'];

// --- Output -----------------------------------------------------------------------------------

/**
 * What the host must do now. Take it with `ready()`, do it IN THIS ORDER, then call
 * `advance(ready)` before the next `ready()`:
 *
 *   1. Make durable (fsync) `snapshot` (when present: it replaces the whole stable log, so drop
 *      every stored entry), then `entries` (append; an entry whose index is already stored
 *      replaces it and everything after it), then `hardState`.
 *   2. Only then send `messages`: a vote, an acknowledgement or a leader's append depends on the
 *      state of step 1, and must never leave before that state would survive a crash.
 *   3. Then apply: install `snapshot` into the state machine (when present), then apply
 *      `committed` in order, then serve `readStates` whose index has been applied.
 *
 * The core counts a leader's own entries as replicated when it appends them; that is safe only
 * because nothing that reveals a commit (messages, committed entries) leaves before step 1 of the
 * same Ready. There is no "send before the leader's own fsync" shortcut.
 */
export interface Ready {
  /** Present when term, vote or commit changed since the last Ready. */
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly messages: readonly Message[];
  readonly committed: readonly Entry[];
  readonly readStates: readonly ReadState[];
  readonly softState: SoftState;
}

/** A seeded source of uniform numbers in [0, 1) (the election timeout's randomness). */
export type RaftRandom = () => number;
