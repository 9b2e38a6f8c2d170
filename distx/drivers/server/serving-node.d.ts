import { type SeqAdvanceRequest } from '../../core/ledger.js';
import type { ConsensusDriver, LeaderState } from '../driver.js';
import { type Clock } from '../ports.js';
import { type ServerMetrics } from './metrics.js';
export type WireErrorCode = 'INVALID_ARGUMENT' | 'NOT_LEADER' | 'UNAVAILABLE' | 'RESOURCE_EXHAUSTED' | 'INTERNAL' | 'SEQ_SESSION_EXPIRED';
export interface WireFailure {
    readonly ok: false;
    readonly code: WireErrorCode;
    readonly message: string;
    readonly leaderEndpoint?: string;
    readonly leaderEpoch?: bigint;
}
export type TsAnswer = {
    readonly ok: true;
    readonly physicalMs: number;
    readonly logicalStart: number;
    readonly count: number;
    readonly epoch: bigint;
} | WireFailure;
export type SeqAnswer = {
    readonly ok: true;
    readonly start: bigint;
    readonly count: number;
    readonly epoch: bigint;
} | WireFailure;
/** Test-only switches that plant known bugs in the real code path (for the simulator's proofs). */
export interface ServingNodeFaults {
    /** Planted bug: commit an extension to the allocator before the driver made it durable. */
    serveBeforePersist?: boolean;
    /** Planted bug: fence at `prior` instead of `prior + 1`. */
    fenceAtPrior?: boolean;
}
export interface ServingNodeOptions {
    readonly driver: ConsensusDriver;
    readonly clock: Clock;
    readonly windowAheadMs?: number;
    readonly failoverAdvanceMs?: number;
    readonly metrics?: ServerMetrics;
    readonly faults?: ServingNodeFaults;
    /** Called on every state change (for logs and traces). */
    readonly onEvent?: (event: ServingEvent) => void;
}
export type ServingEvent = {
    readonly kind: 'leadership';
    readonly state: LeaderState;
} | {
    readonly kind: 'serving';
    readonly epoch: bigint;
    readonly floorMs: number;
    readonly highWaterMs: number;
} | {
    readonly kind: 'extended';
    readonly epoch: bigint;
    readonly highWaterMs: number;
} | {
    readonly kind: 'fence-retry';
    readonly epoch: bigint;
    readonly code: string;
} | {
    readonly kind: 'poisoned';
    readonly reason: string;
};
export declare class ServingNode {
    private readonly options;
    private readonly allocator;
    private state;
    /** Bumped on every leadership event; a step that finds it changed drops its result. */
    private generation;
    private extension;
    private fence;
    private unsubscribe;
    private readonly windowAheadMs;
    /** The latest clock sample of a request that found the window exhausted (wall ms). */
    private extensionWantedMs;
    private readonly failoverAdvanceMs;
    private readonly metrics;
    private readonly faults;
    constructor(options: ServingNodeOptions);
    /** Subscribes to the driver's leadership events (the current state arrives at once). */
    start(): void;
    get isServing(): boolean;
    get currentEpoch(): bigint | null;
    /** Resolves once this node serves (or rejects after `timeoutMs` on the node's clock). */
    waitUntilServing(timeoutMs: number): Promise<void>;
    private onLeadership;
    private setState;
    private runFence;
    /** One fence attempt: 'done', 'stale' (leadership moved on), or a transient code to retry. */
    private fenceOnce;
    private fenceFailure;
    private poison;
    private notLeader;
    /** Grants `count` timestamps in one millisecond, or answers why not. */
    getTs(count: number): Promise<TsAnswer>;
    /** Starts a background extension when less than half a window is left ahead of the clock. */
    private maybeExtendAhead;
    /**
     * Single-flight extension. Resolves to null when the window was extended (by this call or by
     * one already in flight), or to the failure to answer with.
     */
    private extend;
    private extendOnce;
    /** A durable, exactly-once block of a sequence key, or why not. */
    getSeq(request: SeqAdvanceRequest): Promise<SeqAnswer>;
    /** Stops serving and detaches from the driver (the driver itself is closed by its owner). */
    close(): Promise<void>;
}
