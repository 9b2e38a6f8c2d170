// The file driver's stamping-lease set: the TSOL `leases` file replaced atomically before a
// change is answered, reloaded at open, absent in a directory of a release before leases (which
// opens unchanged), and a corrupt record refused at open rather than misread.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { decodeLeaseRecord, encodeLeaseRecord } from '../../core/oracle/lease-record.js';
import { grantLease } from '../../core/oracle/leases.js';
import { NodeDisk } from '../node/disk.js';
import { makeTempDir } from '../node/test-support.js';
import { FileDriver, LEASES_FILE } from './file-driver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function tempDir(): Promise<string> {
  const t = await makeTempDir('tsoracle-leases-');
  cleanups.push(t.remove);
  return t.dir;
}

const holder = new TextEncoder().encode('stamper');
const leases = grantLease([], { holder, holderEpoch: 2n, ttlMs: 30_000 }, 5_000_000, 4_970_000).leases;

describe('FileDriver stamping leases', () => {
  it('a directory without a leases file opens with no leases and writes none until a lease change', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir);
    expect(await d.loadLeases()).toEqual({ ok: true, leases: [] });
    await d.close();
    await expect(readFile(join(dir, LEASES_FILE))).rejects.toThrow();
  });

  it('persists the whole set atomically and reloads it at the next open', async () => {
    const dir = await tempDir();
    const d = await FileDriver.open(new NodeDisk(), dir);
    expect(await d.persistLeases(leases, 0n)).toEqual({ ok: true });
    expect(decodeLeaseRecord(new Uint8Array(await readFile(join(dir, LEASES_FILE))))).toEqual(leases);
    await d.close();
    const again = await FileDriver.open(new NodeDisk(), dir);
    expect(await again.loadLeases()).toEqual({ ok: true, leases });
    expect(await again.persistLeases([], 0n)).toEqual({ ok: true });
    await again.close();
    const emptied = await FileDriver.open(new NodeDisk(), dir);
    expect(await emptied.loadLeases()).toEqual({ ok: true, leases: [] });
    await emptied.close();
  });

  it('refuses to open a directory whose leases record is corrupt', async () => {
    const dir = await tempDir();
    const record = encodeLeaseRecord(leases);
    record[8] = (record[8] as number) ^ 0x01;
    await writeFile(join(dir, LEASES_FILE), record);
    await expect(FileDriver.open(new NodeDisk(), dir)).rejects.toMatchObject({ code: ErrorCode.DRIVER_PERMANENT });
  });
});
