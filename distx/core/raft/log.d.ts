import type { Entry, PersistedRaftState, Snapshot } from './types.js';
export interface ConflictHint {
    readonly conflictTerm: number;
    readonly conflictIndex: number;
}
export declare class RaftLog {
    private snapshotIndexValue;
    private snapshotTermValue;
    private entries;
    /** Highest index known committed. */
    committed: number;
    /** Highest index handed to the host to apply (in a Ready not yet advanced, or applied). */
    applying: number;
    /** Highest index the host applied (acknowledged by `advance`). */
    applied: number;
    /** Highest index known durable on this node. */
    stableUpTo: number;
    /** A snapshot received from a leader that the host must persist and install. */
    pendingSnapshot: Snapshot | null;
    /** The newest snapshot this node has (taken locally or installed); sent to lagging followers. */
    latestSnapshot: Snapshot | null;
    constructor(persisted: PersistedRaftState);
    get snapshotIndex(): number;
    get snapshotTerm(): number;
    firstIndex(): number;
    lastIndex(): number;
    lastTerm(): number;
    /** Entries held in memory (after the snapshot). */
    get length(): number;
    /** The term of `index`, or undefined when it is compacted away or past the end. */
    term(index: number): number | undefined;
    entry(index: number): Entry | undefined;
    matchTerm(index: number, term: number): boolean;
    /** §5.4.1: a candidate's log is at least as up to date as ours. */
    isUpToDate(lastLogIndex: number, lastLogTerm: number): boolean;
    /** Entries [from, …] up to `countMax` of them and about `bytesMax` data bytes (at least one). */
    slice(from: number, countMax: number, bytesMax: number): Entry[];
    /** Leader: appends its own new entry. */
    appendOwn(entry: Entry): void;
    /**
     * Follower (§5.3): when our log holds (prevIndex, prevTerm), adds `entries`, replacing the first
     * conflicting entry and everything after it, and commits up to min(commit, last new index).
     * Returns the last new index, or null when the logs do not match at prevIndex.
     */
    maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | null;
    commitTo(index: number): void;
    /** The follower's fast-backtracking hint for a rejected prevIndex (dissertation §3.5). */
    conflictHint(prevIndex: number): ConflictHint;
    /**
     * The leader's next index for a follower that rejected `rejectedIndex` with a hint: one past our
     * last entry of conflictTerm when we have that term, else the follower's conflictIndex. Whole
     * terms are skipped in one round trip.
     */
    nextAfterReject(rejectedIndex: number, hint: ConflictHint): number;
    /** Committed entries not yet handed to the host, at most RAFT_COMMITTED_ENTRIES_PER_READY_MAX. */
    hasNextCommitted(): boolean;
    takeNextCommitted(): Entry[];
    unstableEntries(): Entry[];
    /** The host made entries up to (index, term) durable; ignored when they were replaced since. */
    stableTo(index: number, term: number): void;
    /**
     * Installs a snapshot from the leader (§7): the whole log is replaced by it, because the
     * snapshot is committed state and the entries we hold past a point we could not match are
     * not known to agree with it.
     */
    restore(snapshot: Snapshot): void;
    /** The application snapshotted its state at `index` (applied, durable): drop the prefix. */
    compact(index: number, data: Uint8Array): void;
    invariants(): void;
}
