// The paxos driver: the consensus driver (drivers/driver.ts) of a Multi-Paxos cluster. It is the
// host of the pure Paxos core (core/paxos) and of the replicated oracle state (core/oracle, the
// same state machine the raft driver replicates), bound to the ports only (Disk, Transport,
// Clock, an injected random), so the simulator runs it unchanged. Its shape is the raft
// driver's (drivers/raft/raft-driver.ts); docs/paxos.md §4 lists where they differ.
//
// The host loop (the PaxosReady contract), serialized: one Ready in flight at a time. After every
// input (a tick at `deadlineMs()` from ONE clock timer, a peer message, a proposal, a read
// barrier) the loop takes `ready()` and
//   1. persists the snapshot (when present), then the truncation, entries and acceptor state:
//      one log append and one fsync for the whole Ready (storage.ts);
//   2. then sends the messages;
//   3. then installs the snapshot, applies the decided entries to the OracleStateMachine,
//      answers the proposals and reads they complete;
//   4. then calls `advance`, publishes leadership changes and compacts the log when due.
// Sequence advances (getSeq and getSeqBatch) queue up and are proposed as few AdvanceSeq entries
// per loop turn as the command cap allows (drivers/replicated/seq-group-commit.ts, shared with raft).
//
// Contracts kept (drivers/driver.ts):
//   - Leadership: `leader` with epoch = epochOfBallot(ballot) (strictly increasing with each new
//     leader) only once this leader applied the whole log it adopted at election (so the fence's
//     linearized load sees every earlier high-water); `follower` with the leader's endpoint and
//     epoch; `unknown` otherwise.
//   - A proposal took effect exactly when the entry decided at its index carries its ballot (a
//     ballot's leader proposes one entry per index); another entry there answers
//     DRIVER_NOT_LEADER (it never took effect). When the outcome cannot be known (a snapshot
//     covers the index, or no answer within PAXOS_DRIVER_CALL_ELECTION_TIMEOUTS election
//     timeouts) the answer is DRIVER_TRANSIENT, never NOT_LEADER.
//   - Reads (`loadHighWater`, `loadSeq`) go through the core's read index, then wait for the
//     apply to reach it.
//   - `hasLease()` is the core's `canServe` on the MONOTONIC clock.
//   - A storage failure while persisting a Ready is fatal: the driver stops, answers every
//     waiter DRIVER_PERMANENT and reports `fatal`; a restart recovers from what is on disk.
import { assert, unreachable } from '../../core/assert.js';
import { TsoError } from '../../core/errors.js';
import { SeqLedger, seqBatchProblem, type SeqAdvanceRequest, type SeqBatchRequest, type SeqLedgerRequest, type SeqLedgerResult } from '../../core/ledger.js';
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { OracleStateMachine, prepareOracleCommand, type LeaseRecord, type OracleApplyResult } from '../../core/oracle/index.js';
import {
  ballotEquals,
  decodePaxosMessage,
  encodePaxosMessage,
  epochOfBallot,
  makePaxosConfig,
  PaxosNode,
  type AcceptorState,
  type Ballot,
  type PaxosConfig,
  type PaxosEntry,
  type PaxosFaults,
  type PaxosLogRecord,
  type PaxosMessage,
  type PaxosNotLeaderFailure,
  type PaxosReady,
  type PaxosRole,
  type PaxosSoftState,
} from '../../core/paxos/index.js';
import type { Entry } from '../../core/raft/index.js';
import { driverFailure, type ClientMember, type ClientMembers, type ConsensusDriver, type DriverFailure, type DriverResult, type LeaderState, type SeqBatchGrants, type SeqBlockResult } from '../driver.js';
import type { Clock, Disk, HostPort, TimerHandle, Transport } from '../ports.js';
import { canonicalCluster, clusterIdOf } from '../raft/meta.js';
import { PeerNetwork, type PeerEvent } from '../raft/peers.js';
import { PAXOS_DRIVER_CALL_ELECTION_TIMEOUTS, PAXOS_LOG_COMPACT_BYTES, PAXOS_PROPOSALS_PENDING_MAX, PAXOS_READS_PENDING_MAX, PAXOS_SNAPSHOT_ENTRIES_DEFAULT } from './limits.js';
import { peerTimingsForElectionTimeout } from '../raft/limits.js';
import { SeqGroupCommitQueue, seqBatchAnswer, seqBlockAnswer, settle, type SeqWaiter, type Settle, type Waiter } from '../replicated/seq-group-commit.js';
import { PaxosStorage, type PaxosStorageEvent } from './storage.js';

/** One voter of the cluster: where its peers reach it, and where its clients do. */
export interface PaxosPeer {
  /** The peer-protocol address (the raft driver's field name, so a peer list serves both). */
  readonly raftAddress: HostPort;
  /** The client-protocol endpoint `host:port` advertised in leader hints. */
  readonly serviceEndpoint: string;
}

export type PaxosTuning = Partial<Omit<PaxosConfig, 'id' | 'voters'>>;

export interface PaxosDriverOptions {
  readonly disk: Disk;
  /** Peer transport; the client protocol has its own. */
  readonly transport: Transport;
  readonly clock: Clock;
  /** Uniform in [0, 1): election timeouts and reconnect jitter. */
  readonly random: () => number;
  /** The node's data directory; the driver keeps its files in `dataDir/paxos/`. */
  readonly dataDir: string;
  readonly id: number;
  /** Every voter, this node included. Static for the life of the cluster. */
  readonly peers: ReadonlyMap<number, PaxosPeer>;
  readonly config?: PaxosTuning;
  /** Applied entries between two snapshots (default PAXOS_SNAPSHOT_ENTRIES_DEFAULT). */
  readonly snapshotEntries?: number;
  readonly onEvent?: (event: PaxosDriverEvent) => void;
  /**
   * Observer of the peer messages each Ready sends, in the order the core made them, called once
   * they left (after the Ready's writes were durable); it must not act on the driver. The
   * simulator's promise-keeping checker reads the Accepted an acceptor sends through it.
   */
  readonly onSent?: (messages: readonly PaxosMessage[]) => void;
  /** Test-only planted bugs (the core's, core/paxos/node.ts); never set in production. */
  readonly faults?: PaxosFaults;
}

export type PaxosDriverEvent =
  | PaxosStorageEvent
  | PeerEvent
  | { readonly kind: 'started'; readonly promised: Ballot; readonly decided: number; readonly lastIndex: number; readonly snapshotIndex: number }
  | { readonly kind: 'role'; readonly role: PaxosRole; readonly ballot: Ballot; readonly leaderId: number | null }
  | { readonly kind: 'leadership'; readonly state: LeaderState }
  | { readonly kind: 'snapshot-saved'; readonly index: number; readonly walBytes: number }
  | { readonly kind: 'snapshot-installed'; readonly index: number }
  /** A snapshot this node took was overtaken by a leader's snapshot (AcceptSync) while it was written; not compacted to. */
  | { readonly kind: 'snapshot-superseded'; readonly index: number }
  /** Entries applied to the state machine, in index order (the simulator's single-decision checker). */
  | { readonly kind: 'applied'; readonly entries: readonly PaxosEntry[] }
  | { readonly kind: 'fatal'; readonly error: unknown };

type Proposal =
  | { readonly kind: 'high-water'; readonly ballot: Ballot; readonly waiter: Waiter<{ readonly highWaterMs: number }> }
  | { readonly kind: 'seq'; readonly ballot: Ballot; readonly waiters: readonly SeqWaiter[] }
  | { readonly kind: 'leases'; readonly ballot: Ballot; readonly waiter: Waiter<Record<never, never>> };

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

/** The oracle state machine applies Raft-shaped entries; a Paxos entry maps onto one (term = ballot n). */
function oracleEntry(e: PaxosEntry): Entry {
  return { term: e.ballot.n, index: e.index, kind: e.kind, data: e.data };
}

export class PaxosDriver implements ConsensusDriver {
  private readonly node: PaxosNode;
  private readonly stateMachine: OracleStateMachine;
  private peersNet: PeerNetwork<PaxosMessage> | null = null;
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
  private softState: PaxosSoftState;
  private leader: LeaderState = { kind: 'unknown' };
  private readonly listeners = new Set<(state: LeaderState) => void>();

  /** The acceptor state last made durable (a log rewrite starts with it). */
  private persistedAcceptor: AcceptorState;
  /** Entries durable in the log after `walBaseIndex`, in index order (a rewrite keeps them). */
  private walEntries: PaxosEntry[];
  private walBaseIndex: number;
  /** Index of the newest snapshot (taken here or installed). */
  private snapshotIndex: number;

  private constructor(
    private readonly options: PaxosDriverOptions,
    private readonly config: PaxosConfig,
    private readonly storage: PaxosStorage,
    node: PaxosNode,
    stateMachine: OracleStateMachine,
    persisted: { acceptor: AcceptorState; entries: readonly PaxosEntry[]; snapshotIndex: number },
  ) {
    this.node = node;
    this.stateMachine = stateMachine;
    this.callTimeoutMs = config.electionTimeoutMs * PAXOS_DRIVER_CALL_ELECTION_TIMEOUTS;
    this.snapshotEntries = options.snapshotEntries ?? PAXOS_SNAPSHOT_ENTRIES_DEFAULT;
    assert(Number.isSafeInteger(this.snapshotEntries) && this.snapshotEntries >= 1, 'snapshot_entries_positive');
    this.softState = node.softState();
    this.persistedAcceptor = persisted.acceptor;
    this.walEntries = [...persisted.entries];
    this.walBaseIndex = persisted.snapshotIndex;
    this.snapshotIndex = persisted.snapshotIndex;
  }

  /**
   * Opens the node's storage (refusing a directory of another node or cluster, or a corrupt one),
   * rebuilds the Paxos node and the state machine from it, listens for peers and starts the loop.
   */
  static async open(options: PaxosDriverOptions): Promise<PaxosDriver> {
    const self = options.peers.get(options.id);
    if (self === undefined) throw configError(`node id ${options.id} is not in the peer list (${[...options.peers.keys()].join(', ')})`);
    const made = makePaxosConfig({ ...(options.config ?? {}), id: options.id, voters: [...options.peers.keys()] });
    if (!made.ok) throw configError(made.message ?? made.code);
    const config = made.config;
    const raftAddresses = new Map([...options.peers].map(([id, p]) => [id, p.raftAddress] as const));
    // A paxos cluster is named apart from a raft one on the same addresses: their hellos differ.
    const cluster = `paxos:${canonicalCluster(raftAddresses)}`;
    const onEvent = options.onEvent;
    const { storage, recovered } = await PaxosStorage.open({
      disk: options.disk,
      dataDir: options.dataDir,
      meta: { nodeId: options.id, cluster },
      ...(onEvent !== undefined ? { onEvent } : {}),
    });
    let driver: PaxosDriver;
    try {
      const { persisted } = recovered;
      const snapshot = persisted.snapshot;
      const stateMachine = snapshot === undefined ? new OracleStateMachine() : PaxosDriver.stateFromSnapshot(snapshot.data, snapshot.lastIncludedIndex, storage.dir);
      const nowMs = options.clock.monotonicMs();
      const faults: PaxosFaults = options.faults ?? {};
      const node = recovered.fresh ? PaxosNode.create(config, options.random, nowMs, faults) : PaxosNode.restore(config, persisted, options.random, nowMs, faults);
      driver = new PaxosDriver(options, config, storage, node, stateMachine, {
        acceptor: persisted.acceptor,
        entries: persisted.entries,
        snapshotIndex: snapshot?.lastIncludedIndex ?? 0,
      });
      const status = node.status();
      onEvent?.({ kind: 'started', promised: status.promised, decided: status.decided, lastIndex: status.lastIndex, snapshotIndex: status.snapshotIndex });
      const peerAddresses = new Map([...raftAddresses].filter(([id]) => id !== options.id));
      driver.peersNet = await PeerNetwork.start<PaxosMessage>({
        codec: { encode: encodePaxosMessage, decode: decodePaxosMessage },
        transport: options.transport,
        clock: options.clock,
        random: options.random,
        selfId: options.id,
        clusterId: clusterIdOf(cluster),
        listen: self.raftAddress,
        peers: peerAddresses,
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

  private onPeerMessage(message: PaxosMessage): void {
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
        for (const message of ready.messages) this.peersNet?.send(message);
        if (ready.messages.length > 0) this.options.onSent?.(ready.messages);
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

  private async persist(ready: PaxosReady): Promise<void> {
    const records: PaxosLogRecord[] = [];
    const snapshot = ready.snapshot;
    if (snapshot !== undefined) {
      await this.storage.saveSnapshot(snapshot);
      records.push({ kind: 'snapshot', lastIncludedIndex: snapshot.lastIncludedIndex });
    }
    if (ready.truncateAfter !== undefined) records.push({ kind: 'truncate', index: ready.truncateAfter });
    for (const entry of ready.entries) records.push({ kind: 'entry', entry });
    // The acceptor state after the entries: its accepted round claims them, so a torn append
    // that kept the state would claim entries it lost; a torn append keeps a prefix.
    if (ready.acceptor !== undefined) records.push({ kind: 'acceptor', acceptor: ready.acceptor });
    await this.storage.appendRecords(records);
    if (snapshot !== undefined) {
      this.walEntries = [];
      this.walBaseIndex = snapshot.lastIncludedIndex;
    }
    if (ready.truncateAfter !== undefined && ready.truncateAfter >= this.walBaseIndex) {
      this.walEntries.length = Math.min(this.walEntries.length, ready.truncateAfter - this.walBaseIndex);
    }
    if (ready.acceptor !== undefined) this.persistedAcceptor = ready.acceptor;
    for (const entry of ready.entries) {
      const keep = entry.index - this.walBaseIndex - 1;
      assert(keep >= 0 && keep <= this.walEntries.length, 'wal_entries_consecutive', () => `${entry.index} after ${this.walBaseIndex}+${this.walEntries.length}`);
      this.walEntries.length = keep;
      this.walEntries.push(entry);
    }
  }

  private apply(ready: PaxosReady): void {
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
          this.failProposal(proposal, driverFailure('DRIVER_TRANSIENT', `a snapshot from the leader covers proposed entry ${index}; its outcome is unknown`));
        }
      }
      this.options.onEvent?.({ kind: 'snapshot-installed', index: snapshot.lastIncludedIndex });
    }
    for (const entry of ready.decided) {
      const result = this.stateMachine.apply(oracleEntry(entry));
      const proposal = this.proposals.get(entry.index);
      if (proposal === undefined) continue;
      this.proposals.delete(entry.index);
      if (!ballotEquals(proposal.ballot, entry.ballot)) {
        this.failProposal(proposal, this.notLeader(ready.softState.leaderId, ready.softState.ballot, 'another entry was decided in place of the proposal'));
        continue;
      }
      this.answerProposal(proposal, result);
    }
    if (ready.decided.length > 0) this.options.onEvent?.({ kind: 'applied', entries: ready.decided });
    for (const readState of ready.readStates) {
      const read = this.reads.get(readState.context);
      if (read !== undefined) read.index = readState.index;
    }
    this.releaseReads();
  }

  private answerProposal(proposal: Proposal, result: OracleApplyResult): void {
    switch (proposal.kind) {
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
        settle(proposal.waiter, result.installed ? { ok: true } : driverFailure('DRIVER_FENCED', 'the lease set was projected under another ballot'));
        return;
      default:
        unreachable(proposal);
    }
  }

  private failProposal(proposal: Proposal, failure: DriverFailure): void {
    if (proposal.kind === 'high-water' || proposal.kind === 'leases') settle(proposal.waiter, failure);
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

  private afterAdvance(ready: PaxosReady): void {
    const previous = this.softState;
    const next = ready.softState;
    this.softState = next;
    if (previous.role !== next.role || !ballotEquals(previous.ballot, next.ballot) || previous.leaderId !== next.leaderId) {
      this.options.onEvent?.({ kind: 'role', role: next.role, ballot: next.ballot, leaderId: next.leaderId });
    }
    if (previous.role === 'leader' && (next.role !== 'leader' || !ballotEquals(next.ballot, previous.ballot))) {
      // Stepped down. The core dropped its pending reads, and queued sequence requests were never
      // proposed: both are refused (nothing happened). Proposals stay: their entries may still
      // commit under the next leader, and only the entry applied at their index says whether they
      // took effect (or the call's deadline says the outcome is unknown).
      const failure = this.notLeader(next.leaderId, next.ballot, 'this node stopped leading');
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
      // Announced once the log adopted at election is applied: every earlier high-water is in.
      const status = this.node.status();
      const announce = status.role === 'leader' && ballotEquals(status.ballot, s.ballot) && this.stateMachine.appliedIndex >= status.leaderStartIndex;
      state = announce ? { kind: 'leader', epoch: epochOfBallot(s.ballot) } : { kind: 'unknown' };
    } else if (s.role === 'follower' && s.leaderId !== null && s.leaderId !== this.options.id && s.ballot.nodeId === s.leaderId) {
      state = { kind: 'follower', leaderEndpoint: this.endpointOf(s.leaderId), leaderEpoch: epochOfBallot(s.ballot) };
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
    if (applied - this.snapshotIndex < this.snapshotEntries && this.storage.logBytes < PAXOS_LOG_COMPACT_BYTES) return;
    const entry = this.walEntries[applied - this.walBaseIndex - 1];
    assert(entry !== undefined && entry.index === applied, 'applied_entry_durable', () => `${applied}`);
    const data = this.stateMachine.snapshot();
    await this.storage.saveSnapshot({ lastIncludedIndex: applied, data });
    if (this.stopped) return;
    // While the snapshot was written a leader's snapshot (an AcceptSync carrying one) may have
    // arrived: the core took it at once (its log now starts past `applied`) and the next Ready
    // persists it over this file. This snapshot is superseded; the log is not compacted to it
    // (the raft driver's simulator found the same race, its 3-node seed 269).
    if (this.node.status().snapshotIndex >= applied) {
      this.options.onEvent?.({ kind: 'snapshot-superseded', index: applied });
      return;
    }
    this.node.handle({ kind: 'snapshot-taken', index: applied, data });
    this.snapshotIndex = applied;
    this.walEntries = this.walEntries.slice(applied - this.walBaseIndex);
    this.walBaseIndex = applied;
    const records: PaxosLogRecord[] = [];
    for (const e of this.walEntries) records.push({ kind: 'entry', entry: e });
    records.push({ kind: 'acceptor', acceptor: this.persistedAcceptor });
    await this.storage.rewriteLog(records);
    this.options.onEvent?.({ kind: 'snapshot-saved', index: applied, walBytes: this.storage.logBytes });
  }

  private flushSeqQueue(): void {
    this.seqQueue.drain(
      (command) => this.proposeBytes(command),
      (proposed, waiters) => this.proposals.set(proposed.index, { kind: 'seq', ballot: proposed.ballot, waiters }),
    );
  }

  /** Proposes an encoded command; maps the core's refusals to driver failures. */
  private proposeBytes(command: Uint8Array): { readonly ok: true; readonly index: number; readonly ballot: Ballot } | DriverFailure {
    if (this.proposals.size >= PAXOS_PROPOSALS_PENDING_MAX) return driverFailure('DRIVER_TRANSIENT', 'too many proposals waiting to commit');
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
    this.stop(driverFailure('DRIVER_PERMANENT', `paxos driver stopped: ${error instanceof Error ? error.message : String(error)}`));
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

  /** The members op (ConsensusDriver.clientMembers): the configured voters, with client endpoints. */
  clientMembers(): ClientMembers {
    const members: ClientMember[] = [];
    for (const [id, peer] of [...this.options.peers].sort((a, b) => a[0] - b[0])) members.push({ id, role: 'voter', endpoint: peer.serviceEndpoint });
    const s = this.softState;
    const leaderEndpoint = s.role === 'leader' ? this.endpointOf(this.options.id) : this.leader.kind === 'follower' ? this.leader.leaderEndpoint : null;
    return { members, leaderEndpoint };
  }

  private endpointOf(id: number): string | null {
    return this.options.peers.get(id)?.serviceEndpoint ?? null;
  }

  private notLeader(leaderId: number | null, ballot: Ballot, message: string): DriverFailure {
    const leaderEndpoint = leaderId === null || leaderId === this.options.id ? null : this.endpointOf(leaderId);
    const epoch = leaderEndpoint !== null && ballot.nodeId === leaderId ? epochOfBallot(ballot) : null;
    return driverFailure('DRIVER_NOT_LEADER', message, { leaderEndpoint, leaderEpoch: epoch });
  }

  private notLeaderFrom(r: PaxosNotLeaderFailure): DriverFailure {
    return this.notLeader(r.leaderId, this.node.status().promised, 'not the leader');
  }

  /** The answer for a call that needs this node to lead at `epoch` (or any epoch), or null. */
  private leaderGate(epoch: bigint | null): DriverFailure | null {
    if (this.stopped) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    const s = this.softState;
    if (this.leader.kind !== 'leader') {
      if (s.role === 'leader') return driverFailure('DRIVER_TRANSIENT', 'leader not ready: its adopted log is not applied yet');
      return this.notLeader(s.leaderId, s.ballot, 'not the leader');
    }
    if (epoch !== null && epoch !== this.leader.epoch) {
      return driverFailure('DRIVER_FENCED', `epoch ${epoch} is not the current ballot's ${this.leader.epoch}`, {
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
      this.proposals.set(proposed.index, { kind: 'high-water', ballot: proposed.ballot, waiter });
      this.kick();
      this.armTimer();
    });
  }

  /** The lease set this replica applied (not linearized; for tests and checkers). */
  appliedLeases(): readonly LeaseRecord[] {
    return this.stateMachine.leases;
  }

  persistLeases(leases: readonly LeaseRecord[], epoch: bigint): Promise<DriverResult<Record<never, never>>> {
    const gate = this.leaderGate(epoch);
    if (gate !== null) return Promise.resolve(gate);
    // The state machine sees a Paxos entry's term as its ballot number (oracleEntry), and the
    // epoch is `ballot.n << 16 | nodeId`.
    const prepared = prepareOracleCommand({ kind: 'set-leases', expectedTerm: epoch >> 16n, leases });
    if (!prepared.ok) return Promise.resolve(driverFailure('DRIVER_PERMANENT', prepared.message ?? prepared.code));
    const proposed = this.proposeBytes(prepared.bytes);
    if (!proposed.ok) return Promise.resolve(proposed);
    return new Promise((resolve) => {
      const waiter = this.newWaiter<Record<never, never>>('persistLeases', resolve);
      this.proposals.set(proposed.index, { kind: 'leases', ballot: proposed.ballot, waiter });
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
    if (this.seqQueue.full) return Promise.resolve(driverFailure('DRIVER_TRANSIENT', 'too many sequence requests waiting to commit'));
    return new Promise((resolve) => {
      this.seqQueue.push(request, entries, this.newWaiter<T>(what, resolve), answer);
      this.kick();
    });
  }

  /** A linearized barrier: resolves once this node, still leading, applied every earlier commit. */
  private readBarrier(what: string): Promise<DriverFailure | null> {
    const gate = this.leaderGate(null);
    if (gate !== null) return Promise.resolve(gate);
    if (this.reads.size >= PAXOS_READS_PENDING_MAX) return Promise.resolve(driverFailure('DRIVER_TRANSIENT', 'too many reads waiting'));
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
    return this.node.canServe(this.options.clock.monotonicMs());
  }

  /** The entry at `index` of this node's log (undefined when compacted or beyond the end). */
  entryAt(index: number): PaxosEntry | undefined {
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

  /** The promise of the acceptor state last made durable (what a restart recovers at least). */
  get durablePromised(): Ballot {
    return this.persistedAcceptor.promised;
  }

  /** The core's status (role, ballots, decided, applied, log bounds). */
  status(): ReturnType<PaxosNode['status']> {
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

  /** The bound peer address (the real port when 0 was configured). */
  get peerAddress(): HostPort {
    assert(this.peersNet !== null, 'paxos_driver_listening');
    return this.peersNet.address;
  }

  get logBytes(): number {
    return this.storage.logBytes;
  }
}

function configError(message: string): TsoError {
  return new TsoError('INVALID_CONFIG', message);
}
