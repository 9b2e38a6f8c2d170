// Real-process tests: the built CLI (dist/runners/cli.js) runs as a child process on loopback
// and is driven through the client library, raw TCP sockets, HTTP and the CLI's own commands.
// What they show (issue 3): timestamps stay in real-time order and sequence blocks stay
// exactly-once across kill -9 under load; the durable ledger has no hole that an outcome the
// client reported as unknown does not explain; a held data directory refuses a second server;
// bad input on one connection does not disturb another; the CLI's commands and exit codes.
// Every wait is bounded and every child is reaped in afterEach (runners/test-support.ts).
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TsoError } from '../core/errors.js';
import { FrameDecoder } from '../core/frame.js';
import { decodeResponse, encodeRequest, type Response } from '../core/protocol.js';
import { decodeSeqLedgerRecord } from '../core/records/seq-ledger.js';
import { unpackTimestamp } from '../core/timestamp.js';
import { makeTempDir } from '../drivers/node/test-support.js';
import { createClient, type TsoClient } from './client.js';
import { ChildTracker, sleepMs, waitFor, type ServerChild } from './test-support.js';

const children = new ChildTracker();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await children.cleanup();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const { dir, remove } = await makeTempDir('tsoracle-process-');
  cleanups.push(remove);
  return dir;
}

function track(client: TsoClient): TsoClient {
  cleanups.push(() => client.close());
  return client;
}

// ---------------------------------------------------------------------------------------------
// A raw TCP peer that speaks (or breaks) the framing by hand.

interface RawPeer {
  readonly answers: Response[];
  readonly closed: Promise<void>;
  write(bytes: Uint8Array): void;
}

async function rawPeer(endpoint: string): Promise<RawPeer> {
  const [host, portText] = endpoint.split(':');
  const socket = net.connect({ host: host ?? '127.0.0.1', port: Number(portText) });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const decoder = new FrameDecoder();
  const answers: Response[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const body of decoder.push(chunk)) answers.push(decodeResponse(body));
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  cleanups.push(async () => {
    socket.destroy();
    await closed;
  });
  return { answers, closed, write: (bytes) => socket.write(bytes) };
}

function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** Calls getTs in a loop until stopped; records failures and checks each value exceeds the last. */
function tsLooper(client: TsoClient): { stop: () => Promise<{ calls: number; errors: unknown[]; ordered: boolean }> } {
  let running = true;
  let calls = 0;
  let ordered = true;
  let last = -1n;
  const errors: unknown[] = [];
  const loop = (async () => {
    while (running) {
      try {
        const ts = await client.getTs();
        if (ts <= last) ordered = false;
        last = ts;
        calls += 1;
      } catch (e) {
        errors.push(e);
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { calls, errors, ordered };
    },
  };
}

// ---------------------------------------------------------------------------------------------

describe('the server process, through the client library', () => {
  it('serves increasing timestamps and consecutive sequence blocks', async () => {
    const server = await children.serve({ dataDir: await tempDir() });
    const client = track(createClient({ endpoints: [server.endpoint] }));
    const singles = await Promise.all(Array.from({ length: 100 }, () => client.getTs()));
    expect(new Set(singles).size).toBe(100);
    const later = await client.getTs();
    expect(singles.every((t) => t < later)).toBe(true);
    const batch = await client.getTsBatch(64);
    expect(batch.count).toBe(64);
    expect(batch.first > later).toBe(true);
    const a = await client.getSeq('orders', 5);
    const b = await client.getSeq('orders', 2);
    const other = await client.getSeq('invoices', 1);
    expect([a.start, a.count, b.start, b.count, other.start]).toEqual([0n, 5, 5n, 2, 0n]);
  });
});

// ---------------------------------------------------------------------------------------------
// kill -9 under load

interface TsRecord {
  readonly startedMs: number;
  readonly receivedMs: number;
  readonly first: bigint;
  readonly last: bigint;
}

interface SeqCallRecord {
  readonly clientId: bigint;
  readonly requestId: bigint;
  readonly key: string;
  readonly count: number;
}

/** A client and the requestId its next getSeq will use (read from the client when it is made; ids count up by one per call). */
interface SeqClientSlot {
  readonly client: TsoClient;
  nextRequestId: bigint;
}

const SEQ_KEYS: ReadonlyArray<readonly [string, number]> = [
  ['orders', 1],
  ['invoices', 3],
  ['ids', 10],
];

/**
 * Real-time order: a timestamp received before another call started is smaller than every
 * timestamp of that call. Returns a description of the first violation, or null.
 */
function realTimeOrderViolation(records: readonly TsRecord[]): string | null {
  const byReceived = [...records].sort((x, y) => x.receivedMs - y.receivedMs);
  const prefixMax: bigint[] = [];
  let max = -1n;
  for (const r of byReceived) {
    if (r.last > max) max = r.last;
    prefixMax.push(max);
  }
  for (const y of records) {
    // The last record received strictly before y started.
    let lo = 0;
    let hi = byReceived.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((byReceived[mid]?.receivedMs ?? Infinity) < y.startedMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const before = prefixMax[lo - 1] ?? -1n;
    if (before >= y.first) return `timestamp ${y.first} (call started at ${y.startedMs.toFixed(3)} ms) is not above ${before}, received earlier`;
  }
  return null;
}

/** No timestamp was handed out twice. */
function duplicateTimestamp(records: readonly TsRecord[]): string | null {
  const byFirst = [...records].sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
  for (let i = 1; i < byFirst.length; i++) {
    const prev = byFirst[i - 1];
    const cur = byFirst[i];
    if (prev !== undefined && cur !== undefined && cur.first <= prev.last) return `timestamp ranges [${prev.first}, ${prev.last}] and [${cur.first}, ${cur.last}] overlap`;
  }
  return null;
}

describe('the checkers of the kill -9 test', () => {
  const r = (startedMs: number, receivedMs: number, first: bigint, last = first): TsRecord => ({ startedMs, receivedMs, first, last });

  it('flags a timestamp not above one received before its call started', () => {
    expect(realTimeOrderViolation([r(0, 1, 10n), r(2, 3, 11n), r(4, 5, 12n, 14n)])).toBeNull();
    // Overlapping calls may come back in any order.
    expect(realTimeOrderViolation([r(0, 5, 20n), r(1, 4, 10n)])).toBeNull();
    expect(realTimeOrderViolation([r(0, 1, 10n, 19n), r(2, 3, 19n)])).toMatch(/not above 19/);
  });

  it('flags a timestamp handed out twice', () => {
    expect(duplicateTimestamp([r(0, 1, 1n, 4n), r(0, 1, 5n)])).toBeNull();
    expect(duplicateTimestamp([r(0, 1, 5n), r(0, 1, 1n, 5n)])).toMatch(/overlap/);
  });
});

describe('kill -9 under load', () => {
  it('keeps timestamps in real-time order and sequence blocks exactly-once, and explains every ledger hole', async () => {
    const seed = process.env.TSORACLE_PROCESS_SEED ?? String(Date.now());
    const random = seedrandom(seed);
    const context = `(seed ${seed}; rerun with TSORACLE_PROCESS_SEED=${seed})`;
    const cycles = 8;
    const dataDir = await tempDir();

    let server: ServerChild = await children.serve({ dataDir });
    const endpoint = server.endpoint;
    // Patient clients ride out a restart (~0.3 s of downtime), so calls in flight at a kill are
    // retried with the same requestId against the restarted server; impatient ones give up and
    // report outcomes as unknown. A fresh impatient client per server lifetime keeps each of its
    // sessions small enough for the ledger to remember every one of its results.
    const patientRetry = { attemptsMax: 200, backoffBaseMs: 10, backoffCapMs: 50, overallTimeoutMs: 20_000 };
    const impatientRetry = { attemptsMax: 2, backoffBaseMs: 5, backoffCapMs: 10 };
    const tsClient = track(createClient({ endpoints: [endpoint], retry: patientRetry }));
    const patient: SeqClientSlot = { client: track(createClient({ endpoints: [endpoint], retry: patientRetry })), nextRequestId: 0n };
    patient.nextRequestId = patient.client.nextRequestId;
    let impatient: SeqClientSlot = { client: track(createClient({ endpoints: [endpoint], retry: impatientRetry })), nextRequestId: 0n };
    impatient.nextRequestId = impatient.client.nextRequestId;

    const tsRecords: TsRecord[] = [];
    const tsErrors = new Map<string, number>();
    const acked: Array<SeqCallRecord & { readonly start: bigint }> = [];
    const unknown: SeqCallRecord[] = [];
    const definitive = new Map<string, number>();
    const unexpected: unknown[] = [];
    let running = true;

    const tsLoop = async (batchSize: number): Promise<void> => {
      while (running) {
        const startedMs = performance.now();
        try {
          if (batchSize === 1) {
            const ts = await tsClient.getTs();
            tsRecords.push({ startedMs, receivedMs: performance.now(), first: ts, last: ts });
          } else {
            const batch = await tsClient.getTsBatch(batchSize);
            tsRecords.push({ startedMs, receivedMs: performance.now(), first: batch.first, last: batch.last });
          }
        } catch (e) {
          const code = e instanceof TsoError ? e.code : 'non-TsoError';
          if (!(e instanceof TsoError)) unexpected.push(e);
          tsErrors.set(code, (tsErrors.get(code) ?? 0) + 1);
          await sleepMs(5);
        }
      }
    };
    const seqLoop = async (slotOf: () => SeqClientSlot, key: string, count: number): Promise<void> => {
      while (running) {
        const slot = slotOf();
        const call: SeqCallRecord = { clientId: slot.client.clientId, requestId: slot.nextRequestId, key, count };
        slot.nextRequestId += 1n;
        try {
          const block = await slot.client.getSeq(key, count);
          if (block.key !== key || block.count !== count) unexpected.push(new Error(`asked ${key}/${count}, got ${block.key}/${block.count}`));
          acked.push({ ...call, start: block.start });
        } catch (e) {
          if (!(e instanceof TsoError)) {
            unexpected.push(e);
          } else if (e.code === ErrorCode.SEQ_UNCERTAIN || e.details?.outcomeUnknown === true) {
            if (e.details?.requestId !== call.requestId) unexpected.push(new Error(`requestId bookkeeping: expected ${call.requestId}, error says ${String(e.details?.requestId)}`));
            unknown.push(call);
          } else {
            // The client promises these were not executed: a hole they would explain is a bug.
            definitive.set(e.code, (definitive.get(e.code) ?? 0) + 1);
          }
          await sleepMs(2);
        }
      }
    };

    const loops: Array<Promise<void>> = [];
    for (let i = 0; i < 12; i++) loops.push(tsLoop(1));
    for (let i = 0; i < 4; i++) loops.push(tsLoop(8));
    for (const [key, count] of SEQ_KEYS) {
      loops.push(seqLoop(() => patient, key, count), seqLoop(() => patient, key, count));
      loops.push(seqLoop(() => impatient, key, count));
    }

    try {
      for (let cycle = 0; cycle <= cycles; cycle++) {
        // Each lifetime must serve both operations before it dies, so every restart separates
        // calls answered by two different processes.
        const tsBefore = tsRecords.length;
        const seqBefore = acked.length;
        await waitFor(() => tsRecords.length > tsBefore && acked.length > seqBefore, `lifetime ${cycle} to serve ${context}`, 20_000);
        await sleepMs(50 + Math.floor(random() * 350));
        if (cycle === cycles) break;
        await server.kill9();
        await sleepMs(Math.floor(random() * 50));
        server = await children.serve({ dataDir, listen: endpoint });
        impatient = { client: track(createClient({ endpoints: [endpoint], retry: impatientRetry })), nextRequestId: 0n };
        impatient.nextRequestId = impatient.client.nextRequestId;
      }
    } finally {
      running = false;
      await Promise.all(loops);
    }
    const stopped = await server.terminate();
    expect(stopped, `clean stop ${context}`).toEqual({ code: 0, signal: null });

    expect(unexpected, context).toEqual([]);
    // Timestamps: real-time order (so every one received after a restart is above every one
    // received before it) and no value twice.
    expect(realTimeOrderViolation(tsRecords), context).toBeNull();
    expect(duplicateTimestamp(tsRecords), context).toBeNull();

    // The durable ledger after the clean stop.
    const snapshot = decodeSeqLedgerRecord(await readFile(join(dataDir, 'dense')));
    const counters = new Map(snapshot.counters);
    const remembered = new Map<string, { key: string; start: bigint; count: number }>();
    for (const session of snapshot.sessions) {
      for (const r of session.results) remembered.set(`${session.clientId}/${r.requestId}`, r);
    }
    const idOf = (c: SeqCallRecord): string => `${c.clientId}/${c.requestId}`;

    for (const [key, count] of SEQ_KEYS) {
      const counter = counters.get(key) ?? 0n;
      // Every acknowledged block is the one the ledger remembers for its request, if it still does.
      const blocks: Array<{ start: bigint; count: number; why: string }> = [];
      for (const a of acked.filter((x) => x.key === key)) {
        const r = remembered.get(idOf(a));
        if (r !== undefined) expect(r, `acked ${idOf(a)} ${context}`).toEqual({ requestId: a.requestId, key, start: a.start, count });
        blocks.push({ start: a.start, count, why: `acked ${idOf(a)}` });
      }
      // Unknown outcomes the ledger remembers were executed: their blocks are spent, not holes.
      const unknownHere = unknown.filter((u) => u.key === key);
      let forgottenUnknown = 0;
      for (const u of unknownHere) {
        const r = remembered.get(idOf(u));
        if (r !== undefined) blocks.push({ start: r.start, count: r.count, why: `unknown ${idOf(u)}, executed` });
        // Not remembered by a session that would still remember it: never executed, no hole.
        else if (sessionForgets(snapshot.sessions, u)) forgottenUnknown += 1;
      }
      blocks.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
      let next = 0n;
      let holeValues = 0n;
      for (const b of blocks) {
        expect(b.count, `${key} block size ${context}`).toBe(count);
        // Per key, the blocks are disjoint ...
        expect(b.start >= next, `${key}: ${b.why} at ${b.start} overlaps the block before (next free ${next}) ${context}`).toBe(true);
        holeValues += b.start - next;
        next = b.start + BigInt(b.count);
      }
      // ... and inside the durable counter; the rest of [0, counter) is the holes.
      expect(next <= counter, `${key}: a block ends at ${next}, past the durable counter ${counter} ${context}`).toBe(true);
      holeValues += counter - next;
      // A hole is explained only by unknown outcomes the ledger no longer remembers.
      expect(holeValues % BigInt(count), `${key} ${context}`).toBe(0n);
      expect(holeValues / BigInt(count) <= BigInt(forgottenUnknown), `${key}: ${holeValues} unexplained values, ${forgottenUnknown} forgotten unknown outcomes ${context}`).toBe(true);
    }
    // The bookkeeping names the client's real pairs: acknowledged calls are found in the ledger.
    expect(acked.some((a) => remembered.has(idOf(a))), `no acknowledged pair is in the ledger ${context}`).toBe(true);
    // The run did what it claims: both clients got blocks, and restarts happened under load.
    expect(acked.some((a) => a.clientId === patient.client.clientId)).toBe(true);
    expect(acked.some((a) => a.clientId !== patient.client.clientId)).toBe(true);
  });
});

/** True when the session of `call`'s client no longer remembers ids as low as the call's. */
function sessionForgets(sessions: ReturnType<typeof decodeSeqLedgerRecord>['sessions'], call: SeqCallRecord): boolean {
  const session = sessions.find((s) => s.clientId === call.clientId);
  // No session: the request never succeeded for this client, or the session was evicted.
  return session === undefined ? true : call.requestId < session.forgottenBelow;
}

// ---------------------------------------------------------------------------------------------

describe('the data directory lock', () => {
  it('makes a second server on a held directory exit non-zero with "already locked"', async () => {
    const dataDir = await tempDir();
    const first = await children.serve({ dataDir });
    const second = await children.run(['serve', 'file', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--http-listen', 'off']);
    expect(second.code).not.toBe(0);
    expect(second.code).not.toBeNull();
    expect(second.stderr).toMatch(/already locked/);
    expect(second.stdout).not.toMatch(/serving on/);
    // The first server was not disturbed.
    const client = track(createClient({ endpoints: [first.endpoint] }));
    expect(typeof (await client.getTs())).toBe('bigint');
  });
});

describe('bad input on one connection', () => {
  it('answers a garbage body with BAD_FRAME and closes that connection while another client keeps working', async () => {
    const server = await children.serve({ dataDir: await tempDir() });
    const client = track(createClient({ endpoints: [server.endpoint] }));
    await client.getTs();
    const looper = tsLooper(client);
    const peer = await rawPeer(server.endpoint);
    // A valid request first: the connection works, then 0xc1 (never used in msgpack) breaks it.
    peer.write(frame(encodeRequest({ op: 'getTs', id: 7, count: 2 })));
    await waitFor(() => peer.answers.length === 1, 'the valid request to be answered');
    peer.write(frame(new Uint8Array([0xc1, 0xc1, 0xc1])));
    await peer.closed;
    const result = await looper.stop();
    expect(peer.answers[0]).toMatchObject({ id: 7, ok: true, count: 2 });
    expect(peer.answers.slice(1)).toEqual([expect.objectContaining({ id: 0, ok: false, code: 'BAD_FRAME' })]);
    expect(result.errors).toEqual([]);
    expect(result.ordered).toBe(true);
    expect(result.calls).toBeGreaterThan(0);
    expect(typeof (await client.getTs())).toBe('bigint');
  });

  it('answers an oversized length prefix with BAD_FRAME and closes that connection while another client keeps working', async () => {
    const server = await children.serve({ dataDir: await tempDir() });
    const client = track(createClient({ endpoints: [server.endpoint] }));
    const looper = tsLooper(client);
    const peer = await rawPeer(server.endpoint);
    peer.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await peer.closed;
    // Not a tsoracle client at all: an HTTP request line reads as a ~1.2 GB length prefix.
    const http = await rawPeer(server.endpoint);
    http.write(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await http.closed;
    const result = await looper.stop();
    for (const p of [peer, http]) {
      expect(p.answers).toEqual([expect.objectContaining({ id: 0, ok: false, code: 'BAD_FRAME' })]);
      expect((p.answers[0] as { message: string }).message).toMatch(/FRAME_TOO_LARGE/);
    }
    expect(result.errors).toEqual([]);
    expect(result.ordered).toBe(true);
    expect(typeof (await client.getTs())).toBe('bigint');
  });
});

describe('shutdown and HTTP', () => {
  it('exits 0 on SIGTERM and on SIGINT, and releases the data directory', async () => {
    const dataDir = await tempDir();
    const first = await children.serve({ dataDir });
    const client = track(createClient({ endpoints: [first.endpoint] }));
    await client.getSeq('k', 1);
    expect(await first.terminate()).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toMatch(/SIGTERM/);
    const second = await children.serve({ dataDir });
    process.kill(second.pid, 'SIGINT');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    // The lock was released and the block survived.
    const third = await children.serve({ dataDir });
    const other = track(createClient({ endpoints: [third.endpoint] }));
    expect((await other.getSeq('k', 1)).start).toBe(1n);
  });

  it('handles a signal sent the moment it prints "serving on"', async () => {
    // Supervisors react to the readiness line; the handlers must already be installed by then.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const server = await children.serve({ dataDir: await tempDir(), signalOnReady: signal });
      expect(await server.exited, signal).toEqual({ code: 0, signal: null });
    }
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const server = await children.serve({ dataDir: await tempDir(), httpListen: '127.0.0.1:0' });
    const client = track(createClient({ endpoints: [server.endpoint] }));
    await client.getTsBatch(3);
    const base = `http://${server.httpEndpoint ?? 'missing'}`;
    const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) });
    expect([ready.status, await ready.text()]).toEqual([200, 'serving\n']);
    const metrics = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^tsoracle_serving 1$/m);
    expect(text).toMatch(/^tsoracle_get_ts_timestamps_issued_total 3$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    const missing = await fetch(`${base}/nope`, { signal: AbortSignal.timeout(5_000) });
    expect(missing.status).toBe(404);
  });
});

describe('the CLI commands', () => {
  it('init seeds a directory, the server then starts above the seed, and a second init refuses', async () => {
    const dataDir = await tempDir();
    const seedMs = Date.now() + 3_600_000;
    const init = await children.run(['init', '--data-dir', dataDir, '--seed-physical-ms', String(seedMs)]);
    expect(init.code).toBe(0);
    const again = await children.run(['init', '--data-dir', dataDir, '--seed-physical-ms', String(seedMs)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/DRIVER_ALREADY_INITIALIZED/);
    const server = await children.serve({ dataDir });
    const client = track(createClient({ endpoints: [server.endpoint] }));
    const { physicalMs } = unpackTimestamp(await client.getTs());
    expect(physicalMs).toBeGreaterThan(seedMs);
  });

  it('get-ts --count 5 prints 5 increasing decimal lines; get-seq --json prints one object with string u64s', async () => {
    const server = await children.serve({ dataDir: await tempDir() });
    const ts = await children.run(['get-ts', '--endpoints', server.endpoint, '--count', '5']);
    expect(ts.code).toBe(0);
    const lines = ts.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => /^\d+$/.test(l))).toBe(true);
    const values = lines.map((l) => BigInt(l));
    for (let i = 1; i < values.length; i++) expect((values[i] ?? 0n) > (values[i - 1] ?? 0n)).toBe(true);

    const seq = await children.run(['get-seq', 'k', '--endpoints', server.endpoint, '--count', '3', '--json']);
    expect(seq.code).toBe(0);
    const out = seq.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? '')).toEqual({ key: 'k', start: '0', count: 3, epoch: '0' });
    const plain = await children.run(['get-seq', 'k', '--endpoints', server.endpoint, '--count', '2']);
    expect(plain.stdout).toBe('3\n4\n');
  });

  it('exits 2 on bad flags and fails clearly on a bad count', async () => {
    const unknownFlag = await children.run(['--no-such-flag']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/unknown option/);
    const badDuration = await children.run(['serve', 'file', '--data-dir', await tempDir(), '--window-ahead', 'soon', '--http-listen', 'off']);
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toMatch(/not a duration/);
    const zero = await children.run(['get-ts', '--endpoints', '127.0.0.1:1', '--count', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--count.*not a positive integer: 0/);
    // Above the per-call maximum: a usage error too, found before any connection is made.
    const tooMany = await children.run(['get-ts', '--endpoints', '127.0.0.1:1', '--count', '262145']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/--count.*at most 262144/);
    const missingInitSeed = await children.run(['init', '--data-dir', await tempDir()]);
    expect(missingInitSeed.code).toBe(2);
  });
});
