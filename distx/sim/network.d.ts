import { type Connection, type ConnectionHandlers, type HostPort, type Listener, type Transport } from '../drivers/ports.js';
import type { LatencyRangeUs, LatencySpikeRule } from './disk.js';
import { type FaultRule } from './faults.js';
import { type Incarnation } from './process.js';
import type { Rng } from './random.js';
import type { Scheduler, SimEvent } from './scheduler.js';
import { type Trace } from './trace.js';
export interface NetworkFaults {
    readonly loss?: FaultRule;
    readonly badLength?: FaultRule;
    readonly resetAfterDelivery?: FaultRule;
    readonly corrupt?: FaultRule;
    readonly latencySpike?: LatencySpikeRule;
}
export interface NetworkOptions {
    /** One-way latency per frame (default 100–1000 µs, this VM's loopback p50–p99). */
    readonly latency?: LatencyRangeUs;
    /** How long a connect across a blocked direction waits before failing (default 2000 ms). */
    readonly connectTimeoutMs?: number;
    /** How long a direction may stay blocked before its sender gives up (default 15000 ms). */
    readonly stallResetMs?: number;
    readonly faults?: NetworkFaults;
}
export declare const NETWORK_LATENCY_DEFAULT: LatencyRangeUs;
export declare const NETWORK_CONNECT_TIMEOUT_MS_DEFAULT = 2000;
export declare const NETWORK_STALL_RESET_MS_DEFAULT = 15000;
declare const FAULT_FAMILIES: readonly ["loss", "badLength", "resetAfterDelivery", "corrupt", "latencySpike"];
type NetworkFaultFamily = (typeof FAULT_FAMILIES)[number];
type CloseReason = {
    code: string;
    message: string;
} | undefined;
type WireItem = {
    readonly kind: 'frame';
    readonly body: Uint8Array;
    dueMs: number;
    readonly badLength?: true;
} | {
    readonly kind: 'fin';
    dueMs: number;
} | {
    readonly kind: 'rst';
    dueMs: number;
};
type InboxItem = {
    readonly kind: 'frame';
    readonly body: Uint8Array;
} | {
    readonly kind: 'close';
    readonly reason: CloseReason;
};
declare class Pipe {
    readonly from: Endpoint;
    readonly to: Endpoint;
    readonly queue: WireItem[];
    queuedBytes: number;
    lastDueMs: number;
    pump: SimEvent | null;
    stalledSinceMs: number | null;
    constructor(from: Endpoint, to: Endpoint);
}
declare class Endpoint implements Connection {
    readonly network: SimNetwork;
    readonly id: string;
    readonly owner: Incarnation;
    readonly host: string;
    readonly remote: string;
    peer: Endpoint;
    outbound: Pipe;
    state: 'open' | 'closing' | 'closed';
    handlers: ConnectionHandlers | null;
    readonly inbox: InboxItem[];
    flushScheduled: boolean;
    closeQueued: boolean;
    /** Set on both endpoints once the pair stopped counting as an open connection. */
    retired: boolean;
    constructor(network: SimNetwork, id: string, owner: Incarnation, host: string, remote: string);
    setHandlers(handlers: ConnectionHandlers): void;
    send(body: Uint8Array): void;
    close(): void;
}
declare class SimListener implements Listener {
    private readonly network;
    readonly key: string;
    readonly address: HostPort;
    readonly owner: Incarnation;
    readonly onConnection: (connection: Connection) => void;
    closed: boolean;
    readonly accepted: Set<Endpoint>;
    constructor(network: SimNetwork, key: string, address: HostPort, owner: Incarnation, onConnection: (connection: Connection) => void);
    close(): Promise<void>;
}
export declare class SimNetwork {
    private readonly scheduler;
    private readonly trace;
    private readonly rng;
    private readonly hosts;
    private readonly listeners;
    private readonly endpointsByOwner;
    private readonly blocked;
    private readonly stalled;
    private readonly latency;
    private readonly connectTimeoutMs;
    private readonly stallResetMs;
    private faults;
    private connectionNext;
    private openConnections;
    /** Frames delivered so far. */
    framesDelivered: number;
    constructor(scheduler: Scheduler, trace: Trace, rng: Rng, options?: NetworkOptions);
    /** Registers a host (done by the world for each node). */
    addHost(host: string): void;
    /**
     * Changes the fault rules of the given sending hosts, or of every host (and of hosts added
     * later) when `hosts` is omitted. Omitted families turn off.
     */
    setFaults(faults: NetworkFaults, hosts?: readonly string[]): void;
    /** How many times each fault family fired, summed over hosts. */
    faultCounts(): Record<NetworkFaultFamily, number>;
    /** Open connections (each counts once). */
    get connectionCount(): number;
    /** Blocks traffic from every host of `a` to every host of `b`, and back unless `oneWay`. */
    partition(a: readonly string[], b: readonly string[], oneWay?: boolean): void;
    /** Cuts `host` off from every other host, both ways. */
    isolate(host: string): void;
    /** Heals the partition between `a` and `b` (both ways), or every partition when omitted. */
    heal(a?: readonly string[], b?: readonly string[]): void;
    /** Whether traffic from host `from` to host `to` is blocked now. */
    isBlocked(from: string, to: string): boolean;
    /** The Transport port of one incarnation on `host`. */
    portFor(owner: Incarnation, host: string): Transport;
    private resolveHost;
    private hostState;
    private drawLatencyUs;
    private ephemeralPort;
    private listen;
    /** @internal */
    closeListener(listener: SimListener): Promise<void>;
    private connect;
    private createConnection;
    private register;
    private unregister;
    /** @internal */
    sendFrame(from: Endpoint, body: Uint8Array): void;
    /** Puts an item on the wire; returns its due time, or null when the pipe overflowed (reset). */
    private enqueue;
    private schedulePump;
    private runPump;
    private deliver;
    /** @internal A local close: FIN behind what was sent; local onClose without a reason. */
    closeGracefully(endpoint: Endpoint): void;
    /** Closes `endpoint` with `reason` and resets its peer (an RST behind the frames in flight). */
    private reset;
    /**
     * Closes this side only, with a reason (timeouts, resets). `abandonOutbound` drops what is
     * still queued on the wire from this side (a timed-out sender); otherwise it keeps flowing.
     */
    private closeLocally;
    /** The peer closed or reset: deliver what arrived, then onClose. */
    private finish;
    /** A framing error at the receiver: onClose(reason), sends from inside it still go out, then FIN. */
    private protocolClose;
    private dropOutbound;
    private dropInboxFrames;
    private retire;
    private notifyClose;
    /** Hands an item to the program: at once if handlers are set and nothing waits, else via the inbox. */
    private toInbox;
    /** @internal Delivers the inbox to the handlers in an event of the endpoint's incarnation. */
    scheduleFlush(endpoint: Endpoint): void;
    private handTo;
    /**
     * A process died (crash or exit): its listeners go away and each of its open connections
     * sends a reset to the peer behind what is already on the wire. Nothing is delivered to the
     * dead incarnation any more (its events are dropped). `graceful` sends FINs instead (a
     * process that exits normally has its sockets closed by the kernel).
     */
    processGone(owner: Incarnation, graceful: boolean): void;
    /** Resets every open connection between hosts `a` and `b` (both sides see TRANSPORT). */
    resetBetween(a: string, b: string): void;
}
export {};
