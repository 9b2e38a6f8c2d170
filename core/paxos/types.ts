// The shapes of the Paxos core: ballots, log entries, the acceptor's durable state, messages,
// inputs, and the `Ready` output with its I/O ordering rule. The algorithm lives in node.ts; this
// file only names things.
//
// Conventions:
//   - A ballot is `(n, nodeId)`, totally ordered by n then nodeId (ballot.ts). Ballot (0, 0) is
//     "none": nothing promised, nothing accepted. Real node ids are ≥ 1.
//   - Indexes and ballot numbers are u64 on the wire and safe integers here (the decoder refuses
//     anything above 2^53 − 1; counting cannot get there).
//   - Time is an injected monotonic millisecond count (`nowMs`), never a global clock.
//   - The log is a sequence (Sequence Paxos, OmniPaxos' shape): an acceptor accepts a whole log
//     prefix under one ballot, its `acceptedRound`; every entry it holds was in the log of the
//     leader of `acceptedRound` at the same index.

export interface Ballot {
  readonly n: number;
  readonly nodeId: number;
}

/** What a log entry carries: an application command, or a no-op. */
export type PaxosEntryKind = 'normal' | 'noop';

export interface PaxosEntry {
  readonly index: number;
  /** The ballot of the leader that first proposed this entry (kept when a later leader re-proposes it). */
  readonly ballot: Ballot;
  readonly kind: PaxosEntryKind;
  /** The command bytes; empty for a no-op. */
  readonly data: Uint8Array;
}

/** The acceptor's state that must be durable before any message that depends on it leaves. */
export interface AcceptorState {
  /** The highest ballot promised: never accept or promise below it. */
  readonly promised: Ballot;
  /** The ballot under which the current log was accepted (its leader's log holds every entry). */
  readonly acceptedRound: Ballot;
  /** The highest index known decided (persisted to save work after a restart, not for safety). */
  readonly decidedIndex: number;
}

/** The application's state up to and including `lastIncludedIndex` (only decided entries). */
export interface PaxosSnapshot {
  readonly lastIncludedIndex: number;
  readonly data: Uint8Array;
}

/** What the host kept on stable storage; `PaxosNode.restore` rebuilds a node from it. */
export interface PersistedPaxosState {
  readonly acceptor: AcceptorState;
  readonly snapshot?: PaxosSnapshot;
  /** Entries after the snapshot, consecutive. */
  readonly entries: readonly PaxosEntry[];
}

export type PaxosRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** A read barrier that completed: the host may serve a read once it has applied `index`. */
export interface PaxosReadState {
  readonly index: number;
  readonly context: number;
}

export interface PaxosSoftState {
  readonly role: PaxosRole;
  /** The leader's ballot as this node knows it (its own when leader; its promise otherwise). */
  readonly ballot: Ballot;
  /** The leader this node follows (itself when leader); null when unknown. */
  readonly leaderId: number | null;
  /** Leader only: the lease holds while the node's clock reads below this; null without a lease. */
  readonly leaseUntilMs: number | null;
}

// --- Messages: a closed union, each with `from`, `to` and a ballot ---------------------------
// `round` is the leader's heartbeat round (as in the Raft core): every Accept a leader sends
// carries its current round, every Accepted echoes it, and a quorum of answers for round r gives
// the leader a lease from the moment round r began, and confirms reads queued before it.

/** "Would you promise `ballot`?" — a pre-vote: nobody persists anything for it. */
export interface PrePrepare {
  readonly type: 'pre-prepare';
  readonly from: number;
  readonly to: number;
  readonly ballot: Ballot;
}

export interface PrePromise {
  readonly type: 'pre-promise';
  readonly from: number;
  readonly to: number;
  readonly ballot: Ballot;
  readonly granted: boolean;
  /** The answerer's promise (lets a lagging candidate learn the ballots in use). */
  readonly promised: Ballot;
}

/** Phase 1a. Carries the candidate's log summary so acceptors send only a better suffix. */
export interface Prepare {
  readonly type: 'prepare';
  readonly from: number;
  readonly to: number;
  readonly ballot: Ballot;
  readonly decidedIndex: number;
  readonly acceptedRound: Ballot;
  readonly logEnd: number;
}

/**
 * Phase 1b. The acceptor's accepted log summary, and — when its (acceptedRound, logEnd) beats the
 * candidate's — its accepted suffix after the candidate's decided index (`suffixFrom`), with its
 * snapshot first when it compacted past that index.
 */
export interface Promise1b {
  readonly type: 'promise';
  readonly from: number;
  readonly to: number;
  readonly ballot: Ballot;
  readonly acceptedRound: Ballot;
  readonly logEnd: number;
  readonly decidedIndex: number;
  readonly hasSuffix: boolean;
  readonly snapshot?: PaxosSnapshot;
  /** The entries are consecutive from suffixFrom + 1. */
  readonly suffixFrom: number;
  readonly entries: readonly PaxosEntry[];
}

/**
 * Phase 2a, the sync form: replaces the acceptor's log after `syncIndex` (after installing
 * `snapshot`, when present) with `entries`, and sets its acceptedRound to `ballot`. An acceptor
 * already synced at `ballot` never truncates (the entries are the same leader's).
 */
export interface AcceptSync {
  readonly type: 'accept-sync';
  readonly from: number;
  readonly to: number;
  readonly ballot: Ballot;
  readonly round: number;
  readonly snapshot?: PaxosSnapshot;
  readonly syncIndex: number;
  readonly entries: readonly PaxosEntry[];
  readonly decidedIndex: number;
}

/** Phase 2a, steady state (and the heartbeat, with no entries), and Decide (`decidedIndex`). */
export interface Accept {
  readonly type: 'accept';
  readonly from: number;
  readonly to: number;
  readonly ballot: Ballot;
  readonly round: number;
  /** The index of the first entry (or where the leader believes the follower's log ends, + 1). */
  readonly startIndex: number;
  readonly entries: readonly PaxosEntry[];
  readonly decidedIndex: number;
}

/** Phase 2b: the acceptor's log under `ballot` is the leader's up to `logEnd` (when `synced`). */
export interface Accepted {
  readonly type: 'accepted';
  readonly from: number;
  readonly to: number;
  readonly ballot: Ballot;
  readonly round: number;
  /** False when this acceptor's log was not synced at `ballot`: the leader must prepare it. */
  readonly synced: boolean;
  readonly logEnd: number;
}

/** A refusal: the sender's ballot is below the answerer's promise. */
export interface Nack {
  readonly type: 'nack';
  readonly from: number;
  readonly to: number;
  /** The refused ballot. */
  readonly ballot: Ballot;
  readonly promised: Ballot;
}

export type PaxosMessage = PrePrepare | PrePromise | Prepare | Promise1b | AcceptSync | Accept | Accepted | Nack;

export type PaxosMessageType = PaxosMessage['type'];

// --- Inputs -----------------------------------------------------------------------------------

export type PaxosInput =
  /** Time passed: fire the election, heartbeat and check-quorum deadlines that are due. */
  | { readonly kind: 'tick'; readonly nowMs: number }
  /** A message from a peer arrived at `nowMs`. */
  | { readonly kind: 'message'; readonly message: PaxosMessage; readonly nowMs: number }
  /** Leader only: append a command; the answer is its index and ballot, or NOT_LEADER. */
  | { readonly kind: 'propose'; readonly command: Uint8Array }
  /** Leader only: a linearizable read barrier, resolved in Ready.readStates. */
  | { readonly kind: 'read-index'; readonly context: number }
  /** Start an election now (tests, operators); refused while a live leader was heard from. */
  | { readonly kind: 'campaign' }
  /** The host persisted a snapshot of its state after applying `index` (≤ applied). */
  | { readonly kind: 'snapshot-taken'; readonly index: number; readonly data: Uint8Array };

// --- Output -----------------------------------------------------------------------------------

/**
 * What the host must do now. Take it with `ready()`, do it IN THIS ORDER, then call
 * `advance(ready)` before the next `ready()`:
 *
 *   1. Make durable (fsync) `snapshot` (when present: it replaces the whole stable log, so drop
 *      every stored entry), then drop the stored entries after `truncateAfter` (when present),
 *      then `entries` (an entry whose index is already stored replaces it and everything after
 *      it), then `acceptor` (promise, accepted round, decided index).
 *   2. Only then send `messages`: a Promise claims the promise, an Accepted claims the accepted
 *      entries and round, a leader's Accept claims its own acceptance; none may leave before
 *      the state it claims would survive a crash.
 *   3. Then apply: install `snapshot` into the state machine (when present), then apply
 *      `decided` in order, then serve `readStates` whose index has been applied.
 *
 * The core counts a leader's own entries as accepted when it appends them; that is safe only
 * because nothing that reveals a decision (messages, decided entries) leaves before step 1 of
 * the same Ready.
 */
export interface PaxosReady {
  /** Present when promise, accepted round or decided index changed since the last Ready. */
  readonly acceptor?: AcceptorState;
  readonly entries: readonly PaxosEntry[];
  /** Present when stored entries after this index are no longer this node's log. */
  readonly truncateAfter?: number;
  readonly snapshot?: PaxosSnapshot;
  readonly messages: readonly PaxosMessage[];
  readonly decided: readonly PaxosEntry[];
  readonly readStates: readonly PaxosReadState[];
  readonly softState: PaxosSoftState;
}

/** A seeded source of uniform numbers in [0, 1) (the election timeout's randomness). */
export type PaxosRandom = () => number;
