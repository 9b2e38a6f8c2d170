// The Node transport against the Transport conformance suite, plus what needs raw sockets: a
// peer that sends a bad frame header gets onClose(FRAME_TOO_LARGE / FRAME_EMPTY) on our side and
// still receives the error frame our handler sends from inside onClose; a peer that never reads
// gets its connection closed at the send-buffer cap; connect gives up after its timeout.
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { encodeFrame, FrameDecoder } from '../../core/frame.js';
import { record, transportConformance, type RecordedConnection } from '../conformance/transport.js';
import type { Connection, Listener } from '../ports.js';
import { waitUntil } from './test-support.js';
import { NodeTransport } from './transport.js';

/** A loopback port where nothing listens (bound, read, released). */
async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

transportConformance('NodeTransport over loopback TCP', async () => ({
  server: new NodeTransport(),
  client: new NodeTransport(),
  listenAddress: { host: '127.0.0.1', port: 0 },
  closedAddress: async () => ({ host: '127.0.0.1', port: await closedLoopbackPort() }),
  until: (done, what) => waitUntil(done, what),
}));

transportConformance('NodeTransport with a small frame maximum', async () => {
  const transport = new NodeTransport({ frameBodyBytesMax: 100, sendBufferBytesMax: 1 << 20 });
  return {
    server: transport,
    client: transport,
    listenAddress: { host: '127.0.0.1', port: 0 },
    closedAddress: async () => ({ host: '127.0.0.1', port: await closedLoopbackPort() }),
    until: (done, what) => waitUntil(done, what),
    frameBodyBytesMax: 100,
  };
});

afterAll(async () => {
  // Every test closed what it opened: no TCP socket or server of ours outlives the file.
  const tcpHandles = (): string[] => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'));
  await waitUntil(() => tcpHandles().length === 0, 'all TCP handles to close', 5_000).catch(() => undefined);
  expect(tcpHandles()).toEqual([]);
});

describe('NodeTransport with raw peers', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function listen(transport: NodeTransport, onConnection: (c: Connection) => void): Promise<Listener> {
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, onConnection);
    cleanups.push(() => listener.close());
    return listener;
  }

  /** A raw TCP client that records every byte and whether the server closed. */
  async function rawClient(port: number) {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const state = { received: [] as Uint8Array[], ended: false, closed: false };
    socket.on('data', (chunk: Buffer) => state.received.push(new Uint8Array(chunk)));
    socket.on('end', () => (state.ended = true));
    socket.on('close', () => (state.closed = true));
    socket.on('error', () => undefined);
    cleanups.push(() => {
      socket.destroy();
    });
    return { socket, state };
  }

  for (const [label, header, code] of [
    ['a length above the maximum', [0, 1, 0, 1], ErrorCode.FRAME_TOO_LARGE],
    ['a zero length', [0, 0, 0, 0], ErrorCode.FRAME_EMPTY],
  ] as const) {
    it(`closes on ${label} with ${code}, after delivering earlier frames and flushing a reply sent from onClose`, async () => {
      const served: RecordedConnection[] = [];
      const listener = await listen(new NodeTransport(), (connection) => {
        const recorded: RecordedConnection = { connection, frames: [], closes: [] };
        connection.setHandlers({
          onFrame: (body) => recorded.frames.push(body),
          onClose: (reason) => {
            recorded.closes.push(reason);
            connection.send(new TextEncoder().encode(`error ${reason?.code ?? 'none'}`));
          },
        });
        served.push(recorded);
      });
      const { socket, state } = await rawClient(listener.address.port);
      // A good frame, then the bad header and some garbage after it, in one write.
      socket.write(Buffer.concat([encodeFrame(new Uint8Array([42])), Buffer.from(header), Buffer.alloc(100, 7)]));
      await waitUntil(() => state.closed, 'the server to close the connection');
      const server = served[0];
      expect(server?.frames).toEqual([new Uint8Array([42])]);
      expect(server?.closes).toHaveLength(1);
      expect(server?.closes[0]?.code).toBe(code);
      const replies = new FrameDecoder().push(Buffer.concat(state.received));
      expect(replies.map((r) => new TextDecoder().decode(r))).toEqual([`error ${code}`]);
      expect(state.ended).toBe(true); // a FIN, not a reset
    });
  }

  it('sends one frame a tick to a reading peer from one reused batch buffer, and every frame arrives intact', async () => {
    const served: RecordedConnection[] = [];
    const listener = await listen(new NodeTransport(), (c) => served.push(record(c)));
    const { state } = await rawClient(listener.address.port);
    await waitUntil(() => served.length === 1, 'the accepted connection');
    const server = served[0] as RecordedConnection;
    const frames = 500;
    for (let i = 0; i < frames; i++) {
      server.connection.send(new Uint8Array(40).fill(i % 251));
      // One frame a tick, read by the peer before the next: each write is taken whole at once.
      await waitUntil(() => state.received.reduce((n, c) => n + c.length, 0) === (i + 1) * 44, `frame ${i}`);
    }
    const bodies = new FrameDecoder().push(Buffer.concat(state.received));
    expect(bodies.map((b, i) => b.every((x) => x === i % 251) && b.length === 40).every(Boolean)).toBe(true);
    expect(bodies).toHaveLength(frames);
    // The batch written in one tick is the next tick's: not a 16 KiB buffer per answer.
    expect((server.connection as unknown as { sendBatchesAllocated: number }).sendBatchesAllocated).toBeLessThanOrEqual(2);
  });

  it('never reuses a batch the socket still holds: a peer that stops reading gets every frame intact once it reads', async () => {
    const served: RecordedConnection[] = [];
    const listener = await listen(new NodeTransport({ sendBufferBytesMax: 64 << 20, sendPauseBytes: 64 << 20 }), (c) => served.push(record(c)));
    const { socket, state } = await rawClient(listener.address.port);
    socket.pause(); // the kernel's buffers fill, then writes stay queued in the socket
    await waitUntil(() => served.length === 1, 'the accepted connection');
    const server = served[0] as RecordedConnection;
    const frames = 600;
    const bodyBytes = 15_000; // under the 16 KiB batch: every tick's frame fits one batch
    for (let i = 0; i < frames; i++) {
      server.connection.send(new Uint8Array(bodyBytes).fill(i % 251));
      await new Promise((resolve) => setImmediate(resolve));
    }
    socket.resume();
    await waitUntil(() => state.received.reduce((n, c) => n + c.length, 0) === frames * (bodyBytes + 4), 'every frame', 20_000);
    const bodies = new FrameDecoder(bodyBytes).push(Buffer.concat(state.received));
    expect(bodies).toHaveLength(frames);
    const damaged = bodies.findIndex((b, i) => b.length !== bodyBytes || !b.every((x) => x === i % 251));
    expect(damaged).toBe(-1);
    const allocated = (server.connection as unknown as { sendBatchesAllocated: number }).sendBatchesAllocated;
    // ~9 MB cannot all be in the kernel: most ticks found their batch still queued and took a new one.
    expect(allocated).toBeGreaterThan(frames / 2);
  });

  it('rejects a too-large header before its body arrives', async () => {
    const served: RecordedConnection[] = [];
    const listener = await listen(new NodeTransport({ frameBodyBytesMax: 10 }), (c) => served.push(record(c)));
    const { socket } = await rawClient(listener.address.port);
    socket.write(Buffer.from([0, 0, 0, 11]));
    await waitUntil(() => (served[0]?.closes.length ?? 0) === 1, 'the server to see the bad header');
    expect(served[0]?.closes[0]?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('delivers frames that arrived long before setHandlers, then the close that followed them', async () => {
    const accepted: Connection[] = [];
    const listener = await listen(new NodeTransport(), (c) => accepted.push(c));
    const { socket } = await rawClient(listener.address.port);
    socket.end(Buffer.concat([encodeFrame(new Uint8Array([1])), encodeFrame(new Uint8Array([2]))]));
    await waitUntil(() => accepted.length === 1, 'the accepted connection');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const late = record(accepted[0] as Connection);
    await waitUntil(() => late.closes.length === 1, 'the close');
    expect(late.frames).toEqual([new Uint8Array([1]), new Uint8Array([2])]);
    expect(late.closes).toEqual([undefined]);
  });

  it('closes a connection whose peer does not read once the send buffer passes its cap', async () => {
    const served: RecordedConnection[] = [];
    const listener = await listen(new NodeTransport({ sendBufferBytesMax: 1 << 20 }), (c) => served.push(record(c)));
    const { socket } = await rawClient(listener.address.port);
    socket.pause(); // never read: the kernel buffers fill, then ours
    await waitUntil(() => served.length === 1, 'the accepted connection');
    const server = served[0] as RecordedConnection;
    const body = new Uint8Array(60_000);
    let sent = 0;
    // Keep sending across ticks until the transport gives up (bounded by the loop guard).
    while (server.closes.length === 0 && sent < 10_000) {
      server.connection.send(body);
      sent += 1;
      if (sent % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(server.closes).toHaveLength(1);
    expect(server.closes[0]?.code).toBe(ErrorCode.TRANSPORT);
    expect(server.closes[0]?.message).toContain('send buffer');
    socket.destroy();
  });

  it('connect rejects with TRANSPORT when the handshake does not finish within the timeout', async () => {
    // A blackhole address (RFC 5737 TEST-NET-1): either nothing answers and the timeout fires,
    // or the network is unreachable at once; both must be TRANSPORT, in bounded time.
    const transport = new NodeTransport({ connectTimeoutMs: 50 });
    const error = await transport.connect({ host: '192.0.2.1', port: 9 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TsoError);
    expect((error as TsoError).code).toBe(ErrorCode.TRANSPORT);
  });

  it('listen on a port in use rejects with TRANSPORT', async () => {
    const transport = new NodeTransport();
    const first = await listen(transport, () => undefined);
    const error = await transport.listen(first.address, () => undefined).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as TsoError | null)?.code).toBe(ErrorCode.TRANSPORT);
  });

  it('reports the peer address as host:port', async () => {
    const accepted: Connection[] = [];
    const listener = await listen(new NodeTransport(), (c) => accepted.push(c));
    const client = await new NodeTransport().connect(listener.address);
    cleanups.push(() => client.close());
    expect(client.remote).toBe(`127.0.0.1:${listener.address.port}`);
    await waitUntil(() => accepted.length === 1, 'the accepted connection');
    expect(accepted[0]?.remote).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

describe('NodeTransport connection limit', () => {
  it('refuses connections beyond connectionsMax and accepts again once one closes', async () => {
    const served: RecordedConnection[] = [];
    const transport = new NodeTransport({ connectionsMax: 2 });
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (c) => served.push(record(c)));
    const clients: RecordedConnection[] = [];
    try {
      for (let i = 0; i < 3; i++) clients.push(record(await transport.connect(listener.address)));
      await waitUntil(() => served.length === 2 && (clients[2]?.closes.length ?? 0) === 1, 'two accepted, the third refused');
      expect(clients.slice(0, 2).every((c) => c.closes.length === 0)).toBe(true);
      clients[0]?.connection.close();
      await waitUntil(() => (served[0]?.closes.length ?? 0) === 1, 'the first connection to close');
      clients.push(record(await transport.connect(listener.address)));
      await waitUntil(() => served.length === 3, 'a new connection accepted');
    } finally {
      for (const c of clients) c.connection.close();
      await listener.close();
    }
  });
});

describe('NodeTransport defences of accepted connections', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function listen(transport: NodeTransport, onConnection: (c: Connection) => void): Promise<Listener> {
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, onConnection);
    cleanups.push(() => listener.close());
    return listener;
  }

  async function rawSocket(port: number): Promise<net.Socket> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => undefined);
    cleanups.push(() => {
      socket.destroy();
    });
    return socket;
  }

  it('fails a connection whose frame stays unfinished past the frame deadline with FRAME_TIMEOUT', async () => {
    const served: RecordedConnection[] = [];
    const listener = await listen(new NodeTransport({ frameTimeoutMs: 150 }), (c) => served.push(record(c)));
    const slow = await rawSocket(listener.address.port);
    const prompt = await rawSocket(listener.address.port);
    slow.write(Buffer.from([0, 0, 0, 10, 1, 2, 3])); // a header and 3 of its 10 bytes, then nothing
    prompt.write(Buffer.from([0, 0, 0, 2, 1]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    prompt.write(Buffer.from([2])); // finishes well within the deadline
    await waitUntil(() => served.some((c) => c.closes.length === 1), 'the slow connection to be failed');
    const failed = served.filter((c) => c.closes.length === 1);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.closes[0]?.code).toBe('FRAME_TIMEOUT');
    expect(served.find((c) => c.frames.length === 1)?.closes).toEqual([]);
  });

  it('hands a flood over a few frames per turn, so a quiet connection is served in between', async () => {
    const order: string[] = [];
    const listener = await listen(new NodeTransport({ framesPerTurnMax: 8 }), (c) => {
      const name = `c${order.filter((o) => o === 'open').length}`;
      order.push('open');
      c.setHandlers({ onFrame: () => order.push(name), onClose: () => undefined });
    });
    const flooder = await rawSocket(listener.address.port);
    await waitUntil(() => order.length === 1, 'the flooder accepted');
    const quiet = await rawSocket(listener.address.port);
    await waitUntil(() => order.length === 2, 'the quiet one accepted');
    const floodFrames = 20_000;
    flooder.write(Buffer.concat(Array.from({ length: floodFrames }, () => encodeFrame(new Uint8Array([1])))));
    await waitUntil(() => order.includes('c0'), 'the flood to start');
    quiet.write(encodeFrame(new Uint8Array([2])));
    await waitUntil(() => order.filter((o) => o === 'c0').length === floodFrames && order.includes('c1'), 'every frame');
    // The quiet frame was not queued behind the whole flood.
    expect(order.indexOf('c1')).toBeLessThan(order.lastIndexOf('c0'));
  });

  it('stops reading a peer that pipelines without reading, and serves it again once it reads', async () => {
    const sendPauseBytes = 64 * 1024;
    const transport = new NodeTransport({ sendPauseBytes });
    let framesIn = 0;
    const closes: unknown[] = [];
    const listener = await listen(transport, (c) =>
      c.setHandlers({
        onFrame: (body) => {
          framesIn += 1;
          c.send(body); // an echo server
        },
        onClose: (reason) => closes.push(reason),
      }),
    );
    const peer = await rawSocket(listener.address.port);
    peer.pause(); // does not read
    const body = new Uint8Array(100).fill(7);
    const framesOut = 100_000; // ~10 MB, far more than the kernel buffers hold
    peer.write(Buffer.concat(Array.from({ length: framesOut }, () => encodeFrame(body))));
    let sampledBytesMax = 0;
    let last = -1;
    // Wait until the server stopped taking frames (no progress for 200 ms).
    for (let i = 0; i < 100 && framesIn !== last; i++) {
      last = framesIn;
      for (let j = 0; j < 20; j++) {
        sampledBytesMax = Math.max(sampledBytesMax, transport.bufferedBytes);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    expect(framesIn).toBeLessThan(framesOut);
    expect(closes).toEqual([]);
    // Our side holds about the mark plus one read's answers, not the flood.
    expect(sampledBytesMax).toBeLessThan(sendPauseBytes + 2 * 64 * 1024 + 4096);
    let echoedBytes = 0;
    peer.on('data', (chunk: Buffer) => (echoedBytes += chunk.length));
    peer.resume();
    await waitUntil(() => echoedBytes === framesOut * 104, 'every echo once the peer reads', 20_000);
  });

  it('keeps all buffers of a listener within the budget: pauses unfinished frames near it, fails the biggest past it', async () => {
    const bufferBudgetBytes = 200_000;
    const transport = new NodeTransport({ bufferBudgetBytes, frameTimeoutMs: 0 });
    const served: RecordedConnection[] = [];
    const listener = await listen(transport, (c) => served.push(record(c)));
    const frame = Buffer.alloc(60_000);
    frame.writeUInt32BE(60_000 - 4 + 1, 0); // one byte short of whole
    let sampledBytesMax = 0;
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await rawSocket(listener.address.port);
      s.write(frame);
      sockets.push(s);
      for (let j = 0; j < 5; j++) {
        sampledBytesMax = Math.max(sampledBytesMax, transport.bufferedBytes);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    await waitUntil(() => served.length === 10, 'all ten accepted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    sampledBytesMax = Math.max(sampledBytesMax, transport.bufferedBytes);
    expect(sampledBytesMax).toBeLessThanOrEqual(bufferBudgetBytes);
    const budgetCloses = served.filter((c) => c.closes[0]?.code === 'BUFFER_BUDGET').length;
    expect(budgetCloses).toBeGreaterThanOrEqual(1);
    // The ones still open include ones paused near the budget, not all failed.
    expect(served.filter((c) => c.closes.length === 0).length).toBeGreaterThanOrEqual(2);
    for (const s of sockets) s.destroy();
    await waitUntil(() => transport.bufferedBytes === 0, 'buffers freed once the peers leave');
  });
});
