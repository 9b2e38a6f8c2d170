export interface CachedLeader {
    readonly endpoint: string;
    readonly epoch: bigint;
}
export type HintVerdict = 'accept' | 'stale';
export declare class LeaderCache {
    private readonly ttlMs;
    private endpoint;
    private epoch;
    private lastUsedMs;
    constructor(ttlMs: number);
    private fresh;
    /** The leader to try first, or null when unknown, forgotten or expired. */
    current(nowMs: number): CachedLeader | null;
    /** `endpoint` answered a request as leader of `epoch`. */
    recordSuccess(endpoint: string, epoch: bigint, nowMs: number): void;
    /** `endpoint` failed or said it is not the leader: stop trying it first (the epoch still gates hints). */
    forget(endpoint: string): void;
    judgeHint(hintEpoch: bigint | undefined, nowMs: number): HintVerdict;
}
export declare class Worklist {
    private readonly endpoints;
    private readonly front;
    private pass;
    private index;
    constructor(endpoints: readonly string[]);
    /** Starts a pass: the cached leader first (if any), then every endpoint from `offset` round-robin. */
    startPass(leader: string | null, offset: number): void;
    /** An accepted hint: try `endpoint` next, ahead of the rest of the pass. */
    pushFront(endpoint: string): void;
    /** The next endpoint to try, or null when the pass is over. */
    next(): string | null;
    /** Drops pending hints (a new pass starts from what the cache knows). */
    clearFront(): void;
}
