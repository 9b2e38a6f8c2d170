// The tsoracle.v1 gRPC listener in process, over real loopback HTTP/2 with grpc-js as the client,
// on a ServingNode with the in-memory driver: exact GetTs grants, gapless exactly-once GetSeq,
// GetSeqBatch all or nothing, the safe points (0 on a follower), the not-leader status and
// trailer, UNIMPLEMENTED for the RPCs not built, INVALID_ARGUMENT for a
// message that does not decode (the server untouched), the message size and connection caps, and
// a plugged-in handler. Every wait is bounded by the call deadline.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeClock } from '../node/clock.js';
import { ServingNode } from '../server/serving-node.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { TsoGrpcClient, type GrpcCallResult } from './tso-grpc-client.js';
import { TSO_RPC_NAMES, TSO_SERVICE_NAME, TsoGrpcServer, type TsoGrpcServerOptions } from './tso-grpc-server.js';
import { epochFromWire, type GetCurrentMaxSafeResponse, type GetSafeFrontierResponse, type GetSeqBatchResponse, type GetSeqResponse, type GetTsResponse } from './tso-messages.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(driver = new MemoryDriver({ kind: 'leader', epoch: (5n << 64n) | 3n }), extra: Partial<TsoGrpcServerOptions> = {}) {
  const clock = new NodeClock();
  const node = new ServingNode({ driver, clock });
  node.start();
  if (node.currentEpoch !== null) await node.waitUntilServing(5_000);
  const counted: string[] = [];
  const server = await TsoGrpcServer.start({ node, listen: { host: '127.0.0.1', port: 0 }, onRequest: (m, c) => counted.push(`${m} ${c}`), ...extra });
  const client = new TsoGrpcClient(`127.0.0.1:${server.address.port}`);
  cleanups.push(async () => {
    client.close();
    await server.close(100);
    await node.close();
  });
  return { server, client, node, driver, counted };
}

function expectOk<T>(r: GrpcCallResult<T>): T {
  if (!r.ok) throw new Error(`expected OK, got ${grpc.status[r.code]}: ${r.details}`);
  return r.value;
}

/** Sends raw bytes as the request of `method` (a message the codecs would never write). */
function rawCall(target: string, method: string, body: Buffer): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(`/${TSO_SERVICE_NAME}/${method}`, (b: Buffer) => b, (b: Buffer) => b, body, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (error) => {
      client.close();
      resolve(error);
    });
  });
}

describe('tsoracle.v1 gRPC listener', () => {
  it('GetTs answers exactly the count asked, strictly increasing across calls, with the u128 epoch in two halves', async () => {
    const { client, counted } = await serve();
    let last = -1n;
    for (const count of [1, 7, 1000, 262_144, 3]) {
      const r = expectOk(await client.call<GetTsResponse>('GetTs', { count }));
      expect(r.count).toBe(count);
      expect(epochFromWire({ hi: r.epochHi, lo: r.epochLo })).toBe((5n << 64n) | 3n);
      const first = (r.physicalMs << 18n) | BigInt(r.logicalStart);
      expect(first).toBeGreaterThan(last);
      last = first + BigInt(count) - 1n;
    }
    expect(counted.filter((c) => c === 'GetTs OK')).toHaveLength(5);
    const zero = await client.call('GetTs', { count: 0 });
    expect(zero.ok === false && zero.code).toBe(grpc.status.INVALID_ARGUMENT);
    const tooMany = await client.call('GetTs', { count: 262_145 });
    expect(tooMany.ok === false && tooMany.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(counted).toContain('GetTs INVALID_ARGUMENT');
  });

  it('GetSeq hands out gapless blocks, echoes the key, always sets the epoch, and repeats a block for a repeated caller-chosen id', async () => {
    const { client } = await serve();
    let next = 0n;
    for (const count of [1, 5, 100]) {
      const r = expectOk(await client.call<GetSeqResponse>('GetSeq', { key: 'orders', count }));
      expect(r).toMatchObject({ key: 'orders', start: next, count });
      expect(r.epoch).toEqual({ hi: 5n, lo: 3n });
      next += BigInt(count);
    }
    const metadata = { 'tsoracle-seq-client-id': '42', 'tsoracle-seq-request-id': '9000000000000' };
    const first = expectOk(await client.call<GetSeqResponse>('GetSeq', { key: 'orders', count: 2 }, { metadata }));
    const again = expectOk(await client.call<GetSeqResponse>('GetSeq', { key: 'orders', count: 2 }, { metadata }));
    expect(first.start).toBe(next);
    expect(again.start).toBe(first.start);
    const bad = await client.call('GetSeq', { key: 'orders', count: 2 }, { metadata: { 'tsoracle-seq-client-id': '42' } });
    expect(bad.ok === false && bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    const badKey = await client.call('GetSeq', { key: '', count: 2 });
    expect(badKey.ok === false && badKey.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('a follower answers FAILED_PRECONDITION "not leader" with the leader hint trailer: the mapped scheme-less endpoint and the epoch', async () => {
    const driver = new MemoryDriver({ kind: 'follower', leaderEndpoint: '10.0.0.2:50551', leaderEpoch: (1n << 64n) | 4n });
    const { client } = await serve(driver, { hintEndpoint: (service) => service.replace(':50551', ':50555') });
    for (const [method, request] of [
      ['GetTs', { count: 1 }],
      ['GetSeq', { key: 'k', count: 1 }],
    ] as const) {
      const r = await client.call(method, request);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(r.details).toBe('not leader');
      expect(r.hint).toEqual({ leaderEndpoint: '10.0.0.2:50555', leaderEpoch: { hi: 1n, lo: 4n } });
    }
    driver.setLeadership({ kind: 'unknown' });
    const unknown = await client.call('GetTs', { count: 1 });
    expect(unknown.ok === false && [unknown.code, unknown.hint]).toEqual([grpc.status.FAILED_PRECONDITION, undefined]);
  });

  it('GetSeqBatch grants every key in request order, all or nothing, exactly once for a repeated caller-chosen id', async () => {
    const { client } = await serve();
    expectOk(await client.call<GetSeqResponse>('GetSeq', { key: 'orders', count: 4 }));
    const r = expectOk(await client.call<GetSeqBatchResponse>('GetSeqBatch', { entries: [{ key: 'invoices', count: 2 }, { key: 'orders', count: 3 }] }));
    expect(r).toEqual({ grants: [{ key: 'invoices', start: 0n, count: 2 }, { key: 'orders', start: 4n, count: 3 }], epoch: { hi: 5n, lo: 3n } });
    const metadata = { 'tsoracle-seq-client-id': '7', 'tsoracle-seq-request-id': '9000000000000' };
    const first = expectOk(await client.call<GetSeqBatchResponse>('GetSeqBatch', { entries: [{ key: 'orders', count: 1 }] }, { metadata }));
    const again = expectOk(await client.call<GetSeqBatchResponse>('GetSeqBatch', { entries: [{ key: 'orders', count: 1 }] }, { metadata }));
    expect(again).toEqual(first);
    expect(first.grants[0]?.start).toBe(7n);
    const duplicate = await client.call('GetSeqBatch', { entries: [{ key: 'a', count: 1 }, { key: 'a', count: 1 }] });
    expect(duplicate.ok === false && duplicate.code).toBe(grpc.status.INVALID_ARGUMENT);
    const empty = await client.call('GetSeqBatch', { entries: [] });
    expect(empty.ok === false && empty.code).toBe(grpc.status.INVALID_ARGUMENT);
    // Nothing of the refused batches was granted.
    expect(expectOk(await client.call<GetSeqResponse>('GetSeq', { key: 'a', count: 1 })).start).toBe(0n);
    expect(expectOk(await client.call<GetSeqResponse>('GetSeq', { key: 'orders', count: 1 })).start).toBe(8n);
  });

  it('GetCurrentMaxSafe and GetSafeFrontier answer on the leader with its epoch, and 0 with epoch 0 on a follower (no redirect)', async () => {
    const { client } = await serve();
    const ts = expectOk(await client.call<GetTsResponse>('GetTs', { count: 1 }));
    const maxSafe = expectOk(await client.call<GetCurrentMaxSafeResponse>('GetCurrentMaxSafe', {}));
    const frontier = expectOk(await client.call<GetSafeFrontierResponse>('GetSafeFrontier', {}));
    expect([maxSafe.epochHi, maxSafe.epochLo, frontier.epochHi, frontier.epochLo]).toEqual([5n, 3n, 5n, 3n]);
    expect(frontier.frontierPhysicalMs).toBeGreaterThan(ts.physicalMs);
    expect(maxSafe.maxSafePhysicalMs).toBeLessThan(frontier.frontierPhysicalMs);
    const follower = await serve(new MemoryDriver({ kind: 'follower', leaderEndpoint: '10.0.0.2:50551', leaderEpoch: 4n }));
    expect(expectOk(await follower.client.call('GetCurrentMaxSafe', {}))).toEqual({ maxSafePhysicalMs: 0n, epochHi: 0n, epochLo: 0n });
    expect(expectOk(await follower.client.call('GetSafeFrontier', {}))).toEqual({ frontierPhysicalMs: 0n, epochHi: 0n, epochLo: 0n });
    const batch = await follower.client.call('GetSeqBatch', { entries: [{ key: 'a', count: 1 }] });
    expect(batch.ok === false && batch.code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it('answers UNIMPLEMENTED for every RPC not built yet (the leases), and serves a plugged-in handler instead', async () => {
    const { client, counted } = await serve();
    for (const method of TSO_RPC_NAMES.filter((m) => !['GetTs', 'GetSeq', 'GetSeqBatch', 'GetCurrentMaxSafe', 'GetSafeFrontier'].includes(m))) {
      const r = await client.call(method, {});
      expect(r.ok === false && r.code, method).toBe(grpc.status.UNIMPLEMENTED);
      expect(counted).toContain(`${method} UNIMPLEMENTED`);
    }
    const plugged = await serve(undefined, { handlers: { GetCurrentMaxSafe: async () => ({ ok: true, value: { maxSafePhysicalMs: 77n, epochHi: 0n, epochLo: 1n } }) } });
    expect(expectOk(await plugged.client.call('GetCurrentMaxSafe', {}))).toEqual({ maxSafePhysicalMs: 77n, epochHi: 0n, epochLo: 1n });
  });

  it('answers a request that does not decode INVALID_ARGUMENT and keeps serving; refuses an oversized one', async () => {
    const { server, client } = await serve(undefined, { messageBytesMax: 1024 });
    const target = `127.0.0.1:${server.address.port}`;
    const truncated = await rawCall(target, 'GetTs', Buffer.from([0x08]));
    expect(truncated?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(truncated?.details).toMatch(/^BAD_GRPC_MESSAGE: GetTsRequest/);
    const badUtf8 = await rawCall(target, 'GetSeq', Buffer.from([0x0a, 0x02, 0xc3, 0x28, 0x10, 0x01]));
    expect(badUtf8?.details).toMatch(/not valid UTF-8/);
    const huge = await rawCall(target, 'GetSeq', Buffer.concat([Buffer.from([0x0a, 0x90, 0x10]), Buffer.alloc(2048, 0x61)]));
    expect(huge?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(expectOk(await client.call<GetTsResponse>('GetTs', { count: 2 })).count).toBe(2);
  });

  it('closes a connection beyond the cap at once, and serves again when a slot frees', async () => {
    const { server, client } = await serve(undefined, { connectionsMax: 1 });
    expectOk(await client.call('GetTs', { count: 1 }));
    // A local subchannel pool: grpc-js would otherwise share the first client's connection.
    const second = new TsoGrpcClient(`127.0.0.1:${server.address.port}`, { 'grpc.use_local_subchannel_pool': 1 });
    const refused = await second.call('GetTs', { count: 1 }, { deadlineMs: 1_000 });
    expect(refused.ok === false && [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED].includes(refused.code)).toBe(true);
    expect(server.connectionCount).toBe(1);
    client.close();
    for (let i = 0; i < 50 && server.connectionCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    second.close();
    const third = new TsoGrpcClient(`127.0.0.1:${server.address.port}`, { 'grpc.use_local_subchannel_pool': 1 });
    expect(expectOk(await third.call<GetTsResponse>('GetTs', { count: 1 }, { deadlineMs: 5_000 })).count).toBe(1);
    third.close();
  });
});
