export type ExtensionIgnoredReason = 'not_leader' | 'epoch_mismatch' | 'not_advanced';
export interface ServerMetrics {
    getTsRequest(): void;
    getTsSuccess(timestamps: number): void;
    notLeader(): void;
    windowExtension(latencyMs: number): void;
    windowExtensionIgnored(reason: ExtensionIgnoredReason): void;
    leaderTransition(kind: 'leader' | 'follower' | 'unknown'): void;
    fenceRetry(): void;
    fenceLatency(latencyMs: number): void;
    seqRequest(): void;
    seqSuccess(values: number): void;
    seqCardinalityRejected(): void;
    serving(isServing: boolean): void;
    connectionOpened(): void;
    connectionClosed(): void;
    badFrame(): void;
}
export declare const noopMetrics: ServerMetrics;
