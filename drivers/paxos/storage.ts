// The paxos driver's stable storage, on the Disk port, in `dataDir/paxos/`:
//   LOCK      an exclusive lock for the life of the process (a second process fails, touches nothing)
//   meta      who the directory belongs to: the raft driver's TSRM record (drivers/raft/meta.ts),
//             over a cluster name prefixed `paxos:`; written once, checked at every start
//   snapshot  the newest state-machine snapshot, a TSPS file (core/paxos/codec.ts), replaced
//             atomically (snapshot.tmp, fsync, rename, fsync the directory)
//   log       log records (core/paxos/codec.ts: `[u32 length | u32 crc32c | envelope v1]`)
//             appended back to back: acceptor states, entries, truncations, snapshot markers
//
// Rules (the raft driver's storage rules, docs/paxos.md §6):
//   - Group commit: the records of one Ready go to the file in one append and one sync, before
//     any message of that Ready leaves: a Promise or an Accepted never claims what is not durable.
//   - Recovery: a torn tail is truncated and reported; damage a torn write cannot explain (a
//     corrupt middle) refuses to start (the raft driver's judge, wal-tail.ts, with this log's
//     record decoder). A corrupt meta or snapshot refuses to start too.
//   - What recovery loaded is made durable (files, then the directory) before the node acts on it.
//   - Compaction: the driver saves a snapshot, then `rewriteLog` replaces the log by one holding
//     the acceptor state and the entries after the snapshot (log.tmp, fsync, rename, fsync).
//   - A received snapshot is saved first, then a snapshot marker is logged with the Ready's
//     other records.
import { TsoError, isDecodeError } from '../../core/errors.js';
import {
  decodePaxosLogRecordAt,
  decodePaxosSnapshotRecord,
  encodePaxosLogRecord,
  encodePaxosSnapshotRecord,
  replayPaxosLog,
  scanPaxosLog,
  type PaxosLogRecord,
  type PaxosSnapshot,
  type PersistedPaxosState,
} from '../../core/paxos/index.js';
import { atomicReplace } from '../file/atomic.js';
import { DiskError, type AppendHandle, type Disk, type DiskLock } from '../ports.js';
import { decodeRaftMeta, encodeRaftMeta, metaMismatch, type RaftMeta } from '../raft/meta.js';
import { joinPath } from '../raft/storage.js';
import { judgeWalTail } from '../raft/wal-tail.js';
import { PAXOS_LOG_APPEND_BYTES_MAX, PAXOS_LOG_TORN_WINDOW_BYTES } from './limits.js';

export type PaxosStorageEvent =
  | { readonly kind: 'meta-created'; readonly dir: string }
  | { readonly kind: 'log-truncated'; readonly offset: number; readonly droppedBytes: number; readonly reason: string };

export interface PaxosStorageOptions {
  readonly disk: Disk;
  readonly dataDir: string;
  readonly meta: RaftMeta;
  readonly onEvent?: (event: PaxosStorageEvent) => void;
}

export interface RecoveredPaxosState {
  readonly persisted: PersistedPaxosState;
  /** True when the directory held no Paxos state yet (a new node). */
  readonly fresh: boolean;
}

function refuse(message: string, details: Record<string, unknown> = {}): TsoError {
  return new TsoError('DRIVER_PERMANENT', `${message}; refusing to start`, details);
}

export class PaxosStorage {
  readonly dir: string;
  private readonly logPath: string;
  private readonly snapshotPath: string;
  private logFileBytes: number;
  private logCreated: boolean;
  private log: AppendHandle | null = null;
  private closed = false;

  private constructor(
    private readonly disk: Disk,
    dir: string,
    private readonly lock: DiskLock,
    logBytes: number | null,
  ) {
    this.dir = dir;
    this.logPath = joinPath(dir, 'log');
    this.snapshotPath = joinPath(dir, 'snapshot');
    this.logFileBytes = logBytes ?? 0;
    this.logCreated = logBytes !== null;
  }

  /** Opens (creating if new) `dataDir/paxos/`, holding its LOCK until `close()`; recovers the state. */
  static async open(options: PaxosStorageOptions): Promise<{ readonly storage: PaxosStorage; readonly recovered: RecoveredPaxosState }> {
    const { disk } = options;
    const dir = joinPath(options.dataDir, 'paxos');
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
      const fresh = await PaxosStorage.checkMeta(disk, dir, options);
      const snapshotBytes = await disk.read(joinPath(dir, 'snapshot'));
      let snapshot: PaxosSnapshot | undefined;
      if (snapshotBytes !== null) {
        try {
          snapshot = decodePaxosSnapshotRecord(snapshotBytes);
        } catch (e) {
          if (isDecodeError(e)) throw refuse(`${dir}/snapshot is corrupt (${e.code})`, { code: e.code });
          throw e;
        }
      }
      const logPath = joinPath(dir, 'log');
      let logBytes = await disk.read(logPath);
      let records: PaxosLogRecord[] = [];
      if (logBytes !== null) {
        const scan = scanPaxosLog(logBytes);
        const verdict = judgeWalTail(logBytes, scan, PAXOS_LOG_TORN_WINDOW_BYTES, decodePaxosLogRecordAt);
        if (verdict.kind === 'corrupt') throw refuse(`${logPath} is corrupt at byte ${verdict.offset} of ${logBytes.length} (${verdict.reason})`, { offset: verdict.offset });
        if (verdict.kind === 'torn') {
          await disk.truncate(logPath, verdict.truncateAt);
          await disk.fsync(logPath);
          options.onEvent?.({ kind: 'log-truncated', offset: verdict.truncateAt, droppedBytes: verdict.droppedBytes, reason: verdict.reason });
          logBytes = logBytes.subarray(0, verdict.truncateAt);
        }
        records = scan.records;
      }
      let persisted: PersistedPaxosState;
      try {
        persisted = replayPaxosLog(snapshot, records);
      } catch (e) {
        if (isDecodeError(e)) throw refuse(`${logPath} does not replay (${e.message})`, { code: e.code });
        throw e;
      }
      // What was loaded may be only in the page cache (a previous process died before its sync):
      // the node promises and accepts from this state, so it is made durable first.
      if (logBytes !== null) await disk.fsync(logPath);
      if (snapshotBytes !== null) await disk.fsync(joinPath(dir, 'snapshot'));
      await disk.fsync(joinPath(dir, 'meta'));
      await disk.fsyncDir(dir);
      const storage = new PaxosStorage(disk, dir, lock, logBytes === null ? null : logBytes.length);
      return { storage, recovered: { persisted, fresh: fresh && snapshot === undefined && records.length === 0 } };
    } catch (e) {
      await lock.release().catch(() => {});
      throw e;
    }
  }

  private static async checkMeta(disk: Disk, dir: string, options: PaxosStorageOptions): Promise<boolean> {
    const metaPath = joinPath(dir, 'meta');
    const bytes = await disk.read(metaPath);
    if (bytes === null) {
      const names = await disk.list(dir);
      if (names.includes('log') || names.includes('snapshot')) throw refuse(`${dir} holds Paxos state but no meta record`);
      await atomicReplace(disk, metaPath, encodeRaftMeta(options.meta));
      options.onEvent?.({ kind: 'meta-created', dir });
      return true;
    }
    let stored: RaftMeta;
    try {
      stored = decodeRaftMeta(bytes);
    } catch (e) {
      if (isDecodeError(e)) throw refuse(`${metaPath} is corrupt (${e.code})`, { code: e.code });
      throw e;
    }
    const mismatch = metaMismatch(stored, options.meta, options.dataDir);
    if (mismatch !== null) throw new TsoError('INVALID_CONFIG', mismatch, { stored: stored.cluster, storedNodeId: stored.nodeId });
    return false;
  }

  get logBytes(): number {
    return this.logFileBytes;
  }

  /** Appends `records` and makes them durable: one append and one fsync per PAXOS_LOG_APPEND_BYTES_MAX. */
  async appendRecords(records: readonly PaxosLogRecord[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return;
    const encoded = records.map(encodePaxosLogRecord);
    let start = 0;
    while (start < encoded.length) {
      let end = start;
      let bytes = 0;
      while (end < encoded.length && (end === start || bytes + (encoded[end] as Uint8Array).length <= PAXOS_LOG_APPEND_BYTES_MAX)) {
        bytes += (encoded[end] as Uint8Array).length;
        end++;
      }
      const batch = new Uint8Array(bytes);
      let offset = 0;
      for (let i = start; i < end; i++) {
        batch.set(encoded[i] as Uint8Array, offset);
        offset += (encoded[i] as Uint8Array).length;
      }
      this.log ??= await this.disk.openAppend(this.logPath);
      await this.log.append(batch);
      await this.log.sync();
      if (!this.logCreated) {
        await this.disk.fsyncDir(this.dir);
        this.logCreated = true;
      }
      this.logFileBytes += bytes;
      start = end;
    }
  }

  async saveSnapshot(snapshot: PaxosSnapshot): Promise<void> {
    this.assertOpen();
    await atomicReplace(this.disk, this.snapshotPath, encodePaxosSnapshotRecord(snapshot));
  }

  /** Replaces the whole log by `records`, atomically (compaction after a snapshot). */
  async rewriteLog(records: readonly PaxosLogRecord[]): Promise<void> {
    this.assertOpen();
    const encoded = records.map(encodePaxosLogRecord);
    const total = encoded.reduce((sum, r) => sum + r.length, 0);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const r of encoded) {
      bytes.set(r, offset);
      offset += r.length;
    }
    await this.closeLog();
    await atomicReplace(this.disk, this.logPath, bytes);
    this.logFileBytes = total;
    this.logCreated = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new TsoError('DRIVER_PERMANENT', 'paxos storage is closed');
  }

  private async closeLog(): Promise<void> {
    const log = this.log;
    if (log === null) return;
    this.log = null;
    await log.close().catch(() => undefined);
  }

  /** Closes the log and releases the LOCK. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeLog();
    await this.lock.release();
  }
}
