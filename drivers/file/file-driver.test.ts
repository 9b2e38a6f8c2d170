import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsoError } from '../../core/errors.js';
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { decodeHighWaterRecord } from '../../core/records/high-water.js';
import { encodeSeqJournalRecord, scanSeqJournal } from '../../core/records/seq-journal.js';
import { decodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import type { DriverResult, SeqBlockResult } from '../driver.js';
import { NodeDisk } from '../node/disk.js';
import { makeTempDir } from '../node/test-support.js';
import { DiskError, type AppendHandle, type Disk, type DiskLock } from '../ports.js';
import { FileDriver, type FileDriverOptions } from './file-driver.js';
import { recoverSeqLedger, type RecoveredSeqLedger } from './seq-recovery.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function tempDir(): Promise<string> {
  const t = await makeTempDir('tsoracle-file-driver-');
  cleanups.push(t.remove);
  return t.dir;
}

async function open(dir: string): Promise<FileDriver> {
  const d = await FileDriver.open(new NodeDisk(), dir);
  cleanups.unshift(() => d.close());
  return d;
}

const req = (key: string, count: number, clientId: bigint, requestId: bigint) => ({ key, count, clientId, requestId });

/** A close that leaves the files as a kill -9 would: the next open takes the recovery path. */
const KILLED_ON_CLOSE: FileDriverOptions = { foldJournalOnClose: false };

async function readOrNull(path: string): Promise<Uint8Array | null> {
  return readFile(path).catch(() => null);
}

/** The ledger a data directory holds, read straight from its files. */
async function recoveredFrom(dir: string): Promise<RecoveredSeqLedger> {
  return recoverSeqLedger(await readOrNull(join(dir, 'dense')), await readOrNull(join(dir, 'dense.journal')), 10_000, dir);
}

describe('FileDriver', () => {
  it('reports itself the leader of epoch 0 at once, on subscription', async () => {
    const d = await open(await tempDir());
    const seen: unknown[] = [];
    d.subscribeLeadership((s) => seen.push(s));
    expect(seen).toEqual([{ kind: 'leader', epoch: 0n }]);
  });

  it('starts a new directory at high-water 0 and persists with max semantics', async () => {
    const d = await open(await tempDir());
    expect(await d.loadHighWater()).toEqual({ ok: true, highWaterMs: 0 });
    expect(await d.persistHighWater(1_000, 0n)).toEqual({ ok: true, highWaterMs: 1_000 });
    expect(await d.persistHighWater(500, 0n)).toEqual({ ok: true, highWaterMs: 1_000 });
    expect(await d.loadHighWater()).toEqual({ ok: true, highWaterMs: 1_000 });
  });

  it('writes the 17-byte TSOR record, atomically replaced, and reads it back after a restart', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir);
    await d.persistHighWater(1_700_000_123_456, 0n);
    await d.close();
    const bytes = await readFile(join(dir, 'state'));
    expect(bytes.length).toBe(17);
    expect(decodeHighWaterRecord(bytes)).toBe(1_700_000_123_456);
    const again = await open(dir);
    expect(await again.loadHighWater()).toEqual({ ok: true, highWaterMs: 1_700_000_123_456 });
  });

  it('refuses a high-water above the 46-bit cap before writing anything', async () => {
    const dir = await tempDir();
    const d = await open(dir);
    expect(await d.persistHighWater(PHYSICAL_MS_MAX + 1, 0n)).toMatchObject({ ok: false, code: 'DRIVER_OUT_OF_RANGE' });
    await expect(readFile(join(dir, 'state'))).rejects.toThrow();
  });

  it('a second open of a held directory fails with DRIVER_ALREADY_LOCKED and touches nothing', async () => {
    const dir = await tempDir();
    await open(dir);
    const err = await FileDriver.open(new NodeDisk(), dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsoError);
    expect((err as TsoError).code).toBe('DRIVER_ALREADY_LOCKED');
    expect((err as TsoError).message).toContain('already locked');
  });

  it('init seeds a new directory and refuses one that already holds state', async () => {
    const dir = await tempDir();
    await FileDriver.init(new NodeDisk(), dir, 1_800_000_000_000);
    const err = await FileDriver.init(new NodeDisk(), dir, 5).catch((e: unknown) => e);
    expect((err as TsoError).code).toBe('DRIVER_ALREADY_INITIALIZED');
    const d = await open(dir);
    expect(await d.loadHighWater()).toEqual({ ok: true, highWaterMs: 1_800_000_000_000 });
  });

  it('refuses to start on a corrupt state file with a clear error', async () => {
    const dir = await tempDir();
    await FileDriver.init(new NodeDisk(), dir, 42);
    const bytes = await readFile(join(dir, 'state'));
    bytes[7] = (bytes[7] ?? 0) ^ 0x10;
    await writeFile(join(dir, 'state'), bytes);
    const err = await FileDriver.open(new NodeDisk(), dir).catch((e: unknown) => e);
    expect((err as TsoError).code).toBe('DRIVER_PERMANENT');
    expect((err as TsoError).message).toContain('RECORD_CRC_MISMATCH');
    // The lock was released: a later open with a repaired file works.
    await writeFile(join(dir, 'state'), new Uint8Array(0));
    await expect(FileDriver.open(new NodeDisk(), dir)).rejects.toThrow(/RECORD_TOO_SHORT/);
  });

  it('advances sequences durably, exactly once, and survives a restart', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir);
    expect(await d.advanceSeq(req('orders', 10, 1n, 1n), 0n)).toEqual({ ok: true, start: 0n, count: 10 });
    expect(await d.advanceSeq(req('orders', 5, 1n, 2n), 0n)).toEqual({ ok: true, start: 10n, count: 5 });
    await d.close();
    const again = await open(dir);
    expect(await again.advanceSeq(req('orders', 10, 1n, 1n), 0n)).toEqual({ ok: true, start: 0n, count: 10 });
    expect(await again.advanceSeq(req('orders', 1, 1n, 3n), 0n)).toEqual({ ok: true, start: 15n, count: 1 });
    expect(await again.loadSeq('orders')).toEqual({ ok: true, next: 16n });
  });

  it('group-commits concurrent advances into fewer writes, each block disjoint and the ledger gapless', async () => {
    const dir = await tempDir();
    const d = await open(dir);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => d.advanceSeq(req('k', 1 + (i % 3), 9n, BigInt(i + 1)), 0n)));
    const blocks = answers.map((a) => {
      if (!a.ok) throw new Error(a.code);
      return [a.start, a.start + BigInt(a.count)] as const;
    });
    blocks.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    let next = 0n;
    for (const [s, e] of blocks) {
      expect(s).toBe(next);
      next = e;
    }
    // What the directory holds: the snapshot with the journal replayed on it.
    const onDisk = await recoveredFrom(dir);
    expect(onDisk.ledger.snapshot().counters).toEqual([['k', next]]);
    expect(onDisk.recordsReplayed).toBeLessThan(200);
  });

  it('answers validation failures without writing', async () => {
    const dir = await tempDir();
    const d = await open(dir);
    expect(await d.advanceSeq(req('', 1, 1n, 1n), 0n)).toMatchObject({ ok: false, code: 'INVALID_SEQ_KEY' });
    expect(await d.advanceSeq(req('k', 0, 1n, 1n), 0n)).toMatchObject({ ok: false, code: 'INVALID_SEQ_COUNT' });
    await expect(readFile(join(dir, 'dense'))).rejects.toThrow();
  });

  it('refuses a new key past the cap while existing keys still advance', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir, { seqKeyCap: 2 });
    cleanups.unshift(() => d.close());
    expect((await d.advanceSeq(req('a', 1, 1n, 1n), 0n)).ok).toBe(true);
    expect((await d.advanceSeq(req('b', 1, 1n, 2n), 0n)).ok).toBe(true);
    expect(await d.advanceSeq(req('c', 1, 1n, 3n), 0n)).toMatchObject({ ok: false, code: 'SEQ_KEY_CARDINALITY_EXCEEDED' });
    expect(await d.advanceSeq(req('a', 1, 1n, 4n), 0n)).toEqual({ ok: true, start: 1n, count: 1 });
  });
});

/**
 * The real disk with scripted failures: the Disk port's own failure modes (DISK_IO), injected
 * at chosen calls so the driver's error paths run against real files. A failed fsync keeps the
 * written bytes in the file: harsher than Linux (which drops them), so a driver that appended
 * after it without rewriting would leave the failed record in the journal for a restart to see.
 */
class ScriptedDisk implements Disk {
  private readonly inner = new NodeDisk();
  /** Calls to fail: operation and a path suffix; each rule fires once, after `skip` matches. */
  readonly failures: Array<{ op: 'fsync' | 'remove' | 'append'; path: string; skip: number }> = [];
  /** Path suffixes whose next read returns the contents with the last byte flipped. */
  readonly corruptNextRead: string[] = [];
  /** While set, fsyncs of journal files wait for it (and `fsyncReached` resolves). */
  holdJournalFsync: Promise<void> | null = null;
  /** How each append handle's sync was asked for: inline (a lone request) or through the pool. */
  readonly syncs: Array<'inline' | 'pool'> = [];
  private reached: (() => void) | null = null;
  readonly fsyncReached = new Promise<void>((resolve) => (this.reached = resolve));

  private check(op: 'fsync' | 'remove' | 'append', path: string): void {
    const rule = this.failures.find((f) => f.op === op && path.endsWith(f.path));
    if (rule === undefined) return;
    if (rule.skip > 0) {
      rule.skip -= 1;
      return;
    }
    this.failures.splice(this.failures.indexOf(rule), 1);
    throw new DiskError('DISK_IO', `${op} ${path}: injected failure`);
  }

  async read(path: string): Promise<Uint8Array | null> {
    const bytes = await this.inner.read(path);
    const i = this.corruptNextRead.findIndex((p) => path.endsWith(p));
    if (i < 0 || bytes === null || bytes.length === 0) return bytes;
    this.corruptNextRead.splice(i, 1);
    const copy = bytes.slice();
    copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 0xff;
    return copy;
  }
  write(path: string, offset: number, data: Uint8Array): Promise<void> {
    return this.inner.write(path, offset, data);
  }
  writeFile(path: string, data: Uint8Array): Promise<void> {
    return this.inner.writeFile(path, data);
  }
  async append(path: string, data: Uint8Array): Promise<void> {
    this.check('append', path);
    await this.inner.append(path, data);
  }
  /** Paths whose next truncate fails with DISK_FULL (an injected full disk). */
  readonly failNextTruncate: string[] = [];

  truncate(path: string, length: number): Promise<void> {
    const i = this.failNextTruncate.findIndex((p) => path.endsWith(p));
    if (i >= 0) {
      this.failNextTruncate.splice(i, 1);
      return Promise.reject(new DiskError('DISK_FULL', `no space left (injected): ${path}`));
    }
    return this.inner.truncate(path, length);
  }
  async fsync(path: string): Promise<void> {
    await this.beforeFsync(path);
    await this.inner.fsync(path);
  }
  /** A handle whose appends and syncs go through the same scripted failures and holds. */
  async openAppend(path: string): Promise<AppendHandle> {
    const inner = await this.inner.openAppend(path);
    return {
      append: async (data) => {
        this.check('append', path);
        await inner.append(data);
      },
      sync: async (options) => {
        this.syncs.push(options?.inline === true ? 'inline' : 'pool');
        await this.beforeFsync(path);
        await inner.sync(options);
      },
      close: () => inner.close(),
    };
  }
  private async beforeFsync(path: string): Promise<void> {
    this.check('fsync', path);
    if (this.holdJournalFsync !== null && path.endsWith('dense.journal')) {
      this.reached?.();
      await this.holdJournalFsync;
    }
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  fsyncDir(dir: string): Promise<void> {
    return this.inner.fsyncDir(dir);
  }
  mkdirp(dir: string): Promise<void> {
    return this.inner.mkdirp(dir);
  }
  async remove(path: string): Promise<void> {
    this.check('remove', path);
    await this.inner.remove(path);
  }
  list(dir: string): Promise<string[]> {
    return this.inner.list(dir);
  }
  size(path: string): Promise<number | null> {
    return this.inner.size(path);
  }
  lock(path: string): Promise<DiskLock> {
    return this.inner.lock(path);
  }
}

/** `disk`, logging each call (by operation, and the file name for fsync and remove) into `calls`. */
function countingDisk(disk: Disk, calls: string[]): Disk {
  const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
  return {
    read: (p) => disk.read(p),
    write: (p, o, d) => (calls.push('write'), disk.write(p, o, d)),
    writeFile: (p, d) => (calls.push('writeFile'), disk.writeFile(p, d)),
    append: (p, d) => (calls.push('append'), disk.append(p, d)),
    openAppend: async (p) => {
      calls.push('openAppend');
      const handle = await disk.openAppend(p);
      return {
        append: (d) => (calls.push('handle.append'), handle.append(d)),
        sync: (options) => (calls.push(options?.inline === true ? 'handle.sync inline' : 'handle.sync'), handle.sync(options)),
        close: () => (calls.push('handle.close'), handle.close()),
      };
    },
    truncate: (p, l) => (calls.push('truncate'), disk.truncate(p, l)),
    fsync: (p) => (calls.push(`fsync ${base(p)}`), disk.fsync(p)),
    rename: (f, t) => (calls.push('rename'), disk.rename(f, t)),
    fsyncDir: (d) => (calls.push('fsyncDir'), disk.fsyncDir(d)),
    mkdirp: (d) => disk.mkdirp(d),
    remove: (p) => (calls.push(`remove ${base(p)}`), disk.remove(p)),
    list: (d) => disk.list(d),
    size: (p) => (calls.push('size'), disk.size(p)),
    lock: (p) => disk.lock(p),
  };
}

async function openWith(disk: Disk, dir: string, options: FileDriverOptions = {}): Promise<FileDriver> {
  const d = await FileDriver.open(disk, dir, options);
  cleanups.unshift(() => d.close());
  return d;
}

function blockOf(result: DriverResult<SeqBlockResult>): readonly [bigint, number] {
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return [result.start, result.count];
}

describe('FileDriver sequence journal', () => {
  it('appends one journal record per group commit and leaves dense alone', async () => {
    const dir = await tempDir();
    const d = await open(dir);
    expect(blockOf(await d.advanceSeq(req('k', 2, 1n, 1n), 0n))).toEqual([0n, 2]);
    // A new directory writes its first snapshot (with the key cap) before its first record.
    const dense = await readFile(join(dir, 'dense'));
    expect(decodeSeqLedgerRecord(dense).applySeq).toBe(0n);
    for (let id = 2n; id <= 5n; id++) blockOf(await d.advanceSeq(req('k', 1, 1n, id), 0n));
    expect(await readFile(join(dir, 'dense'))).toEqual(dense);
    const scan = scanSeqJournal(await readFile(join(dir, 'dense.journal')));
    expect(scan.records.map((r) => [r.applySeqBefore, r.requests.length])).toEqual([
      [0n, 1],
      [1n, 1],
      [2n, 1],
      [3n, 1],
      [4n, 1],
    ]);
    expect(scan.tailProblem).toBeUndefined();
  });

  it('replays the journal on restart: counters, sessions and exactly-once answers', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir, KILLED_ON_CLOSE);
    const first = await Promise.all(Array.from({ length: 60 }, (_, i) => d.advanceSeq(req(`k${i % 3}`, 1 + (i % 4), BigInt(1 + (i % 5)), BigInt(1 + i)), 0n)));
    const second = await Promise.all(Array.from({ length: 30 }, (_, i) => d.advanceSeq(req(`k${i % 2}`, 7, BigInt(1 + (i % 5)), BigInt(100 + i)), 0n)));
    const before = d.ledgerSnapshot();
    await d.close();
    expect((await recoveredFrom(dir)).recordsReplayed).toBeGreaterThan(1);
    const again = await open(dir);
    expect(again.ledgerSnapshot()).toEqual(before);
    // Every retry gets the block it got before, whichever batch it was in.
    const retried = await Promise.all([
      ...Array.from({ length: 60 }, (_, i) => again.advanceSeq(req(`k${i % 3}`, 1 + (i % 4), BigInt(1 + (i % 5)), BigInt(1 + i)), 0n)),
      ...Array.from({ length: 30 }, (_, i) => again.advanceSeq(req(`k${i % 2}`, 7, BigInt(1 + (i % 5)), BigInt(100 + i)), 0n)),
    ]);
    expect(retried).toEqual([...first, ...second]);
    expect(await again.loadSeq('k0')).toEqual({ ok: true, next: before.counters.find(([k]) => k === 'k0')?.[1] });
  });

  it('cuts a torn tail off at open and keeps every whole record', async () => {
    for (const tear of ['short', 'zeroed', 'inside the zero fill'] as const) {
      const dir = await tempDir();
      const d = await FileDriver.open(new NodeDisk(), dir, KILLED_ON_CLOSE);
      for (let id = 1n; id <= 3n; id++) blockOf(await d.advanceSeq(req('k', 10, 1n, id), 0n));
      await d.close();
      const journal = join(dir, 'dense.journal');
      const file = await readFile(journal);
      // The journal sits in a zero fill: its records end where the zeros start.
      const whole = file.subarray(0, scanSeqJournal(file).validBytes);
      expect(file.length).toBeGreaterThan(whole.length);
      // A fourth record that a crash cut short, or whose last sectors never landed.
      const fourth = encodeSeqJournalRecord({ applySeqBefore: 3n, requests: [req('k', 10, 1n, 4n)] });
      const torn = tear === 'short' ? fourth.subarray(0, 25) : fourth.slice().fill(0, 20);
      await writeFile(journal, tear === 'inside the zero fill' ? Buffer.concat([whole, torn, file.subarray(whole.length + torn.length)]) : Buffer.concat([whole, torn]));
      const again = await open(dir);
      expect((await readFile(journal)).length).toBe(whole.length);
      expect(await again.loadSeq('k')).toEqual({ ok: true, next: 30n });
      expect(await again.advanceSeq(req('k', 10, 1n, 3n), 0n)).toEqual({ ok: true, start: 20n, count: 10 });
      expect(await again.advanceSeq(req('k', 1, 1n, 4n), 0n)).toEqual({ ok: true, start: 30n, count: 1 });
    }
  });

  it('keeps the journal inside a zero fill written ahead of its end, and goes on at its end after a restart', async () => {
    const dir = await tempDir();
    const zeroFill = 4096;
    const d = await FileDriver.open(new NodeDisk(), dir, { ...KILLED_ON_CLOSE, journalZeroFillBytes: zeroFill });
    for (let id = 1n; id <= 3n; id++) blockOf(await d.advanceSeq(req('k', 1, 1n, id), 0n));
    await d.close();
    const journal = join(dir, 'dense.journal');
    const first = await readFile(journal);
    const firstRecords = scanSeqJournal(first);
    expect(firstRecords.records.length).toBe(3);
    expect(firstRecords.zeroTailBytes).toBeGreaterThanOrEqual(zeroFill - 3 * 80);
    // The file did not grow with each commit: one extension holds all three records.
    expect(first.length).toBe(firstRecords.validBytes + firstRecords.zeroTailBytes);
    expect(first.length).toBeLessThanOrEqual(firstRecords.validBytes + zeroFill + 200);
    // A restart appends after the last record, over the zeros, not at the file's end.
    const again = await FileDriver.open(new NodeDisk(), dir, { ...KILLED_ON_CLOSE, journalZeroFillBytes: zeroFill });
    for (let id = 4n; id <= 60n; id++) blockOf(await again.advanceSeq(req('k', 1, 1n, id), 0n));
    await again.close();
    const second = scanSeqJournal(await readFile(journal));
    expect(second.records.map((r) => r.applySeqBefore)).toEqual(Array.from({ length: 60 }, (_, i) => BigInt(i)));
    expect(second.tailProblem).toBeUndefined();
    expect((await open(dir)).ledgerSnapshot().applySeq).toBe(60n);
  });

  it('refuses to start when cutting a torn tail fails (a full disk), and starts from the same files once it can cut it', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir, KILLED_ON_CLOSE);
    for (let id = 1n; id <= 2n; id++) blockOf(await d.advanceSeq(req('k', 1, 1n, id), 0n));
    await d.close();
    const journalPath = join(dir, 'dense.journal');
    const file = await readFile(journalPath);
    const whole = file.subarray(0, scanSeqJournal(file).validBytes);
    const torn = encodeSeqJournalRecord({ applySeqBefore: 2n, requests: [req('k', 1, 1n, 3n)] }).subarray(0, 30);
    await writeFile(journalPath, Buffer.concat([whole, torn]));
    const disk = new ScriptedDisk();
    disk.failNextTruncate.push('dense.journal');
    const err = await FileDriver.open(disk, dir).catch((e: unknown) => e);
    expect((err as TsoError).code).toBe('DRIVER_PERMANENT');
    expect((err as TsoError).message).toMatch(/cutting the torn tail of .*dense\.journal failed/);
    // Nothing was lost or cut: the next start (the disk has room again) cuts it and goes on.
    expect((await readFile(journalPath)).length).toBe(whole.length + torn.length);
    const again = await open(dir);
    expect(await again.loadSeq('k')).toEqual({ ok: true, next: 2n });
  });

  it('refuses to cut a tail that a second read does not confirm (a corrupted read)', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir, KILLED_ON_CLOSE);
    for (let id = 1n; id <= 2n; id++) blockOf(await d.advanceSeq(req('k', 1, 1n, id), 0n));
    await d.close();
    const journal = await readFile(join(dir, 'dense.journal'));
    const disk = new ScriptedDisk();
    disk.corruptNextRead.push('dense.journal');
    const err = await FileDriver.open(disk, dir).catch((e: unknown) => e);
    expect((err as TsoError).code).toBe('DRIVER_PERMANENT');
    expect((err as TsoError).message).toMatch(/read back differently/);
    expect(await readFile(join(dir, 'dense.journal'))).toEqual(journal);
    expect(await (await open(dir)).loadSeq('k')).toEqual({ ok: true, next: 2n });
  });

  it('refuses to start on a corrupt record in the middle of the journal, with a clear error, touching nothing', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir, KILLED_ON_CLOSE);
    for (let id = 1n; id <= 3n; id++) blockOf(await d.advanceSeq(req('k', 1, 1n, id), 0n));
    await d.close();
    const path = join(dir, 'dense.journal');
    const bytes = await readFile(path);
    bytes[30] = (bytes[30] as number) ^ 0x08;
    await writeFile(path, bytes);
    for (let attempt = 0; attempt < 2; attempt++) {
      // Twice: the lock was released, and the file was left as it was.
      const err = await FileDriver.open(new NodeDisk(), dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TsoError);
      expect((err as TsoError).code).toBe('DRIVER_PERMANENT');
      expect((err as TsoError).message).toMatch(/dense\.journal is corrupt \(RECORD_CRC_MISMATCH: .*corrupt at offset 0.*byte\(s\) follow it\); refusing to start/);
      expect(await readFile(path)).toEqual(bytes);
    }
  });

  it('keeps the journal open between group commits: one append and one sync per commit, no open, close or stat', async () => {
    const dir = await tempDir();
    const calls: string[] = [];
    const disk = countingDisk(new NodeDisk(), calls);
    const d = await openWith(disk, dir, { journalCompactBytes: 400 });
    blockOf(await d.advanceSeq(req('k', 1, 1n, 1n), 0n)); // the first commit writes dense and opens the journal
    calls.length = 0;
    for (let id = 2n; id <= 4n; id++) blockOf(await d.advanceSeq(req('k', 1, 1n, id), 0n));
    // Every commit's sync is asked for inline (the disk decides: drivers/node/disk.ts).
    expect(calls).toEqual(['handle.append', 'handle.sync inline', 'handle.append', 'handle.sync inline', 'handle.append', 'handle.sync inline']);
    // Past the bound, compaction closes the handle before it removes the journal, and the next
    // commit opens the new journal (and syncs the directory that now names it).
    for (let id = 5n; id <= 12n; id++) blockOf(await d.advanceSeq(req('k', 1, 1n, id), 0n));
    expect(calls.filter((c) => c === 'openAppend').length).toBeGreaterThan(0);
    expect(calls.filter((c) => c === 'openAppend').length).toBe(calls.filter((c) => c === 'handle.close').length);
    const closeAt = calls.indexOf('handle.close');
    expect(calls.indexOf('remove dense.journal', closeAt)).toBeGreaterThan(closeAt);
    expect(calls.filter((c) => c === 'append' || c === 'fsync dense.journal')).toEqual([]);
    const before = d.ledgerSnapshot();
    await d.close();
    const again = await open(dir);
    expect(again.ledgerSnapshot()).toEqual(before);
  });

  it('compacts past the size bound into a fresh dense and an empty journal, and restarts from them', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir, { ...KILLED_ON_CLOSE, journalCompactBytes: 300 });
    for (let id = 1n; id <= 40n; id++) {
      blockOf(await d.advanceSeq(req(id % 2n === 0n ? 'even' : 'odd', 3, 1n + (id % 3n), id), 0n));
      // Compaction runs after the batch that passed the bound is answered: at most one record over.
      const journal = await readFile(join(dir, 'dense.journal')).catch(() => new Uint8Array(0));
      expect(scanSeqJournal(journal).validBytes).toBeLessThan(300 + 60);
    }
    const snapshot = d.ledgerSnapshot();
    await d.close();
    const dense = decodeSeqLedgerRecord(await readFile(join(dir, 'dense')));
    expect(dense.applySeq).toBeGreaterThan(30n);
    const recovered = await recoveredFrom(dir);
    expect(recovered.ledger.snapshot()).toEqual(snapshot);
    const again = await open(dir);
    expect(again.ledgerSnapshot()).toEqual(snapshot);
    expect(await again.advanceSeq(req('odd', 3, 2n, 1n), 0n)).toEqual({ ok: true, start: 0n, count: 3 });
  });

  it('skips the records a compaction folded in when a crash kept the journal (its removal never happened)', async () => {
    const dir = await tempDir();
    const disk = new ScriptedDisk();
    // The compaction's removal of the journal fails: dense is new, the journal still holds every
    // record, as after a crash between the two steps.
    disk.failures.push({ op: 'remove', path: 'dense.journal', skip: 0 });
    const d = await FileDriver.open(disk, dir, { ...KILLED_ON_CLOSE, journalCompactBytes: 200 });
    for (let id = 1n; id <= 4n; id++) blockOf(await d.advanceSeq(req('k', 2, 1n, id), 0n));
    const snapshot = d.ledgerSnapshot();
    await d.close();
    expect(decodeSeqLedgerRecord(await readFile(join(dir, 'dense'))).applySeq).toBe(4n);
    const recovered = await recoveredFrom(dir);
    expect([recovered.recordsSkipped, recovered.recordsReplayed]).toEqual([4, 0]);
    expect(recovered.ledger.snapshot()).toEqual(snapshot);
    const again = await open(dir);
    expect(again.ledgerSnapshot()).toEqual(snapshot);
    expect(await again.advanceSeq(req('k', 2, 1n, 3n), 0n)).toEqual({ ok: true, start: 4n, count: 2 });
    expect(blockOf(await again.advanceSeq(req('k', 2, 1n, 5n), 0n))).toEqual([8n, 2]);
  });

  it('after a failed journal fsync, fails the batch, rewrites before appending again, and a restart holds exactly the answered batches', async () => {
    const dir = await tempDir();
    const disk = new ScriptedDisk();
    // The open has nothing to sync; the first two appends' fsyncs succeed, the third fails.
    disk.failures.push({ op: 'fsync', path: 'dense.journal', skip: 2 });
    const d = await openWith(disk, dir);
    expect(blockOf(await d.advanceSeq(req('k', 5, 1n, 1n), 0n))).toEqual([0n, 5]);
    expect(blockOf(await d.advanceSeq(req('k', 5, 1n, 2n), 0n))).toEqual([5n, 5]);
    const failed = await d.advanceSeq(req('k', 5, 1n, 3n), 0n);
    expect(failed).toMatchObject({ ok: false, code: 'DRIVER_PERMANENT' });
    expect((failed as { message: string }).message).toMatch(/injected failure/);
    // Nothing of the failed batch is visible; the next one starts from the durable ledger.
    expect(await d.loadSeq('k')).toEqual({ ok: true, next: 10n });
    expect(blockOf(await d.advanceSeq(req('k', 7, 1n, 4n), 0n))).toEqual([10n, 7]);
    // The failed record is not in the journal any more: dense was rewritten and the journal replaced.
    const scan = scanSeqJournal(await readFile(join(dir, 'dense.journal')));
    expect(scan.records.map((r) => r.requests.map((q) => q.requestId))).toEqual([[4n]]);
    await d.close();
    const again = await open(dir);
    expect(await again.loadSeq('k')).toEqual({ ok: true, next: 17n });
    expect(await again.advanceSeq(req('k', 7, 1n, 4n), 0n)).toEqual({ ok: true, start: 10n, count: 7 });
    // The failed request was never applied: its retry gets a new block.
    expect(await again.advanceSeq(req('k', 5, 1n, 3n), 0n)).toEqual({ ok: true, start: 17n, count: 5 });
  });

  it('after a failed append, retries the rewrite until it succeeds, failing only the batches in between', async () => {
    const dir = await tempDir();
    const disk = new ScriptedDisk();
    disk.failures.push({ op: 'append', path: 'dense.journal', skip: 1 });
    const d = await openWith(disk, dir);
    expect(blockOf(await d.advanceSeq(req('k', 1, 1n, 1n), 0n))).toEqual([0n, 1]);
    expect(await d.advanceSeq(req('k', 1, 1n, 2n), 0n)).toMatchObject({ ok: false, code: 'DRIVER_PERMANENT' });
    // The rewrite's removal of the journal fails once too: that batch fails, the next one goes through.
    disk.failures.push({ op: 'remove', path: 'dense.journal', skip: 0 });
    expect(await d.advanceSeq(req('k', 1, 1n, 3n), 0n)).toMatchObject({ ok: false, code: 'DRIVER_PERMANENT' });
    expect(blockOf(await d.advanceSeq(req('k', 1, 1n, 4n), 0n))).toEqual([1n, 1]);
    await d.close();
    expect((await recoveredFrom(dir)).ledger.snapshot().counters).toEqual([['k', 2n]]);
  });

  it('folds the journal into dense on a graceful close, so the next open replays nothing', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir);
    for (let id = 1n; id <= 4n; id++) blockOf(await d.advanceSeq(req('k', 3, 1n, id), 0n));
    const snapshot = d.ledgerSnapshot();
    await d.close();
    expect(decodeSeqLedgerRecord(await readFile(join(dir, 'dense')))).toEqual(snapshot);
    expect(await readOrNull(join(dir, 'dense.journal'))).toBeNull();
    expect((await recoveredFrom(dir)).recordsReplayed).toBe(0);
    // A directory that served no getSeq gets no sequence files from a close.
    const idle = await tempDir();
    await (await FileDriver.open(new NodeDisk(), idle)).close();
    expect([await readOrNull(join(idle, 'dense')), await readOrNull(join(idle, 'dense.journal'))]).toEqual([null, null]);
  });

  it('keeps the key cap of a new directory across a crash, though dense was written only before the first record', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir, { ...KILLED_ON_CLOSE, seqKeyCap: 2 });
    blockOf(await d.advanceSeq(req('a', 1, 1n, 1n), 0n));
    blockOf(await d.advanceSeq(req('b', 1, 1n, 2n), 0n));
    await d.close();
    const again = await open(dir);
    expect(await again.advanceSeq(req('c', 1, 1n, 3n), 0n)).toMatchObject({ ok: false, code: 'SEQ_KEY_CARDINALITY_EXCEEDED' });
  });

  it('answers loadSeq and snapshots from the durable ledger while a batch is being written', async () => {
    const dir = await tempDir();
    const disk = new ScriptedDisk();
    const d = await openWith(disk, dir);
    blockOf(await d.advanceSeq(req('k', 4, 1n, 1n), 0n));
    const durableSnapshot = d.ledgerSnapshot();
    let release = (): void => {};
    disk.holdJournalFsync = new Promise<void>((resolve) => (release = resolve));
    const pending = d.advanceSeq(req('k', 4, 1n, 2n), 0n);
    // The batch is applied to the working ledger and appended; its fsync has not returned.
    try {
      await disk.fsyncReached;
      expect(await d.loadSeq('k')).toEqual({ ok: true, next: 4n });
      expect(d.ledgerSnapshot()).toEqual(durableSnapshot);
    } finally {
      release();
    }
    expect(blockOf(await pending)).toEqual([4n, 4]);
    expect(await d.loadSeq('k')).toEqual({ ok: true, next: 8n });
  });

  it('gathers the requests that arrive during a sync into the next commit, which follows it at once', async () => {
    const dir = await tempDir();
    const disk = new ScriptedDisk();
    const d = await openWith(disk, dir, KILLED_ON_CLOSE);
    blockOf(await d.advanceSeq(req('k', 1, 1n, 1n), 0n));
    let release = (): void => {};
    disk.holdJournalFsync = new Promise<void>((resolve) => (release = resolve));
    const first = d.advanceSeq(req('k', 1, 1n, 2n), 0n);
    let later: Promise<unknown>[] = [];
    try {
      await disk.fsyncReached;
      later = Array.from({ length: 10 }, (_, i) => d.advanceSeq(req('k', 1, 2n, BigInt(1 + i)), 0n));
    } finally {
      disk.holdJournalFsync = null;
      release();
    }
    await Promise.all([first, ...later]);
    await d.close();
    const scan = scanSeqJournal(await readFile(join(dir, 'dense.journal')));
    expect(scan.records.map((r) => r.requests.length)).toEqual([1, 1, 10]);
    // Every commit asks for its sync inline, the batch of ten too: whether it waits on the
    // calling thread is the disk's choice (NodeDisk: while its syncs are fast).
    expect(disk.syncs.slice(-3)).toEqual(['inline', 'inline', 'inline']);
  });
});
