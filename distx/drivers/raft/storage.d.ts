import { type PersistedRaftState, type Snapshot, type WalRecord } from '../../core/raft/index.js';
import { type Disk } from '../ports.js';
import { type RaftMeta } from './meta.js';
export type RaftStorageEvent = {
    readonly kind: 'meta-created';
    readonly dir: string;
} | {
    readonly kind: 'wal-truncated';
    readonly offset: number;
    readonly droppedBytes: number;
    readonly reason: string;
} | {
    readonly kind: 'snapshot-marker-completed';
    readonly index: number;
};
export interface RaftStorageOptions {
    readonly disk: Disk;
    readonly dataDir: string;
    /** This node and its cluster (meta.ts); the directory must belong to them. */
    readonly meta: RaftMeta;
    readonly onEvent?: (event: RaftStorageEvent) => void;
}
export interface RecoveredRaftState {
    /** What `RaftNode.restore` takes. */
    readonly persisted: PersistedRaftState;
    /** True when the directory held no Raft state yet (a new node). */
    readonly fresh: boolean;
}
export declare function joinPath(dir: string, name: string): string;
/**
 * When the snapshot file is newer than the WAL's last snapshot marker and the WAL holds another
 * entry at the snapshot's index, the crash came between saving a received snapshot and logging its
 * marker: the marker is added (in memory) so the replay drops the entries the snapshot replaced.
 */
export declare function completeSnapshotMarker(snapshot: Snapshot | undefined, records: readonly WalRecord[]): WalRecord[] | null;
export declare class RaftStorage {
    private readonly disk;
    private readonly lock;
    readonly dir: string;
    private readonly walPath;
    private readonly snapshotPath;
    private walFileBytes;
    private walCreated;
    private closed;
    private constructor();
    /** Opens (creating if new) `dataDir/raft/`, holding its LOCK until `close()`; recovers the state. */
    static open(options: RaftStorageOptions): Promise<{
        readonly storage: RaftStorage;
        readonly recovered: RecoveredRaftState;
    }>;
    /** Writes the meta record of a new directory, or checks the stored one. Returns true when new. */
    private static checkMeta;
    /** Bytes in the WAL file. */
    get walBytes(): number;
    /**
     * Appends `records` and makes them durable: one append and one fsync per RAFT_WAL_APPEND_BYTES_MAX
     * of records (normally one of each). A new WAL file's directory entry is made durable too.
     */
    appendRecords(records: readonly WalRecord[]): Promise<void>;
    /** Replaces the snapshot file atomically (tmp, fsync, rename, fsync the directory). */
    saveSnapshot(snapshot: Snapshot): Promise<void>;
    /** Replaces the whole WAL by `records`, atomically (compaction after a snapshot). */
    rewriteWal(records: readonly WalRecord[]): Promise<void>;
    private assertOpen;
    /** Releases the LOCK. Idempotent. */
    close(): Promise<void>;
}
