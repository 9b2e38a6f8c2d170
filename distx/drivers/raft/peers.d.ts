import type { Message } from '../../core/raft/index.js';
import { type Clock, type Connection, type HostPort, type Transport } from '../ports.js';
export type PeerEvent = {
    readonly kind: 'peer-connected';
    readonly peer: number;
} | {
    readonly kind: 'peer-disconnected';
    readonly peer: number;
    readonly reason: string;
} | {
    readonly kind: 'peer-refused';
    readonly remote: string;
    readonly reason: string;
} | {
    readonly kind: 'peer-dropped';
    readonly peer: number;
    readonly messages: number;
};
export interface PeerNetworkOptions {
    readonly transport: Transport;
    readonly clock: Clock;
    /** Uniform in [0, 1): backoff jitter. */
    readonly random: () => number;
    readonly selfId: number;
    readonly clusterId: number;
    /** This node's Raft address (listened on). */
    readonly listen: HostPort;
    /** Every other voter's Raft address. */
    readonly peers: ReadonlyMap<number, HostPort>;
    /** A message from a peer, addressed to this node. */
    readonly onMessage: (message: Message) => void;
    readonly onEvent?: (event: PeerEvent) => void;
}
/** One accepted connection, from hello to close. */
declare class InboundConnection {
    private readonly network;
    readonly connection: Connection;
    private readonly reader;
    private from;
    private refused;
    private helloTimer;
    constructor(network: PeerNetwork, connection: Connection);
    private refuse;
    private onFrame;
}
export declare class PeerNetwork {
    readonly options: PeerNetworkOptions;
    private listener;
    private readonly links;
    private readonly inbound;
    private closedFlag;
    private closing;
    private constructor();
    /** Listens on this node's Raft address and starts connecting to every peer. */
    static start(options: PeerNetworkOptions): Promise<PeerNetwork>;
    get isClosed(): boolean;
    /** The address the listener bound. */
    get address(): HostPort;
    /** Sends `message` to its `to` peer (dropped after close). */
    send(message: Message): void;
    private accept;
    /** @internal */
    forget(inbound: InboundConnection): void;
    /** Stops listening, closes every connection, cancels reconnects. Idempotent. */
    close(): Promise<void>;
}
export {};
