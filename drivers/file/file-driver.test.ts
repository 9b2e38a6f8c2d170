import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsoError } from '../../core/errors.js';
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { decodeHighWaterRecord } from '../../core/records/high-water.js';
import { decodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import { NodeDisk } from '../node/disk.js';
import { makeTempDir } from '../node/test-support.js';
import { FileDriver } from './file-driver.js';

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
    const onDisk = decodeSeqLedgerRecord(await readFile(join(dir, 'dense')));
    expect(onDisk.counters).toEqual([['k', next]]);
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
