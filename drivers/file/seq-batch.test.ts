// getSeqBatch on the file driver: a batch is one request of a group commit, so all its grants
// are durable together (one journal append and fsync) or not at all; it is exactly once under its
// (clientId, requestId) across a restart; a refused batch writes nothing; and the formats move to
// TSOJ 2 / TSOD 4 only once a batch is held.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanSeqJournal } from '../../core/records/seq-journal.js';
import { decodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import { NodeDisk } from '../node/disk.js';
import { makeTempDir } from '../node/test-support.js';
import { FileDriver, type FileDriverOptions } from './file-driver.js';
import { recoverSeqLedger } from './seq-recovery.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function tempDir(): Promise<string> {
  const t = await makeTempDir('tsoracle-seq-batch-');
  cleanups.push(t.remove);
  return t.dir;
}

async function open(dir: string, options: FileDriverOptions = {}): Promise<FileDriver> {
  const d = await FileDriver.open(new NodeDisk(), dir, options);
  cleanups.unshift(() => d.close());
  return d;
}

const KILLED_ON_CLOSE: FileDriverOptions = { foldJournalOnClose: false };
const batch = (requestId: bigint, ...entries: Array<[string, number]>) => ({ entries: entries.map(([key, count]) => ({ key, count })), clientId: 3n, requestId });

describe('FileDriver getSeqBatch', () => {
  it('grants every key in request order in one journal record, and answers a retry after a kill -9 with the same grants', async () => {
    const dir = await tempDir();
    const d = await open(dir, KILLED_ON_CLOSE);
    expect(await d.advanceSeq({ key: 'invoices', count: 2, clientId: 1n, requestId: 1n }, 0n)).toMatchObject({ ok: true, start: 0n });
    const first = await d.advanceSeqBatch(batch(1n, ['orders', 3], ['invoices', 1]), 0n);
    expect(first).toEqual({ ok: true, grants: [{ key: 'orders', start: 0n, count: 3 }, { key: 'invoices', start: 2n, count: 1 }] });
    await d.close();
    const journal = await readFile(join(dir, 'dense.journal'));
    const scan = scanSeqJournal(journal);
    expect(scan.records.length).toBe(2);
    const batchRecord = scan.records[1];
    expect(batchRecord?.requests).toEqual([batch(1n, ['orders', 3], ['invoices', 1])]);
    expect(journal[(batchRecord?.offset ?? 0) + 4]).toBe(2);

    const again = await open(dir);
    expect(await again.advanceSeqBatch(batch(1n, ['orders', 3], ['invoices', 1]), 0n)).toEqual(first);
    expect(await again.loadSeq('orders')).toEqual({ ok: true, next: 3n });
    expect(await again.advanceSeqBatch(batch(1n, ['invoices', 1], ['orders', 3]), 0n)).toMatchObject({ ok: false, code: 'SEQ_REQUEST_REUSED' });
    await again.close();
    // The graceful close folded the batch into dense, as TSOD version 4.
    const dense = await readFile(join(dir, 'dense'));
    expect(dense[4]).toBe(4);
    expect(decodeSeqLedgerRecord(dense).sessions.find((s) => s.clientId === 3n)?.results[0]?.batch?.length).toBe(2);
  });

  it('refuses an empty batch, a duplicate key and 129 keys with INVALID_SEQ_BATCH, writing nothing', async () => {
    const dir = await tempDir();
    const d = await open(dir, KILLED_ON_CLOSE);
    const many = Array.from({ length: 129 }, (_, i): [string, number] => [`k${i}`, 1]);
    for (const bad of [batch(1n), batch(2n, ['a', 1], ['a', 2]), batch(3n, ...many)]) {
      expect(await d.advanceSeqBatch(bad, 0n)).toMatchObject({ ok: false, code: 'INVALID_SEQ_BATCH' });
    }
    expect(await d.loadSeq('a')).toEqual({ ok: true, next: 0n });
    expect(await readFile(join(dir, 'dense.journal')).catch(() => null)).toBeNull();
  });

  it('rides in the same group commit as concurrent getSeq calls, every block disjoint', async () => {
    const dir = await tempDir();
    const d = await open(dir, KILLED_ON_CLOSE);
    const singles = Array.from({ length: 20 }, (_, i) => d.advanceSeq({ key: 'a', count: 1, clientId: 9n, requestId: BigInt(i + 1) }, 0n));
    const batches = Array.from({ length: 5 }, (_, i) => d.advanceSeqBatch({ ...batch(BigInt(i + 1), ['a', 2], ['b', 2]), clientId: 10n }, 0n));
    const results = await Promise.all([...singles, ...batches]);
    expect(results.every((r) => r.ok)).toBe(true);
    const starts: bigint[] = [];
    for (const r of results) {
      if (!r.ok) continue;
      if ('grants' in r) for (const g of r.grants.filter((x) => x.key === 'a')) starts.push(g.start, g.start + 1n);
      else starts.push(r.start);
    }
    expect(starts.sort((x, y) => (x < y ? -1 : 1))).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i)));
    expect(await d.loadSeq('b')).toEqual({ ok: true, next: 10n });
    await d.close();
    expect(scanSeqJournal(await readFile(join(dir, 'dense.journal'))).records.length).toBeLessThan(25);
  });

  it('after a crash that tore the batch record, holds none of the batch (never part of it)', async () => {
    const dir = await tempDir();
    const d = await open(dir, KILLED_ON_CLOSE);
    await d.advanceSeq({ key: 'x', count: 1, clientId: 1n, requestId: 1n }, 0n);
    await d.advanceSeqBatch(batch(1n, ['x', 5], ['y', 5]), 0n);
    await d.close();
    const journalPath = join(dir, 'dense.journal');
    const file = await readFile(journalPath);
    // The journal's records end where its zero fill starts.
    const journal = file.subarray(0, scanSeqJournal(file).validBytes);
    const last = scanSeqJournal(journal).records[1];
    expect(last).toBeDefined();
    // Every cut inside the batch's record: recovery keeps the first record and none of the batch.
    for (let cut = (last?.offset as number) + 1; cut < journal.length; cut += 7) {
      const recovered = recoverSeqLedger(null, journal.subarray(0, cut), 10_000, dir);
      expect(recovered.tailProblem).toBeDefined();
      expect([recovered.ledger.get('x'), recovered.ledger.get('y')]).toEqual([1n, 0n]);
    }
  });
});
