import { encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from '../../core/frame.js';
import { decodeResponse, encodeRequest } from '../../core/protocol.js';
import { NodeClock } from '../node/clock.js';
import { waitUntil } from '../node/test-support.js';
import { NodeTransport } from '../node/transport.js';
import type { Connection } from '../ports.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { ProtocolServer } from './protocol-server.js';
import { ServingNode } from './serving-node.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function server() {
  const clock = new NodeClock();
  const node = new ServingNode({ driver: new MemoryDriver(), clock });
  node.start();
  await node.waitUntilServing(5_000);
  const transport = new NodeTransport();
  const s = await ProtocolServer.start({ node, transport, clock, listen: { host: '127.0.0.1', port: 0 } });
  cleanups.push(async () => {
    await s.close(0);
    await node.close();
  });
  return { s, transport };
}

async function connect(transport: NodeTransport, port: number) {
  const c: Connection = await transport.connect({ host: '127.0.0.1', port });
  const answers: ReturnType<typeof decodeResponse>[] = [];
  let closed = false;
  c.setHandlers({ onFrame: (b) => answers.push(decodeResponse(b)), onClose: () => (closed = true) });
  cleanups.push(async () => c.close());
  return { c, answers, isClosed: () => closed };
}

describe('ProtocolServer', () => {
  it('answers pipelined requests by id', async () => {
    const { s, transport } = await server();
    const a = await connect(transport, s.address.port);
    a.c.send(encodeRequest({ id: 1, op: 'getTs', count: 3 }));
    a.c.send(encodeRequest({ id: 2, op: 'getSeq', key: 'k', count: 2, clientId: 5n, requestId: 1n }));
    a.c.send(encodeRequest({ id: 3, op: 'getTs', count: 0 }));
    await waitUntil(() => a.answers.length === 3, 'three answers');
    const byId = new Map(a.answers.map((r) => [r.id, r]));
    expect(byId.get(1)).toMatchObject({ ok: true, count: 3 });
    expect(byId.get(2)).toMatchObject({ ok: true, start: 0n, count: 2 });
    expect(byId.get(3)).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
  });

  it('answers a request whose fields echo huge strings with BAD_FRAME, closes only that connection and keeps serving (regression)', async () => {
    const { s, transport } = await server();
    const good = await connect(transport, s.address.port);
    const bad = await connect(transport, s.address.port);
    bad.c.send(encode({ id: 1, op: '"'.repeat(33_000), count: 1 }));
    await waitUntil(() => bad.isClosed(), 'the bad connection to close');
    expect(bad.answers[0]).toMatchObject({ id: 0, ok: false, code: 'BAD_FRAME' });
    good.c.send(encodeRequest({ id: 9, op: 'getTs', count: 1 }));
    await waitUntil(() => good.answers.length === 1, 'an answer on the good connection');
    expect(good.answers[0]).toMatchObject({ id: 9, ok: true });
    expect(good.isClosed()).toBe(false);
  });

  it('answers an oversized length prefix with BAD_FRAME and closes that connection', async () => {
    const { s } = await server();
    const net = await import('node:net');
    const socket = net.connect(s.address.port, '127.0.0.1');
    cleanups.push(async () => void socket.destroy());
    const decoder = new FrameDecoder();
    const answers: ReturnType<typeof decodeResponse>[] = [];
    let ended = false;
    socket.on('data', (chunk) => {
      for (const body of decoder.push(chunk)) answers.push(decodeResponse(body));
    });
    socket.on('close', () => (ended = true));
    socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    await waitUntil(() => ended, 'the server to close the connection');
    expect(answers[0]).toMatchObject({ id: 0, ok: false, code: 'BAD_FRAME' });
    expect(encodeFrame(new Uint8Array([1])).length).toBe(5);
  });
});
