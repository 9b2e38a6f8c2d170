// getSeqBatch through real processes (the built CLI, dist/runners/cli.js, on loopback): the
// `tsoracle get-seq-batch` command against a file server and against a 3-node Raft cluster across
// a kill -9 of the leader (every key's grants stay gapless and the two keys of every batch move
// together); bad batches sent raw (empty, a duplicate key, 129 keys, past the server's cap) are
// answered INVALID_ARGUMENT with their reason while the same connection keeps being served; and
// `tsoracle max-safe` / `frontier`: the original's formulas on the leader, 0 from a follower; and
// `tsoracle members` against the file server (no membership: an empty list).
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../core/frame.js';
import { decodeResponse, encodeRequest, type Request, type Response } from '../core/protocol.js';
import { makeTempDir } from '../drivers/node/test-support.js';
import { ChildTracker, freePorts, waitFor, type CliResult, type ServerChild } from './test-support.js';

const children = new ChildTracker();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await children.cleanup();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const { dir, remove } = await makeTempDir('tsoracle-seq-batch-');
  cleanups.push(remove);
  return dir;
}

interface Grant {
  readonly key: string;
  readonly start: string;
  readonly count: number;
}

function grantsOf(run: CliResult): Grant[] {
  expect(run.code, run.stderr).toBe(0);
  const last = run.stdout.trim().split('\n').pop() as string;
  return (JSON.parse(last) as { grants: Grant[] }).grants;
}

/** Sends raw requests on one connection and collects the answers. */
async function rawExchange(endpoint: string, requests: readonly Request[]): Promise<Response[]> {
  const [host, port] = endpoint.split(':');
  const socket = net.connect({ host: host ?? '127.0.0.1', port: Number(port) });
  socket.on('error', () => {});
  cleanups.push(async () => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const decoder = new FrameDecoder();
  const answers: Response[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const body of decoder.push(chunk)) answers.push(decodeResponse(body));
  });
  for (const request of requests) {
    const body = encodeRequest(request);
    const framed = new Uint8Array(4 + body.length);
    new DataView(framed.buffer).setUint32(0, body.length);
    framed.set(body, 4);
    socket.write(framed);
  }
  await waitFor(() => answers.length >= requests.length, 'every answer', 10_000);
  return answers.sort((a, b) => a.id - b.id);
}

const entries = (...pairs: Array<[string, number]>) => pairs.map(([key, count]) => ({ key, count }));

describe('tsoracle get-seq-batch against a file server', () => {
  it('grants every key, prints lines or JSON, and answers bad batches with their code while serving on', async () => {
    const server: ServerChild = await children.serve({ dataDir: await tempDir(), extraArgs: ['--seq-batch-keys-max', '4', '--heartbeat-interval', '200ms'] });
    const endpoints = ['--endpoints', server.endpoint];
    expect(grantsOf(await children.run(['get-seq-batch', 'orders=3', 'invoices=1', ...endpoints, '--json']))).toEqual([
      { key: 'orders', start: '0', count: 3 },
      { key: 'invoices', start: '0', count: 1 },
    ]);
    const plain = await children.run(['get-seq-batch', 'invoices=2', 'orders=1', ...endpoints]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe('invoices 1\ninvoices 2\norders 3\n');
    // The client refuses a duplicate key before any I/O; the CLI names the code.
    const duplicate = await children.run(['get-seq-batch', 'a=1', 'a=2', ...endpoints]);
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toMatch(/INVALID_SEQ_BATCH/);

    const many = Array.from({ length: 129 }, (_, i) => ({ key: `k${i}`, count: 1 }));
    const answers = await rawExchange(server.endpoint, [
      { id: 1, op: 'getSeqBatch', entries: [], clientId: 1n, requestId: 1n },
      { id: 2, op: 'getSeqBatch', entries: entries(['a', 1], ['a', 1]), clientId: 1n, requestId: 2n },
      { id: 3, op: 'getSeqBatch', entries: many, clientId: 1n, requestId: 3n },
      { id: 4, op: 'getSeqBatch', entries: entries(['a', 1], ['b', 1], ['c', 1], ['d', 1], ['e', 1]), clientId: 1n, requestId: 4n },
      { id: 5, op: 'getSeqBatch', entries: entries(['a', 0], ['b', 1]), clientId: 1n, requestId: 5n },
      { id: 6, op: 'getSeqBatch', entries: entries(['k'.repeat(129), 1], ['b', 1]), clientId: 1n, requestId: 6n },
      { id: 7, op: 'getSeqBatch', entries: entries(['a', 1], ['orders', 1]), clientId: 1n, requestId: 7n },
    ]);
    const reasons = answers.slice(0, 6).map((a) => (a.ok ? 'ok' : `${a.code} ${a.message.split(':')[0]}`));
    expect(reasons).toEqual([
      'INVALID_ARGUMENT INVALID_SEQ_BATCH',
      'INVALID_ARGUMENT INVALID_SEQ_BATCH',
      'INVALID_ARGUMENT INVALID_SEQ_BATCH',
      'INVALID_ARGUMENT INVALID_SEQ_BATCH',
      'INVALID_ARGUMENT INVALID_SEQ_COUNT',
      'INVALID_ARGUMENT INVALID_SEQ_KEY',
    ]);
    // No refused batch moved a counter, and the connection is still served.
    expect(answers[6]).toMatchObject({ ok: true, grants: [{ key: 'a', start: 0n, count: 1 }, { key: 'orders', start: 4n, count: 1 }] });

    // The safe points: max safe = committed high-water − window ahead (3 s) − 1, frontier = the
    // committed high-water (no leases), both from the serving file driver (epoch 0).
    const maxSafe = JSON.parse((await children.run(['max-safe', ...endpoints, '--json'])).stdout) as { physicalMs: string; epoch: string };
    const frontier = JSON.parse((await children.run(['frontier', ...endpoints, '--json'])).stdout) as { physicalMs: string; epoch: string };
    expect(Number(frontier.physicalMs) - Number(maxSafe.physicalMs)).toBeGreaterThanOrEqual(3_001);
    expect(Number(maxSafe.physicalMs)).toBeGreaterThan(Date.now() - 60_000);
    // A single file node has no membership to tell: the members op answers an empty list.
    const members = await children.run(['members', ...endpoints]);
    expect(members.code, members.stderr).toBe(0);
    expect(members.stdout).toBe('no members known (a single node or a driver without a membership)\n');

    // The status heartbeat: a line naming the serving state, the epoch and the requests so far.
    await waitFor(() => /^heartbeat: .*requests_total=([1-9]\d*)/m.test(server.stderr()), 'a heartbeat line after requests', 10_000);
    expect(server.stderr()).toMatch(/^heartbeat: uptime_secs=\d+ serving=true epoch=0 requests=\d+ requests_total=\d+ ts_issued=\d+ seq_issued=[1-9]\d* /m);
  }, 60_000);
});

describe('tsoracle get-seq-batch against a 3-node Raft cluster', () => {
  it('keeps every key gapless and both keys of each batch together across a kill -9 of the leader', async () => {
    const dir = await tempDir();
    const ports = await freePorts(6);
    const raft = (id: number) => `127.0.0.1:${ports[id - 1] as number}`;
    const service = (id: number) => `127.0.0.1:${ports[id + 2] as number}`;
    const peers = [1, 2, 3].map((id) => `${id}=${raft(id)}/${service(id)}`).join(',');
    const argsOf = (id: number) => ['serve', 'raft', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off'];
    const nodes = new Map<number, ServerChild>();
    for (const id of [1, 2, 3]) nodes.set(id, await children.serve({ dataDir: '', args: argsOf(id) }));
    const endpoints = ['--endpoints', [1, 2, 3].map(service).join(',')];

    const grants: Grant[][] = [];
    const take = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) grants.push(grantsOf(await children.run(['get-seq-batch', `left=${i + 1}`, `right=${i + 1}`, ...endpoints, '--json'], 30_000)));
    };
    await take(3);
    // The leader is the node whose log shows it leading; kill it with SIGKILL.
    const leads = (n: ServerChild): boolean => [...n.stderr().matchAll(/raft: (\w+) at term/g)].pop()?.[1] === 'leader';
    await waitFor(() => [...nodes.values()].some(leads), 'a node to report leading', 10_000);
    const leaderId = [...nodes.entries()].find(([, n]) => leads(n))?.[0] as number;
    expect((await (nodes.get(leaderId) as ServerChild).kill9()).signal).toBe('SIGKILL');
    await take(3);

    for (const key of ['left', 'right']) {
      let next = 0n;
      for (const batch of grants) {
        const grant = batch.find((g) => g.key === key) as Grant;
        expect(BigInt(grant.start)).toBe(next);
        next += BigInt(grant.count);
      }
    }
    for (const [left, right] of grants) expect(left?.start).toBe(right?.start);

    // Safe points: the new leader answers its committed high-water; a follower answers 0.
    const survivors = [1, 2, 3].filter((id) => id !== leaderId);
    const answers = await Promise.all(survivors.map((id) => children.run(['frontier', '--endpoints', service(id), '--json'])));
    const points = answers.map((run) => JSON.parse(run.stdout) as { physicalMs: string; epoch: string });
    expect(points.filter((p) => p.physicalMs === '0' && p.epoch === '0').length).toBe(1);
    expect(points.filter((p) => Number(p.physicalMs) > Date.now() - 60_000 && p.epoch !== '0').length).toBe(1);
  }, 90_000);
});
