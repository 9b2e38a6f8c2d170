// Multi-Paxos in the Sequence Paxos (OmniPaxos) style as a pure state machine, with the Raft
// core's shape: inputs through `handle(input)`, output through `ready()`, acknowledged with
// `advance(ready)`, and the next time the host must tick from `deadlineMs()`. No storage,
// network, clock or global randomness here (docs/paxos.md §1).
//
// The algorithm (docs/paxos.md §2):
//   - Election: a node that heard from no leader for a randomized election timeout asks for
//     pre-promises of ballot (n + 1, id) (nobody persists anything), and only with a quorum of
//     them persists a promise to itself and sends Prepare. An acceptor promises a higher ballot
//     only when it heard from no leader within the election timeout (the lease's half); a leader
//     steps down when no quorum answered for an election timeout (check-quorum). So no node leads
//     without a quorum behind it.
//   - Prepare/Promise: a promise carries the acceptor's (acceptedRound, logEnd) and, when that
//     beats the candidate's, its accepted suffix after the candidate's decided index. With a
//     quorum the candidate adopts the best log (highest acceptedRound, then longest), accepts it
//     under its own ballot, and syncs every promiser to it (AcceptSync) before proposing
//     anything of its own: the re-proposal of whatever the promise quorum accepted.
//   - Accept/Accepted/Decide: the leader appends, sends Accepts (also its heartbeats), and
//     decides an index once a quorum, itself included, accepted it under its ballot.
//   - Reads: read index (decided index once this leader's adopted log is decided) confirmed by a
//     quorum-answered heartbeat round started after the request.
//   - Lease (as the Raft core's): a quorum answering round r at the leader's ballot gives a lease
//     until start(r) + leaseMs on the leader's clock.
//
// Invariants (checked by `invariants()`, which tests call after every step):
//   - acceptedRound ≤ promised; a leader's ballot is its promise and its accepted round;
//   - a lease only while leader, never past quorumAckStartMs + leaseMs;
//   - at most one Ready outstanding; the outbox within PAXOS_OUTBOX_MESSAGES_MAX;
//   - the log's own invariants (log.ts).
import { assert, unreachable } from '../assert.js';
import { ErrorCode, type Failure } from '../errors.js';
import { BALLOT_ZERO, ballotEquals, ballotGreater, ballotProblem, compareBallots, isZeroBallot, maxBallot, PAXOS_BALLOT_N_MAX } from './ballot.js';
import { leaseDurationMs, paxosConfigProblem, quorumSize, type PaxosConfig } from './config.js';
import {
  PAXOS_ENTRY_DATA_BYTES_MAX,
  PAXOS_LEASE_ROUNDS_TRACKED,
  PAXOS_LOG_ENTRIES_IN_MEMORY_MAX,
  PAXOS_OUTBOX_MESSAGES_MAX,
  PAXOS_READ_INDEX_PENDING_MAX,
  PAXOS_UNDECIDED_ENTRIES_MAX,
} from './limits.js';
import { PaxosLog } from './log.js';
import type {
  Accept,
  Accepted,
  AcceptorState,
  AcceptSync,
  Ballot,
  Nack,
  PaxosEntry,
  PaxosInput,
  PaxosMessage,
  PaxosRandom,
  PaxosReadState,
  PaxosReady,
  PaxosRole,
  PaxosSnapshot,
  PaxosSoftState,
  PersistedPaxosState,
  PrePrepare,
  PrePromise,
  Prepare,
  Promise1b,
} from './types.js';

export type PaxosNotLeaderFailure = Failure<typeof ErrorCode.NOT_LEADER> & { readonly leaderId: number | null };

export type PaxosProposeResult =
  | { readonly ok: true; readonly index: number; readonly ballot: Ballot }
  | PaxosNotLeaderFailure
  | Failure<typeof ErrorCode.RESOURCE_EXHAUSTED | typeof ErrorCode.INVALID_ARGUMENT>;

export type PaxosReadIndexResult = { readonly ok: true } | PaxosNotLeaderFailure | Failure<typeof ErrorCode.RESOURCE_EXHAUSTED>;

export type PaxosCampaignResult = { readonly ok: true } | Failure<typeof ErrorCode.UNAVAILABLE>;

export type PaxosHandleResult = { readonly ok: true } | PaxosProposeResult | PaxosReadIndexResult | PaxosCampaignResult;

/**
 * Planted bugs (test-only; the simulation shows each one breaks a checker). Never set outside tests.
 */
export interface PaxosFaults {
  /** A promise leaves before it is durable: a crash forgets it (it is persisted only with an accept). */
  readonly promiseBeforePersist?: boolean;
  /** A new leader keeps its own log instead of adopting the promise quorum's best accepted one. */
  readonly skipReproposeHighest?: boolean;
  /** An acceptor accepts a lower ballot's Accept/AcceptSync than the one it promised. */
  readonly acceptBelowPromise?: boolean;
  /** The leader decides an index when one acceptor fewer than a quorum accepted it. */
  readonly decideBeforeQuorum?: boolean;
}

export interface PaxosStatus {
  readonly id: number;
  readonly role: PaxosRole;
  readonly promised: Ballot;
  readonly acceptedRound: Ballot;
  /** The ballot this node leads or campaigns with; its promise otherwise. */
  readonly ballot: Ballot;
  readonly leaderId: number | null;
  readonly decided: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  /** Leader only: the last index of the log it adopted at election (its reads wait for it). */
  readonly leaderStartIndex: number;
  readonly leaseUntilMs: number | null;
}

interface FollowerProgress {
  readonly id: number;
  /** `prepare`: no promise for this ballot yet, Prepare is resent each heartbeat. */
  state: 'prepare' | 'accept';
  /** Highest index known accepted by it under this ballot. */
  match: number;
  /** Next index to send. */
  next: number;
  /**
   * The heartbeat round in which entries were last sent to it (or its resend point moved back).
   * Peers deliver in order, so an answer to an Accept of a later round that still lacks entries
   * before `next` shows a loss: only such an answer moves `next` back (once per round).
   */
  sentRound: number;
  ackedRound: number;
  ackedRoundStartMs: number;
}

interface PendingRead {
  readonly context: number;
  readonly index: number;
  readonly round: number;
}

interface RoundStart {
  readonly round: number;
  readonly startMs: number;
}

export class PaxosNode {
  readonly config: PaxosConfig;
  readonly leaseMs: number;
  private readonly faults: PaxosFaults;
  private readonly random: PaxosRandom;
  private readonly peers: readonly number[];
  private readonly log: PaxosLog;

  private promised: Ballot;
  private acceptedRound: Ballot;
  private persistedAcceptor: AcceptorState;
  /** The highest ballot seen anywhere (the next campaign goes above it). */
  private maxBallotSeen: Ballot;

  private role: PaxosRole = 'follower';
  private leaderId: number | null = null;
  private nowMs: number;
  private electionDeadlineMs = 0;
  private lastHeardFromLeaderMs: number | null;

  // Candidate state.
  private candidateBallot: Ballot = BALLOT_ZERO;
  private preGrants = new Set<number>();
  private promises = new Map<number, Promise1b>();
  private selfPromise: Promise1b | null = null;

  // Leader state.
  private progress = new Map<number, FollowerProgress>();
  private leaderStartIndex = 0;
  private round = 0;
  private roundStartsMs: Array<RoundStart | undefined> = [];
  private quorumAckRound = 0;
  private quorumAckStartMs = 0;
  private leaseUntilMs: number | null = null;
  private heartbeatDeadlineMs = 0;
  private pendingReads: PendingRead[] = [];
  private readsAwaitingStart: number[] = [];
  private roundBroadcastPending = false;

  private outbox: PaxosMessage[] = [];
  private readStates: PaxosReadState[] = [];
  private lastSoftState: PaxosSoftState | null = null;
  private outstanding: PaxosReady | null = null;

  private constructor(config: PaxosConfig, persisted: PersistedPaxosState, random: PaxosRandom, nowMs: number, faults: PaxosFaults) {
    const problem = paxosConfigProblem(config);
    assert(problem === undefined, 'paxos_config_valid', problem);
    assert(Number.isFinite(nowMs), 'now_finite');
    this.config = config;
    this.faults = faults;
    this.leaseMs = leaseDurationMs(config);
    this.random = random;
    this.peers = config.voters.filter((v) => v !== config.id);
    this.log = new PaxosLog(persisted);
    this.promised = persisted.acceptor.promised;
    this.acceptedRound = persisted.acceptor.acceptedRound;
    this.persistedAcceptor = { promised: this.promised, acceptedRound: this.acceptedRound, decidedIndex: persisted.acceptor.decidedIndex };
    this.maxBallotSeen = this.promised;
    this.nowMs = nowMs;
    // A restarted node may have acknowledged a leader's lease just before it crashed; it must
    // not promise anyone a higher ballot until that lease has surely run out.
    this.lastHeardFromLeaderMs = isZeroBallot(this.promised) ? null : nowMs;
    this.resetElectionDeadline();
    this.invariants();
  }

  /** A brand-new node with an empty log. */
  static create(config: PaxosConfig, random: PaxosRandom, nowMs: number, faults: PaxosFaults = {}): PaxosNode {
    return new PaxosNode(config, { acceptor: { promised: BALLOT_ZERO, acceptedRound: BALLOT_ZERO, decidedIndex: 0 }, entries: [] }, random, nowMs, faults);
  }

  /** A node rebuilt from what the host persisted (acceptor state, snapshot, entries after it). */
  static restore(config: PaxosConfig, persisted: PersistedPaxosState, random: PaxosRandom, nowMs: number, faults: PaxosFaults = {}): PaxosNode {
    return new PaxosNode(config, persisted, random, nowMs, faults);
  }

  // --- Inputs ---------------------------------------------------------------------------------

  handle(input: Extract<PaxosInput, { kind: 'propose' }>): PaxosProposeResult;
  handle(input: Extract<PaxosInput, { kind: 'read-index' }>): PaxosReadIndexResult;
  handle(input: Extract<PaxosInput, { kind: 'campaign' }>): PaxosCampaignResult;
  handle(input: PaxosInput): PaxosHandleResult;
  handle(input: PaxosInput): PaxosHandleResult {
    switch (input.kind) {
      case 'tick':
        this.advanceClock(input.nowMs);
        if (this.role === 'leader') this.tickLeader();
        else this.tickElection();
        return { ok: true };
      case 'message':
        this.advanceClock(input.nowMs);
        this.onMessage(input.message);
        return { ok: true };
      case 'propose':
        return this.propose(input.command);
      case 'read-index':
        return this.readIndex(input.context);
      case 'campaign':
        if (this.role === 'leader') return { ok: true };
        if (this.inLeaderLease()) return { ok: false, code: ErrorCode.UNAVAILABLE, message: 'heard from a live leader within the election timeout' };
        this.startPreCampaign();
        return { ok: true };
      case 'snapshot-taken':
        this.log.compact(input.index, input.data);
        return { ok: true };
      default:
        return unreachable(input);
    }
  }

  private advanceClock(nowMs: number): void {
    assert(Number.isFinite(nowMs) && nowMs >= this.nowMs, 'clock_monotonic', () => `${nowMs} < ${this.nowMs}`);
    this.nowMs = nowMs;
  }

  // --- Queries --------------------------------------------------------------------------------

  get id(): number {
    return this.config.id;
  }

  /** The lease rule: leader, and a quorum answered a round within the lease. */
  hasLease(nowMs: number): boolean {
    return this.role === 'leader' && this.leaseUntilMs !== null && nowMs < this.leaseUntilMs;
  }

  /**
   * May serve timestamps: holds the lease, and has applied the log it adopted at election, so
   * every high-water decided under earlier ballots is in its state machine.
   */
  canServe(nowMs: number): boolean {
    return this.hasLease(nowMs) && this.log.applied >= this.leaderStartIndex;
  }

  /** When the host must tick next (on this node's clock). */
  deadlineMs(): number {
    if (this.role === 'leader') return Math.min(this.heartbeatDeadlineMs, this.quorumAckStartMs + this.config.electionTimeoutMs);
    return this.electionDeadlineMs;
  }

  status(): PaxosStatus {
    return {
      id: this.config.id,
      role: this.role,
      promised: this.promised,
      acceptedRound: this.acceptedRound,
      ballot: this.currentBallot(),
      leaderId: this.leaderId,
      decided: this.log.decided,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapshotIndex,
      leaderStartIndex: this.role === 'leader' ? this.leaderStartIndex : 0,
      leaseUntilMs: this.role === 'leader' ? this.leaseUntilMs : null,
    };
  }

  /** An entry of the in-memory log (tests and checkers). */
  entryAt(index: number): PaxosEntry | undefined {
    return this.log.entry(index);
  }

  softState(): PaxosSoftState {
    return {
      role: this.role,
      ballot: this.currentBallot(),
      leaderId: this.leaderId,
      leaseUntilMs: this.role === 'leader' ? this.leaseUntilMs : null,
    };
  }

  private currentBallot(): Ballot {
    return this.role === 'pre-candidate' || this.role === 'candidate' ? this.candidateBallot : this.promised;
  }

  // --- Ready / advance ------------------------------------------------------------------------

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    if (this.outbox.length > 0 || this.readStates.length > 0 || this.log.pendingSnapshot !== null || this.log.truncatedAfter !== null) return true;
    if (this.log.stableUpTo < this.log.lastIndex() || this.log.hasNextDecided()) return true;
    if (!sameAcceptor(this.durableView(this.acceptorState()), this.persistedAcceptor)) return true;
    return this.lastSoftState === null || !sameSoftState(this.lastSoftState, this.softState());
  }

  /** Takes what the host must do now (see the ordering rule on `PaxosReady`). One at a time. */
  ready(): PaxosReady {
    assert(this.outstanding === null, 'one_ready_outstanding');
    const acceptor = this.durableView(this.acceptorState());
    const snapshot = this.log.pendingSnapshot;
    const truncateAfter = this.log.truncatedAfter;
    const base = {
      entries: this.log.unstableEntries(),
      messages: this.outbox,
      decided: this.log.takeNextDecided(),
      readStates: this.readStates,
      softState: this.softState(),
    };
    this.outbox = [];
    this.readStates = [];
    this.roundBroadcastPending = false;
    this.log.truncatedAfter = null;
    // The optional fields are added to the one fresh object (V8 copies an object spread that more
    // fields follow through its slow path: about 1 µs a field on Node 20).
    const ready: { -readonly [K in keyof PaxosReady]: PaxosReady[K] } = base;
    if (!sameAcceptor(acceptor, this.persistedAcceptor)) ready.acceptor = acceptor;
    if (snapshot !== null) ready.snapshot = snapshot;
    if (truncateAfter !== null) ready.truncateAfter = truncateAfter;
    this.outstanding = ready;
    return ready;
  }

  /** The host did everything `ready` asked (persisted, sent, applied). */
  advance(ready: PaxosReady): void {
    assert(this.outstanding === ready, 'advance_matches_ready');
    this.outstanding = null;
    if (ready.acceptor !== undefined) this.persistedAcceptor = ready.acceptor;
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry !== undefined) this.log.stableTo(lastEntry);
    if (ready.snapshot !== undefined) {
      if (this.log.pendingSnapshot === ready.snapshot) this.log.pendingSnapshot = null;
      this.log.applied = Math.max(this.log.applied, ready.snapshot.lastIncludedIndex);
    }
    const lastDecided = ready.decided[ready.decided.length - 1];
    if (lastDecided !== undefined) this.log.applied = Math.max(this.log.applied, lastDecided.index);
    this.lastSoftState = ready.softState;
  }

  /**
   * What the host is asked to make durable: the acceptor state, except with the planted
   * `promiseBeforePersist`, where a promise is written only together with a new accepted round.
   */
  private durableView(acceptor: AcceptorState): AcceptorState {
    if (this.faults.promiseBeforePersist !== true || !ballotEquals(acceptor.acceptedRound, this.persistedAcceptor.acceptedRound)) return acceptor;
    return { ...acceptor, promised: this.persistedAcceptor.promised };
  }

  private acceptorState(): AcceptorState {
    return { promised: this.promised, acceptedRound: this.acceptedRound, decidedIndex: this.log.decided };
  }

  // --- Roles ----------------------------------------------------------------------------------

  private becomeFollower(leaderId: number | null): void {
    this.role = 'follower';
    this.leaderId = leaderId;
    this.candidateBallot = BALLOT_ZERO;
    this.preGrants = new Set();
    this.promises = new Map();
    this.selfPromise = null;
    this.resetLeaderState();
  }

  private resetLeaderState(): void {
    this.progress = new Map();
    this.leaderStartIndex = 0;
    this.leaseUntilMs = null;
    this.pendingReads = [];
    this.readsAwaitingStart = [];
    this.roundStartsMs = [];
    this.quorumAckRound = 0;
  }

  private resetElectionDeadline(): void {
    const draw = this.random();
    assert(draw >= 0 && draw < 1, 'random_in_unit_interval', () => String(draw));
    const timeoutMs = this.config.electionTimeoutMs;
    this.electionDeadlineMs = this.nowMs + timeoutMs + Math.floor(draw * timeoutMs);
  }

  /** Whether a live leader was heard from within the election timeout (or this is the leader). */
  private inLeaderLease(): boolean {
    if (this.role === 'leader') return true;
    return this.lastHeardFromLeaderMs !== null && this.nowMs - this.lastHeardFromLeaderMs < this.config.electionTimeoutMs;
  }

  private tickElection(): void {
    if (this.nowMs < this.electionDeadlineMs) return;
    this.resetElectionDeadline();
    if (this.inLeaderLease()) return;
    this.startPreCampaign();
  }

  private nextBallot(): Ballot {
    const n = Math.max(this.promised.n, this.maxBallotSeen.n) + 1;
    assert(n <= PAXOS_BALLOT_N_MAX, 'ballot_n_within_max');
    return { n, nodeId: this.config.id };
  }

  private startPreCampaign(): void {
    this.becomeFollower(null);
    this.resetElectionDeadline();
    this.role = 'pre-candidate';
    this.candidateBallot = this.nextBallot();
    this.preGrants = new Set([this.config.id]);
    if (this.preGrants.size >= quorumSize(this.config.voters.length)) {
      this.startCampaign();
      return;
    }
    for (const to of this.peers) this.send({ type: 'pre-prepare', from: this.config.id, to, ballot: this.candidateBallot });
  }

  private startCampaign(): void {
    this.role = 'candidate';
    // The candidate promises its own ballot (persisted with this Ready, before the Prepares leave).
    this.promised = this.candidateBallot;
    this.maxBallotSeen = maxBallot(this.maxBallotSeen, this.candidateBallot);
    this.promises = new Map();
    this.selfPromise = this.promiseFor(this.candidateBallot, this.config.id, this.log.decided, this.acceptedRound, this.log.lastIndex());
    for (const to of this.peers) this.send(this.prepareFor(to));
    this.maybeWin();
  }

  private prepareFor(to: number): Prepare {
    return { type: 'prepare', from: this.config.id, to, ballot: this.promised, decidedIndex: this.log.decided, acceptedRound: this.acceptedRound, logEnd: this.log.lastIndex() };
  }

  private maybeWin(): void {
    if (this.role !== 'candidate' || this.selfPromise === null) return;
    if (this.promises.size + 1 < quorumSize(this.config.voters.length)) return;
    this.becomeLeader();
  }

  /**
   * Phase 1 done: adopt the best accepted log of the promise quorum, accept it under this ballot
   * (the re-proposal), and sync every promiser to it before proposing anything new.
   */
  private becomeLeader(): void {
    const self = this.selfPromise;
    assert(self !== null, 'leader_has_self_promise');
    let best: Promise1b = self;
    for (const p of this.promises.values()) {
      const c = compareBallots(p.acceptedRound, best.acceptedRound);
      if (c > 0 || (c === 0 && p.logEnd > best.logEnd)) best = p;
    }
    if (best !== self && best.hasSuffix && this.faults.skipReproposeHighest !== true) this.adopt(best);
    this.acceptedRound = this.promised;
    this.role = 'leader';
    this.leaderId = this.config.id;
    const promisers = [...this.promises.values()];
    this.candidateBallot = BALLOT_ZERO;
    this.preGrants = new Set();
    this.promises = new Map();
    this.selfPromise = null;
    this.resetLeaderState();
    this.leaderStartIndex = this.log.lastIndex();
    for (const id of this.peers) {
      this.progress.set(id, { id, state: 'prepare', match: 0, next: this.log.lastIndex() + 1, sentRound: 0, ackedRound: 0, ackedRoundStartMs: 0 });
    }
    this.round = 0;
    this.quorumAckStartMs = this.nowMs;
    this.heartbeatDeadlineMs = this.nowMs + this.config.heartbeatIntervalMs;
    this.startRound();
    for (const p of promisers) this.syncFollower(p);
    this.maybeDecide();
  }

  /** Replaces this candidate's undecided suffix with `best`'s (installing its snapshot first). */
  private adopt(best: Promise1b): void {
    if (best.snapshot !== undefined && best.snapshot.lastIncludedIndex > this.log.decided) this.log.installSnapshot(best.snapshot);
    const keepUpTo = Math.max(best.suffixFrom, this.log.decided, this.log.snapshotIndex);
    assert(keepUpTo <= this.log.lastIndex(), 'adopt_from_within_log', () => `${keepUpTo} > ${this.log.lastIndex()}`);
    this.log.truncateAfter(keepUpTo);
    for (const e of best.entries) if (e.index > keepUpTo) this.log.append(e);
  }

  private syncFollower(p: Promise1b): void {
    const pr = this.progress.get(p.from);
    if (pr === undefined) return;
    pr.state = 'accept';
    let syncIndex = Math.min(p.decidedIndex, this.log.lastIndex());
    let snapshot;
    if (syncIndex < this.log.snapshotIndex) {
      snapshot = this.log.latestSnapshot ?? undefined;
      assert(snapshot !== undefined, 'compacted_log_has_snapshot');
      syncIndex = snapshot.lastIncludedIndex;
    }
    const entries = this.syncEntries(syncIndex);
    pr.match = 0;
    pr.next = syncIndex + entries.length + 1;
    pr.sentRound = this.round;
    const message: AcceptSync = {
      type: 'accept-sync',
      from: this.config.id,
      to: p.from,
      ballot: this.promised,
      round: this.round,
      syncIndex,
      entries,
      decidedIndex: this.log.decided,
      ...(snapshot !== undefined ? { snapshot } : {}),
    };
    this.send(message);
  }

  /**
   * The entries of an AcceptSync from `syncIndex`: never fewer than up to the log this leader
   * adopted at election. An acceptor synced at ballot b must hold everything chosen before b
   * (the promise rule "highest acceptedRound, then longest" relies on it), so the adopted log
   * is not split across messages; only this leader's own proposals after it are
   * (found by the simulation, 3-node seed 5).
   */
  private syncEntries(syncIndex: number): PaxosEntry[] {
    const upTo = Math.max(this.leaderStartIndex, syncIndex + this.config.maxEntriesPerMessage);
    return this.log.slice(syncIndex, upTo, Number.MAX_SAFE_INTEGER);
  }

  // --- Messages -------------------------------------------------------------------------------

  private onMessage(m: PaxosMessage): void {
    assert(m.to === this.config.id, 'message_to_self');
    if (m.from === this.config.id || !this.config.voters.includes(m.from)) return;
    this.maxBallotSeen = maxBallot(this.maxBallotSeen, m.ballot);
    switch (m.type) {
      case 'pre-prepare':
        return this.handlePrePrepare(m);
      case 'pre-promise':
        return this.handlePrePromise(m);
      case 'prepare':
        return this.handlePrepare(m);
      case 'promise':
        return this.handlePromise(m);
      case 'accept-sync':
      case 'accept':
        return this.handleAccept(m);
      case 'accepted':
        return this.handleAccepted(m);
      case 'nack':
        return this.handleNack(m);
      default:
        return unreachable(m);
    }
  }

  private handlePrePrepare(m: PrePrepare): void {
    const granted = ballotGreater(m.ballot, this.promised) && !this.inLeaderLease();
    this.send({ type: 'pre-promise', from: this.config.id, to: m.from, ballot: m.ballot, granted, promised: this.promised });
  }

  private handlePrePromise(m: PrePromise): void {
    this.maxBallotSeen = maxBallot(this.maxBallotSeen, m.promised);
    if (this.role !== 'pre-candidate' || !ballotEquals(m.ballot, this.candidateBallot) || !m.granted) return;
    this.preGrants.add(m.from);
    if (this.preGrants.size >= quorumSize(this.config.voters.length)) this.startCampaign();
  }

  private handlePrepare(m: Prepare): void {
    const same = ballotEquals(m.ballot, this.promised);
    if (!same) {
      if (!ballotGreater(m.ballot, this.promised)) {
        this.send(this.nack(m.from, m.ballot));
        return;
      }
      // A higher ballot: promised only when no live leader was heard from (the lease's half).
      if (this.inLeaderLease()) return;
      this.becomeFollower(null);
      this.promised = m.ballot;
    } else {
      // Our promise's own leader (re)preparing us: it is alive, follow it (a pre-candidate that
      // timed out waiting for its sync included; found by the simulation, 3-node seed 175).
      if (this.role !== 'follower') this.becomeFollower(null);
      this.lastHeardFromLeaderMs = this.nowMs;
    }
    this.leaderId = m.ballot.nodeId;
    this.resetElectionDeadline();
    this.send(this.promiseFor(m.ballot, m.from, m.decidedIndex, m.acceptedRound, m.logEnd));
  }

  /** This acceptor's Promise for `ballot`, with its suffix when its log beats the candidate's. */
  private promiseFor(ballot: Ballot, to: number, candidateDecided: number, candidateRound: Ballot, candidateLogEnd: number): Promise1b {
    const c = compareBallots(this.acceptedRound, candidateRound);
    const better = c > 0 || (c === 0 && this.log.lastIndex() > candidateLogEnd);
    const base = {
      type: 'promise' as const,
      from: this.config.id,
      to,
      ballot,
      acceptedRound: this.acceptedRound,
      logEnd: this.log.lastIndex(),
      decidedIndex: this.log.decided,
    };
    if (!better) return { ...base, hasSuffix: false, suffixFrom: 0, entries: [] };
    if (candidateDecided < this.log.snapshotIndex) {
      const snapshot = this.log.latestSnapshot;
      assert(snapshot !== null, 'compacted_log_has_snapshot');
      return { ...base, hasSuffix: true, snapshot, suffixFrom: snapshot.lastIncludedIndex, entries: this.log.suffixAfter(snapshot.lastIncludedIndex) };
    }
    const from = Math.min(candidateDecided, this.log.lastIndex());
    return { ...base, hasSuffix: true, suffixFrom: from, entries: this.log.suffixAfter(from) };
  }

  private handlePromise(m: Promise1b): void {
    if (this.role === 'candidate' && ballotEquals(m.ballot, this.candidateBallot)) {
      this.promises.set(m.from, m);
      this.maybeWin();
      return;
    }
    if (this.role === 'leader' && ballotEquals(m.ballot, this.promised)) {
      // A late or repeated promise (a follower that lost our sync, or restarted): sync it.
      const pr = this.progress.get(m.from);
      if (pr !== undefined && pr.state === 'prepare') this.syncFollower(m);
    }
  }

  private handleAccept(m: Accept | AcceptSync): void {
    if (ballotGreater(this.promised, m.ballot) && this.faults.acceptBelowPromise !== true) {
      this.send(this.nack(m.from, m.ballot));
      return;
    }
    if (ballotGreater(m.ballot, this.promised)) {
      // A leader this node never promised: it must prepare us first.
      if (this.role !== 'follower') this.becomeFollower(null);
      this.sendAccepted(m, false);
      return;
    }
    // m.ballot is our promise (or below it, with the planted bug): the leader of it speaks.
    if (this.role !== 'follower') this.becomeFollower(null);
    this.leaderId = m.ballot.nodeId;
    this.lastHeardFromLeaderMs = this.nowMs;
    this.resetElectionDeadline();
    const synced = ballotEquals(this.acceptedRound, m.ballot);
    if (m.type === 'accept-sync') {
      if (!synced) {
        if (!this.syncTo(m)) {
          this.sendAccepted(m, false);
          return;
        }
      } else {
        this.acceptInPlace(m.syncIndex + 1, m.entries, m.snapshot);
      }
    } else {
      if (!synced) {
        this.sendAccepted(m, false);
        return;
      }
      this.acceptInPlace(m.startIndex, m.entries, undefined);
    }
    const decided = Math.min(m.decidedIndex, this.log.lastIndex());
    if (decided > this.log.decided) this.log.decided = decided;
    this.sendAccepted(m, true);
  }

  /** AcceptSync from a new ballot: cut the log at the sync point and take the leader's entries. */
  private syncTo(m: AcceptSync): boolean {
    if (m.snapshot !== undefined && m.snapshot.lastIncludedIndex > this.log.decided) {
      this.log.installSnapshot(m.snapshot);
    } else if (m.syncIndex > this.log.lastIndex()) {
      return false;
    }
    const keepUpTo = Math.max(m.syncIndex, this.log.decided, this.log.snapshotIndex);
    if (keepUpTo > this.log.lastIndex()) return false;
    this.log.truncateAfter(keepUpTo);
    for (const e of m.entries) {
      if (e.index <= keepUpTo) continue;
      if (e.index !== this.log.lastIndex() + 1) break;
      this.log.append(e);
    }
    this.acceptedRound = m.ballot;
    return true;
  }

  /** Entries of the ballot this log is synced to: the same leader's, so only new ones are added. */
  private acceptInPlace(startIndex: number, entries: readonly PaxosEntry[], snapshot: PaxosSnapshot | undefined): void {
    if (snapshot !== undefined && snapshot.lastIncludedIndex > this.log.lastIndex()) {
      // Our log ends before the leader's compaction point: take its snapshot (decided state).
      this.log.installSnapshot(snapshot);
    }
    if (startIndex > this.log.lastIndex() + 1) return;
    for (const e of entries) {
      if (e.index <= this.log.lastIndex()) continue;
      if (e.index !== this.log.lastIndex() + 1) break;
      this.log.append(e);
    }
  }

  private sendAccepted(m: Accept | AcceptSync, synced: boolean): void {
    const message: Accepted = { type: 'accepted', from: this.config.id, to: m.from, ballot: m.ballot, round: m.round, synced, logEnd: this.log.lastIndex() };
    this.send(message);
  }

  private handleAccepted(m: Accepted): void {
    if (this.role !== 'leader' || !ballotEquals(m.ballot, this.promised)) return;
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    if (!m.synced) {
      pr.state = 'prepare';
      this.send(this.prepareFor(m.from));
      return;
    }
    this.ackRound(pr, m.round);
    if (pr.state !== 'accept') return;
    if (m.logEnd > pr.match) pr.match = Math.min(m.logEnd, this.log.lastIndex());
    if (m.logEnd + 1 < pr.next && m.round > pr.sentRound) {
      // Everything before `next` left in an earlier round and the peer link is ordered, so the
      // acceptor lost some of it: resend from its log end. An answer that merely trails the
      // pipeline (or repeats) moves nothing: rewinding on those resent every in-flight entry on
      // every answer, a storm that starved the clients (3-node seed 365).
      pr.next = Math.min(m.logEnd, this.log.lastIndex()) + 1;
      pr.sentRound = this.round;
    }
    this.sendWithinWindow(pr);
    this.maybeDecide();
  }

  private handleNack(m: Nack): void {
    this.maxBallotSeen = maxBallot(this.maxBallotSeen, m.promised);
    const mine = this.role === 'leader' ? this.promised : this.candidateBallot;
    if (this.role === 'follower' || !ballotEquals(m.ballot, mine) || !ballotGreater(m.promised, mine)) return;
    // A higher ballot is in use: this node's leadership (or campaign) is over.
    this.becomeFollower(null);
  }

  private nack(to: number, ballot: Ballot): Nack {
    return { type: 'nack', from: this.config.id, to, ballot, promised: this.promised };
  }

  // --- Leader ---------------------------------------------------------------------------------

  private tickLeader(): void {
    // A single voter is its own quorum: a late tick (a stalled event loop) deposes nobody.
    if (this.config.voters.length > 1 && this.nowMs - this.quorumAckStartMs >= this.config.electionTimeoutMs) {
      // No quorum answered for an election timeout: this node may be deposed.
      this.becomeFollower(null);
      this.resetElectionDeadline();
      return;
    }
    if (this.nowMs >= this.heartbeatDeadlineMs) {
      this.heartbeatDeadlineMs = this.nowMs + this.config.heartbeatIntervalMs;
      this.startRound();
      this.broadcastHeartbeat();
    }
  }

  private broadcastHeartbeat(): void {
    for (const pr of this.progress.values()) {
      if (pr.state === 'prepare') this.send(this.prepareFor(pr.id));
      else if (!this.sendWithinWindow(pr)) this.sendAccept(pr, false);
    }
    this.roundBroadcastPending = true;
  }

  /** Entries a follower may still be sent before its window of unanswered Accepts is full. */
  private windowRoom(pr: FollowerProgress): number {
    const windowEntries = this.config.maxInflightMessages * this.config.maxEntriesPerMessage;
    return windowEntries - (pr.next - 1 - pr.match);
  }

  /** Sends `pr` the entries it lacks, as far as its window allows; whether any Accept left. */
  private sendWithinWindow(pr: FollowerProgress): boolean {
    let sent = false;
    while (pr.next <= this.log.lastIndex() && this.windowRoom(pr) > 0) {
      const before = pr.next;
      this.sendAccept(pr, true);
      sent = true;
      if (pr.next <= before) break;
    }
    return sent;
  }

  /**
   * An Accept from pr.next: with the entries it lacks when `withEntries`, else empty (the
   * heartbeat and the probe, also sent while the follower's window is full).
   */
  private sendAccept(pr: FollowerProgress, withEntries: boolean): void {
    if (withEntries && pr.next <= this.log.snapshotIndex) {
      // The follower needs compacted entries: sync it from the snapshot instead.
      const snapshot = this.log.latestSnapshot;
      assert(snapshot !== null, 'compacted_log_has_snapshot');
      const entries = this.syncEntries(snapshot.lastIncludedIndex);
      pr.next = snapshot.lastIncludedIndex + entries.length + 1;
      pr.sentRound = this.round;
      const sync: AcceptSync = {
        type: 'accept-sync',
        from: this.config.id,
        to: pr.id,
        ballot: this.promised,
        round: this.round,
        snapshot,
        syncIndex: snapshot.lastIncludedIndex,
        entries,
        decidedIndex: this.log.decided,
      };
      this.send(sync);
      return;
    }
    const entries = withEntries ? this.log.slice(pr.next - 1, this.log.lastIndex(), this.config.maxEntriesPerMessage) : [];
    if (entries.length > 0) pr.sentRound = this.round;
    const message: Accept = {
      type: 'accept',
      from: this.config.id,
      to: pr.id,
      ballot: this.promised,
      round: this.round,
      startIndex: pr.next,
      entries,
      decidedIndex: this.log.decided,
    };
    pr.next += entries.length;
    this.send(message);
  }

  private maybeDecide(): void {
    const matches = [this.log.lastIndex()];
    for (const pr of this.progress.values()) matches.push(pr.state === 'accept' ? pr.match : 0);
    matches.sort((a, b) => b - a);
    const needed = quorumSize(this.config.voters.length) - (this.faults.decideBeforeQuorum === true ? 1 : 0);
    const decided = matches[Math.max(needed, 1) - 1] as number;
    if (decided <= this.log.decided) return;
    const wasStarted = this.log.decided >= this.leaderStartIndex;
    this.log.decided = decided;
    if (!wasStarted && this.log.decided >= this.leaderStartIndex) {
      const waiting = this.readsAwaitingStart;
      this.readsAwaitingStart = [];
      for (const context of waiting) this.confirmRead(context);
    }
  }

  private startRound(): void {
    this.round += 1;
    this.roundStartsMs[this.round % PAXOS_LEASE_ROUNDS_TRACKED] = { round: this.round, startMs: this.nowMs };
    this.updateQuorumAck();
  }

  private roundStartMs(round: number): number | undefined {
    const slot = this.roundStartsMs[round % PAXOS_LEASE_ROUNDS_TRACKED];
    return slot !== undefined && slot.round === round ? slot.startMs : undefined;
  }

  private ackRound(pr: FollowerProgress, round: number): void {
    if (round <= pr.ackedRound) return;
    const startMs = this.roundStartMs(round);
    if (startMs === undefined) return;
    pr.ackedRound = round;
    pr.ackedRoundStartMs = startMs;
    this.updateQuorumAck();
  }

  /** Recomputes the newest round a quorum (this leader included) answered, the lease and reads. */
  private updateQuorumAck(): void {
    const quorum = quorumSize(this.config.voters.length);
    const rounds = [this.round];
    const starts = [this.roundStartMs(this.round) as number];
    for (const pr of this.progress.values()) {
      rounds.push(pr.ackedRound);
      starts.push(pr.ackedRoundStartMs);
    }
    rounds.sort((a, b) => b - a);
    starts.sort((a, b) => b - a);
    const quorumRound = rounds[quorum - 1] as number;
    const quorumStartMs = starts[quorum - 1] as number;
    if (quorumRound === 0) return;
    this.quorumAckStartMs = Math.max(this.quorumAckStartMs, quorumStartMs);
    this.leaseUntilMs = Math.max(this.leaseUntilMs ?? -Infinity, quorumStartMs + this.leaseMs);
    if (quorumRound > this.quorumAckRound) {
      this.quorumAckRound = quorumRound;
      let released = 0;
      while (released < this.pendingReads.length && (this.pendingReads[released] as PendingRead).round <= quorumRound) {
        const read = this.pendingReads[released] as PendingRead;
        this.readStates.push({ index: read.index, context: read.context });
        released += 1;
      }
      if (released > 0) this.pendingReads = this.pendingReads.slice(released);
    }
  }

  private confirmRead(context: number): void {
    if (this.config.voters.length === 1) {
      this.readStates.push({ index: this.log.decided, context });
      return;
    }
    if (!this.roundBroadcastPending) {
      this.startRound();
      this.broadcastHeartbeat();
    }
    this.pendingReads.push({ context, index: this.log.decided, round: this.round });
  }

  private readIndex(context: number): PaxosReadIndexResult {
    assert(Number.isSafeInteger(context), 'read_context_safe_integer');
    if (this.role !== 'leader') return this.notLeader();
    if (this.pendingReads.length + this.readsAwaitingStart.length >= PAXOS_READ_INDEX_PENDING_MAX) {
      return { ok: false, code: ErrorCode.RESOURCE_EXHAUSTED, message: 'too many read-index requests waiting' };
    }
    // Until the adopted log is decided, this leader does not know the latest decided index.
    if (this.log.decided < this.leaderStartIndex) this.readsAwaitingStart.push(context);
    else this.confirmRead(context);
    return { ok: true };
  }

  private propose(command: Uint8Array): PaxosProposeResult {
    if (this.role !== 'leader') return this.notLeader();
    if (command.length > PAXOS_ENTRY_DATA_BYTES_MAX) {
      return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: `command of ${command.length} bytes above ${PAXOS_ENTRY_DATA_BYTES_MAX}` };
    }
    const last = this.log.lastIndex();
    if (last - this.log.decided >= PAXOS_UNDECIDED_ENTRIES_MAX || last - this.log.snapshotIndex >= PAXOS_LOG_ENTRIES_IN_MEMORY_MAX) {
      return { ok: false, code: ErrorCode.RESOURCE_EXHAUSTED, message: 'too many undecided entries; retry' };
    }
    const entry: PaxosEntry = { index: last + 1, ballot: this.promised, kind: 'normal', data: command };
    this.log.append(entry);
    for (const pr of this.progress.values()) {
      // Pipelined: a follower that has everything before it gets the entry now, within its window.
      if (pr.state === 'accept' && pr.next === entry.index) this.sendWithinWindow(pr);
    }
    this.maybeDecide();
    return { ok: true, index: entry.index, ballot: this.promised };
  }

  private notLeader(): PaxosNotLeaderFailure {
    return { ok: false, code: ErrorCode.NOT_LEADER, message: 'not the leader', leaderId: this.leaderId === this.config.id ? null : this.leaderId };
  }

  private send(message: PaxosMessage): void {
    assert(this.outbox.length < PAXOS_OUTBOX_MESSAGES_MAX, 'outbox_within_max');
    this.outbox.push(message);
  }

  invariants(): void {
    assert(ballotProblem(this.promised) === undefined && ballotProblem(this.acceptedRound) === undefined, 'ballots_in_range');
    if (this.faults.acceptBelowPromise !== true) assert(compareBallots(this.acceptedRound, this.promised) <= 0, 'accepted_round_at_most_promise');
    if (this.role === 'leader') {
      assert(this.promised.nodeId === this.config.id && ballotEquals(this.acceptedRound, this.promised), 'leader_ballot_own');
      assert(this.leaderId === this.config.id, 'leader_knows_itself');
      if (this.leaseUntilMs !== null) assert(this.leaseUntilMs <= this.quorumAckStartMs + this.leaseMs, 'lease_bounded_by_quorum_ack');
      for (const pr of this.progress.values()) assert(pr.match <= this.log.lastIndex() && pr.next >= 1, 'progress_within_log');
    } else {
      assert(this.progress.size === 0 && this.leaseUntilMs === null && this.pendingReads.length === 0, 'leader_state_only_on_leader');
    }
    if (this.role === 'candidate') assert(ballotEquals(this.promised, this.candidateBallot), 'candidate_promised_itself');
    assert(this.outbox.length <= PAXOS_OUTBOX_MESSAGES_MAX, 'outbox_within_max');
    this.log.invariants();
  }
}

function sameAcceptor(a: AcceptorState, b: AcceptorState): boolean {
  return ballotEquals(a.promised, b.promised) && ballotEquals(a.acceptedRound, b.acceptedRound) && a.decidedIndex === b.decidedIndex;
}

function sameSoftState(a: PaxosSoftState, b: PaxosSoftState): boolean {
  return a.role === b.role && ballotEquals(a.ballot, b.ballot) && a.leaderId === b.leaderId && a.leaseUntilMs === b.leaseUntilMs;
}
