// The paxos driver's storage on the real disk (NodeDisk), through a one-node cluster on
// loopback: restart resumes from the data directory, a torn log tail is truncated, a corrupt
// record in the middle refuses to start, a directory of another node is refused, the LOCK holds,
// and snapshots compact the log and are recovered from.
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsoError } from '../../core/errors.js';
import { encodePaxosLogRecord, scanPaxosLog } from '../../core/paxos/index.js';
import type { LeaderState } from '../driver.js';
import { NodeClock } from '../node/clock.js';
import { NodeDisk } from '../node/disk.js';
import { makeTempDir, waitUntil } from '../node/test-support.js';
import { NodeTransport } from '../node/transport.js';
import { PaxosDriver, type PaxosDriverEvent, type PaxosPeer } from './paxos-driver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const t = await makeTempDir('tsoracle-paxos-storage-');
  cleanups.push(t.remove);
  return t.dir;
}

const onePeer = (id = 1, port = 0): Map<number, PaxosPeer> => new Map([[id, { raftAddress: { host: '127.0.0.1', port }, serviceEndpoint: '127.0.0.1:1' }]]);

async function open(dir: string, options: { peers?: Map<number, PaxosPeer>; id?: number; snapshotEntries?: number; events?: PaxosDriverEvent[] } = {}): Promise<PaxosDriver> {
  const driver = await PaxosDriver.open({
    disk: new NodeDisk(),
    transport: new NodeTransport(),
    clock: new NodeClock(),
    random: Math.random,
    dataDir: dir,
    id: options.id ?? 1,
    peers: options.peers ?? onePeer(),
    config: { electionTimeoutMs: 100, heartbeatIntervalMs: 20 },
    ...(options.snapshotEntries !== undefined ? { snapshotEntries: options.snapshotEntries } : {}),
    ...(options.events !== undefined ? { onEvent: (e: PaxosDriverEvent) => options.events?.push(e) } : {}),
  });
  cleanups.push(() => driver.close());
  return driver;
}

async function leaderEpoch(driver: PaxosDriver): Promise<bigint> {
  let state: LeaderState = { kind: 'unknown' };
  const unsubscribe = driver.subscribeLeadership((s) => (state = s));
  await waitUntil(() => state.kind === 'leader', 'the single node to lead');
  unsubscribe();
  return (state as unknown as { epoch: bigint }).epoch;
}

/** Retries a call refused for leadership (an event-loop stall can make even one node re-elect itself). */
async function asLeader<T extends { ok: boolean }>(driver: PaxosDriver, call: (epoch: bigint) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const result = await call(await leaderEpoch(driver));
    const code = (result as { code?: string }).code;
    if (result.ok || attempt >= 20 || !['DRIVER_NOT_LEADER', 'DRIVER_FENCED', 'DRIVER_TRANSIENT'].includes(code ?? '')) return result;
  }
}

async function writeSome(driver: PaxosDriver, n: number, firstMs = 1_000): Promise<void> {
  for (let i = 0; i < n; i++) {
    expect(await asLeader(driver, (epoch) => driver.persistHighWater(firstMs + i, epoch))).toEqual({ ok: true, highWaterMs: firstMs + i });
    const block = await asLeader(driver, (epoch) => driver.advanceSeq({ key: 'k', count: 2, clientId: 7n, requestId: BigInt(i + 1) }, epoch));
    expect(block).toEqual({ ok: true, start: BigInt(2 * i), count: 2 });
  }
}

describe('paxos storage on the real disk', () => {
  it('resumes from the data directory after a restart, with a higher epoch', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    const firstEpoch = await leaderEpoch(first);
    await writeSome(first, 5);
    await first.close();
    const again = await open(dir);
    expect(await leaderEpoch(again)).toBeGreaterThan(firstEpoch);
    expect(await asLeader(again, () => again.loadHighWater())).toEqual({ ok: true, highWaterMs: 1_004 });
    expect(await asLeader(again, () => again.loadSeq('k'))).toEqual({ ok: true, next: 10n });
    expect(await asLeader(again, (e) => again.advanceSeq({ key: 'k', count: 2, clientId: 7n, requestId: 3n }, e))).toEqual({ ok: true, start: 4n, count: 2 });
  });

  it('truncates a torn tail on restart, reports it, and keeps every whole record', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await writeSome(first, 3);
    await first.close();
    const logPath = join(dir, 'paxos', 'log');
    const whole = (await stat(logPath)).size;
    const record = encodePaxosLogRecord({ kind: 'entry', entry: { index: 99, ballot: { n: 9, nodeId: 1 }, kind: 'normal', data: new Uint8Array(30).fill(7) } });
    await appendFile(logPath, record.subarray(0, 19));
    const events: PaxosDriverEvent[] = [];
    const again = await open(dir, { events });
    expect(events.find((e) => e.kind === 'log-truncated')).toMatchObject({ kind: 'log-truncated', offset: whole, droppedBytes: 19 });
    expect(await asLeader(again, () => again.loadHighWater())).toEqual({ ok: true, highWaterMs: 1_002 });
  });

  it('refuses to start on a corrupt record in the middle of the log, with the offset', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await writeSome(first, 3);
    await first.close();
    const logPath = join(dir, 'paxos', 'log');
    const bytes = new Uint8Array(await readFile(logPath));
    expect(scanPaxosLog(bytes).tail).toBeNull();
    let offset = 0;
    for (let i = 0; i < 2; i++) offset += 8 + ((bytes[offset] as number) | ((bytes[offset + 1] as number) << 8));
    bytes[offset + 9] = ((bytes[offset + 9] as number) ^ 0x22) & 0xff;
    await writeFile(logPath, bytes);
    const error = await open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TsoError);
    expect((error as TsoError).code).toBe('DRIVER_PERMANENT');
    expect((error as TsoError).message).toContain(`corrupt at byte ${offset}`);
    expect((error as TsoError).message).toContain('refusing to start');
  });

  it('refuses a directory of another node, and a second process', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    const locked = await open(dir).catch((e: unknown) => e);
    expect((locked as TsoError).code).toBe('DRIVER_ALREADY_LOCKED');
    await first.close();
    const otherNode = await open(dir, { id: 2, peers: onePeer(2) }).catch((e: unknown) => e);
    expect((otherNode as TsoError).code).toBe('INVALID_CONFIG');
  });

  it('compacts the log into a snapshot and recovers from it', async () => {
    const dir = await tempDir();
    const events: PaxosDriverEvent[] = [];
    const first = await open(dir, { snapshotEntries: 4, events });
    await writeSome(first, 6);
    expect(events.some((e) => e.kind === 'snapshot-saved')).toBe(true);
    expect(first.status().snapshotIndex).toBeGreaterThan(0);
    await first.close();
    expect((await stat(join(dir, 'paxos', 'snapshot'))).size).toBeGreaterThan(0);
    const again = await open(dir, { snapshotEntries: 4 });
    expect(again.status().snapshotIndex).toBeGreaterThan(0);
    expect(await asLeader(again, () => again.loadHighWater())).toEqual({ ok: true, highWaterMs: 1_005 });
    expect(await asLeader(again, () => again.loadSeq('k'))).toEqual({ ok: true, next: 12n });
  });
});
