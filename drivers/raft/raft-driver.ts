// The raft driver: the consensus driver (drivers/driver.ts) of a Raft cluster. It is the host of
// the pure Raft core (core/raft) and of the replicated oracle state (core/oracle), bound to the
// ports only (Disk, Transport, Clock, an injected random), so the simulator runs it unchanged.
//
// The host loop (docs/raft.md §1, the Ready contract), serialized: one Ready in flight at a time.
// After every input (a tick at `deadlineMs()` from ONE clock timer, a peer message, a proposal, a
// read barrier) the loop takes `ready()` and
//   1. persists the snapshot (when present), the hard state and the entries: one WAL append and
//      one fsync for the whole Ready (storage.ts);
//   2. then sends the messages;
//   3. then installs the snapshot, applies the committed entries to the OracleStateMachine,
//      answers the proposals and reads they complete;
//   4. then calls `advance`, publishes leadership changes and compacts the log when due.
// Inputs that arrive during the fsync are handled by the core at once and land in the next Ready:
// that is the group commit. Sequence advances queue up and are proposed as ONE AdvanceSeq entry
// per loop turn (AdvanceSeqRequests when the turn holds a getSeqBatch: each batch lies whole in
// one entry, so it commits and applies all or nothing).
//
// Contracts kept (drivers/driver.ts, docs/raft.md §11):
//   - Leadership: `leader` with epoch = term only once this leader's own no-op is applied (so the
//     fence's linearized load sees every earlier high-water); `follower` with the leader's
//     service endpoint and term; `unknown` otherwise. The current state is delivered at subscribe.
//   - A proposal took effect exactly when the entry applied at its index has its term (then its
//     result is the answer, even if this node stopped leading meanwhile); another entry there
//     answers DRIVER_NOT_LEADER with the leader hint (it never took effect). When the outcome
//     cannot be known (a snapshot covers the index, or no answer within
//     RAFT_DRIVER_CALL_ELECTION_TIMEOUTS election timeouts) the answer is DRIVER_TRANSIENT, never
//     NOT_LEADER: a client takes NOT_LEADER as "not executed", and a sequence request that did
//     commit would leave a hole it cannot explain. (A retry with the same request id is answered
//     from the replicated session, so it stays exactly once; the high-water's max absorbs it.)
//   - Reads (`loadHighWater`, `loadSeq`) go through the core's ReadIndex barrier, then wait for
//     the apply to reach the barrier's index.
//   - `hasLease()` is the core's `canServe` on the MONOTONIC clock: the lease never reads the
//     wall clock (docs/raft.md §4).
//   - A storage failure while persisting a Ready is fatal (the Ready cannot be taken back): the
//     driver stops, answers every waiter DRIVER_PERMANENT and reports `fatal`; a restart recovers
//     from what is on disk.
import { assert, unreachable } from '../../core/assert.js';
import { TsoError } from '../../core/errors.js';
import { sometimes } from '../../core/sometimes.js';
import { SeqLedger, seqBatchProblem, type SeqAdvanceRequest, type SeqBatchRequest, type SeqLedgerRequest, type SeqLedgerResult } from '../../core/ledger.js';
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { OracleStateMachine, prepareOracleCommand, type LeaseRecord, type OracleApplyResult } from '../../core/oracle/index.js';
import {
  makeRaftConfig,
  RaftNode,
  type Entry,
  type HardState,
  type Membership,
  type MembershipChange,
  type Message,
  type NotLeaderFailure,
  type RaftConfig,
  type RaftFaults,
  type RaftRole,
  type Ready,
  type SoftState,
  type WalRecord,
} from '../../core/raft/index.js';
import {
  driverFailure,
  type ClientMember,
  type ClientMembers,
  type ConsensusDriver,
  type DriverFailure,
  type DriverResult,
  type LeaderState,
  type SeqBatchGrants,
  type SeqBlockResult,
} from '../driver.js';
import { parseHostPort, type Clock, type Disk, type HostPort, type TimerHandle, type Transport } from '../ports.js';
import { peerTimingsForElectionTimeout, RAFT_DRIVER_CALL_ELECTION_TIMEOUTS, RAFT_PROPOSALS_PENDING_MAX, RAFT_READS_PENDING_MAX, RAFT_SNAPSHOT_ENTRIES_DEFAULT, RAFT_WAL_COMPACT_BYTES } from './limits.js';
import { canonicalCluster, clusterIdOf } from './meta.js';
import { PeerNetwork, type PeerEvent } from './peers.js';
import { RaftStorage, type RaftStorageEvent } from './storage.js';
import { SeqGroupCommitQueue, seqBatchAnswer, seqBlockAnswer, settle, type SeqWaiter, type Settle, type Waiter } from '../replicated/seq-group-commit.js';

/** One voter of the cluster: where its peers reach it, and where its clients do. */
export interface RaftPeer {
  readonly raftAddress: HostPort;
  /** The client-protocol endpoint `host:port` advertised in leader hints. */
  readonly serviceEndpoint: string;
}

export type RaftTuning = Partial<Omit<RaftConfig, 'id' | 'voters'>>;

export interface RaftDriverOptions {
  readonly disk: Disk;
  /** Peer transport (the Raft port); the client protocol has its own. */
  readonly transport: Transport;
  readonly clock: Clock;
  /** Uniform in [0, 1): election timeouts and reconnect jitter. */
  readonly random: () => number;
  /** The node's data directory; the driver keeps its files in `dataDir/raft/`. */
  readonly dataDir: string;
  readonly id: number;
  /**
   * The cluster's bootstrap voters, this node included: they name the cluster (meta.ts) and are
   * its membership until the first membership change. Members added later are reached at the
   * addresses their membership entry carries.
   */
  readonly peers: ReadonlyMap<number, RaftPeer>;
  /**
   * A node that joins the cluster named by `peers` without being one of its bootstrap voters:
   * it starts with no voters, listens at `join.self`, and waits to be added as a learner.
   */
  readonly join?: { readonly self: RaftPeer };
  readonly config?: RaftTuning;
  /** Applied entries between two snapshots (default RAFT_SNAPSHOT_ENTRIES_DEFAULT). */
  readonly snapshotEntries?: number;
  readonly onEvent?: (event: RaftDriverEvent) => void;
  /** Test-only planted bugs (the simulator's planted profiles); never set in production. */
  readonly faults?: RaftDriverFaults;
}

/** Planted bugs of the driver, on top of the core's (core/raft/node.ts `RaftFaults`). */
export interface RaftDriverFaults extends RaftFaults {
  /** Persist every hard state with no vote: a restarted node may vote twice in one term. */
  readonly forgetVote?: boolean;
  /** `hasLease()` holds for as long as this node leads, lease or not. */
  readonly serveAfterLeaseExpired?: boolean;
  /**
   * The fence's load reads the local state at once (no ReadIndex barrier), and leadership is
   * announced at election, before this term's no-op is applied.
   */
  readonly skipFenceLinearizedLoad?: boolean;
}

export type RaftDriverEvent =
  | RaftStorageEvent
  | PeerEvent
  | { readonly kind: 'started'; readonly term: number; readonly commit: number; readonly lastIndex: number; readonly snapshotIndex: number }
  | { readonly kind: 'role'; readonly role: RaftRole; readonly term: number; readonly leaderId: number | null }
  | { readonly kind: 'leadership'; readonly state: LeaderState }
  | { readonly kind: 'snapshot-saved'; readonly index: number; readonly walBytes: number }
  | { readonly kind: 'snapshot-installed'; readonly index: number }
  /** A snapshot this node took was overtaken by a leader's InstallSnapshot while it was written; not compacted to. */
  | { readonly kind: 'snapshot-superseded'; readonly index: number }
  /** Entries applied to the state machine, in index order (the simulator's state-machine-safety checker). */
  | { readonly kind: 'applied'; readonly entries: readonly Entry[] }
  | { readonly kind: 'fatal'; readonly error: unknown };

/** What a membership change answers: the config entry's index once committed (null: already in effect). */
export type MembershipChangeOutcome =
  | { readonly ok: true; readonly index: number | null }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly leaderEndpoint?: string | null };

type Proposal =
  | { readonly kind: 'high-water'; readonly term: number; readonly waiter: Waiter<{ readonly highWaterMs: number }> }
  | { readonly kind: 'membership'; readonly term: number; readonly settle: (outcome: MembershipChangeOutcome) => void }
  | { readonly kind: 'seq'; readonly term: number; readonly waiters: readonly SeqWaiter[] }
  | { readonly kind: 'leases'; readonly term: number; readonly waiter: Waiter<Record<never, never>> };

interface ReadWaiter {
  /** The barrier's commit index once the read state arrived; null until then. */
  index: number | null;
  readonly waiter: Waiter<Record<never, never>>;
}

const seqValidator = new SeqLedger();

function sameLeaderState(a: LeaderState, b: LeaderState): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'leader' && b.kind === 'leader') return a.epoch === b.epoch;
  if (a.kind === 'follower' && b.kind === 'follower') return a.leaderEndpoint === b.leaderEndpoint && a.leaderEpoch === b.leaderEpoch;
  return true;
}

/**
 * The WAL records of one Ready's hard state and entries, in the order they are appended (after
 * the snapshot marker, if the Ready carries one). A torn append keeps a prefix of them, so:
 *   - the hard state goes before the entries: a term without its entries is a state the node can
 *     be in; entries of a term the node never persisted are not;
 *   - but not a commit index that covers entries this append overwrites: a prefix that kept the
 *     hard state and lost the new entries would leave the old, conflicting ones under a commit
 *     that covers them, and the node would apply them after a restart (found by the simulator,
 *     5-node seed 877: a power loss cut such an append at a sector edge, and the restarted
 *     follower applied its deposed leader's entries where the cluster had committed others). That
 *     commit goes first only up to the overwrite, and whole in a second record after the entries.
 * Appends that overwrite nothing (nearly all) are laid out as before. `walLastIndex` is the last
 * entry the WAL holds before this append (null: the append starts after a new snapshot marker).
 */
export function walRecordsOfReady(ready: Pick<Ready, 'hardState' | 'entries'>, walLastIndex: number | null, forgetVote = false): WalRecord[] {
  const records: WalRecord[] = [];
  const firstEntry = ready.entries[0];
  const overwriteFrom = walLastIndex !== null && firstEntry !== undefined && firstEntry.index <= walLastIndex ? firstEntry.index : null;
  let commitAfterEntries: HardState | null = null;
  if (ready.hardState !== undefined) {
    const hardState = forgetVote ? { ...ready.hardState, vote: 0 } : ready.hardState;
    if (overwriteFrom !== null && hardState.commit >= overwriteFrom) {
      sometimes(true, 'raft_driver.commit_logged_after_overwrite');
      records.push({ kind: 'hard-state', hardState: { ...hardState, commit: overwriteFrom - 1 } });
      commitAfterEntries = hardState;
    } else {
      records.push({ kind: 'hard-state', hardState });
    }
  }
  for (const entry of ready.entries) records.push({ kind: 'entry', entry });
  if (commitAfterEntries !== null) records.push({ kind: 'hard-state', hardState: commitAfterEntries });
  return records;
}

export class RaftDriver implements ConsensusDriver {
  private readonly node: RaftNode;
  private readonly stateMachine: OracleStateMachine;
  private peersNet: PeerNetwork | null = null;
  private readonly callTimeoutMs: number;
  private readonly snapshotEntries: number;

  private timer: TimerHandle | null = null;
  private timerDeadlineMs = Infinity;
  private looping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private stopped = false;
  private closing: Promise<void> | null = null;

  private readonly proposals = new Map<number, Proposal>();
  private readonly seqQueue = new SeqGroupCommitQueue();
  private readonly reads = new Map<number, ReadWaiter>();
  private nextReadContext = 1;

  /** The soft state of the last Ready handled (what leadership events are derived from). */
  private softState: SoftState;
  /** Term whose leader no-op this node applied while leading it. */
  private noopAppliedTerm = 0;
  private leader: LeaderState = { kind: 'unknown' };
  private readonly listeners = new Set<(state: LeaderState) => void>();

  /** The hard state last made durable (a WAL rewrite starts with it). */
  private persistedHardState: HardState;
  /** Entries durable in the WAL after `walBaseIndex`, in index order (a rewrite keeps them). */
  private walEntries: Entry[];
  private walBaseIndex: number;
  /** Index of the newest snapshot (taken here or installed). */
  private snapshotIndex: number;

  private constructor(
    private readonly options: RaftDriverOptions,
    private readonly config: RaftConfig,
    private readonly storage: RaftStorage,
    node: RaftNode,
    stateMachine: OracleStateMachine,
    persisted: { hardState: HardState; entries: readonly Entry[]; snapshotIndex: number },
  ) {
    this.node = node;
    this.stateMachine = stateMachine;
    this.callTimeoutMs = config.electionTimeoutMs * RAFT_DRIVER_CALL_ELECTION_TIMEOUTS;
    this.snapshotEntries = options.snapshotEntries ?? RAFT_SNAPSHOT_ENTRIES_DEFAULT;
    assert(Number.isSafeInteger(this.snapshotEntries) && this.snapshotEntries >= 1, 'snapshot_entries_positive');
    this.softState = node.softState();
    this.persistedHardState = persisted.hardState;
    this.walEntries = [...persisted.entries];
    this.walBaseIndex = persisted.snapshotIndex;
    this.snapshotIndex = persisted.snapshotIndex;
  }

  /**
   * Opens the node's storage (refusing a directory of another node or cluster, or a corrupt one),
   * rebuilds the Raft node and the state machine from it, listens for peers and starts the loop.
   */
  static async open(options: RaftDriverOptions): Promise<RaftDriver> {
    const joining = options.join !== undefined;
    if (joining && options.peers.has(options.id)) throw configError(`node id ${options.id} joins the cluster but is one of its bootstrap voters`);
    const self = joining ? options.join?.self : options.peers.get(options.id);
    if (self === undefined) throw configError(`node id ${options.id} is not in the peer list (${[...options.peers.keys()].join(', ')})`);
    const made = makeRaftConfig({ ...(options.config ?? {}), id: options.id, voters: joining ? [] : [...options.peers.keys()] });
    if (!made.ok) throw configError(made.message ?? made.code);
    const config = made.config;
    const raftAddresses = new Map([...options.peers].map(([id, p]) => [id, p.raftAddress] as const));
    const cluster = canonicalCluster(raftAddresses);
    const onEvent = options.onEvent;
    const { storage, recovered } = await RaftStorage.open({
      disk: options.disk,
      dataDir: options.dataDir,
      meta: { nodeId: options.id, cluster },
      ...(onEvent !== undefined ? { onEvent } : {}),
    });
    let driver: RaftDriver;
    try {
      const { persisted } = recovered;
      const snapshot = persisted.snapshot;
      const stateMachine = snapshot === undefined ? new OracleStateMachine() : RaftDriver.stateFromSnapshot(snapshot.data, snapshot.lastIncludedIndex, storage.dir);
      const nowMs = options.clock.monotonicMs();
      const faults: RaftFaults = options.faults ?? {};
      const node = recovered.fresh ? RaftNode.create(config, options.random, nowMs, faults) : RaftNode.restore(config, persisted, options.random, nowMs, faults);
      driver = new RaftDriver(options, config, storage, node, stateMachine, {
        hardState: persisted.hardState,
        entries: persisted.entries,
        snapshotIndex: snapshot?.lastIncludedIndex ?? 0,
      });
      const status = node.status();
      onEvent?.({ kind: 'started', term: status.term, commit: status.commit, lastIndex: status.lastIndex, snapshotIndex: status.snapshotIndex });
      const peerAddresses = new Map([...raftAddresses].filter(([id]) => id !== options.id));
      driver.peersNet = await PeerNetwork.start({
        transport: options.transport,
        clock: options.clock,
        random: options.random,
        selfId: options.id,
        clusterId: clusterIdOf(cluster),
        listen: self.raftAddress,
        peers: peerAddresses,
        // The membership can change: a learner hears from a leader before it has its address.
        acceptUnknownPeers: true,
        ...peerTimingsForElectionTimeout(config.electionTimeoutMs),
        onMessage: (message) => driver.onPeerMessage(message),
        ...(onEvent !== undefined ? { onEvent } : {}),
      });
    } catch (e) {
      await storage.close().catch(() => {});
      throw e;
    }
    driver.kick();
    driver.armTimer();
    return driver;
  }

  private static stateFromSnapshot(data: Uint8Array, index: number, dir: string): OracleStateMachine {
    let state: OracleStateMachine;
    try {
      state = OracleStateMachine.fromSnapshot(data);
    } catch (e) {
      throw new TsoError('DRIVER_PERMANENT', `${dir}/snapshot holds a state that does not decode (${String(e)}); refusing to start`);
    }
    if (state.appliedIndex !== index) {
      throw new TsoError('DRIVER_PERMANENT', `${dir}/snapshot covers index ${index} but its state applied ${state.appliedIndex}; refusing to start`);
    }
    return state;
  }

  // --- Inputs ---------------------------------------------------------------------------------

  private onPeerMessage(message: Message): void {
    if (this.stopped) return;
    this.node.handle({ kind: 'message', message, nowMs: this.options.clock.monotonicMs() });
    this.kick();
    this.armTimer();
  }

  private onTimer(): void {
    this.timer = null;
    this.timerDeadlineMs = Infinity;
    if (this.stopped) return;
    const nowMs = this.options.clock.monotonicMs();
    if (nowMs >= this.node.deadlineMs()) {
      this.node.handle({ kind: 'tick', nowMs });
      this.kick();
    }
    this.armTimer();
  }

  /** Keeps ONE timer armed no later than the core's deadline (a later deadline re-arms on firing). */
  private armTimer(): void {
    if (this.stopped) return;
    const deadlineMs = this.node.deadlineMs();
    if (!Number.isFinite(deadlineMs)) return;
    if (this.timer !== null && this.timerDeadlineMs <= deadlineMs) return;
    this.timer?.cancel();
    this.timerDeadlineMs = deadlineMs;
    this.timer = this.options.clock.setTimer(Math.max(0, deadlineMs - this.options.clock.monotonicMs()), () => this.onTimer());
  }

  // --- The loop -------------------------------------------------------------------------------

  private kick(): void {
    if (this.looping || this.stopped) return;
    this.looping = true;
    this.loopDone = this.runLoop().catch((error: unknown) => this.fatal(error));
  }

  private async runLoop(): Promise<void> {
    try {
      // Let inputs of the same turn (a burst of getSeq calls) join the first Ready.
      await Promise.resolve();
      for (;;) {
        if (this.stopped) return;
        this.flushSeqQueue();
        if (!this.node.hasReady()) return;
        const ready = this.node.ready();
        await this.persist(ready);
        if (this.stopped) return;
        this.syncPeersWithMembership();
        for (const message of ready.messages) this.peersNet?.send(message);
        this.apply(ready);
        this.node.advance(ready);
        this.afterAdvance(ready);
        await this.maybeCompact();
      }
    } finally {
      // Synchronously after the last hasReady() check: an input arriving from now on kicks anew.
      this.looping = false;
      this.armTimer();
    }
  }

  private async persist(ready: Ready): Promise<void> {
    const records: WalRecord[] = [];
    const snapshot = ready.snapshot;
    if (snapshot !== undefined) {
      await this.storage.saveSnapshot(snapshot);
      records.push({ kind: 'snapshot', lastIncludedIndex: snapshot.lastIncludedIndex, lastIncludedTerm: snapshot.lastIncludedTerm });
    }
    const forgetVote = this.options.faults?.forgetVote === true;
    records.push(...walRecordsOfReady(ready, snapshot === undefined ? this.walBaseIndex + this.walEntries.length : null, forgetVote));
    await this.storage.appendRecords(records);
    if (snapshot !== undefined) {
      this.walEntries = [];
      this.walBaseIndex = snapshot.lastIncludedIndex;
    }
    if (ready.hardState !== undefined) this.persistedHardState = ready.hardState;
    for (const entry of ready.entries) {
      const keep = entry.index - this.walBaseIndex - 1;
      assert(keep >= 0 && keep <= this.walEntries.length, 'wal_entries_consecutive', () => `${entry.index} after ${this.walBaseIndex}+${this.walEntries.length}`);
      this.walEntries.length = keep;
      this.walEntries.push(entry);
    }
  }

  private apply(ready: Ready): void {
    const snapshot = ready.snapshot;
    if (snapshot !== undefined) {
      this.stateMachine.restore(snapshot.data);
      assert(this.stateMachine.appliedIndex === snapshot.lastIncludedIndex, 'installed_snapshot_applied_index', () => `${this.stateMachine.appliedIndex} vs ${snapshot.lastIncludedIndex}`);
      this.snapshotIndex = snapshot.lastIncludedIndex;
      for (const [index, proposal] of this.proposals) {
        if (index <= snapshot.lastIncludedIndex) {
          // The snapshot may or may not hold the entry: the outcome is unknown (a retry of a
          // sequence request with its request id is answered from the replicated session).
          this.proposals.delete(index);
          sometimes(true, 'raft_driver.proposal_covered_by_snapshot');
          this.failProposal(proposal, driverFailure('DRIVER_TRANSIENT', `a snapshot from the leader covers proposed entry ${index}; its outcome is unknown`));
        }
      }
      this.options.onEvent?.({ kind: 'snapshot-installed', index: snapshot.lastIncludedIndex });
    }
    for (const entry of ready.committed) {
      const result = this.stateMachine.apply(entry);
      if (entry.kind === 'noop' && ready.softState.role === 'leader' && entry.term === ready.softState.term) this.noopAppliedTerm = entry.term;
      const proposal = this.proposals.get(entry.index);
      if (proposal === undefined) continue;
      this.proposals.delete(entry.index);
      if (proposal.term !== entry.term) {
        sometimes(true, 'raft_driver.proposal_replaced_by_other_entry');
        this.failProposal(proposal, this.notLeader(ready.softState.leaderId, ready.softState.term, 'another entry was committed in place of the proposal'));
        continue;
      }
      this.answerProposal(proposal, result);
    }
    if (ready.committed.length > 0) this.options.onEvent?.({ kind: 'applied', entries: ready.committed });
    for (const readState of ready.readStates) {
      const read = this.reads.get(readState.context);
      if (read !== undefined) read.index = readState.index;
    }
    this.releaseReads();
  }

  private answerProposal(proposal: Proposal, result: OracleApplyResult): void {
    switch (proposal.kind) {
      case 'membership':
        proposal.settle({ ok: true, index: this.stateMachine.appliedIndex });
        return;
      case 'high-water':
        assert(result.kind === 'high-water', 'high_water_proposal_result', result.kind);
        if (result.ok) settle(proposal.waiter, { ok: true, highWaterMs: result.highWaterMs });
        else settle(proposal.waiter, driverFailure('DRIVER_OUT_OF_RANGE', `high-water above ${PHYSICAL_MS_MAX}`));
        return;
      case 'seq': {
        assert((result.kind === 'seq' || result.kind === 'seq-requests') && result.results.length === proposal.waiters.length, 'seq_proposal_results');
        proposal.waiters.forEach((w, i) => {
          const r = result.results[i];
          assert(r !== undefined, 'seq_result_per_request');
          w.deliver(r);
        });
        return;
      }
      case 'leases':
        assert(result.kind === 'leases', 'leases_proposal_result', result.kind);
        // The entry carries the proposal's term, so it cannot be fenced; answered anyway.
        settle(proposal.waiter, result.installed ? { ok: true } : driverFailure('DRIVER_FENCED', 'the lease set was projected under another term'));
        return;
      default:
        unreachable(proposal);
    }
  }

  private failProposal(proposal: Proposal, failure: DriverFailure): void {
    if (proposal.kind === 'high-water' || proposal.kind === 'leases') settle(proposal.waiter, failure);
    else if (proposal.kind === 'membership') proposal.settle({ ok: false, code: failure.code, message: failure.message, leaderEndpoint: failure.leaderEndpoint ?? null });
    else for (const w of proposal.waiters) w.fail(failure);
  }

  private releaseReads(): void {
    const applied = this.stateMachine.appliedIndex;
    for (const [context, read] of this.reads) {
      if (read.waiter.settled) {
        this.reads.delete(context);
      } else if (read.index !== null && read.index <= applied) {
        this.reads.delete(context);
        settle(read.waiter, { ok: true });
      }
    }
  }

  private afterAdvance(ready: Ready): void {
    const previous = this.softState;
    const next = ready.softState;
    this.softState = next;
    if (previous.role !== next.role || previous.term !== next.term || previous.leaderId !== next.leaderId) {
      this.options.onEvent?.({ kind: 'role', role: next.role, term: next.term, leaderId: next.leaderId });
    }
    if (previous.role === 'leader' && (next.role !== 'leader' || next.term !== previous.term)) {
      // Stepped down. The core dropped its pending reads, and queued sequence requests were never
      // proposed: both are refused (nothing happened). Proposals stay: their entries may still
      // commit under the next leader, and only the entry applied at their index says whether they
      // took effect (or the call's deadline says the outcome is unknown).
      const failure = this.notLeader(next.leaderId, next.term, 'this node stopped leading');
      for (const read of this.reads.values()) if (read.index === null) settle(read.waiter, failure);
      this.releaseReads();
      this.seqQueue.failAll(failure);
    }
    this.publishLeadership();
  }

  private publishLeadership(): void {
    const s = this.softState;
    let state: LeaderState;
    if (s.role === 'leader') {
      const announce = this.noopAppliedTerm === s.term || this.options.faults?.skipFenceLinearizedLoad === true;
      state = announce ? { kind: 'leader', epoch: BigInt(s.term) } : { kind: 'unknown' };
    } else if (s.role === 'follower' && s.leaderId !== null && this.isMember(s.leaderId)) {
      state = { kind: 'follower', leaderEndpoint: this.endpointOf(s.leaderId), leaderEpoch: BigInt(s.term) };
    } else if (this.memberToAskWhenRemoved() !== null) {
      // Removed (see notLeader): clients that know only this node are pointed at a member.
      sometimes(true, 'raft_driver.removed_node_hints_member');
      state = { kind: 'follower', leaderEndpoint: this.memberToAskWhenRemoved(), leaderEpoch: null };
    } else {
      state = { kind: 'unknown' };
    }
    if (sameLeaderState(state, this.leader)) return;
    this.leader = state;
    this.options.onEvent?.({ kind: 'leadership', state });
    for (const listener of [...this.listeners]) listener(state);
  }

  private async maybeCompact(): Promise<void> {
    const applied = this.stateMachine.appliedIndex;
    if (applied <= this.snapshotIndex) return;
    if (applied - this.snapshotIndex < this.snapshotEntries && this.storage.walBytes < RAFT_WAL_COMPACT_BYTES) return;
    const entry = this.walEntries[applied - this.walBaseIndex - 1];
    assert(entry !== undefined && entry.index === applied, 'applied_entry_durable', () => `${applied}`);
    const data = this.stateMachine.snapshot();
    // The snapshot records the membership in effect at its index (none while it is the bootstrap
    // one). A core already past `applied` (an InstallSnapshot arrived) supersedes this file below.
    const membership = this.node.status().snapshotIndex <= applied ? this.node.snapshotMembershipAt(applied) : undefined;
    await this.storage.saveSnapshot(
      membership === undefined ? { lastIncludedIndex: applied, lastIncludedTerm: entry.term, data } : { lastIncludedIndex: applied, lastIncludedTerm: entry.term, data, membership },
    );
    if (this.stopped) return;
    // While the snapshot was written a leader's InstallSnapshot may have arrived: the core took
    // it at once (its log now starts past `applied`) and the next Ready persists it over this
    // file. This snapshot is superseded; the log is not compacted to it (found by the
    // simulator, 3-node seed 269).
    if (this.node.status().snapshotIndex >= applied) {
      sometimes(true, 'raft_driver.snapshot_superseded');
      this.options.onEvent?.({ kind: 'snapshot-superseded', index: applied });
      return;
    }
    this.node.handle({ kind: 'snapshot-taken', index: applied, data });
    this.snapshotIndex = applied;
    this.walEntries = this.walEntries.slice(applied - this.walBaseIndex);
    this.walBaseIndex = applied;
    const records: WalRecord[] = [{ kind: 'hard-state', hardState: this.persistedHardState }];
    for (const e of this.walEntries) records.push({ kind: 'entry', entry: e });
    await this.storage.rewriteWal(records);
    sometimes(true, 'raft_driver.snapshot_saved');
    this.options.onEvent?.({ kind: 'snapshot-saved', index: applied, walBytes: this.storage.walBytes });
  }

  private flushSeqQueue(): void {
    this.seqQueue.drain(
      (command) => this.proposeBytes(command),
      (proposed, waiters) => this.proposals.set(proposed.index, { kind: 'seq', term: proposed.term, waiters }),
    );
  }

  /** Proposes an encoded command; maps the core's refusals to driver failures. */
  private proposeBytes(command: Uint8Array): { readonly ok: true; readonly index: number; readonly term: number } | DriverFailure {
    if (this.proposals.size >= RAFT_PROPOSALS_PENDING_MAX) return driverFailure('DRIVER_TRANSIENT', 'too many proposals waiting to commit');
    const r = this.node.handle({ kind: 'propose', command });
    if (r.ok) return r;
    switch (r.code) {
      case 'NOT_LEADER':
        return this.notLeaderFrom(r);
      case 'RESOURCE_EXHAUSTED':
        return driverFailure('DRIVER_TRANSIENT', r.message ?? 'the log is full; retry');
      default:
        return driverFailure('DRIVER_PERMANENT', `proposal refused: ${r.code}: ${r.message ?? ''}`);
    }
  }

  private fatal(error: unknown): void {
    if (this.stopped) return;
    this.stop(driverFailure('DRIVER_PERMANENT', `raft driver stopped: ${error instanceof Error ? error.message : String(error)}`));
    this.options.onEvent?.({ kind: 'fatal', error });
  }

  /** Stops the loop, the timer and the peers; answers every waiter with `failure`. */
  private stop(failure: DriverFailure): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    for (const proposal of this.proposals.values()) this.failProposal(proposal, failure);
    this.proposals.clear();
    for (const read of this.reads.values()) settle(read.waiter, failure);
    this.reads.clear();
    this.seqQueue.failAll(failure);
    void this.peersNet?.close().catch(() => {});
    if (this.leader.kind !== 'unknown') {
      this.leader = { kind: 'unknown' };
      for (const listener of [...this.listeners]) listener(this.leader);
    }
  }

  // --- Helpers --------------------------------------------------------------------------------

  private endpointOf(id: number): string | null {
    const member = this.node.membership().members.find((m) => m.id === id);
    if (member !== undefined && member.service !== '') return member.service;
    return this.options.peers.get(id)?.serviceEndpoint ?? null;
  }

  private syncedMembershipIndex = -1;

  /** Points the peer network at the members of the membership in effect (when it changed). */
  private syncPeersWithMembership(): void {
    const index = this.node.membershipIndex();
    if (index === this.syncedMembershipIndex || this.peersNet === null) return;
    this.syncedMembershipIndex = index;
    const addresses = new Map<number, HostPort>();
    // The bootstrap voters stay reachable at their configured addresses (a removed one still
    // gets its last appends while its removal is in flight); members added later at theirs.
    for (const [id, peer] of this.options.peers) if (id !== this.options.id) addresses.set(id, peer.raftAddress);
    for (const member of this.node.membership().members) {
      if (member.id === this.options.id || member.raft === '') continue;
      const address = parseHostPort(member.raft);
      if (address !== null) addresses.set(member.id, address);
    }
    this.peersNet.setPeers(addresses);
  }

  /** The members op (ConsensusDriver.clientMembers): the membership in effect, with client endpoints. */
  clientMembers(): ClientMembers {
    const members: ClientMember[] = [];
    for (const m of this.node.membership().members) {
      const endpoint = this.endpointOf(m.id);
      if (endpoint !== null) members.push({ id: m.id, role: m.role, endpoint });
    }
    const s = this.softState;
    const leaderEndpoint = s.role === 'leader' ? this.endpointOf(this.options.id) : s.leaderId !== null && this.isMember(s.leaderId) ? this.endpointOf(s.leaderId) : null;
    return { members, leaderEndpoint };
  }

  /** The membership in effect on this node and the leader it knows (the admin API's list). */
  members(): { readonly membership: Membership; readonly membershipIndex: number; readonly leaderId: number | null } {
    const status = this.node.status();
    return { membership: status.membership, membershipIndex: status.membershipIndex, leaderId: status.leaderId };
  }

  /**
   * Leader only: one membership change (core/raft/membership.ts), answered once its config entry
   * committed; refusals carry their code (MEMBERSHIP_*, DRIVER_NOT_LEADER with the leader's
   * service endpoint when known).
   */
  changeMembership(change: MembershipChange): Promise<MembershipChangeOutcome> {
    if (this.stopped) return Promise.resolve({ ok: false, code: 'DRIVER_PERMANENT', message: 'the driver is closed' });
    const result = this.node.handle({ kind: 'change-membership', change });
    if (!result.ok) {
      if (result.code === 'NOT_LEADER') {
        const failure = this.notLeader(result.leaderId, this.node.status().term, 'not the leader');
        return Promise.resolve({ ok: false, code: failure.code, message: failure.message, leaderEndpoint: failure.leaderEndpoint ?? null });
      }
      return Promise.resolve({ ok: false, code: result.code, message: result.message ?? result.code });
    }
    if (result.index === null) return Promise.resolve({ ok: true, index: null });
    const index = result.index;
    const promise = new Promise<MembershipChangeOutcome>((resolve) => {
      this.proposals.set(index, { kind: 'membership', term: result.term, settle: resolve });
    });
    this.kick();
    this.armTimer();
    return promise;
  }

  private notLeader(leaderId: number | null, term: number, message: string): DriverFailure {
    // A leader the membership no longer holds (its own removal is in the log) is not hinted: it
    // is stepping down, and a removed node hints a member back (below), which would make a loop.
    const leaderEndpoint = leaderId === null || leaderId === this.options.id || !this.isMember(leaderId) ? null : this.endpointOf(leaderId);
    if (leaderEndpoint === null) {
      const member = this.memberToAskWhenRemoved();
      if (member !== null) {
        // A node the membership no longer holds hears from no leader: it points at a voter of
        // the membership that removed it, which knows the leader (a hint without an epoch: "ask
        // there", never cached as the leader), so a client that knows only this node finds the
        // cluster until this node shuts down.
        sometimes(true, 'raft_driver.removed_node_hints_member');
        return driverFailure('DRIVER_NOT_LEADER', `${message}: this node was removed from the cluster`, { leaderEndpoint: member, leaderEpoch: null });
      }
    }
    return driverFailure('DRIVER_NOT_LEADER', message, { leaderEndpoint, leaderEpoch: leaderEndpoint === null ? null : BigInt(term) });
  }

  private isMember(id: number): boolean {
    return this.node.membership().members.some((m) => m.id === id);
  }

  /** When this node is no member of the membership in effect: the client endpoint of its lowest voter. */
  private memberToAskWhenRemoved(): string | null {
    if (this.isMember(this.options.id)) return null;
    const members = this.node.membership().members;
    for (const m of members) {
      if (m.role !== 'voter') continue;
      const endpoint = this.endpointOf(m.id);
      if (endpoint !== null) return endpoint;
    }
    return null;
  }

  private notLeaderFrom(r: NotLeaderFailure): DriverFailure {
    return this.notLeader(r.leaderId, this.node.status().term, 'not the leader');
  }

  /** The answer for a call that needs this node to lead at `epoch` (or any epoch), or null. */
  private leaderGate(epoch: bigint | null): DriverFailure | null {
    if (this.stopped) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    const s = this.softState;
    if (this.leader.kind !== 'leader') {
      if (s.role === 'leader') return driverFailure('DRIVER_TRANSIENT', 'leader not ready: its no-op is not applied yet');
      return this.notLeader(s.leaderId, s.term, 'not the leader');
    }
    if (epoch !== null && epoch !== this.leader.epoch) {
      return driverFailure('DRIVER_FENCED', `epoch ${epoch} is not the current term ${this.leader.epoch}`, {
        leaderEndpoint: this.endpointOf(this.options.id),
        leaderEpoch: this.leader.epoch,
      });
    }
    return null;
  }

  private newWaiter<T>(what: string, resolve: Settle<T>): Waiter<T> {
    const waiter: Waiter<T> = {
      settled: false,
      settle: resolve,
      timer: this.options.clock.setTimer(this.callTimeoutMs, () => {
        sometimes(!waiter.settled, 'raft_driver.call_timed_out');
        settle(waiter, driverFailure('DRIVER_TRANSIENT', `${what}: no answer within ${this.callTimeoutMs} ms (no quorum?)`));
      }),
    };
    return waiter;
  }

  // --- ConsensusDriver ------------------------------------------------------------------------

  subscribeLeadership(listener: (state: LeaderState) => void): () => void {
    this.listeners.add(listener);
    listener(this.leader);
    return () => {
      this.listeners.delete(listener);
    };
  }

  persistHighWater(atLeastMs: number, epoch: bigint): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    if (!Number.isSafeInteger(atLeastMs) || atLeastMs < 0 || atLeastMs > PHYSICAL_MS_MAX) {
      return Promise.resolve(driverFailure('DRIVER_OUT_OF_RANGE', `high-water ${atLeastMs} is outside [0, ${PHYSICAL_MS_MAX}]`));
    }
    const gate = this.leaderGate(epoch);
    if (gate !== null) return Promise.resolve(gate);
    const prepared = prepareOracleCommand({ kind: 'advance-high-water', atLeastMs: BigInt(atLeastMs) });
    if (!prepared.ok) return Promise.resolve(driverFailure('DRIVER_OUT_OF_RANGE', prepared.message ?? prepared.code));
    const proposed = this.proposeBytes(prepared.bytes);
    if (!proposed.ok) return Promise.resolve(proposed);
    return new Promise((resolve) => {
      const waiter = this.newWaiter('persistHighWater', resolve);
      this.proposals.set(proposed.index, { kind: 'high-water', term: proposed.term, waiter });
      this.kick();
      this.armTimer();
    });
  }

  persistLeases(leases: readonly LeaseRecord[], epoch: bigint): Promise<DriverResult<Record<never, never>>> {
    const gate = this.leaderGate(epoch);
    if (gate !== null) return Promise.resolve(gate);
    const prepared = prepareOracleCommand({ kind: 'set-leases', expectedTerm: epoch, leases });
    if (!prepared.ok) return Promise.resolve(driverFailure('DRIVER_PERMANENT', prepared.message ?? prepared.code));
    const proposed = this.proposeBytes(prepared.bytes);
    if (!proposed.ok) return Promise.resolve(proposed);
    return new Promise((resolve) => {
      const waiter = this.newWaiter<Record<never, never>>('persistLeases', resolve);
      this.proposals.set(proposed.index, { kind: 'leases', term: proposed.term, waiter });
      this.kick();
      this.armTimer();
    });
  }

  async loadLeases(): Promise<DriverResult<{ readonly leases: readonly LeaseRecord[] }>> {
    const failure = await this.readBarrier('loadLeases');
    if (failure !== null) return failure;
    return { ok: true, leases: this.stateMachine.leases };
  }

  advanceSeq(request: SeqAdvanceRequest, epoch: bigint): Promise<DriverResult<SeqBlockResult>> {
    const invalid = seqValidator.validate(request);
    if (invalid !== null) return Promise.resolve(driverFailure(invalid.code, invalid.message ?? invalid.code));
    return this.enqueueSeq<SeqBlockResult>('advanceSeq', request, 1, epoch, seqBlockAnswer);
  }

  advanceSeqBatch(request: SeqBatchRequest, epoch: bigint): Promise<DriverResult<SeqBatchGrants>> {
    const invalid = seqBatchProblem(request.entries);
    if (invalid !== null) return Promise.resolve(driverFailure(invalid.code, invalid.message ?? invalid.code));
    return this.enqueueSeq<SeqBatchGrants>('advanceSeqBatch', request, request.entries.length, epoch, seqBatchAnswer);
  }

  private enqueueSeq<T>(what: string, request: SeqLedgerRequest, entries: number, epoch: bigint, answer: (outcome: SeqLedgerResult) => DriverResult<T>): Promise<DriverResult<T>> {
    const gate = this.leaderGate(epoch);
    if (gate !== null) return Promise.resolve(gate);
    if (this.seqQueue.full) {
      return Promise.resolve(driverFailure('DRIVER_TRANSIENT', 'too many sequence requests waiting to commit'));
    }
    return new Promise((resolve) => {
      const waiter = this.newWaiter<T>(what, resolve);
      this.seqQueue.push(request, entries, waiter, answer);
      this.kick();
    });
  }

  /** A linearized barrier: resolves once this node, still leading, applied every earlier commit. */
  private readBarrier(what: string): Promise<DriverFailure | null> {
    const gate = this.leaderGate(null);
    if (gate !== null) return Promise.resolve(gate);
    if (this.reads.size >= RAFT_READS_PENDING_MAX) return Promise.resolve(driverFailure('DRIVER_TRANSIENT', 'too many reads waiting'));
    const context = this.nextReadContext++;
    const r = this.node.handle({ kind: 'read-index', context });
    if (!r.ok) {
      return Promise.resolve(r.code === 'NOT_LEADER' ? this.notLeaderFrom(r) : driverFailure('DRIVER_TRANSIENT', r.message ?? r.code));
    }
    return new Promise((resolve) => {
      const waiter = this.newWaiter<Record<never, never>>(what, (result) => resolve(result.ok ? null : result));
      this.reads.set(context, { index: null, waiter });
      this.kick();
      this.armTimer();
    });
  }

  async loadHighWater(): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    if (this.options.faults?.skipFenceLinearizedLoad === true) {
      const gate = this.leaderGate(null);
      return gate ?? { ok: true, highWaterMs: this.stateMachine.highWaterMs };
    }
    const failure = await this.readBarrier('loadHighWater');
    if (failure !== null) return failure;
    return { ok: true, highWaterMs: this.stateMachine.highWaterMs };
  }

  async loadSeq(key: string): Promise<DriverResult<{ readonly next: bigint }>> {
    const failure = await this.readBarrier('loadSeq');
    if (failure !== null) return failure;
    return { ok: true, next: this.stateMachine.seq(key) };
  }

  hasLease(): boolean {
    if (this.stopped) return false;
    if (this.options.faults?.serveAfterLeaseExpired === true) return this.leader.kind === 'leader';
    return this.node.canServe(this.options.clock.monotonicMs());
  }

  /** The lease set this replica applied (not linearized; for tests and checkers). */
  appliedLeases(): readonly LeaseRecord[] {
    return this.stateMachine.leases;
  }

  /** The entry at `index` of this node's log (undefined when compacted or beyond the end). */
  entryAt(index: number): Entry | undefined {
    return this.node.entryAt(index);
  }

  /** Stops the node (peers, timer, loop), answers waiters DRIVER_PERMANENT, releases the LOCK. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop(driverFailure('DRIVER_PERMANENT', 'driver closed'));
      await this.loopDone.catch(() => {});
      await this.peersNet?.close();
      await this.storage.close();
    })();
    return this.closing;
  }

  // --- Introspection (tests, metrics, the simulator's checkers) ---------------------------------

  get id(): number {
    return this.options.id;
  }

  /** The lease a quorum-acknowledged round gives this node, on its monotonic clock (ms). */
  get leaseMs(): number {
    return this.node.leaseMs;
  }

  /** The core's status (role, term, commit, applied, log bounds). */
  status(): ReturnType<RaftNode['status']> {
    return this.node.status();
  }

  /** The applied oracle state: high-water and sequence counters. */
  get appliedHighWaterMs(): number {
    return this.stateMachine.highWaterMs;
  }

  appliedSeq(key: string): bigint {
    return this.stateMachine.seq(key);
  }

  get appliedIndex(): number {
    return this.stateMachine.appliedIndex;
  }

  get leadership(): LeaderState {
    return this.leader;
  }

  /** The bound Raft address (the real port when 0 was configured). */
  get raftAddress(): HostPort {
    assert(this.peersNet !== null, 'raft_driver_listening');
    return this.peersNet.address;
  }

  get walBytes(): number {
    return this.storage.walBytes;
  }
}

function configError(message: string): TsoError {
  return new TsoError('INVALID_CONFIG', message);
}
