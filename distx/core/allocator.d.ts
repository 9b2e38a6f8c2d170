import { ErrorCode, type Failure, type Result } from './errors.js';
/** A contiguous run of `count` timestamps in one millisecond: logical `[logicalStart, logicalStart + count)`. */
export interface TimestampGrant {
    readonly physicalMs: number;
    readonly logicalStart: number;
    readonly count: number;
    readonly epoch: bigint;
}
export type GrantFailureCode = typeof ErrorCode.INVALID_COUNT | typeof ErrorCode.NOT_LEADER | typeof ErrorCode.PHYSICAL_MS_OUT_OF_RANGE | typeof ErrorCode.WINDOW_EXHAUSTED;
export type GrantResult = Result<TimestampGrant, GrantFailureCode>;
/** `wouldGrant`'s answer: the outcome `grant` would have, without the grant. */
export type GrantCheck = {
    readonly ok: true;
} | Failure<GrantFailureCode>;
export type BecomeLeaderResult = {
    readonly ok: true;
} | Failure<typeof ErrorCode.INVALID_LEADERSHIP_WINDOW>;
/** The high-water to persist next, and the epoch the commit must carry. */
export interface PreparedExtension {
    readonly targetMs: number;
    readonly epoch: bigint;
}
export type PrepareExtensionResult = Result<PreparedExtension, typeof ErrorCode.NOT_LEADER | typeof ErrorCode.WINDOW_EXTENSION_OVERFLOW>;
export type CommitOutcome = {
    readonly applied: true;
    readonly highWaterMs: number;
} | {
    readonly applied: false;
    readonly reason: typeof ErrorCode.COMMIT_IGNORED_NOT_LEADER;
} | {
    readonly applied: false;
    readonly reason: typeof ErrorCode.COMMIT_IGNORED_EPOCH_MISMATCH;
    readonly expectedEpoch: bigint;
    readonly currentEpoch: bigint;
} | {
    readonly applied: false;
    readonly reason: typeof ErrorCode.COMMIT_IGNORED_NOT_ADVANCED;
    readonly persistedMs: number;
    readonly committedHighWaterMs: number;
};
/** A read-only copy of the allocator's state (for tests, traces and metrics; not the hot path). */
export type AllocatorView = {
    readonly kind: 'not-leader';
} | {
    readonly kind: 'leader';
    readonly epoch: bigint;
    readonly committedHighWaterMs: number;
    readonly nextPhysicalMs: number;
    readonly nextLogical: number;
    readonly fenceFloorMs: number;
};
export declare class WindowAllocator {
    private leaderEpoch;
    private highWaterMs;
    private nextPhysicalMs;
    private nextLogical;
    private fenceFloorMs;
    private projectedPhysicalMs;
    private projectedLogical;
    get isLeader(): boolean;
    /** The epoch of the current leadership, or null when not leader. */
    get epoch(): bigint | null;
    /** The committed high-water H (physical ms), or null when not leader. */
    get committedHighWaterMs(): number | null;
    /**
     * Seeds a leadership: the cursor starts at `(floorMs, 0)` and H = `ceilingMs`, which the caller
     * has already persisted. Replaces any previous leadership state.
     */
    becomeLeader(floorMs: number, ceilingMs: number, epoch: bigint): BecomeLeaderResult;
    /** Leaves leadership: every later grant, prepare and commit is refused or ignored. */
    stepDown(): void;
    /**
     * Hands out `count` contiguous timestamps in one millisecond, all greater than every timestamp
     * granted before in this leadership. Mutates the state only on success.
     */
    grant(nowMs: number, count: number): GrantResult;
    /** What `grant(nowMs, count)` would answer, without changing anything. */
    wouldGrant(nowMs: number, count: number): GrantCheck;
    /**
     * The high-water to persist for the next window: `max(H + 1, nowMs) + aheadMs`. The `+ 1`
     * guarantees progress when the clock is behind H. Changes nothing.
     */
    prepareExtension(nowMs: number, aheadMs: number): PrepareExtensionResult;
    /**
     * Applies a durable high-water returned by the driver. Ignored (with the reason) when not
     * leader, when the epoch it was prepared under is not the current one (checked first), or
     * when it does not advance H — an ignored commit never moves H backwards.
     */
    commitExtension(persistedMs: number, expectedEpoch: bigint): CommitOutcome;
    view(): AllocatorView;
    /** Asserts the state's invariants (see the file comment). */
    invariants(): void;
    /**
     * The grant projection shared by `grant` and `wouldGrant`. On success it leaves the grant's
     * start in `projectedPhysicalMs` / `projectedLogical` and returns null; otherwise the failure.
     */
    private project;
}
