import { type RequestOp, type WireErrorCode } from '../../core/protocol.js';
import { type Clock, type Transport } from '../ports.js';
import { type SeqBlock, type TimestampBatch } from './batch.js';
import { type CachedLeader } from './leader.js';
import { type RetryPolicy } from './retry.js';
export interface ClientCoreOptions {
    /** Server endpoints `host:port`; any of them may be the leader. */
    readonly endpoints: readonly string[];
    readonly transport: Transport;
    readonly clock: Clock;
    /** Uniform in [0, 1): jitter, the first round-robin offset and the default clientId. */
    readonly random: () => number;
    /** u64 id of this client's getSeq session (default: random). */
    readonly clientId?: bigint;
    readonly retry?: Partial<RetryPolicy>;
    /** Observes what the client does (metrics, tracing). Exceptions it throws are ignored. */
    readonly onEvent?: (event: ClientEvent) => void;
    /** Test-only switches that plant known bugs (the simulator proves its checkers catch them). */
    readonly faults?: ClientFaults;
}
export interface ClientFaults {
    /** Planted bug: a getSeq retried after an attempt that was sent uses a new request id. */
    readonly newRequestIdOnRetry?: boolean;
}
export type ClientEvent = {
    readonly type: 'connected';
    readonly endpoint: string;
} | {
    readonly type: 'disconnected';
    readonly endpoint: string;
    readonly reason: string;
} | {
    readonly type: 'attempt';
    readonly op: RequestOp;
    readonly endpoint: string;
    readonly count: number;
} | {
    readonly type: 'answer';
    readonly op: RequestOp;
    readonly endpoint: string;
    readonly code: WireErrorCode | 'OK';
    readonly latencyMs: number;
} | {
    readonly type: 'attemptFailed';
    readonly op: RequestOp;
    readonly endpoint: string;
    readonly code: string;
    readonly sent: boolean;
    readonly message: string;
} | {
    readonly type: 'redirect';
    readonly op: RequestOp;
    readonly from: string;
    readonly to: string;
    readonly epoch: bigint | null;
} | {
    readonly type: 'hintIgnored';
    readonly op: RequestOp;
    readonly endpoint: string;
    readonly reason: 'none' | 'stale' | 'malformed' | 'self' | 'redirect_cap';
} | {
    readonly type: 'backoff';
    readonly op: RequestOp;
    readonly delayMs: number;
} | {
    readonly type: 'batch';
    readonly callers: number;
    readonly count: number;
} | {
    readonly type: 'failed';
    readonly op: RequestOp;
    readonly code: string;
};
export interface TsoClient {
    /** The u64 id this client sends with every getSeq. */
    readonly clientId: bigint;
    /** One timestamp. */
    getTs(): Promise<bigint>;
    /** `count` consecutive timestamps (1..262,144) from one millisecond. */
    getTsBatch(count: number): Promise<TimestampBatch>;
    /** A block of `count` (1..65,536) values of the gapless counter `key` (1..128 UTF-8 bytes). */
    getSeq(key: string, count: number): Promise<SeqBlock>;
    /** The leader the client would try first, or null when it knows none. */
    cachedLeader(): CachedLeader | null;
    /** Rejects every pending call with CLIENT_CLOSED and closes every connection. Idempotent. */
    close(): Promise<void>;
}
/** Creates a client bound to the given ports. Throws TsoError(INVALID_CONFIG / NO_REACHABLE_ENDPOINTS) for bad options. */
export declare function createClientCore(options: ClientCoreOptions): TsoClient;
