import { type SeqLedgerSnapshot, type SeqSessionResult } from '../../core/ledger.js';
import type { SimDisk } from '../disk.js';
export interface DurableSession {
    readonly forgottenBelow: bigint;
    readonly results: ReadonlyMap<bigint, SeqSessionResult>;
    /** `key \0 start \0 count` → request id: where a block is recorded. */
    readonly byBlock: ReadonlyMap<string, bigint>;
}
export interface DurableLedger {
    readonly snapshot: SeqLedgerSnapshot;
    readonly counters: ReadonlyMap<string, bigint>;
    readonly sessions: ReadonlyMap<bigint, DurableSession>;
}
/** A record that is absent decodes as the empty state; one that does not decode is a problem. */
export type Decoded<T> = {
    readonly ok: true;
    readonly value: T;
} | {
    readonly ok: false;
    readonly problem: string;
};
export declare function blockKey(key: string, start: bigint, count: number): string;
/** Indexes a ledger snapshot for the checkers (counters by key, results by request and by block). */
export declare function indexLedger(snapshot: SeqLedgerSnapshot): DurableLedger;
/**
 * What the checkers take as ground truth: the state a value must be in before a client may see
 * it. For one node it is the durable image of the data directory (DurableView); for a Raft
 * cluster it is the committed state (sim/oracle/raft-checkers.ts CommittedView).
 */
export interface DurableSource {
    highWaterMs(): Decoded<number>;
    /** The high-water, re-read only if the last value read is below `atLeastMs`. */
    highWaterCovering(atLeastMs: number): Decoded<number>;
    sequenceLedger(): Decoded<DurableLedger>;
}
export declare class DurableView implements DurableSource {
    private readonly disk;
    readonly dir: string;
    private readonly statePath;
    private readonly densePath;
    private readonly journalPath;
    private stale;
    private highWater;
    private ledger;
    private denseBytes;
    private journalBytes;
    /** Times the durable image was read (for the bench). */
    reads: number;
    constructor(disk: SimDisk, dir: string);
    /** The durable image may have changed (a sync in the data directory, a crash). */
    markChanged(): void;
    private refresh;
    /** The durable high-water (physical ms; 0 when no state file is durable). */
    highWaterMs(): Decoded<number>;
    /**
     * The durable high-water, re-read only if the last value read is below `atLeastMs`. Between
     * two crashes the durable high-water only grows unless something is badly wrong, and the
     * checkpoint after every crash and at the end re-reads it in full and reports any decrease;
     * so a check that a value is covered need not copy the disk image each time.
     */
    highWaterCovering(atLeastMs: number): Decoded<number>;
    /** The durable sequence ledger (empty when nothing is durable). */
    sequenceLedger(): Decoded<DurableLedger>;
}
