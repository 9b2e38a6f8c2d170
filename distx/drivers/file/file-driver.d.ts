import type { SeqAdvanceRequest, SeqLedgerSnapshot } from '../../core/ledger.js';
import type { ConsensusDriver, DriverResult, LeaderState, SeqBlockResult } from '../driver.js';
import { type Disk } from '../ports.js';
export declare const FILE_DRIVER_EPOCH = 0n;
/** Test-only switches that plant known bugs in the real code path (for the simulator's proofs). */
export interface FileDriverFaults {
    /** Planted bug: skip the directory fsync after each rename. */
    skipDirFsync?: boolean;
    /** Planted bug: publish (and return) the new high-water before its record is fsync'd. */
    publishHighWaterBeforeFsync?: boolean;
}
export interface FileDriverOptions {
    /** Cap on distinct sequence keys for a new data directory (stored in the ledger). */
    seqKeyCap?: number;
    /** Journal bytes past which the ledger is folded into a fresh `dense` (default 4 MiB). */
    journalCompactBytes?: number;
    /**
     * Whether `close()` folds the journal into `dense` (default true). Off, a close leaves the
     * files as a kill -9 would (the next open replays the journal): a faster shutdown, and how
     * tests reach the recovery path within one process.
     */
    foldJournalOnClose?: boolean;
    faults?: FileDriverFaults;
}
export declare class FileDriver implements ConsensusDriver {
    private readonly disk;
    readonly dir: string;
    private readonly lock;
    private readonly faults;
    private highWaterMs;
    private highWaterChain;
    /** Holds exactly the batches whose journal record is durable: what loadSeq and snapshots read. */
    private readonly durable;
    /** `durable` plus the batch being written, if any; a copy of `durable` between batches. */
    private working;
    /** Bytes appended to the journal since it was last emptied (compaction trigger). */
    private journalBytes;
    /** Whether the journal's directory entry is known durable (else the next append fsyncs the dir). */
    private journalEntryDurable;
    /**
     * Set when `dense` must be written from `durable` and the journal emptied before anything is
     * appended: a new directory (no `dense`, so no stored key cap, yet), a failed journal write
     * (contents unknown), or a compaction that failed after touching the journal.
     */
    private rewriteNeeded;
    private readonly journalCompactBytes;
    private readonly foldJournalOnClose;
    private readonly pending;
    private ledgerWriteInFlight;
    private closed;
    private constructor();
    /** Opens (creating if needed) the data directory `dir`, holding its LOCK until `close()`. */
    static open(disk: Disk, dir: string, options?: FileDriverOptions): Promise<FileDriver>;
    /**
     * Seeds a new data directory with a high-water (migration from another timestamp source).
     * Refuses a directory that already holds state.
     */
    static init(disk: Disk, dir: string, seedPhysicalMs: number): Promise<void>;
    subscribeLeadership(listener: (state: LeaderState) => void): () => void;
    /** The published high-water is the durable one: a single node is trivially linearized. */
    loadHighWater(): Promise<DriverResult<{
        readonly highWaterMs: number;
    }>>;
    persistHighWater(atLeastMs: number, _epoch: bigint): Promise<DriverResult<{
        readonly highWaterMs: number;
    }>>;
    private persistSerialized;
    advanceSeq(request: SeqAdvanceRequest, _epoch: bigint): Promise<DriverResult<SeqBlockResult>>;
    /** Drains the queue: each round applies the waiting requests and journals them in one record. */
    private flushLedger;
    /** Applies a batch whose record is durable to `durable`: the same requests, the same outcomes. */
    private publish;
    /** Appends one record and makes it durable; a failure message, or null once it is durable. */
    private appendBatch;
    /**
     * Writes `durable` to `dense` atomically, then removes the journal (the next append creates a
     * new one and syncs the directory). Until `dense` is durable the journal is not touched; once
     * it is, every journal record is in it (or, for a record whose write failed, may be replayed
     * on it: its outcome was unknown anyway). The journal is removed, not truncated in place: a
     * power loss during a truncate can leave some of its sectors zeroed and others not, which
     * would read as a damaged record followed by intact ones (corruption). A removal is a
     * directory operation: it lands whole or not at all, and if it does not, the old journal's
     * records are all in `dense` and are skipped.
     */
    private rewrite;
    /** Compaction between batches. A failure answers no one: the next append retries if needed. */
    private compact;
    loadSeq(key: string): Promise<DriverResult<{
        readonly next: bigint;
    }>>;
    /** The durable high-water (for tests, metrics and the simulator's checkers). */
    get durableHighWaterMs(): number;
    /** A snapshot of the durable ledger (for tests and checkers). */
    ledgerSnapshot(): SeqLedgerSnapshot;
    /**
     * Waits for the writes in flight, folds the journal into `dense` (so a cleanly stopped
     * directory holds its whole ledger in `dense`, and the next open replays nothing), and
     * releases the lock. A failed fold loses nothing: the journal is still there.
     */
    close(): Promise<void>;
}
