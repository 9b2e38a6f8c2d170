export declare const HISTORY_OPS_MAX = 2000000;
export type OpKind = 'getTs' | 'getTsBatch' | 'getSeq';
export type OpOutcome = 'pending' | 'ok' | 'failed' | 'unknown';
/** safety: faults on; liveness: faults off, converging; converged: every new call must succeed. */
export type Phase = 'safety' | 'liveness' | 'converged';
export interface ClientSession {
    readonly node: string;
    readonly incarnation: number;
    readonly clientId: bigint;
    /** The request id the client library will give its next getSeq call. */
    nextRequestId: bigint;
    readonly seqOps: Map<bigint, Op>;
    /** False once the client process died. */
    alive: boolean;
    /** The last thing the client library reported, per operation (for "why is it stuck"). */
    readonly lastEvent: {
        getTs: string | null;
        getSeq: string | null;
    };
}
export interface Op {
    readonly id: number;
    readonly kind: OpKind;
    readonly session: ClientSession;
    readonly count: number;
    readonly key: string | null;
    /** getSeq: the request id the client sends (predicted from call order). */
    readonly requestId: bigint | null;
    readonly invokeMs: number;
    /** Order of the invocation among all invocations and completions. */
    readonly invokeOrder: number;
    readonly phase: Phase;
    outcome: OpOutcome;
    completeMs: number | null;
    completeOrder: number | null;
    code: string | null;
    message: string | null;
    /** getTs / getTsBatch: the first and last timestamp granted. */
    first: bigint | null;
    last: bigint | null;
    /** getSeq: the block's start (the block is [start, start + count)). */
    start: bigint | null;
    /** Real-time floor: the largest timestamp acknowledged before this call was invoked. */
    floorTs: bigint;
    floorOpId: number | null;
    /** Server starts recorded when the floor op completed (a rewind across a restart is reported as such). */
    floorServerStarts: number;
}
/** Observes the history as it is written (the online checkers). */
export interface HistoryObserver {
    onComplete(op: Op): void;
}
export declare class History {
    readonly ops: Op[];
    readonly sessions: ClientSession[];
    private readonly sessionsByClientId;
    private order;
    private pendingCount;
    phase: Phase;
    /** Starts of the server process so far. */
    serverStarts: number;
    private maxAckTs;
    private maxAckOpId;
    private maxAckServerStarts;
    observer: HistoryObserver | null;
    /** Calls not ended yet. */
    get pending(): number;
    openSession(node: string, incarnation: number, clientId: bigint): ClientSession;
    sessionOf(clientId: bigint): ClientSession | undefined;
    invoke(session: ClientSession, kind: OpKind, count: number, key: string | null, nowMs: number): Op;
    private end;
    /** A timestamp call returned `count` timestamps from `first` to `last`. */
    completeTs(op: Op, first: bigint, last: bigint, nowMs: number): void;
    /** A getSeq call returned the block [start, start + count) of `key`. */
    completeSeq(op: Op, key: string, start: bigint, count: number, nowMs: number): void;
    /** A call failed: definitively, or with an unknown outcome. */
    fail(op: Op, code: string, message: string, unknown: boolean, nowMs: number): void;
    /** The client process died: its calls in flight end with an unknown outcome. */
    clientLost(session: ClientSession, nowMs: number): void;
    /** Counts of outcomes per kind. */
    summary(): Record<OpKind, Record<OpOutcome, number>>;
}
/** A one-line description of an op, for violation messages. */
export declare function describeOp(op: Op): string;
