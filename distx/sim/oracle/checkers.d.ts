import { type DurableSource } from './durable.js';
import { type History, type HistoryObserver, type Op } from './history.js';
import { type Violation, type ViolationDetails, type ViolationKind } from './violations.js';
/** Violations kept per run (the first ones matter; the rest are counted). */
export declare const VIOLATIONS_KEPT_MAX = 50;
export interface CheckerOptions {
    /** Check client-visible values (off when frame bodies may be corrupted undetectably). */
    readonly valueChecks: boolean;
    /** Called with the first safety violation (the run halts there). */
    readonly onSafetyViolation?: (violation: Violation) => void;
    /**
     * Whether published high-waters must never decrease (default true). One server publishes in
     * order; in a Raft cluster a deposed leader may still learn, late, that its proposal committed
     * below what the new leader published since, which is harmless: it holds no lease to serve.
     */
    readonly publishedMonotonic?: boolean;
}
export declare class Checker implements HistoryObserver {
    private readonly history;
    private readonly durable;
    private readonly nowMs;
    private readonly options;
    readonly violations: Violation[];
    /** Violations found beyond VIOLATIONS_KEPT_MAX. */
    dropped: number;
    private safetyReported;
    private durableHighWaterMaxMs;
    private publishedHighWaterMaxMs;
    private readonly durableCountersMax;
    /** Per key, the end of the highest block acknowledged so far. */
    private readonly ackEndMaxByKey;
    /** Acknowledged blocks not yet compared with the durable ledger's remembered results. */
    private readonly acksSinceCheckpoint;
    constructor(history: History, durable: DurableSource, nowMs: () => number, options: CheckerOptions);
    report(kind: ViolationKind, message: string, details?: ViolationDetails): void;
    get hasSafetyViolation(): boolean;
    onComplete(op: Op): void;
    private checkTsAck;
    private checkSeqAck;
    /** Checks that the durable ledger records `op`'s block under `op`'s request id. */
    private matchRecorded;
    /**
     * A durability checkpoint, after every crash of the server and at the end: the durable
     * records decode, the durable high-water and counters did not go back, and every block
     * acknowledged so far is still in the durable ledger (recorded under its call's request id).
     * The caller marks the durable view changed first.
     */
    checkpoint(): void;
    /** The driver published `highWaterMs` as durable (returned it from persist). */
    onPublished(highWaterMs: number, source: string): void;
    /** The checks over the whole history and the durable state at the end. */
    final(): void;
    private finalTimestamps;
    private finalSequences;
}
