// Stamping leases through real processes (the built CLI, dist/runners/cli.js, on loopback):
// `tsoracle lease acquire|renew|release`, `frontier` and `max-safe` against a file server, with
// bad input sent raw (a holder of 0 or 129 bytes, a TTL out of bounds, an unknown lease id)
// answered with its code while the same connection keeps being served; and against a 3-node Raft
// cluster across a kill -9 of the leader: the lease granted before the kill still binds the new
// leader's frontier and renews under the new epoch.
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
  const { dir, remove } = await makeTempDir('tsoracle-leases-');
  cleanups.push(remove);
  return dir;
}

interface LeaseJson {
  readonly leaseId: string;
  readonly tsUpperBoundMs: string;
  readonly expiresAtMs: string;
  readonly epoch: string;
}

function jsonOf<T>(run: CliResult): T {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as T;
}

/** Sends raw requests on one connection and collects the answers, by id. */
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

describe('tsoracle lease against a file server', () => {
  it('acquires, re-acquires, supersedes, renews and releases; the frontier follows; bad input is answered with its code', async () => {
    const dataDir = await tempDir();
    const server: ServerChild = await children.serve({ dataDir });
    const endpoints = ['--endpoints', server.endpoint];
    const first = jsonOf<LeaseJson>(await children.run(['lease', 'acquire', 'orders-writer', '--holder-epoch', '1', '--ttl', '60s', ...endpoints, '--json']));
    expect(first.leaseId).toBe(first.tsUpperBoundMs);
    expect(jsonOf<LeaseJson>(await children.run(['lease', 'acquire', 'orders-writer', '--holder-epoch', '1', '--ttl', '60s', ...endpoints, '--json']))).toEqual(first);
    const second = jsonOf<LeaseJson>(await children.run(['lease', 'acquire', 'orders-writer', '--holder-epoch', '2', '--ttl', '60s', ...endpoints, '--json']));
    expect(BigInt(second.leaseId) > BigInt(first.leaseId)).toBe(true);
    // The superseded lease still binds the frontier.
    expect(jsonOf<{ physicalMs: string }>(await children.run(['frontier', ...endpoints, '--json'])).physicalMs).toBe(first.tsUpperBoundMs);
    const maxSafe = jsonOf<{ physicalMs: string }>(await children.run(['max-safe', ...endpoints, '--json']));
    expect(Number(maxSafe.physicalMs)).toBeGreaterThan(0);
    const stale = await children.run(['lease', 'renew', first.leaseId, ...endpoints]);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toMatch(/FAILED_PRECONDITION.*LEASE_SUPERSEDED/);
    const plain = await children.run(['lease', 'renew', second.leaseId, ...endpoints]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(new RegExp(`^lease-id ${second.leaseId}\\nts-upper-bound-ms \\d+\\nexpires-at-ms \\d+\\n$`));
    const renewedBound = /ts-upper-bound-ms (\d+)/.exec(plain.stdout)?.[1];
    expect((await children.run(['lease', 'release', first.leaseId, ...endpoints])).stdout).toBe(`released ${first.leaseId}\n`);
    expect((await children.run(['lease', 'release', first.leaseId, ...endpoints])).code).toBe(0);

    const answers = await rawExchange(server.endpoint, [
      { id: 1, op: 'acquireLease', holder: new Uint8Array(0), holderEpoch: 1n, ttlMs: 10_000 },
      { id: 2, op: 'acquireLease', holder: new Uint8Array(129), holderEpoch: 1n, ttlMs: 10_000 },
      { id: 3, op: 'acquireLease', holder: new Uint8Array([1]), holderEpoch: 1n, ttlMs: 4_999 },
      { id: 4, op: 'acquireLease', holder: new Uint8Array([1]), holderEpoch: 1n, ttlMs: 300_001 },
      { id: 5, op: 'renewLease', leaseId: 12_345n },
      { id: 6, op: 'releaseLease', leaseId: 12_345n },
      { id: 7, op: 'getTs', count: 1 },
    ]);
    expect(answers.map((a) => (a.ok ? 'ok' : `${a.code} ${a.message.split(':')[0]}`))).toEqual([
      'INVALID_ARGUMENT INVALID_LEASE_HOLDER',
      'INVALID_ARGUMENT INVALID_LEASE_HOLDER',
      'INVALID_ARGUMENT INVALID_LEASE_TTL',
      'INVALID_ARGUMENT INVALID_LEASE_TTL',
      'NOT_FOUND LEASE_NOT_FOUND',
      'ok',
      'ok',
    ]);

    // The lease set is durable: after a kill -9 and a restart the remaining lease still binds.
    await server.kill9();
    const again: ServerChild = await children.serve({ dataDir });
    const frontier = jsonOf<{ physicalMs: string }>(await children.run(['frontier', '--endpoints', again.endpoint, '--json']));
    expect(frontier.physicalMs).toBe(renewedBound);
    const renewed = jsonOf<LeaseJson>(await children.run(['lease', 'renew', second.leaseId, '--endpoints', again.endpoint, '--json']));
    expect(renewed.leaseId).toBe(second.leaseId);
  }, 60_000);
});

describe('tsoracle lease against a 3-node Raft cluster', () => {
  it('the lease granted before a kill -9 of the leader binds the new leader and renews under its epoch', async () => {
    const dir = await tempDir();
    const ports = await freePorts(6);
    const raft = (id: number) => `127.0.0.1:${ports[id - 1] as number}`;
    const service = (id: number) => `127.0.0.1:${ports[id + 2] as number}`;
    const peers = [1, 2, 3].map((id) => `${id}=${raft(id)}/${service(id)}`).join(',');
    const argsOf = (id: number) => ['serve', 'raft', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off'];
    const nodes = new Map<number, ServerChild>();
    for (const id of [1, 2, 3]) nodes.set(id, await children.serve({ dataDir: '', args: argsOf(id) }));
    const endpoints = ['--endpoints', [1, 2, 3].map(service).join(',')];

    const lease = jsonOf<LeaseJson>(await children.run(['lease', 'acquire', 'hex:abcd', '--holder-epoch', '7', '--ttl', '5m', ...endpoints, '--json'], 30_000));
    const leads = (n: ServerChild): boolean => [...n.stderr().matchAll(/raft: (\w+) at term/g)].pop()?.[1] === 'leader';
    await waitFor(() => [...nodes.values()].some(leads), 'a node to report leading', 10_000);
    const leaderId = [...nodes.entries()].find(([, n]) => leads(n))?.[0] as number;
    expect((await (nodes.get(leaderId) as ServerChild).kill9()).signal).toBe('SIGKILL');

    const renewed = jsonOf<LeaseJson>(await children.run(['lease', 'renew', lease.leaseId, ...endpoints, '--json'], 30_000));
    expect(renewed.leaseId).toBe(lease.leaseId);
    expect(BigInt(renewed.epoch) > BigInt(lease.epoch)).toBe(true);
    expect(BigInt(renewed.tsUpperBoundMs) >= BigInt(lease.tsUpperBoundMs)).toBe(true);
    const survivors = [1, 2, 3].filter((id) => id !== leaderId);
    const points = await Promise.all(survivors.map(async (id) => JSON.parse((await children.run(['frontier', '--endpoints', service(id), '--json'])).stdout) as { physicalMs: string; epoch: string }));
    const leaderPoint = points.find((p) => p.epoch !== '0');
    expect(leaderPoint?.physicalMs).toBe(renewed.tsUpperBoundMs);
    const again = jsonOf<LeaseJson>(await children.run(['lease', 'acquire', 'hex:abcd', '--holder-epoch', '7', '--ttl', '5m', ...endpoints, '--json'], 30_000));
    expect(again.leaseId).toBe(lease.leaseId);
    expect((await children.run(['lease', 'release', lease.leaseId, ...endpoints], 30_000)).code).toBe(0);
  }, 90_000);
});
