import type { ConsensusDriver } from '../drivers/driver.js';
import { type FileDriverOptions } from '../drivers/file/file-driver.js';
import { type Clock, type HostPort, type Transport } from '../drivers/ports.js';
import { ServingNode } from '../drivers/server/serving-node.js';
import { PrometheusMetrics } from './metrics.js';
export interface ServerOptions {
    /** The consensus driver; default: the file driver on `dataDir`. The server closes it on close(). */
    readonly driver?: ConsensusDriver;
    /** Data directory of the default file driver. */
    readonly dataDir?: string;
    readonly fileDriver?: FileDriverOptions;
    /** Client protocol address, `host:port` (port 0 picks a free port). */
    readonly listen?: string;
    /** HTTP address for /metrics, /healthz, /readyz; `null` disables HTTP. */
    readonly httpListen?: string | null;
    readonly windowAheadMs?: number;
    readonly failoverAdvanceMs?: number;
    /** How long close() lets requests in flight finish. */
    readonly shutdownGraceMs?: number;
    readonly log?: (line: string) => void;
    readonly transport?: Transport;
    readonly clock?: Clock;
    /**
     * Resolve only once this node serves timestamps (default true). A replicated driver's follower
     * never serves, yet must accept clients to answer NOT_LEADER with the leader hint: pass false.
     */
    readonly waitUntilServing?: boolean;
}
export interface TsoServer {
    /** The bound client-protocol address. */
    readonly address: HostPort;
    /** The bound HTTP address, or null when HTTP is off. */
    readonly httpAddress: HostPort | null;
    readonly node: ServingNode;
    readonly metrics: PrometheusMetrics;
    close(): Promise<void>;
}
/** Starts a server; resolves once it accepts requests on both ports and (by default) serves timestamps. */
export declare function startServer(options?: ServerOptions): Promise<TsoServer>;
