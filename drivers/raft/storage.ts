// The raft driver's stable storage, on the Disk port, in `dataDir/raft/`:
//   LOCK      an exclusive lock for the life of the process (a second process fails, touches nothing)
//   meta      who the directory belongs to (meta.ts); written once, checked at every start
//   snapshot  the newest state-machine snapshot, a TSRS file (docs/raft.md §8.3), replaced
//             atomically (snapshot.tmp, fsync, rename, fsync the directory)
//   wal       WAL records (docs/raft.md §8.2) appended back to back: hard states, entries and
//             snapshot markers, replayed by the core's `replayWal`
//
// Rules:
//   - Group commit: the records of one Ready go to the file in one append and one sync (a Ready
//     above RAFT_WAL_APPEND_BYTES_MAX in a few, each durable before the next), so a crash tears
//     at most the last append; nothing that depends on the records leaves before the sync. The
//     WAL stays open between Readies (an AppendHandle: a write and a sync per Ready, no open or
//     close); the handle is closed before `rewriteWal` renames a new file over it, and the next
//     append opens the new one.
//   - Recovery: a torn tail is truncated (disk.truncate, fsync) and reported; damage that a torn
//     write cannot explain refuses to start (wal-tail.ts). A corrupt meta or snapshot refuses to
//     start too; nothing is ever silently skipped or rewound.
//   - What recovery loaded is made durable before the node acts on it (every file fsync'd, then
//     the directory): a previous process may have died before its syncs, or its directory sync
//     may have failed, leaving a WAL that only the page cache holds.
//   - Compaction: the driver saves a snapshot, then `rewriteWal` replaces the WAL by a new file
//     holding only the hard state and the entries after the snapshot (wal.tmp, fsync, rename,
//     fsync the directory): a crash leaves the old WAL or the new one, both consistent with the
//     snapshot file, which was made durable first.
//   - A received snapshot is saved first, then a snapshot marker is logged. A crash between the
//     two leaves a snapshot newer than the WAL's last marker; recovery logs the missing marker
//     (in memory) when the WAL disagrees with the snapshot at its index (`completeSnapshotMarker`).
import { pooledBytes } from '../../core/codec/pooled-bytes.js';
import { TsoError, isDecodeError } from '../../core/errors.js';
import { decodeSnapshotRecord, encodeSnapshotRecord, encodeWalRecord, replayWal, scanWal, type PersistedRaftState, type Snapshot, type WalRecord } from '../../core/raft/index.js';
import { DiskError, type AppendHandle, type Disk, type DiskLock } from '../ports.js';
import { atomicReplace } from '../file/atomic.js';
import { RAFT_WAL_APPEND_BYTES_MAX } from './limits.js';
import { decodeRaftMeta, encodeRaftMeta, metaMismatch, type RaftMeta } from './meta.js';
import { judgeWalTail } from './wal-tail.js';
import { sometimes } from '../../core/sometimes.js';

export type RaftStorageEvent =
  | { readonly kind: 'meta-created'; readonly dir: string }
  | { readonly kind: 'wal-truncated'; readonly offset: number; readonly droppedBytes: number; readonly reason: string }
  | { readonly kind: 'snapshot-marker-completed'; readonly index: number };

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

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/**
 * The refusal to start, marked as the rare path `mark` (null: a guard against a bug or a foreign
 * directory, which no fault of the disk model can lead to).
 */
function refuse(message: string, details: Record<string, unknown>, mark: string | null): TsoError {
  if (mark !== null) sometimes(true, mark);
  return new TsoError('DRIVER_PERMANENT', `${message}; refusing to start`, details);
}

/**
 * When the snapshot file is newer than the WAL's last snapshot marker and the WAL holds another
 * entry at the snapshot's index, the crash came between saving a received snapshot and logging its
 * marker: the marker is added (in memory) so the replay drops the entries the snapshot replaced.
 */
export function completeSnapshotMarker(snapshot: Snapshot | undefined, records: readonly WalRecord[]): WalRecord[] | null {
  if (snapshot === undefined) return null;
  const s = snapshot.lastIncludedIndex;
  let termAtSnapshot: number | undefined;
  for (const record of records) {
    if (record.kind === 'snapshot') termAtSnapshot = record.lastIncludedIndex >= s ? snapshot.lastIncludedTerm : undefined;
    else if (record.kind === 'entry') {
      if (record.entry.index === s) termAtSnapshot = record.entry.term;
      else if (record.entry.index < s) termAtSnapshot = undefined; // replaces everything after it
    }
  }
  if (termAtSnapshot === undefined || termAtSnapshot === snapshot.lastIncludedTerm) return null;
  return [...records, { kind: 'snapshot', lastIncludedIndex: s, lastIncludedTerm: snapshot.lastIncludedTerm }];
}

export class RaftStorage {
  readonly dir: string;
  private readonly walPath: string;
  private readonly snapshotPath: string;
  private walFileBytes: number;
  private walCreated: boolean;
  /** The WAL, open for appending; null until the next append opens it (at first, after a rewrite). */
  private wal: AppendHandle | null = null;
  private closed = false;

  private constructor(
    private readonly disk: Disk,
    dir: string,
    private readonly lock: DiskLock,
    walBytes: number | null,
  ) {
    this.dir = dir;
    this.walPath = joinPath(dir, 'wal');
    this.snapshotPath = joinPath(dir, 'snapshot');
    this.walFileBytes = walBytes ?? 0;
    this.walCreated = walBytes !== null;
  }

  /** Opens (creating if new) `dataDir/raft/`, holding its LOCK until `close()`; recovers the state. */
  static async open(options: RaftStorageOptions): Promise<{ readonly storage: RaftStorage; readonly recovered: RecoveredRaftState }> {
    const { disk } = options;
    const dir = joinPath(options.dataDir, 'raft');
    await disk.mkdirp(dir);
    await disk.fsyncDir(options.dataDir);
    let lock: DiskLock;
    try {
      lock = await disk.lock(joinPath(dir, 'LOCK'));
    } catch (e) {
      if (e instanceof DiskError && e.code === 'DISK_LOCKED') {
        throw new TsoError('DRIVER_ALREADY_LOCKED', `data directory ${options.dataDir} is already locked by another process`, { dir });
      }
      throw e;
    }
    try {
      const fresh = await RaftStorage.checkMeta(disk, dir, options);
      const snapshotBytes = await disk.read(joinPath(dir, 'snapshot'));
      let snapshot: Snapshot | undefined;
      if (snapshotBytes !== null) {
        try {
          snapshot = decodeSnapshotRecord(snapshotBytes);
        } catch (e) {
          if (isDecodeError(e)) throw refuse(`${dir}/snapshot is corrupt (${e.code})`, { code: e.code }, 'raft_storage.corrupt_snapshot_refused');
          throw e;
        }
      }
      const walPath = joinPath(dir, 'wal');
      let walBytes = await disk.read(walPath);
      let records: WalRecord[] = [];
      if (walBytes !== null) {
        const scan = scanWal(walBytes);
        const verdict = judgeWalTail(walBytes, scan);
        if (verdict.kind === 'corrupt') {
          throw refuse(`${walPath} is corrupt at byte ${verdict.offset} of ${walBytes.length} (${verdict.reason})`, { offset: verdict.offset }, 'raft_storage.corrupt_wal_refused');
        }
        if (verdict.kind === 'torn') {
          await disk.truncate(walPath, verdict.truncateAt);
          await disk.fsync(walPath);
          sometimes(true, 'raft_storage.wal_torn_tail_cut');
          options.onEvent?.({ kind: 'wal-truncated', offset: verdict.truncateAt, droppedBytes: verdict.droppedBytes, reason: verdict.reason });
          walBytes = walBytes.subarray(0, verdict.truncateAt);
        }
        records = scan.records;
      }
      const completed = completeSnapshotMarker(snapshot, records);
      if (completed !== null && snapshot !== undefined) {
        records = completed;
        options.onEvent?.({ kind: 'snapshot-marker-completed', index: snapshot.lastIncludedIndex });
      }
      let persisted: PersistedRaftState;
      try {
        persisted = replayWal(snapshot, records);
      } catch (e) {
        if (isDecodeError(e)) throw refuse(`${walPath} does not replay (${e.message})`, { code: e.code }, null);
        throw e;
      }
      // What was loaded may be only in the page cache: a previous process wrote it and died (kill
      // -9) before its sync, or its directory sync failed. The node votes and acknowledges from
      // this state, so it is made durable first — the files and their directory entries — or the
      // open fails (found by the simulator, 3-node seed 4023: a WAL whose directory entry was
      // never synced vanished at a power loss, and its node, having lost acknowledged entries,
      // voted a leader in that lacked a committed one).
      if (walBytes !== null) await disk.fsync(walPath);
      if (snapshotBytes !== null) await disk.fsync(joinPath(dir, 'snapshot'));
      await disk.fsync(joinPath(dir, 'meta'));
      await disk.fsyncDir(dir);
      const storage = new RaftStorage(disk, dir, lock, walBytes === null ? null : walBytes.length);
      return { storage, recovered: { persisted, fresh: fresh && snapshot === undefined && records.length === 0 } };
    } catch (e) {
      await lock.release().catch(() => {});
      throw e;
    }
  }

  /** Writes the meta record of a new directory, or checks the stored one. Returns true when new. */
  private static async checkMeta(disk: Disk, dir: string, options: RaftStorageOptions): Promise<boolean> {
    const metaPath = joinPath(dir, 'meta');
    const bytes = await disk.read(metaPath);
    if (bytes === null) {
      const names = await disk.list(dir);
      if (names.includes('wal') || names.includes('snapshot')) {
        throw refuse(`${dir} holds Raft state but no meta record (it was not written by this driver, or meta was lost)`, {}, null);
      }
      await atomicReplace(disk, metaPath, encodeRaftMeta(options.meta));
      options.onEvent?.({ kind: 'meta-created', dir });
      return true;
    }
    let stored: RaftMeta;
    try {
      stored = decodeRaftMeta(bytes);
    } catch (e) {
      if (isDecodeError(e)) throw refuse(`${metaPath} is corrupt (${e.code})`, { code: e.code }, 'raft_storage.corrupt_meta_refused');
      throw e;
    }
    const mismatch = metaMismatch(stored, options.meta, options.dataDir);
    if (mismatch !== null) throw new TsoError('INVALID_CONFIG', mismatch, { stored: stored.cluster, storedNodeId: stored.nodeId });
    return false;
  }

  /** Bytes in the WAL file. */
  get walBytes(): number {
    return this.walFileBytes;
  }

  /**
   * Appends `records` and makes them durable: one append and one fsync per RAFT_WAL_APPEND_BYTES_MAX
   * of records (normally one of each). A new WAL file's directory entry is made durable too.
   */
  async appendRecords(records: readonly WalRecord[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return;
    const encoded = records.map(encodeWalRecord);
    let start = 0;
    while (start < encoded.length) {
      let end = start;
      let bytes = 0;
      while (end < encoded.length && (end === start || bytes + (encoded[end] as Uint8Array).length <= RAFT_WAL_APPEND_BYTES_MAX)) {
        bytes += (encoded[end] as Uint8Array).length;
        end++;
      }
      const batch = pooledBytes(bytes); // handed to the disk, which copies or writes it
      let offset = 0;
      for (let i = start; i < end; i++) {
        batch.set(encoded[i] as Uint8Array, offset);
        offset += (encoded[i] as Uint8Array).length;
      }
      this.wal ??= await this.disk.openAppend(this.walPath);
      await this.wal.append(batch);
      // Inline: on a fast disk the sync waits on this thread rather than paying a thread-pool
      // round trip (drivers/node/disk.ts); a slow sync sends the next ones through the pool.
      await this.wal.sync({ inline: true });
      if (!this.walCreated) {
        await this.disk.fsyncDir(this.dir);
        this.walCreated = true;
      }
      this.walFileBytes += bytes;
      start = end;
    }
  }

  /** Replaces the snapshot file atomically (tmp, fsync, rename, fsync the directory). */
  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.assertOpen();
    await atomicReplace(this.disk, this.snapshotPath, encodeSnapshotRecord(snapshot));
  }

  /** Replaces the whole WAL by `records`, atomically (compaction after a snapshot). */
  async rewriteWal(records: readonly WalRecord[]): Promise<void> {
    this.assertOpen();
    const encoded = records.map(encodeWalRecord);
    const total = encoded.reduce((sum, r) => sum + r.length, 0);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const r of encoded) {
      bytes.set(r, offset);
      offset += r.length;
    }
    // The handle must not outlive the file the rename replaces: the next append opens the new one.
    await this.closeWal();
    await atomicReplace(this.disk, this.walPath, bytes);
    this.walFileBytes = total;
    this.walCreated = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new TsoError('DRIVER_PERMANENT', 'raft storage is closed');
  }

  /**
   * Closes the WAL handle, if open. A close error is ignored: every append through the handle
   * was synced before anything depended on it (a close cannot undo a sync that returned), and
   * one whose sync failed stopped the driver.
   */
  private async closeWal(): Promise<void> {
    const wal = this.wal;
    if (wal === null) return;
    this.wal = null;
    await wal.close().catch(() => undefined);
  }

  /** Closes the WAL and releases the LOCK. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeWal();
    await this.lock.release();
  }
}
