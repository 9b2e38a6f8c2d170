import { ViolationLog, type CheckedCall, type FloorToken } from './checkers.js';
export type OpKind = 'getTs' | 'getTsBatch' | 'getSeq';
/** `resolved`: a getSeq the client reported unknown whose block a read-back then learnt (resolver.ts). */
export type OpOutcome = 'ok' | 'failed' | 'unknown' | 'resolved';
export declare const OP_KINDS: readonly OpKind[];
/** Distinct error codes counted per kind (a flood of unexpected codes cannot grow the map). */
export declare const STRESS_ERROR_CODES_MAX = 64;
/** A call in flight. */
export declare class OpenOp implements CheckedCall {
    readonly id: number;
    readonly kind: OpKind;
    /** Which client made it (`load-3`, `pinned-2`, `probe`). */
    readonly client: string;
    readonly count: number;
    readonly key: string | null;
    /** Milliseconds since the run started. */
    readonly invokeMs: number;
    readonly invokeOrder: number;
    readonly token: FloorToken;
    constructor(id: number, kind: OpKind, 
    /** Which client made it (`load-3`, `pinned-2`, `probe`). */
    client: string, count: number, key: string | null, 
    /** Milliseconds since the run started. */
    invokeMs: number, invokeOrder: number, token: FloorToken);
    /** Set at completion, for messages. */
    completeMs: number | null;
    result: string | null;
    describe(): string;
}
/** Told about each acknowledged timestamp call (the unavailability tracker listens). */
export interface TsAckListener {
    onTsAck(op: OpenOp, epoch: bigint | null, completeMs: number): void;
}
export declare class StressHistory {
    readonly seqKeys: readonly string[];
    private readonly clockMs;
    private readonly startMs;
    private order;
    private nextId;
    private readonly tsSpace;
    private readonly seqSpaces;
    private readonly keyTallies;
    readonly violations: ViolationLog;
    readonly outcomes: Record<OpKind, Record<OpOutcome, number>>;
    readonly errorsByKind: Record<OpKind, Map<string, number>>;
    /** Timestamps handed out (a batch counts its size). */
    timestampsAcknowledged: number;
    /** The largest leader epoch seen on an acknowledged timestamp call. */
    maxEpoch: bigint;
    /** Run time of the first acknowledged timestamp call, null until one. */
    firstTsAckMs: number | null;
    pending: number;
    listener: TsAckListener | null;
    constructor(seqKeys: readonly string[], clockMs?: () => number);
    /** Milliseconds since the run started. */
    nowMs(): number;
    /** The current position in the total order (for "invoked after" comparisons). */
    get currentOrder(): number;
    private spaceOf;
    invoke(kind: OpKind, client: string, count: number, key?: string | null): OpenOp;
    /** A timestamp call returned [first, last]; `epoch` of the leader that granted it, when known. */
    completeTs(op: OpenOp, first: bigint, last: bigint, epoch: bigint | null): void;
    /** A getSeq call returned a block. */
    completeSeq(op: OpenOp, key: string, start: bigint, count: number): void;
    /**
     * A getSeq the client reported with an unknown outcome (`error`), whose block a read-back of
     * the same request then returned: acknowledged over the span from invocation to now.
     */
    completeSeqResolved(op: OpenOp, error: unknown, start: bigint, count: number): void;
    private acknowledgeSeq;
    /** How a call's failure reads: its code, and whether a getSeq may have been executed. */
    classify(op: OpenOp, error: unknown): {
        readonly code: string;
        readonly unknown: boolean;
    };
    private reportUnexpected;
    private noteError;
    /** The call threw `error`: classified as failed or unknown (getSeq), counted by code. */
    fail(op: OpenOp, error: unknown): OpOutcome;
    private end;
    tallyOf(key: string): {
        readonly acknowledgedValues: bigint;
        readonly unknownValues: bigint;
    };
    /** Acknowledged calls per value space (for the report). */
    acknowledgedIn(space: 'timestamps' | string): number;
}
