import { type SeqAdvanceRequest } from '../../core/ledger.js';
import { RaftNode, type Entry, type RaftConfig, type RaftFaults, type RaftRole } from '../../core/raft/index.js';
import { type ConsensusDriver, type DriverResult, type LeaderState, type SeqBlockResult } from '../driver.js';
import type { Clock, Disk, HostPort, Transport } from '../ports.js';
import { type PeerEvent } from './peers.js';
import { type RaftStorageEvent } from './storage.js';
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
    /** Every voter, this node included. Static for the life of the cluster. */
    readonly peers: ReadonlyMap<number, RaftPeer>;
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
export type RaftDriverEvent = RaftStorageEvent | PeerEvent | {
    readonly kind: 'started';
    readonly term: number;
    readonly commit: number;
    readonly lastIndex: number;
    readonly snapshotIndex: number;
} | {
    readonly kind: 'role';
    readonly role: RaftRole;
    readonly term: number;
    readonly leaderId: number | null;
} | {
    readonly kind: 'leadership';
    readonly state: LeaderState;
} | {
    readonly kind: 'snapshot-saved';
    readonly index: number;
    readonly walBytes: number;
} | {
    readonly kind: 'snapshot-installed';
    readonly index: number;
}
/** Entries applied to the state machine, in index order (the simulator's state-machine-safety checker). */
 | {
    readonly kind: 'applied';
    readonly entries: readonly Entry[];
} | {
    readonly kind: 'fatal';
    readonly error: unknown;
};
export declare class RaftDriver implements ConsensusDriver {
    private readonly options;
    private readonly config;
    private readonly storage;
    private readonly node;
    private readonly stateMachine;
    private peersNet;
    private readonly callTimeoutMs;
    private readonly snapshotEntries;
    private timer;
    private timerDeadlineMs;
    private looping;
    private loopDone;
    private stopped;
    private closing;
    private readonly proposals;
    private seqQueue;
    private readonly reads;
    private nextReadContext;
    /** The soft state of the last Ready handled (what leadership events are derived from). */
    private softState;
    /** Term whose leader no-op this node applied while leading it. */
    private noopAppliedTerm;
    private leader;
    private readonly listeners;
    /** The hard state last made durable (a WAL rewrite starts with it). */
    private persistedHardState;
    /** Entries durable in the WAL after `walBaseIndex`, in index order (a rewrite keeps them). */
    private walEntries;
    private walBaseIndex;
    /** Index of the newest snapshot (taken here or installed). */
    private snapshotIndex;
    private constructor();
    /**
     * Opens the node's storage (refusing a directory of another node or cluster, or a corrupt one),
     * rebuilds the Raft node and the state machine from it, listens for peers and starts the loop.
     */
    static open(options: RaftDriverOptions): Promise<RaftDriver>;
    private static stateFromSnapshot;
    private onPeerMessage;
    private onTimer;
    /** Keeps ONE timer armed no later than the core's deadline (a later deadline re-arms on firing). */
    private armTimer;
    private kick;
    private runLoop;
    private persist;
    private apply;
    private answerProposal;
    private failProposal;
    private releaseReads;
    private afterAdvance;
    private publishLeadership;
    private maybeCompact;
    private flushSeqQueue;
    /** Proposes an encoded command; maps the core's refusals to driver failures. */
    private proposeBytes;
    private fatal;
    /** Stops the loop, the timer and the peers; answers every waiter with `failure`. */
    private stop;
    private endpointOf;
    private notLeader;
    private notLeaderFrom;
    /** The answer for a call that needs this node to lead at `epoch` (or any epoch), or null. */
    private leaderGate;
    private newWaiter;
    subscribeLeadership(listener: (state: LeaderState) => void): () => void;
    persistHighWater(atLeastMs: number, epoch: bigint): Promise<DriverResult<{
        readonly highWaterMs: number;
    }>>;
    advanceSeq(request: SeqAdvanceRequest, epoch: bigint): Promise<DriverResult<SeqBlockResult>>;
    /** A linearized barrier: resolves once this node, still leading, applied every earlier commit. */
    private readBarrier;
    loadHighWater(): Promise<DriverResult<{
        readonly highWaterMs: number;
    }>>;
    loadSeq(key: string): Promise<DriverResult<{
        readonly next: bigint;
    }>>;
    hasLease(): boolean;
    /** The entry at `index` of this node's log (undefined when compacted or beyond the end). */
    entryAt(index: number): Entry | undefined;
    /** Stops the node (peers, timer, loop), answers waiters DRIVER_PERMANENT, releases the LOCK. */
    close(): Promise<void>;
    get id(): number;
    /** The lease a quorum-acknowledged round gives this node, on its monotonic clock (ms). */
    get leaseMs(): number;
    /** The core's status (role, term, commit, applied, log bounds). */
    status(): ReturnType<RaftNode['status']>;
    /** The applied oracle state: high-water and sequence counters. */
    get appliedHighWaterMs(): number;
    appliedSeq(key: string): bigint;
    get appliedIndex(): number;
    get leadership(): LeaderState;
    /** The bound Raft address (the real port when 0 was configured). */
    get raftAddress(): HostPort;
    get walBytes(): number;
}
