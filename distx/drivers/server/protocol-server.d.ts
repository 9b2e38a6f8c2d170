import { type Clock, type HostPort, type Transport } from '../ports.js';
import { type ServerMetrics } from './metrics.js';
import type { ServingNode } from './serving-node.js';
export interface ProtocolServerOptions {
    readonly node: ServingNode;
    readonly transport: Transport;
    readonly clock: Clock;
    readonly listen: HostPort;
    readonly metrics?: ServerMetrics;
    readonly connectionsMax?: number;
    readonly requestsInFlightMax?: number;
}
export declare class ProtocolServer {
    private readonly options;
    private listener;
    private readonly connections;
    private readonly metrics;
    private readonly connectionsMax;
    private readonly requestsInFlightMax;
    private inFlightTotal;
    private drained;
    private closing;
    private constructor();
    static start(options: ProtocolServerOptions): Promise<ProtocolServer>;
    get address(): HostPort;
    get connectionCount(): number;
    private accept;
    private onFrame;
    private finish;
    /** Stops accepting, lets requests in flight finish for up to `graceMs`, then closes every connection. */
    close(graceMs: number): Promise<void>;
}
