import { ErrorCode, type Failure } from '../errors.js';
import { type RaftConfig } from './config.js';
import type { Entry, PersistedRaftState, RaftInput, RaftRandom, RaftRole, Ready, SoftState } from './types.js';
export type NotLeaderFailure = Failure<typeof ErrorCode.NOT_LEADER> & {
    readonly leaderId: number | null;
};
export type ProposeResult = {
    readonly ok: true;
    readonly index: number;
    readonly term: number;
} | NotLeaderFailure | Failure<typeof ErrorCode.RESOURCE_EXHAUSTED | typeof ErrorCode.INVALID_ARGUMENT>;
export type ReadIndexResult = {
    readonly ok: true;
} | NotLeaderFailure | Failure<typeof ErrorCode.RESOURCE_EXHAUSTED>;
export type CampaignResult = {
    readonly ok: true;
} | Failure<typeof ErrorCode.UNAVAILABLE>;
export type HandleResult = {
    readonly ok: true;
} | ProposeResult | ReadIndexResult | CampaignResult;
type ProgressState = 'probe' | 'replicate' | 'snapshot';
/** Status for tests, metrics and the interaction harness. */
export interface RaftStatus {
    readonly id: number;
    readonly role: RaftRole;
    readonly term: number;
    readonly vote: number;
    readonly leaderId: number | null;
    readonly commit: number;
    readonly applied: number;
    readonly lastIndex: number;
    readonly snapshotIndex: number;
    readonly leaseUntilMs: number | null;
    readonly progress: ReadonlyArray<{
        readonly id: number;
        readonly match: number;
        readonly next: number;
        readonly state: ProgressState;
    }>;
}
/**
 * Test-only switches that plant known Raft bugs in the real code paths, for the simulator to
 * prove it finds them (sim/oracle planted profiles). Never set in production: the CLI and the
 * embeddable server have no way to turn them on.
 */
export interface RaftFaults {
    /** Commit an entry of an older term by counting its replicas (the Figure 8 bug of §5.4.2). */
    readonly commitOlderTermByCounting?: boolean;
    /** A lease of the whole election timeout minus the margin: no allowance for clock drift. */
    readonly leaseWithoutDriftMargin?: boolean;
}
export declare class RaftNode {
    readonly config: RaftConfig;
    readonly leaseMs: number;
    private readonly faults;
    private readonly random;
    private readonly log;
    private readonly peers;
    private term;
    private vote;
    private leaderId;
    private role;
    private nowMs;
    private stepFn;
    private tickFn;
    private electionDeadlineMs;
    /** When this node last heard from a leader of its term (or restarted); null when never. */
    private lastHeardFromLeaderMs;
    private readonly votes;
    private readonly progress;
    private round;
    private readonly roundStartsMs;
    private heartbeatDeadlineMs;
    /** Start of the newest round a quorum answered (or the election): CheckQuorum measures from it. */
    private quorumAckStartMs;
    private quorumAckRound;
    private leaseUntilMs;
    private noopIndex;
    private pendingReads;
    /** The newest round's heartbeats are still in the outbox (not yet handed to the host). */
    private roundBroadcastPending;
    private readsAwaitingCommit;
    private outbox;
    private readStates;
    private persistedHardState;
    private lastSoftState;
    private outstanding;
    private constructor();
    /** A brand-new node with an empty log. */
    static create(config: RaftConfig, random: RaftRandom, nowMs: number, faults?: RaftFaults): RaftNode;
    /** A node rebuilt from what the host persisted (hard state, snapshot, entries after it). */
    static restore(config: RaftConfig, persisted: PersistedRaftState, random: RaftRandom, nowMs: number, faults?: RaftFaults): RaftNode;
    handle(input: Extract<RaftInput, {
        kind: 'propose';
    }>): ProposeResult;
    handle(input: Extract<RaftInput, {
        kind: 'read-index';
    }>): ReadIndexResult;
    handle(input: Extract<RaftInput, {
        kind: 'campaign';
    }>): CampaignResult;
    handle(input: RaftInput): HandleResult;
    private advanceClock;
    get id(): number;
    /** The latest time this node was told. */
    get clockMs(): number;
    /** The lease rule: leader, checkQuorum on, and a quorum answered a round within the lease. */
    hasLease(nowMs: number): boolean;
    /**
     * May serve timestamps: holds the lease, and has applied its own no-op, so every high-water
     * committed by earlier leaders is in its state machine.
     */
    canServe(nowMs: number): boolean;
    /** When the host must tick next (on this node's clock). */
    deadlineMs(): number;
    status(): RaftStatus;
    /** An entry of the in-memory log (tests and checkers). */
    entryAt(index: number): Entry | undefined;
    softState(): SoftState;
    hasReady(): boolean;
    /** Takes what the host must do now (see the ordering rule on `Ready`). One at a time. */
    ready(): Ready;
    /** The host did everything `ready` asked (persisted, sent, applied). */
    advance(ready: Ready): void;
    private hardState;
    private becomeFollower;
    private becomePreCandidate;
    private becomeCandidate;
    private becomeLeader;
    private resetLeaderState;
    private resetElectionDeadline;
    private tickElection;
    private tickHeartbeat;
    /** Whether a live leader was heard from within the election timeout (or this is the leader). */
    private inLeaderLease;
    private campaignRequested;
    private campaign;
    private startElection;
    /** Tallies a (pre-)vote and moves on when a quorum granted or refused. */
    private recordVote;
    private handleVoteRequest;
    private onMessage;
    private stepFollower;
    private stepCandidate;
    private stepLeader;
    private heardFromLeader;
    private handleAppend;
    private handleHeartbeat;
    private handleSnapshot;
    private progressOf;
    private handleAppendResponse;
    private becomeProbe;
    private becomeReplicate;
    private isPaused;
    /** Sends the follower what it lacks (or, with `sendIfEmpty`, an empty append carrying commit). */
    private sendAppend;
    private sendSnapshot;
    private broadcastAppend;
    private broadcastHeartbeat;
    /** §5.4.2: commit the highest index a quorum holds, only if it is an entry of this term. */
    private maybeCommit;
    private startRound;
    private roundStartMs;
    private ackRound;
    /** Recomputes the newest round a quorum (this leader included) answered, the lease and reads. */
    private updateQuorumAck;
    private releaseConfirmedReads;
    private releaseReadsAwaitingCommit;
    /**
     * Queues a read at the current commit index behind a round of heartbeats (§6.4 steps 2–3).
     * Reads join the newest round while its heartbeats still wait in the outbox: they will leave
     * after the read arrived, which is all the confirmation needs. So reads between two Readies
     * share one round and one broadcast.
     */
    private confirmRead;
    private readIndex;
    private propose;
    private notLeader;
    private send;
    invariants(): void;
}
export {};
