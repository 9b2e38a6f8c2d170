import { type Disk } from '../drivers/ports.js';
import { type FaultRule } from './faults.js';
import { type Incarnation } from './process.js';
import type { Rng } from './random.js';
import type { Scheduler } from './scheduler.js';
import type { Trace, TraceDetails } from './trace.js';
export interface LatencyRangeUs {
    readonly minUs: number;
    readonly maxUs: number;
}
export interface DiskLatency {
    /** read, write, writeFile, append, truncate. */
    readonly data?: LatencyRangeUs;
    /** fsync, fsyncDir. */
    readonly sync?: LatencyRangeUs;
    /** rename, mkdirp, remove, list, size, lock, release. */
    readonly meta?: LatencyRangeUs;
}
export interface LatencySpikeRule extends FaultRule {
    readonly extraUs: LatencyRangeUs;
}
export interface DiskFaults {
    readonly crashTorn?: FaultRule;
    readonly crashPartial?: FaultRule;
    readonly crashDirOpsVanish?: FaultRule;
    readonly fsyncFail?: FaultRule;
    readonly readCorrupt?: FaultRule;
    readonly writeFull?: FaultRule;
    readonly latencySpike?: LatencySpikeRule;
}
export interface DiskOptions {
    readonly faults?: DiskFaults;
    readonly latency?: DiskLatency;
    /** Total bytes of file contents the disk holds; writes beyond fail with DISK_FULL. */
    readonly capacityBytes?: number;
}
/** Measured on this project's VM (tso-anchors A.11): pwrite ~0.2 ms, fsync 0.2–3 ms. */
export declare const DISK_LATENCY_DEFAULT: Required<DiskLatency>;
declare const FAULT_FAMILIES: readonly ["crashTorn", "crashPartial", "crashDirOpsVanish", "fsyncFail", "readCorrupt", "writeFull", "latencySpike"];
type DiskFaultFamily = (typeof FAULT_FAMILIES)[number];
/** Files and directories of a disk, sorted: what `inspect` and `crash` return. */
export interface DiskImage {
    readonly files: ReadonlyMap<string, Uint8Array>;
    readonly dirs: readonly string[];
}
export interface DiskInspection {
    /** What is guaranteed durable: fsync'd contents under fsyncDir'd names. */
    readonly durable: DiskImage;
    /** What a reader sees now (the page cache view). */
    readonly volatile: DiskImage;
    /** Paths with writes not yet fsync'd. */
    readonly dirtyFiles: readonly string[];
    /** Directory operations not yet made durable by fsyncDir. */
    readonly pendingDirOps: number;
}
type LatencyClass = 'data' | 'sync' | 'meta';
/** Normalizes a path lexically: no empty or '.' segments, '..' resolved, no trailing slash. */
export declare function normalizePath(path: string): string;
/** The directory holding `path` (normalized): 'a/b' → 'a', 'a' → '.', '/a' → '/'. */
export declare function dirnameOf(path: string): string;
export declare class SimDisk {
    readonly name: string;
    private readonly scheduler;
    private readonly trace;
    private readonly inodes;
    private volatileNames;
    private volatileDirs;
    private durableNames;
    private durableDirs;
    private journal;
    private readonly locks;
    private inodeNext;
    private usedBytes;
    private readonly gates;
    private readonly latencyRng;
    private readonly latency;
    private capacityBytes;
    private spikeExtra;
    /** Operations completed (all incarnations). */
    opsCompleted: number;
    constructor(name: string, scheduler: Scheduler, trace: Trace, rng: Rng, options?: DiskOptions);
    /** Changes fault rules during a run (e.g. all off for a liveness phase); omitted families turn off. */
    setFaults(faults: DiskFaults): void;
    setCapacityBytes(capacityBytes: number | undefined): void;
    /** How many times each fault family fired. */
    faultCounts(): Record<DiskFaultFamily, number>;
    /** Bytes of file contents held now. */
    get bytesUsed(): number;
    /** Puts files on the disk durably (directories created as needed), as if written long ago. */
    preload(files: Readonly<Record<string, Uint8Array>>): void;
    /** The durable and the current view of the disk, for checkers. */
    inspect(): DiskInspection;
    private image;
    /**
     * Applies a crash. With `powerLoss` (the default) the page cache is lost: each file with
     * unsynced writes gets its crash outcome and unsynced directory entries land or (fault)
     * partly vanish. Without it (a process kill), the kernel keeps the cache and only the
     * holder's locks go. Either way the locks of `holder` are released. Returns the durable image.
     */
    crash(holder: Incarnation | null, powerLoss?: boolean): DiskImage;
    private crashContents;
    private pathOfInode;
    /** The Disk port for one incarnation. */
    portFor(owner: Incarnation): Disk;
    /** @internal Runs `effect` after a drawn latency, as an event owned by `owner`. */
    operate<T>(owner: Incarnation, kind: string, latencyClass: LatencyClass, details: TraceDetails, effect: () => T): Promise<T>;
    private drawLatencyUs;
    private newInode;
    private log;
    private requireDir;
    private fileInode;
    /** The inode at `path`, created (and journaled) if missing. */
    private openForWrite;
    private checkSpace;
    private setLength;
    private recordPending;
    effectRead(path: string): Uint8Array | null;
    effectWrite(path: string, offset: number, data: Uint8Array): void;
    effectWriteFile(path: string, data: Uint8Array): void;
    effectAppend(path: string, data: Uint8Array): void;
    effectTruncate(path: string, length: number): void;
    effectFsync(path: string): void;
    effectFsyncDir(dir: string): void;
    private touches;
    /** Applies the first `count` journal entries to the durable namespace (does not shift them). */
    private commitJournal;
    effectRename(from: string, to: string): void;
    /** Removes a name from the volatile view; the bytes stop counting once no view references them. */
    private dropName;
    private journalMentions;
    effectMkdirp(dir: string): void;
    effectRemove(path: string): void;
    effectList(dir: string): string[];
    effectSize(path: string): number | null;
    effectLock(path: string, holder: Incarnation): number;
    effectUnlock(inode: number, holder: Incarnation): void;
    /** Whether the file at `path` is locked now (for tests and checkers). */
    isLocked(path: string): boolean;
}
export {};
