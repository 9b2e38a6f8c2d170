// The file driver: a single-node, fsync-durable consensus driver. One process owns a data
// directory:
//   LOCK           an exclusive flock held for the life of the process (released by the kernel
//                  when the process dies); a second process on the same directory fails with
//                  "already locked" and touches nothing.
//   state          the 17-byte TSOR high-water record (byte-compatible with the Rust original),
//                  replaced atomically (tmp, fsync, rename, fsync dir) on every persist.
//   dense          a TSOD snapshot of the sequence ledger (counters + exactly-once sessions),
//                  replaced atomically, but only now and then (see compaction).
//   dense.journal  TSOJ records appended since (or before) that snapshot, one per group commit.
//   leases         the TSOL stamping-lease set (core/oracle/lease-record.ts), replaced
//                  atomically on every lease change; absent until the first lease (a directory
//                  of a release before leases opens unchanged, with no leases).
// Nothing is published in memory or answered before the bytes that hold it are durable.
//
// Group commit: getSeq advances that arrive while a write is in flight queue up and go to disk
// together in the next one, which starts as soon as the one in flight is answered. A batch is
// applied to the `working` ledger, its successful requests are appended to the journal as one
// record and the journal is synced (the directory too, the first time the journal is created);
// only then is the same batch applied to the `durable` ledger (which must give the same
// outcomes: the ledger is deterministic) and answered. The journal stays open between commits
// (an AppendHandle), inside a zero fill written ahead of its end (so a commit overwrites
// allocated blocks and its fdatasync has no file size to journal; docs/formats.md 6.1), so a
// commit is one write and one sync — no thread-pool round trip while the disk is fast (NodeDisk), no open,
// close or stat — and the handle is closed before the journal is removed (compaction, a rewrite
// after a failure) and opened again, on the new file, by the next commit. Two
// ledgers, each request applied twice, instead of a copy per batch: a copy of a full session
// table costs milliseconds, far more than the append and fsync it would guard.
//
// Failure: a failed append or fsync answers the whole batch with DRIVER_PERMANENT (the client
// retries it under the same request id: its outcome is unknown) and `working` goes back to a
// copy of `durable`. After a failed fsync the journal's contents are unknown (Linux drops the
// dirty pages), so it is never appended to again: before the next append, `dense` is rewritten
// from `durable` and the journal removed (the append then creates a new one). Until then
// nothing is appended, so a crash can only ever damage the journal's last record.
//
// Compaction: past `journalCompactBytes`, the durable ledger is written to `dense` atomically
// and the journal is removed. A crash in between leaves records that the snapshot already
// holds; recovery skips them by applySeq. A new directory writes its first `dense` (carrying
// the key cap) before its first journal record the same way.
//
// A graceful close folds the journal into `dense` the same way, so a cleanly stopped directory
// holds its whole ledger in `dense` (unless `foldJournalOnClose` is off).
//
// Recovery at open (seq-recovery.ts): the snapshot, then the journal's records replayed on it;
// a torn last record is cut off (after a second read agrees, so that a corrupted read can never
// cut off a record), and what was loaded is synced (journal fsync, directory fsync) before
// anything is served from it. A journal that is corrupt anywhere else refuses to start.
//
// getSeqBatch goes through the same group commit: a batch is one request of the round, applied
// all or nothing by the ledger and written inside the round's one journal record, so its grants
// become durable together (one append, one fsync) or not at all.
//
// Leadership: this driver is always the leader of epoch 0 (there is no one else).

import { DecodeError, TsoError } from '../../core/errors.js';
import {
  PHYSICAL_MS_MAX,
  SEQ_GROUP_COMMIT_QUEUE_MAX,
  SEQ_JOURNAL_COMPACT_BYTES_DEFAULT,
  SEQ_JOURNAL_ZERO_FILL_BYTES_DEFAULT,
  SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX,
  SEQ_KEY_CARDINALITY_CAP_DEFAULT,
} from '../../core/limits.js';
import { seqBatchProblem, type SeqAdvanceFailure, type SeqAdvanceRequest, type SeqBatchRequest, type SeqLedger, type SeqLedgerRequest, type SeqLedgerResult, type SeqLedgerSnapshot } from '../../core/ledger.js';
import { decodeHighWaterRecord, encodeHighWaterRecord } from '../../core/records/high-water.js';
import { encodeSeqJournalRecord, seqJournalEntries, type SeqJournalRecord } from '../../core/records/seq-journal.js';
import { encodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import { assert } from '../../core/assert.js';
import { sometimes } from '../../core/sometimes.js';
import type { ConsensusDriver, DriverFailure, DriverResult, LeaderState, SeqBatchGrants, SeqBlockResult } from '../driver.js';
import { driverFailure, seqDriverFailure } from '../driver.js';
import { DiskError, type AppendHandle, type Disk, type DiskLock } from '../ports.js';
import { atomicReplace } from './atomic.js';
import { decodeLeaseRecord, encodeLeaseRecord } from '../../core/oracle/lease-record.js';
import type { LeaseRecord } from '../../core/oracle/leases.js';
import { DENSE_FILE, recoverSeqLedger, SEQ_JOURNAL_FILE } from './seq-recovery.js';

export const FILE_DRIVER_EPOCH = 0n;

/** Test-only switches that plant known bugs in the real code path (for the simulator's proofs). */
export interface FileDriverFaults {
  /** Planted bug: skip the directory fsync after each rename. */
  skipDirFsync?: boolean;
  /** Planted bug: publish (and return) the new high-water before its record is fsync'd. */
  publishHighWaterBeforeFsync?: boolean;
  /** Planted bug: publish (and answer) a new lease set before its record is durable. */
  answerLeasesBeforeDurable?: boolean;
}

export const LEASES_FILE = 'leases';

export interface FileDriverOptions {
  /** Cap on distinct sequence keys for a new data directory (stored in the ledger). */
  seqKeyCap?: number;
  /** Journal bytes past which the ledger is folded into a fresh `dense` (default 4 MiB). */
  journalCompactBytes?: number;
  /** Zero bytes kept written ahead of the journal's end (default 1 MiB; 0: the journal grows with each commit). */
  journalZeroFillBytes?: number;
  /**
   * Whether `close()` folds the journal into `dense` (default true). Off, a close leaves the
   * files as a kill -9 would (the next open replays the journal): a faster shutdown, and how
   * tests reach the recovery path within one process.
   */
  foldJournalOnClose?: boolean;
  faults?: FileDriverFaults;
}

interface PendingAdvance {
  readonly request: SeqLedgerRequest;
  /** Entries the request holds (a getSeq is one). */
  readonly entries: number;
  readonly resolve: (result: SeqLedgerResult | DriverFailure) => void;
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function takeLock(disk: Disk, dir: string): Promise<DiskLock> {
  try {
    return await disk.lock(join(dir, 'LOCK'));
  } catch (e) {
    if (e instanceof DiskError && e.code === 'DISK_LOCKED') {
      throw new TsoError('DRIVER_ALREADY_LOCKED', `data directory ${dir} is already locked by another process`, { dir });
    }
    throw e;
  }
}

async function readRecord<T>(disk: Disk, path: string, decode: (bytes: Uint8Array) => T): Promise<T | null> {
  const bytes = await disk.read(path);
  if (bytes === null) return null;
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof DecodeError) {
      sometimes(true, 'file.corrupt_state_record_refused');
      throw new TsoError('DRIVER_PERMANENT', `${path} is corrupt (${e.code}); refusing to start`, { path, code: e.code });
    }
    throw e;
  }
}

/**
 * What a crash left may be in the page cache only: a process killed between a rename and its
 * directory fsync leaves the new record readable but not durable, and one killed between an
 * append and its fsync leaves a journal record readable but not durable; a power loss later can
 * take either back. A value loaded from them must not be published (as the durable high-water,
 * or as a replayed sequence block) before it is durable, so the loaded files are synced first.
 */
async function makeLoadedDurable(disk: Disk, dir: string, loaded: readonly string[]): Promise<void> {
  if (loaded.length === 0) return;
  try {
    for (const name of loaded) await disk.fsync(join(dir, name));
    await disk.fsyncDir(dir);
  } catch (e) {
    sometimes(true, 'file.loaded_records_sync_failed_refused');
    throw new TsoError('DRIVER_PERMANENT', `making the records of ${dir} durable failed: ${describe(e)}`, { dir });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two outcomes of the same request are the same (the ledger is deterministic). */
function sameOutcome(a: SeqLedgerResult, b: SeqLedgerResult): boolean {
  if (a.ok && b.ok) {
    if ('grants' in a || 'grants' in b) {
      if (!('grants' in a) || !('grants' in b) || a.replayed !== b.replayed || a.grants.length !== b.grants.length) return false;
      return a.grants.every((g, i) => g.key === b.grants[i]?.key && g.start === b.grants[i]?.start && g.count === b.grants[i]?.count);
    }
    return a.key === b.key && a.start === b.start && a.count === b.count && a.replayed === b.replayed;
  }
  return !a.ok && !b.ok && a.code === b.code;
}

/** A driver failure passes through; a ledger refusal becomes its driver form. */
function failureOf(outcome: SeqLedgerResult | DriverFailure): DriverFailure {
  if (outcome.ok) return unexpectedShape();
  return outcome.code.startsWith('DRIVER_') ? (outcome as DriverFailure) : seqDriverFailure(outcome as SeqAdvanceFailure);
}

function unexpectedShape(): never {
  assert(false, 'seq_outcome_shape_matches_request');
}

export class FileDriver implements ConsensusDriver {
  private highWaterMs: number;
  private highWaterChain: Promise<unknown> = Promise.resolve();
  private leases: readonly LeaseRecord[];
  private leaseChain: Promise<unknown> = Promise.resolve();
  /** Holds exactly the batches whose journal record is durable: what loadSeq and snapshots read. */
  private readonly durable: SeqLedger;
  /** `durable` plus the batch being written, if any; a copy of `durable` between batches. */
  private working: SeqLedger;
  /** Bytes appended to the journal since it was last emptied (compaction trigger). */
  private journalBytes: number;
  /** The journal's path, joined once (a commit otherwise joins it each time). */
  private readonly journalPath: string;
  /** Whether the journal's directory entry is known durable (else the next append fsyncs the dir). */
  private journalEntryDurable: boolean;
  /**
   * Set when `dense` must be written from `durable` and the journal emptied before anything is
   * appended: a new directory (no `dense`, so no stored key cap, yet), a failed journal write
   * (contents unknown), or a compaction that failed after touching the journal.
   */
  private rewriteNeeded: boolean;
  private readonly journalCompactBytes: number;
  private readonly journalZeroFillBytes: number;
  private readonly foldJournalOnClose: boolean;
  private readonly pending: PendingAdvance[] = [];
  private ledgerWriteInFlight: Promise<void> | null = null;
  /** The journal, open for appending; null until the next commit opens it (after a rewrite, at first). */
  private journal: AppendHandle | null = null;
  private closed = false;

  private constructor(
    private readonly disk: Disk,
    readonly dir: string,
    private readonly lock: DiskLock,
    highWaterMs: number,
    leases: readonly LeaseRecord[],
    recovered: { readonly ledger: SeqLedger; readonly hadSnapshot: boolean; readonly journalBytes: number; readonly journalExists: boolean },
    options: FileDriverOptions,
    private readonly faults: FileDriverFaults,
  ) {
    this.highWaterMs = highWaterMs;
    this.leases = leases;
    this.journalPath = join(dir, SEQ_JOURNAL_FILE);
    this.durable = recovered.ledger;
    this.working = recovered.ledger.clone();
    this.journalBytes = recovered.journalBytes;
    this.journalEntryDurable = recovered.journalExists;
    this.journalCompactBytes = options.journalCompactBytes ?? SEQ_JOURNAL_COMPACT_BYTES_DEFAULT;
    this.journalZeroFillBytes = options.journalZeroFillBytes ?? SEQ_JOURNAL_ZERO_FILL_BYTES_DEFAULT;
    assert(Number.isSafeInteger(this.journalZeroFillBytes) && this.journalZeroFillBytes >= 0, 'journal_zero_fill_bytes_valid');
    this.foldJournalOnClose = options.foldJournalOnClose ?? true;
    assert(Number.isSafeInteger(this.journalCompactBytes) && this.journalCompactBytes > 0, 'journal_compact_bytes_positive');
    this.rewriteNeeded = !recovered.hadSnapshot || this.journalBytes >= this.journalCompactBytes;
  }

  /** Opens (creating if needed) the data directory `dir`, holding its LOCK until `close()`. */
  static async open(disk: Disk, dir: string, options: FileDriverOptions = {}): Promise<FileDriver> {
    await disk.mkdirp(dir);
    const lock = await takeLock(disk, dir);
    try {
      const stored = await readRecord(disk, join(dir, 'state'), decodeHighWaterRecord);
      const highWaterMs = stored ?? 0;
      const storedLeases = await readRecord(disk, join(dir, LEASES_FILE), decodeLeaseRecord);
      const denseBytes = await disk.read(join(dir, DENSE_FILE));
      const journalPath = join(dir, SEQ_JOURNAL_FILE);
      const journalBytes = await disk.read(journalPath);
      const recovered = recoverSeqLedger(denseBytes, journalBytes, options.seqKeyCap ?? SEQ_KEY_CARDINALITY_CAP_DEFAULT, dir);
      if (recovered.tailProblem !== undefined && journalBytes !== null) {
        // Cutting bytes off destroys them: only when a second read agrees, so that a corrupted
        // read (a transient fault) can never make an intact last record look torn.
        const again = await disk.read(journalPath);
        if (sometimes(again === null || !sameBytes(again, journalBytes), 'file.journal_tail_reread_differs_refused')) {
          throw new TsoError('DRIVER_PERMANENT', `${journalPath} read back differently on a second read; refusing to cut its tail`, { path: journalPath });
        }
        try {
          // Safe in place, unlike emptying the journal: whatever a power loss leaves of this
          // truncate lies past the last whole record, in the one torn record, and reads as a
          // torn tail again.
          await disk.truncate(journalPath, recovered.journalValidBytes);
          sometimes(true, 'file.journal_torn_tail_cut');
        } catch (e) {
          sometimes(true, 'file.journal_tail_cut_failed_refused');
          throw new TsoError('DRIVER_PERMANENT', `cutting the torn tail of ${journalPath} failed: ${describe(e)}`, { path: journalPath });
        }
      }
      const loaded = [...(stored !== null ? ['state'] : []), ...(storedLeases !== null ? [LEASES_FILE] : []), ...(denseBytes !== null ? [DENSE_FILE] : []), ...(journalBytes !== null ? [SEQ_JOURNAL_FILE] : [])];
      await makeLoadedDurable(disk, dir, loaded);
      return new FileDriver(
        disk,
        dir,
        lock,
        highWaterMs,
        storedLeases ?? [],
        { ledger: recovered.ledger, hadSnapshot: recovered.hadSnapshot, journalBytes: recovered.journalValidBytes, journalExists: journalBytes !== null },
        options,
        options.faults ?? {},
      );
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /**
   * Seeds a new data directory with a high-water (migration from another timestamp source).
   * Refuses a directory that already holds state.
   */
  static async init(disk: Disk, dir: string, seedPhysicalMs: number): Promise<void> {
    if (!Number.isSafeInteger(seedPhysicalMs) || seedPhysicalMs < 0 || seedPhysicalMs > PHYSICAL_MS_MAX) {
      throw new TsoError('INVALID_ARGUMENT', `seed ${seedPhysicalMs} is not a physical ms in [0, ${PHYSICAL_MS_MAX}]`);
    }
    await disk.mkdirp(dir);
    const lock = await takeLock(disk, dir);
    try {
      if ((await disk.size(join(dir, 'state'))) !== null) {
        throw new TsoError('DRIVER_ALREADY_INITIALIZED', `${dir} already holds a state file; refusing to overwrite it`, { dir });
      }
      await atomicReplace(disk, join(dir, 'state'), encodeHighWaterRecord(seedPhysicalMs));
    } finally {
      await lock.release();
    }
  }

  subscribeLeadership(listener: (state: LeaderState) => void): () => void {
    listener({ kind: 'leader', epoch: FILE_DRIVER_EPOCH });
    return () => {};
  }

  /** The published high-water is the durable one: a single node is trivially linearized. */
  async loadHighWater(): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    return { ok: true, highWaterMs: this.highWaterMs };
  }

  persistHighWater(atLeastMs: number, _epoch: bigint): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    // The range guard runs before anything is written: an out-of-range high-water would poison
    // every later start, and it can never shrink.
    if (!Number.isSafeInteger(atLeastMs) || atLeastMs < 0 || atLeastMs > PHYSICAL_MS_MAX) {
      return Promise.resolve(driverFailure('DRIVER_OUT_OF_RANGE', `high-water ${atLeastMs} is above ${PHYSICAL_MS_MAX}`));
    }
    const run = this.highWaterChain.then(() => this.persistSerialized(atLeastMs));
    this.highWaterChain = run;
    return run;
  }

  private async persistSerialized(atLeastMs: number): Promise<DriverResult<{ readonly highWaterMs: number }>> {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    if (atLeastMs <= this.highWaterMs) return { ok: true, highWaterMs: this.highWaterMs };
    const path = join(this.dir, 'state');
    const record = encodeHighWaterRecord(atLeastMs);
    try {
      if (this.faults.publishHighWaterBeforeFsync === true) {
        // Planted bug: the value is published and returned while it is still only in the page cache.
        this.highWaterMs = atLeastMs;
        await this.disk.writeFile(`${path}.tmp`, record);
        await this.disk.rename(`${path}.tmp`, path);
        return { ok: true, highWaterMs: atLeastMs };
      }
      await atomicReplace(this.disk, path, record, this.faults);
    } catch (e) {
      sometimes(true, 'file.high_water_write_failed');
      return driverFailure('DRIVER_PERMANENT', `persisting the high-water failed: ${describe(e)}`);
    }
    assert(atLeastMs > this.highWaterMs, 'high_water_never_goes_back');
    this.highWaterMs = atLeastMs;
    return { ok: true, highWaterMs: atLeastMs };
  }

  /** The published set is the durable one (a single node is trivially linearized). */
  async loadLeases(): Promise<DriverResult<{ readonly leases: readonly LeaseRecord[] }>> {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    return { ok: true, leases: this.leases };
  }

  /** Replaces the lease set durably (atomic replace of `leases`); writes are serialized. */
  persistLeases(leases: readonly LeaseRecord[], _epoch: bigint): Promise<DriverResult<Record<never, never>>> {
    const run = this.leaseChain.then(() => this.persistLeasesSerialized(leases));
    this.leaseChain = run;
    return run;
  }

  private async persistLeasesSerialized(leases: readonly LeaseRecord[]): Promise<DriverResult<Record<never, never>>> {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    const path = join(this.dir, LEASES_FILE);
    const record = encodeLeaseRecord(leases);
    try {
      if (this.faults.answerLeasesBeforeDurable === true) {
        // Planted bug: the set is published and answered while it is still only in the page cache.
        this.leases = leases;
        await this.disk.writeFile(`${path}.tmp`, record);
        await this.disk.rename(`${path}.tmp`, path);
        return { ok: true };
      }
      await atomicReplace(this.disk, path, record, this.faults);
    } catch (e) {
      sometimes(true, 'file.lease_write_failed');
      return driverFailure('DRIVER_PERMANENT', `persisting the lease set failed: ${describe(e)}`);
    }
    this.leases = leases;
    return { ok: true };
  }

  advanceSeq(request: SeqAdvanceRequest, _epoch: bigint): Promise<DriverResult<SeqBlockResult>> {
    if (this.closed) return Promise.resolve(driverFailure('DRIVER_PERMANENT', 'driver closed'));
    const invalid = this.durable.validate(request);
    if (invalid !== null) return Promise.resolve(driverFailure(invalid.code, invalid.message ?? invalid.code));
    return this.enqueue(request, 1, (o) => (o.ok ? ('grants' in o ? unexpectedShape() : { ok: true, start: o.start, count: o.count }) : failureOf(o)));
  }

  advanceSeqBatch(request: SeqBatchRequest, _epoch: bigint): Promise<DriverResult<SeqBatchGrants>> {
    if (this.closed) return Promise.resolve(driverFailure('DRIVER_PERMANENT', 'driver closed'));
    const invalid = seqBatchProblem(request.entries);
    if (invalid !== null) return Promise.resolve(driverFailure(invalid.code, invalid.message ?? invalid.code));
    return this.enqueue(request, request.entries.length, (o) => (o.ok ? ('grants' in o ? { ok: true, grants: o.grants } : unexpectedShape()) : failureOf(o)));
  }

  private enqueue<T>(request: SeqLedgerRequest, entries: number, answer: (outcome: SeqLedgerResult | DriverFailure) => DriverResult<T>): Promise<DriverResult<T>> {
    if (this.pending.length >= SEQ_GROUP_COMMIT_QUEUE_MAX) {
      return Promise.resolve(driverFailure('DRIVER_TRANSIENT', 'too many sequence requests waiting for the disk'));
    }
    return new Promise((resolve) => {
      this.pending.push({ request, entries, resolve: (outcome) => resolve(answer(outcome)) });
      if (this.ledgerWriteInFlight === null) this.ledgerWriteInFlight = this.flushLedger();
    });
  }

  /** The next round: waiting requests in arrival order, at most SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX entries. */
  private nextRound(): PendingAdvance[] {
    let entries = 0;
    let take = 0;
    for (const p of this.pending) {
      if (entries + p.entries > SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX) break;
      entries += p.entries;
      take += 1;
    }
    return this.pending.splice(0, take);
  }

  /** Drains the queue: each round applies the waiting requests and journals them in one record. */
  private async flushLedger(): Promise<void> {
    // Let the requests that arrive in the same turn join the first write.
    await Promise.resolve();
    while (this.pending.length > 0) {
      const batch = this.nextRound();
      assert(this.working.applySeq === this.durable.applySeq, 'working_ledger_equals_durable_between_batches');
      const applySeqBefore = this.durable.applySeq;
      const outcomes = batch.map((p) => this.working.apply(p.request));
      // Failed requests change nothing, so the record holds only the ones that succeeded.
      const applied: SeqLedgerRequest[] = [];
      outcomes.forEach((o, i) => {
        if (o.ok) applied.push((batch[i] as PendingAdvance).request);
      });
      if (applied.length > 0) {
        // The sync may wait on this thread (drivers/node/disk.ts: ~80 µs less per commit than a
        // thread-pool round trip, while the disk is fast): the requests that arrive meanwhile
        // wait in the socket buffers and form the next batch as soon as this one is answered.
        // Measured at 16 and 256 callers, that is faster than queueing them here while the pool
        // syncs (bench/README.md). Only when the disk is slow does the sync leave this thread.
        const failure = await this.appendBatch({ applySeqBefore, requests: applied });
        if (failure !== null) {
          // Nothing of the batch is published; the next batch starts again from the durable
          // ledger, so the ledger never has a hole. The batch's outcome on disk is unknown.
          sometimes(true, 'file.journal_write_failed');
          this.working = this.durable.clone();
          const answer = driverFailure('DRIVER_PERMANENT', `persisting the sequence ledger failed: ${failure}`);
          for (const p of batch) p.resolve(answer);
          continue;
        }
        this.publish(applied, outcomes);
      }
      batch.forEach((p, i) => {
        const o = outcomes[i];
        assert(o !== undefined, 'one_outcome_per_request');
        p.resolve(o);
      });
      if (!this.rewriteNeeded && this.journalBytes >= this.journalCompactBytes) await this.compact();
    }
    this.ledgerWriteInFlight = null;
  }

  /** Applies a batch whose record is durable to `durable`: the same requests, the same outcomes. */
  private publish(applied: readonly SeqLedgerRequest[], outcomes: readonly SeqLedgerResult[]): void {
    assert(seqJournalEntries(applied) <= SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX, 'seq_round_entries_bounded');
    let next = 0;
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      const again = this.durable.apply(applied[next] as SeqLedgerRequest);
      next += 1;
      assert(sameOutcome(again, outcome), 'durable_ledger_repeats_the_working_outcome');
    }
    assert(next === applied.length && this.durable.applySeq === this.working.applySeq, 'durable_ledger_caught_up_with_working');
  }

  /** Appends one record and makes it durable; a failure message, or null once it is durable. */
  private async appendBatch(record: SeqJournalRecord): Promise<string | null> {
    const path = this.journalPath;
    try {
      if (this.closed) throw new Error('driver closed');
      if (this.rewriteNeeded) await this.rewrite();
      const bytes = encodeSeqJournalRecord(record);
      // The journal's records end at journalBytes (a zero fill may follow): append there.
      this.journal ??= await this.disk.openAppend(path, { endBytes: this.journalBytes, zeroFillAheadBytes: this.journalZeroFillBytes });
      // From the first byte appended, the journal's contents are unknown until the sync returns.
      this.rewriteNeeded = true;
      await this.journal.append(bytes);
      await this.journal.sync({ inline: true });
      if (!this.journalEntryDurable) {
        // The append created the file: its name is durable only once the directory is synced.
        if (this.faults.skipDirFsync !== true) await this.disk.fsyncDir(this.dir);
        this.journalEntryDurable = true;
      }
      this.rewriteNeeded = false;
      this.journalBytes += bytes.length;
      return null;
    } catch (e) {
      return describe(e);
    }
  }

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
  private async rewrite(): Promise<void> {
    await atomicReplace(this.disk, join(this.dir, DENSE_FILE), encodeSeqLedgerRecord(this.durable.snapshot()), this.faults);
    // The handle must not outlive the file it appends to: the next commit opens the new one.
    await this.closeJournal();
    const path = this.journalPath;
    if ((await this.disk.size(path)) !== null) {
      sometimes(this.durable.applySeq > 0n, 'file.dense_rewritten_journal_removed');
      this.rewriteNeeded = true;
      await this.disk.remove(path);
      this.journalEntryDurable = false;
    }
    this.journalBytes = 0;
    this.rewriteNeeded = false;
  }

  /**
   * Closes the journal handle, if open. A close error is ignored: every record the handle wrote
   * was either synced (a close cannot undo a sync that returned) or failed and is being thrown
   * away (rewrite), or is left for recovery to judge (close of the driver).
   */
  private async closeJournal(): Promise<void> {
    const journal = this.journal;
    if (journal === null) return;
    this.journal = null;
    await journal.close().catch(() => undefined);
  }

  /** Compaction between batches. A failure answers no one: the next append retries if needed. */
  private async compact(): Promise<void> {
    try {
      if (!this.closed) await this.rewrite();
      sometimes(!this.closed, 'file.journal_compacted');
    } catch {
      // A failure before the journal was touched leaves it intact (and compaction is retried
      // after the next batch); after, `rewriteNeeded` is set and the next append rewrites first.
    }
  }

  async loadSeq(key: string): Promise<DriverResult<{ readonly next: bigint }>> {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    return { ok: true, next: this.durable.get(key) };
  }

  /** The durable high-water (for tests, metrics and the simulator's checkers). */
  get durableHighWaterMs(): number {
    return this.highWaterMs;
  }

  /** A snapshot of the durable ledger (for tests and checkers). */
  ledgerSnapshot(): SeqLedgerSnapshot {
    return this.durable.snapshot();
  }

  /**
   * Waits for the writes in flight, folds the journal into `dense` (so a cleanly stopped
   * directory holds its whole ledger in `dense`, and the next open replays nothing), and
   * releases the lock. A failed fold loses nothing: the journal is still there.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.highWaterChain;
    if (this.ledgerWriteInFlight !== null) await this.ledgerWriteInFlight;
    // From here advanceSeq refuses and no flush can start: the fold below is the only writer.
    this.closed = true;
    // A directory whose journal holds nothing since the last snapshot is left as it is (a new
    // directory that served no getSeq gets no files).
    if (this.foldJournalOnClose && (this.journalBytes > 0 || (this.rewriteNeeded && this.durable.applySeq > 0n))) {
      try {
        await this.rewrite();
      } catch {
        // Recovery at the next open replays the journal instead.
      }
    }
    await this.closeJournal();
    await this.lock.release();
  }
}
