// Stamping leases on the wire (docs/protocol.md): the three lease requests and their answers
// pinned as bytes, the decoders' shape checks, and every call through the client library against
// a real protocol server over loopback TCP, with bad input answered by its code while the server
// keeps serving.
import { afterEach, describe, expect, it } from 'vitest';
import { DecodeError, ErrorCode } from '../../core/errors.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../core/protocol.js';
import { createClientCore } from '../client/index.js';
import { NodeClock } from '../node/clock.js';
import { NodeTransport } from '../node/transport.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { ProtocolServer } from './protocol-server.js';
import { ServingNode } from './serving-node.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ');
const bytes = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/ /g, ''), 'hex'));

// The example bytes of docs/protocol.md.
const ACQUIRE = '85 a2 69 64 07 a2 6f 70 ac 61 63 71 75 69 72 65 4c 65 61 73 65 a6 68 6f 6c 64 65 72 c4 02 ab cd ab 68 6f 6c 64 65 72 45 70 6f 63 68 cf 00 00 00 00 00 00 00 07 a5 74 74 6c 4d 73 cd 4e 20';
const RENEW = '83 a2 69 64 08 a2 6f 70 aa 72 65 6e 65 77 4c 65 61 73 65 a7 6c 65 61 73 65 49 64 cf 00 00 00 00 00 00 00 05';
const RELEASE = '83 a2 69 64 09 a2 6f 70 ac 72 65 6c 65 61 73 65 4c 65 61 73 65 a7 6c 65 61 73 65 49 64 cf 00 00 00 00 00 00 00 05';
const LEASE_ANSWER =
  '86 a2 69 64 07 a2 6f 6b c3 a7 6c 65 61 73 65 49 64 cf 00 00 00 00 00 00 03 e8 ae 74 73 55 70 70 65 72 42 6f 75 6e 64 4d 73 cf 00 00 00 00 00 00 03 e8 ab 65 78 70 69 72 65 73 41 74 4d 73 cf 00 00 00 00 00 00 07 d0 a5 65 70 6f 63 68 cf 00 00 00 00 00 00 00 09';
const RELEASED = '83 a2 69 64 09 a2 6f 6b c3 a8 72 65 6c 65 61 73 65 64 c3';

describe('lease messages', () => {
  it('encode to the documented bytes and decode back', () => {
    const acquire = { id: 7, op: 'acquireLease' as const, holder: new Uint8Array([0xab, 0xcd]), holderEpoch: 7n, ttlMs: 20_000 };
    expect(hex(encodeRequest(acquire))).toBe(ACQUIRE);
    expect(decodeRequest(bytes(ACQUIRE))).toEqual(acquire);
    expect(hex(encodeRequest({ id: 8, op: 'renewLease', leaseId: 5n }))).toBe(RENEW);
    expect(decodeRequest(bytes(RELEASE))).toEqual({ id: 9, op: 'releaseLease', leaseId: 5n });
    const answer = { id: 7, ok: true as const, leaseId: 1_000n, tsUpperBoundMs: 1_000, expiresAtMs: 2_000, epoch: 9n };
    expect(hex(encodeResponse(answer))).toBe(LEASE_ANSWER);
    expect(decodeResponse(bytes(LEASE_ANSWER))).toEqual(answer);
    expect(hex(encodeResponse({ id: 9, ok: true, released: true }))).toBe(RELEASED);
    expect(decodeResponse(bytes(RELEASED))).toEqual({ id: 9, ok: true, released: true });
    expect(decodeResponse(encodeResponse({ id: 3, ok: false, code: 'FAILED_PRECONDITION', message: 'LEASE_EXPIRED: x' }))).toMatchObject({ code: 'FAILED_PRECONDITION' });
  });

  it('refuses an acquire without its fields, a lease answer without its epoch, and a release answer with other fields', () => {
    const noEpoch = bytes(LEASE_ANSWER.slice(0, LEASE_ANSWER.indexOf(' a5 65 70 6f 63 68')).replace(/^86/, '85'));
    expect(() => decodeResponse(noEpoch)).toThrowError(DecodeError);
    const mixed = bytes('84 a2 69 64 09 a2 6f 6b c3 a8 72 65 6c 65 61 73 65 64 c3 a5 65 70 6f 63 68 01');
    expect(() => decodeResponse(mixed)).toThrowError(DecodeError);
    const acquireWithoutHolder = bytes(ACQUIRE.replace(/^85/, '84').replace(' a6 68 6f 6c 64 65 72 c4 02 ab cd', ''));
    expect(() => decodeRequest(acquireWithoutHolder)).toThrowError(DecodeError);
  });
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('lease calls through the client and a protocol server over loopback', () => {
  it('acquire, re-acquire, supersede, renew, frontier and release; bad input answered with its code while the server keeps serving', async () => {
    const clock = new NodeClock();
    const node = new ServingNode({ driver: new MemoryDriver(), clock });
    node.start();
    await node.waitUntilServing(5_000);
    const transport = new NodeTransport();
    const server = await ProtocolServer.start({ node, transport, clock, listen: { host: '127.0.0.1', port: 0 } });
    const client = createClientCore({ endpoints: [`127.0.0.1:${server.address.port}`], transport, clock, random: Math.random });
    cleanups.push(async () => {
      await client.close();
      await server.close(0);
      await node.close();
    });
    const holder = new TextEncoder().encode('orders-writer');
    const first = await client.acquireLease(holder, 1n, 10_000);
    expect(first.leaseId).toBe(BigInt(first.tsUpperBoundMs));
    expect(await client.acquireLease(holder, 1n, 10_000)).toEqual(first);
    const second = await client.acquireLease(holder, 2n, 20_000);
    expect(second.leaseId > first.leaseId).toBe(true);
    expect((await client.getSafeFrontier()).physicalMs).toBe(first.tsUpperBoundMs);
    await expect(client.renewLease(first.leaseId)).rejects.toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, message: expect.stringContaining('LEASE_SUPERSEDED') });
    await expect(client.acquireLease(holder, 1n, 10_000)).rejects.toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, message: expect.stringContaining('LEASE_HOLDER_EPOCH_STALE') });
    await expect(client.renewLease(424242n)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(client.acquireLease(holder, 3n, 4_999)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringContaining('INVALID_LEASE_TTL') });
    await expect(client.acquireLease(holder, 3n, 300_001)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringContaining('INVALID_LEASE_TTL') });
    await expect(client.acquireLease(new Uint8Array(0), 1n, 10_000)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringContaining('INVALID_LEASE_HOLDER') });
    await expect(client.acquireLease(new Uint8Array(129), 1n, 10_000)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringContaining('INVALID_LEASE_HOLDER') });
    const renewed = await client.renewLease(second.leaseId);
    expect(renewed.tsUpperBoundMs).toBeGreaterThanOrEqual(second.tsUpperBoundMs);
    await client.releaseLease(first.leaseId);
    await client.releaseLease(first.leaseId);
    expect((await client.getSafeFrontier()).physicalMs).toBe(renewed.tsUpperBoundMs);
    await client.releaseLease(second.leaseId);
    expect(node.leaseSet).toEqual([]);
    expect(typeof (await client.getTs())).toBe('bigint');
  });
});
