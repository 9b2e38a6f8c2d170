// The raft driver's storage on the real disk (NodeDisk), through a one-node cluster on loopback:
// restart resumes from the data directory, a torn WAL tail is truncated, a corrupt record in the
// middle refuses to start, a directory of another node or cluster is refused, the LOCK holds,
// and snapshots compact the WAL. The WAL stays open between appends and is reopened after a rewrite.
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsoError } from '../../core/errors.js';
import { encodeWalRecord, scanWal, type Snapshot, type WalRecord } from '../../core/raft/index.js';
import type { LeaderState } from '../driver.js';
import { NodeClock } from '../node/clock.js';
import { NodeDisk } from '../node/disk.js';
import { makeTempDir, waitUntil } from '../node/test-support.js';
import { NodeTransport } from '../node/transport.js';
import { RaftDriver, type RaftDriverEvent, type RaftPeer } from './raft-driver.js';
import type { Disk } from '../ports.js';
import { completeSnapshotMarker, RaftStorage } from './storage.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const t = await makeTempDir('tsoracle-raft-storage-');
  cleanups.push(t.remove);
  return t.dir;
}

const onePeer = (id = 1, port = 0): Map<number, RaftPeer> => new Map([[id, { raftAddress: { host: '127.0.0.1', port }, serviceEndpoint: '127.0.0.1:1' }]]);

async function open(dir: string, options: { peers?: Map<number, RaftPeer>; id?: number; snapshotEntries?: number; events?: RaftDriverEvent[] } = {}): Promise<RaftDriver> {
  const driver = await RaftDriver.open({
    disk: new NodeDisk(),
    transport: new NodeTransport(),
    clock: new NodeClock(),
    random: Math.random,
    dataDir: dir,
    id: options.id ?? 1,
    peers: options.peers ?? onePeer(),
    config: { electionTimeoutMs: 100, heartbeatIntervalMs: 20 },
    ...(options.snapshotEntries !== undefined ? { snapshotEntries: options.snapshotEntries } : {}),
    ...(options.events !== undefined ? { onEvent: (e: RaftDriverEvent) => options.events?.push(e) } : {}),
  });
  cleanups.push(() => driver.close());
  return driver;
}

async function leaderEpoch(driver: RaftDriver): Promise<bigint> {
  let state: LeaderState = { kind: 'unknown' };
  const unsubscribe = driver.subscribeLeadership((s) => (state = s));
  await waitUntil(() => state.kind === 'leader', 'the single node to lead');
  unsubscribe();
  return (state as unknown as { epoch: bigint }).epoch;
}

/**
 * Calls `call` with the current leader epoch until it is not refused for leadership: on a loaded
 * machine an event-loop stall longer than the (short) election timeout makes even a single node
 * step down and re-elect itself (CheckQuorum). Retries are safe: the high-water takes the max,
 * and a sequence request keeps its request id (exactly once).
 */
async function asLeader<T extends { ok: boolean }>(driver: RaftDriver, call: (epoch: bigint) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const result = await call(await leaderEpoch(driver));
    const code = (result as { code?: string }).code;
    if (result.ok || attempt >= 20 || !['DRIVER_NOT_LEADER', 'DRIVER_FENCED', 'DRIVER_TRANSIENT'].includes(code ?? '')) return result;
  }
}

async function writeSome(driver: RaftDriver, n: number, firstMs = 1_000): Promise<void> {
  for (let i = 0; i < n; i++) {
    expect(await asLeader(driver, (epoch) => driver.persistHighWater(firstMs + i, epoch))).toEqual({ ok: true, highWaterMs: firstMs + i });
    const block = await asLeader(driver, (epoch) => driver.advanceSeq({ key: 'k', count: 2, clientId: 7n, requestId: BigInt(i + 1) }, epoch));
    expect(block).toEqual({ ok: true, start: BigInt(2 * i), count: 2 });
  }
}

describe('raft storage on the real disk', () => {
  it('resumes from the data directory after a restart', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await writeSome(first, 5);
    await first.close();
    const again = await open(dir);
    const epoch = await leaderEpoch(again);
    expect(epoch).toBeGreaterThan(1n);
    expect(await asLeader(again, () => again.loadHighWater())).toEqual({ ok: true, highWaterMs: 1_004 });
    expect(await asLeader(again, () => again.loadSeq('k'))).toEqual({ ok: true, next: 10n });
    // A retried request of the first run gets its block again (sessions are replicated state).
    expect(await asLeader(again, (e) => again.advanceSeq({ key: 'k', count: 2, clientId: 7n, requestId: 3n }, e))).toEqual({ ok: true, start: 4n, count: 2 });
  });

  it('truncates a torn tail on restart, reports it, and keeps every whole record', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await writeSome(first, 3);
    await first.close();
    const walPath = join(dir, 'raft', 'wal');
    const whole = (await stat(walPath)).size;
    // The start of one more record, cut in the middle: a torn append.
    const record = encodeWalRecord({ kind: 'entry', entry: { term: 9, index: 99, kind: 'normal', data: new Uint8Array(30).fill(7) } });
    await appendFile(walPath, record.subarray(0, 19));
    const events: RaftDriverEvent[] = [];
    const again = await open(dir, { events });
    expect(events.find((e) => e.kind === 'wal-truncated')).toMatchObject({ kind: 'wal-truncated', offset: whole, droppedBytes: 19 });
    expect((await stat(walPath)).size).toBe(whole);
    expect(await asLeader(again, () => again.loadHighWater())).toEqual({ ok: true, highWaterMs: 1_002 });
  });

  it('refuses to start on a corrupt record in the middle of the WAL, with the offset', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await writeSome(first, 3);
    await first.close();
    const walPath = join(dir, 'raft', 'wal');
    const bytes = new Uint8Array(await readFile(walPath));
    const scan = scanWal(bytes);
    expect(scan.tail).toBeNull();
    let offset = 0;
    for (let i = 0; i < 2; i++) offset += 8 + ((bytes[offset] as number) | ((bytes[offset + 1] as number) << 8));
    bytes[offset + 9] = ((bytes[offset + 9] as number) ^ 0x22) & 0xff;
    await writeFile(walPath, bytes);
    const error = await open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TsoError);
    expect((error as TsoError).code).toBe('DRIVER_PERMANENT');
    expect((error as TsoError).message).toContain(`corrupt at byte ${offset}`);
    expect((error as TsoError).message).toContain('refusing to start');
  });

  it('refuses a directory of another node or another cluster, and a second process', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    const locked = await open(dir).catch((e: unknown) => e);
    expect((locked as TsoError).code).toBe('DRIVER_ALREADY_LOCKED');
    await first.close();
    const otherNode = await open(dir, { id: 2, peers: onePeer(2) }).catch((e: unknown) => e);
    expect((otherNode as TsoError).code).toBe('INVALID_CONFIG');
    expect((otherNode as TsoError).message).toContain('belongs to node 1, not to node 2');
    const otherCluster = await open(dir, { peers: onePeer(1, 45_678) }).catch((e: unknown) => e);
    expect((otherCluster as TsoError).code).toBe('INVALID_CONFIG');
    expect((otherCluster as TsoError).message).toContain('belongs to another cluster');
  });

  it('takes snapshots and rewrites the WAL to the entries after them; a restart starts from the snapshot', async () => {
    const dir = await tempDir();
    const events: RaftDriverEvent[] = [];
    const first = await open(dir, { snapshotEntries: 4, events });
    await writeSome(first, 12);
    const saved = events.filter((e) => e.kind === 'snapshot-saved');
    expect(saved.length).toBeGreaterThanOrEqual(4);
    await first.close();
    const walBytes = (await stat(join(dir, 'raft', 'wal'))).size;
    expect(walBytes).toBeLessThan(600);
    const again = await open(dir);
    expect(again.status().snapshotIndex).toBeGreaterThan(0);
    expect(await asLeader(again, () => again.loadHighWater())).toEqual({ ok: true, highWaterMs: 1_011 });
    expect(await asLeader(again, () => again.loadSeq('k'))).toEqual({ ok: true, next: 24n });
  });

  it('keeps the WAL open between appends (one write and one sync each) and opens the new file after a rewrite', async () => {
    const dir = await tempDir();
    const calls: string[] = [];
    const inner = new NodeDisk();
    const disk: Disk = {
      ...bindAll(inner),
      append: (p, d) => (calls.push('append'), inner.append(p, d)),
      fsync: (p) => (calls.push('fsync'), inner.fsync(p)),
      rename: (f, t) => (calls.push('rename'), inner.rename(f, t)),
      openAppend: async (p) => {
        calls.push('openAppend');
        const handle = await inner.openAppend(p);
        return {
          append: (d) => (calls.push('handle.append'), handle.append(d)),
          sync: () => (calls.push('handle.sync'), handle.sync()),
          close: () => (calls.push('handle.close'), handle.close()),
        };
      },
    };
    const meta = { nodeId: 1, cluster: '1=127.0.0.1:1' };
    const { storage } = await RaftStorage.open({ disk, dataDir: dir, meta });
    const entry = (index: number): WalRecord => ({ kind: 'entry', entry: { index, term: 1, kind: 'normal', data: new Uint8Array([index]) } });
    calls.length = 0;
    await storage.appendRecords([{ kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 0 } }, entry(1)]);
    await storage.appendRecords([entry(2)]);
    expect(calls.filter((c) => c !== 'fsyncDir')).toEqual(['openAppend', 'handle.append', 'handle.sync', 'handle.append', 'handle.sync']);
    calls.length = 0;
    await storage.rewriteWal([{ kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 2 } }, entry(2)]);
    await storage.appendRecords([entry(3)]);
    expect(calls).toEqual(['handle.close', 'fsync', 'rename', 'openAppend', 'handle.append', 'handle.sync']);
    await storage.close();
    const records = scanWal(await readFile(join(dir, 'raft', 'wal'))).records;
    expect(records.map((r) => (r.kind === 'entry' ? r.entry.index : r.kind))).toEqual(['hard-state', 2, 3]);
  });

  it('completes a received snapshot whose marker a crash lost, when the WAL disagrees at its index', () => {
    const snapshot: Snapshot = { lastIncludedIndex: 3, lastIncludedTerm: 5, data: new Uint8Array(0) };
    const entry = (index: number, term: number): WalRecord => ({ kind: 'entry', entry: { index, term, kind: 'noop', data: new Uint8Array(0) } });
    expect(completeSnapshotMarker(snapshot, [entry(1, 1), entry(2, 1), entry(3, 5), entry(4, 5)])).toBeNull();
    expect(completeSnapshotMarker(snapshot, [entry(1, 1), entry(2, 1)])).toBeNull();
    expect(completeSnapshotMarker(snapshot, [entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)])?.at(-1)).toEqual({ kind: 'snapshot', lastIncludedIndex: 3, lastIncludedTerm: 5 });
    expect(completeSnapshotMarker(snapshot, [entry(3, 2), entry(2, 1)])).toBeNull();
    expect(completeSnapshotMarker(undefined, [entry(1, 1)])).toBeNull();
  });
});

/** Every Disk method of `disk`, bound to it (so a test can override a few and keep the rest). */
function bindAll(disk: Disk): Disk {
  return {
    read: (p) => disk.read(p),
    write: (p, o, d) => disk.write(p, o, d),
    writeFile: (p, d) => disk.writeFile(p, d),
    append: (p, d) => disk.append(p, d),
    openAppend: (p) => disk.openAppend(p),
    truncate: (p, l) => disk.truncate(p, l),
    fsync: (p) => disk.fsync(p),
    rename: (f, t) => disk.rename(f, t),
    fsyncDir: (d) => disk.fsyncDir(d),
    mkdirp: (d) => disk.mkdirp(d),
    remove: (p) => disk.remove(p),
    list: (d) => disk.list(d),
    size: (p) => disk.size(p),
    lock: (p) => disk.lock(p),
  };
}
