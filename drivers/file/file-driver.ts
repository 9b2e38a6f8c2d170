// The file driver: a single-node, fsync-durable consensus driver. One process owns a data
// directory:
//   LOCK    an exclusive flock held for the life of the process (released by the kernel when the
//           process dies); a second process on the same directory fails with "already locked"
//           and touches nothing.
//   state   the 17-byte TSOR high-water record (byte-compatible with the Rust original).
//   dense   the TSOD sequence-ledger record (counters + exactly-once client sessions).
// Both records are replaced atomically (tmp, fsync, rename, fsync dir) and published in memory
// only after that, so nothing is ever served from a value a crash could take back.
//
// Group commit: getSeq advances that arrive while a ledger write is in flight queue up and go to
// disk together in the next write; each caller is answered only after the write holding its block
// is durable. A failed write answers its whole batch with DRIVER_PERMANENT and publishes nothing;
// the next batch starts again from the last durable ledger, so the ledger never has a hole.
//
// Leadership: this driver is always the leader of epoch 0 (there is no one else).

import { DecodeError, TsoError } from '../../core/errors.js';
import { PHYSICAL_MS_MAX, SEQ_GROUP_COMMIT_QUEUE_MAX, SEQ_KEY_CARDINALITY_CAP_DEFAULT } from '../../core/limits.js';
import { SeqLedger, seqLedgerStateProblem, type SeqAdvanceRequest, type SeqLedgerSnapshot } from '../../core/ledger.js';
import { decodeHighWaterRecord, encodeHighWaterRecord } from '../../core/records/high-water.js';
import { decodeSeqLedgerRecord, encodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import { assert } from '../../core/assert.js';
import type { ConsensusDriver, DriverResult, LeaderState, SeqBlockResult } from '../driver.js';
import { driverFailure } from '../driver.js';
import { DiskError, type Disk, type DiskLock } from '../ports.js';
import { atomicReplace } from './atomic.js';

export const FILE_DRIVER_EPOCH = 0n;

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
  faults?: FileDriverFaults;
}

interface PendingAdvance {
  readonly request: SeqAdvanceRequest;
  readonly resolve: (result: DriverResult<SeqBlockResult>) => void;
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
      throw new TsoError('DRIVER_PERMANENT', `${path} is corrupt (${e.code}); refusing to start`, { path, code: e.code });
    }
    throw e;
  }
}

/**
 * What a crash left may be in the page cache only: a process killed between a rename and its
 * directory fsync leaves the new record readable but not durable, and a power loss later can
 * take it back. A value loaded from it must not be published (as the durable high-water, or as
 * a replayed sequence block) before it is durable, so the loaded records are synced first.
 */
async function makeLoadedDurable(disk: Disk, dir: string, state: boolean, dense: boolean): Promise<void> {
  if (!state && !dense) return;
  try {
    if (state) await disk.fsync(join(dir, 'state'));
    if (dense) await disk.fsync(join(dir, 'dense'));
    await disk.fsyncDir(dir);
  } catch (e) {
    throw new TsoError('DRIVER_PERMANENT', `making the records of ${dir} durable failed: ${describe(e)}`, { dir });
  }
}

/** The TSOD record's format is checked by its decoder; a ledger's consistency only by the ledger. */
function decodeConsistentLedger(bytes: Uint8Array): SeqLedgerSnapshot {
  const snapshot = decodeSeqLedgerRecord(bytes);
  const problem = seqLedgerStateProblem(snapshot);
  if (problem !== undefined) throw new DecodeError('RECORD_MALFORMED', `inconsistent sequence ledger: ${problem}`);
  return snapshot;
}

export class FileDriver implements ConsensusDriver {
  private highWaterMs: number;
  private highWaterChain: Promise<unknown> = Promise.resolve();
  private ledger: SeqLedger;
  private readonly pending: PendingAdvance[] = [];
  private ledgerWriteInFlight: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly disk: Disk,
    readonly dir: string,
    private readonly lock: DiskLock,
    highWaterMs: number,
    ledger: SeqLedger,
    private readonly faults: FileDriverFaults,
  ) {
    this.highWaterMs = highWaterMs;
    this.ledger = ledger;
  }

  /** Opens (creating if needed) the data directory `dir`, holding its LOCK until `close()`. */
  static async open(disk: Disk, dir: string, options: FileDriverOptions = {}): Promise<FileDriver> {
    await disk.mkdirp(dir);
    const lock = await takeLock(disk, dir);
    try {
      const stored = await readRecord(disk, join(dir, 'state'), decodeHighWaterRecord);
      const highWaterMs = stored ?? 0;
      const snapshot = await readRecord(disk, join(dir, 'dense'), decodeConsistentLedger);
      await makeLoadedDurable(disk, dir, stored !== null, snapshot !== null);
      const ledger =
        snapshot === null
          ? new SeqLedger({ keyCap: options.seqKeyCap ?? SEQ_KEY_CARDINALITY_CAP_DEFAULT })
          : SeqLedger.fromSnapshot(snapshot);
      return new FileDriver(disk, dir, lock, highWaterMs, ledger, options.faults ?? {});
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
      return driverFailure('DRIVER_PERMANENT', `persisting the high-water failed: ${describe(e)}`);
    }
    assert(atLeastMs > this.highWaterMs, 'high_water_never_goes_back');
    this.highWaterMs = atLeastMs;
    return { ok: true, highWaterMs: atLeastMs };
  }

  advanceSeq(request: SeqAdvanceRequest, _epoch: bigint): Promise<DriverResult<SeqBlockResult>> {
    if (this.closed) return Promise.resolve(driverFailure('DRIVER_PERMANENT', 'driver closed'));
    const invalid = this.ledger.validate(request);
    if (invalid !== null) return Promise.resolve(driverFailure(invalid.code, invalid.message ?? invalid.code));
    if (this.pending.length >= SEQ_GROUP_COMMIT_QUEUE_MAX) {
      return Promise.resolve(driverFailure('DRIVER_TRANSIENT', 'too many sequence requests waiting for the disk'));
    }
    return new Promise((resolve) => {
      this.pending.push({ request, resolve });
      if (this.ledgerWriteInFlight === null) this.ledgerWriteInFlight = this.flushLedger();
    });
  }

  /** Drains the queue: each round applies every waiting request to a copy and writes it once. */
  private async flushLedger(): Promise<void> {
    // Let the requests that arrive in the same turn join the first write.
    await Promise.resolve();
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.pending.length);
      const working = this.ledger.clone();
      const outcomes = batch.map((p) => working.advance(p.request));
      const changed = outcomes.some((o) => o.ok && !o.replayed);
      if (changed) {
        try {
          if (this.closed) throw new Error('driver closed');
          await atomicReplace(this.disk, join(this.dir, 'dense'), encodeSeqLedgerRecord(working.snapshot()), this.faults);
        } catch (e) {
          const failure = driverFailure('DRIVER_PERMANENT', `persisting the sequence ledger failed: ${describe(e)}`);
          for (const p of batch) p.resolve(failure);
          continue;
        }
        this.ledger = working;
      }
      batch.forEach((p, i) => {
        const o = outcomes[i];
        assert(o !== undefined, 'one_outcome_per_request');
        p.resolve(o.ok ? { ok: true, start: o.start, count: o.count } : driverFailure(o.code, o.message ?? o.code));
      });
    }
    this.ledgerWriteInFlight = null;
  }

  async loadSeq(key: string): Promise<DriverResult<{ readonly next: bigint }>> {
    if (this.closed) return driverFailure('DRIVER_PERMANENT', 'driver closed');
    return { ok: true, next: this.ledger.get(key) };
  }

  /** The durable high-water (for tests, metrics and the simulator's checkers). */
  get durableHighWaterMs(): number {
    return this.highWaterMs;
  }

  /** A snapshot of the durable ledger (for tests and checkers). */
  ledgerSnapshot(): ReturnType<SeqLedger['snapshot']> {
    return this.ledger.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.highWaterChain;
    if (this.ledgerWriteInFlight !== null) await this.ledgerWriteInFlight;
    this.closed = true;
    await this.lock.release();
  }
}
