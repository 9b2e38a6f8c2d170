import type { TsoClient } from '../client.js';
import type { StressHistory } from './history.js';
import type { SeqResolver } from './resolver.js';
/** Per client: loops of single getTs calls. */
export declare const TS_LOOPS_PER_CLIENT = 2;
/** Per client: loops of getTsBatch calls (sizes drawn in [2, TS_BATCH_COUNT_MAX]). */
export declare const TS_BATCH_LOOPS_PER_CLIENT = 1;
export declare const TS_BATCH_COUNT_MAX = 32;
/** Bound on stop(): the client's overall deadline (10 s) plus one attempt, with margin. */
export declare const LOAD_STOP_BOUND_MS = 20000;
/** Load clients are named `load-1`, `load-2`... in the history. */
export declare const LOAD_CLIENT_PREFIX = "load-";
/** The keys under load and the block size each is asked in (one size per key keeps holes countable). */
export declare const SEQ_KEYS: ReadonlyArray<readonly [string, number]>;
/** One getTs through `client`, recorded in `history` (the epoch comes from the client's leader cache, set by the answer). */
export declare function recordedGetTs(history: StressHistory, client: TsoClient, name: string): Promise<boolean>;
export declare function recordedGetTsBatch(history: StressHistory, client: TsoClient, name: string, count: number): Promise<boolean>;
/**
 * One getSeq; returns the block's start, or null when it failed (recorded either way). An
 * unknown outcome is read back through `resolver` (same clientId and requestId) when one is given.
 */
export declare function recordedGetSeq(history: StressHistory, client: TsoClient, name: string, key: string, count: number, resolver: SeqResolver | null): Promise<bigint | null>;
export declare class Load {
    private readonly history;
    private readonly endpoints;
    private readonly clientCount;
    private readonly random;
    /** Reads back getSeq calls whose outcome is unknown (null: leave them unknown). */
    private readonly resolver;
    /** Planted bug: the clients retry a getSeq under a new request id (a positive control). */
    private readonly newRequestIdOnRetry;
    private running;
    private readonly clients;
    private readonly loops;
    constructor(history: StressHistory, endpoints: readonly string[], clientCount: number, random: () => number, 
    /** Reads back getSeq calls whose outcome is unknown (null: leave them unknown). */
    resolver: SeqResolver | null, 
    /** Planted bug: the clients retry a getSeq under a new request id (a positive control). */
    newRequestIdOnRetry?: boolean);
    private makeClient;
    start(): void;
    private loop;
    /** Stops the loops (each finishes its call), then closes the clients. */
    stop(): Promise<void>;
}
