import { type Request, type Response } from '../../core/protocol.js';
import { type Clock, type Connection, type HostPort, type Listener, type TimerHandle, type Transport } from '../ports.js';
export declare class ManualClock implements Clock {
    private readonly wallBaseMs;
    private nowMs;
    private order;
    private timers;
    constructor(wallBaseMs?: number);
    wallMs(): number;
    monotonicMs(): number;
    setTimer(delayMs: number, fn: () => void): TimerHandle;
    /** Timers not yet fired or cancelled. */
    get pendingTimers(): number;
    private earliest;
    /** Advances to the earliest pending timer and fires it. False when there is none. */
    fireNext(): boolean;
    /** Advances by `ms`, firing every timer due on the way, in order (without awaiting between them). */
    advanceBy(ms: number): void;
}
/** Lets every queued microtask and in-memory delivery run. */
export declare function settle(): Promise<void>;
/**
 * Runs the world until `promise` settles: lets microtasks run, and when nothing else can
 * happen fires the next timer. Bounded by `stepsMax`, so a livelock fails instead of hanging.
 */
export declare function drive<T>(clock: ManualClock, promise: Promise<T>, stepsMax?: number): Promise<T>;
/** A seeded PRNG (mulberry32) returning uniform numbers in [0, 1). */
export declare function seededRandom(seed: number): () => number;
/** A Transport within one process: `listen` registers an endpoint, `connect` pairs two ends. */
export declare class InMemoryTransport implements Transport {
    private readonly listeners;
    private readonly unreachable;
    /** Server-side ends of open connections, per listening endpoint. */
    private readonly serverEnds;
    private clientPorts;
    connects: number;
    listen(address: HostPort, onConnection: (connection: Connection) => void): Promise<Listener>;
    connect(address: HostPort): Promise<Connection>;
    /** Makes `endpoint` refuse (false) or accept (true) new connections; refusing drops the open ones. */
    setReachable(endpoint: string, reachable: boolean): void;
    /** Closes every open connection to `endpoint` from the server side. */
    dropConnections(endpoint: string): void;
    openConnections(endpoint: string): number;
}
export interface FakeRequestContext {
    readonly server: FakeServer;
    readonly request: Request;
    /** The answer this server gives by default; performs the grant (allocates, advances the ledger). */
    serve(): Response;
    /** Sends an answer on the connection the request came from. */
    reply(response: Response): void;
    /** Sends raw bytes as one frame body (to test how a client takes garbage). */
    replyRaw(body: Uint8Array): void;
    /** Closes the connection the request came from. */
    closeConnection(): void;
}
/** Decides what a server does with one request; without a hook it does `ctx.reply(ctx.serve())`. */
export type FakeHook = (ctx: FakeRequestContext) => void;
export interface FakeGrant {
    readonly endpoint: string;
    readonly first: bigint;
    readonly count: number;
}
export declare class FakeServer {
    readonly endpoint: string;
    private readonly cluster;
    hook: FakeHook | null;
    readonly received: Request[];
    constructor(endpoint: string, cluster: FakeCluster);
    accept(connection: Connection): void;
    private onFrame;
}
/** A few fake servers sharing one leader, one timestamp allocator and one sequence ledger. */
export declare class FakeCluster {
    private readonly transport;
    private readonly clock;
    readonly endpoints: readonly string[];
    readonly servers: Map<string, FakeServer>;
    readonly requests: Array<{
        readonly endpoint: string;
        readonly request: Request;
    }>;
    readonly grants: FakeGrant[];
    /** Largest timestamp granted so far (-1n before any). */
    maxGrantedTs: bigint;
    /** The leader endpoint (null: an election is in progress, followers answer without a hint). */
    leader: string | null;
    epoch: bigint;
    /** Sequence ledger: next value per key, and remembered answers per (clientId, requestId). */
    readonly counters: Map<string, bigint>;
    readonly sessions: Map<string, {
        readonly start: bigint;
        readonly count: number;
    }>;
    seqExecutions: number;
    private lastPhysicalMs;
    private nextLogical;
    constructor(transport: InMemoryTransport, clock: Clock, endpoints: readonly string[]);
    start(): Promise<void>;
    server(endpoint: string): FakeServer;
    setLeader(endpoint: string | null, epoch?: bigint): void;
    /** The default behaviour of server `endpoint` for `request`. */
    serve(endpoint: string, request: Request): Response;
}
