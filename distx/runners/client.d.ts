import { type ClientEvent, type RetryPolicy, type TsoClient } from '../drivers/client/index.js';
export type { CachedLeader, ClientEvent, RetryPolicy, SeqBlock, TimestampBatch, TsoClient } from '../drivers/client/index.js';
export interface ClientOptions {
    /** Server endpoints `host:port` (default: the server's default listen address). */
    readonly endpoints?: readonly string[];
    /** Overrides of the retry policy's defaults. */
    readonly retry?: Partial<RetryPolicy>;
    /** u64 id of this client's getSeq session (default: random). */
    readonly clientId?: bigint;
    /** Observes attempts, redirects, backoffs and failures (metrics, tracing). */
    readonly onEvent?: (event: ClientEvent) => void;
}
/** A client over TCP. Throws TsoError(INVALID_CONFIG / NO_REACHABLE_ENDPOINTS) for bad options. */
export declare function createClient(options?: ClientOptions): TsoClient;
