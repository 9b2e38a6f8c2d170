// Tests of the client-protocol server: pipelining by id, bad input closing only its connection,
// error messages that name their code once, and graceful shutdown. Most run over real TCP
// (NodeTransport); the properties run over a byte-level double of the transport.
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { encodeFrame, FrameDecoder } from '../../core/frame.js';
import { decodeResponse, encodeRequest, type Response } from '../../core/protocol.js';
import { NodeClock } from '../node/clock.js';
import { waitUntil } from '../node/test-support.js';
import { NodeTransport } from '../node/transport.js';
import type { Connection, ConnectionHandlers, HostPort, Listener, Transport } from '../ports.js';
import { ManualClock } from '../testing/manual-clock.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { noopMetrics, type ServerMetrics } from './metrics.js';
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

/**
 * A connection fed raw bytes and framed the way every transport frames them: FrameDecoder, whole
 * bodies to onFrame, and on a framing error onClose(reason) (the handler may still send), then
 * closed. `reasonNamesCode` picks how `reason.message` reads: the Node transport passes the
 * DecodeError's message (`FRAME_EMPTY: ...`), the simulator's network passes it without the code.
 */
class ByteConnection implements Connection {
  readonly remote: string = 'test:1';
  readonly sent: Response[] = [];
  private handlers: ConnectionHandlers | null = null;
  private readonly decoder = new FrameDecoder();
  private failing = false;
  closed = false;

  constructor(private readonly reasonNamesCode: boolean) {}

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
  }

  send(body: Uint8Array): void {
    if (!this.closed || this.failing) this.sent.push(decodeResponse(body));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers?.onClose();
  }

  push(bytes: Uint8Array): void {
    if (this.closed) return;
    try {
      this.decoder.pushEach(bytes, (body) => {
        if (!this.closed) this.handlers?.onFrame(body);
      });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      const message = this.reasonNamesCode ? e.message : e.message.slice(e.code.length + 2);
      this.closed = true;
      this.failing = true;
      this.handlers?.onClose({ code: e.code, message });
      this.failing = false;
    }
  }
}

class ByteTransport implements Transport {
  onConnection: ((connection: Connection) => void) | null = null;

  listen(address: HostPort, onConnection: (connection: Connection) => void): Promise<Listener> {
    this.onConnection = onConnection;
    return Promise.resolve({ address, close: () => Promise.resolve() });
  }

  connect(): Promise<Connection> {
    return Promise.reject(new Error('not used'));
  }
}

async function byteServer() {
  const clock = new ManualClock();
  const driver = new MemoryDriver();
  const node = new ServingNode({ driver, clock });
  node.start();
  await new Promise<void>((resolve) => setImmediate(resolve));
  const transport = new ByteTransport();
  const server = await ProtocolServer.start({ node, transport, clock, listen: { host: 'test', port: 1 } });
  const open = (reasonNamesCode: boolean): ByteConnection => {
    const c = new ByteConnection(reasonNamesCode);
    transport.onConnection?.(c);
    return c;
  };
  return { server, node, open, driver };
}

/** A stream of frames (requests, arbitrary bodies, empty or oversized headers) and stray bytes. */
const hostileStream: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      fc.record({ id: fc.integer({ min: 1, max: 5 }), count: fc.integer({ min: 0, max: 3 }) }).map((r) => encodeFrame(encodeRequest({ id: r.id, op: 'getTs', count: r.count }))),
      fc.uint8Array({ minLength: 1, maxLength: 30 }).map((body) => encodeFrame(body)),
      fc.constant(Uint8Array.of(0, 0, 0, 0)),
      fc.constant(Uint8Array.of(0, 1, 0, 1)),
      fc.uint8Array({ maxLength: 8 }),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

describe('ProtocolServer error messages name their code exactly once (regression: `FRAME_EMPTY: FRAME_EMPTY: ...`)', () => {
  it('answers an empty frame over TCP with `FRAME_EMPTY: ...`, not `FRAME_EMPTY: FRAME_EMPTY: ...`', async () => {
    const { s } = await server();
    const net = await import('node:net');
    const socket = net.connect(s.address.port, '127.0.0.1');
    cleanups.push(async () => void socket.destroy());
    const decoder = new FrameDecoder();
    const answers: Response[] = [];
    let ended = false;
    socket.on('data', (chunk) => {
      for (const body of decoder.push(chunk)) answers.push(decodeResponse(body));
    });
    socket.on('close', () => (ended = true));
    socket.write(Buffer.from([0, 0, 0, 0]));
    await waitUntil(() => ended, 'the server to close the connection');
    expect(answers).toEqual([{ id: 0, ok: false, code: 'BAD_FRAME', message: 'FRAME_EMPTY: frame with a zero-length body' }]);
  });

  it('whatever the bytes, and whichever way the transport words its reason, every error answer names its code once', async () => {
    const { server: s, node, open } = await byteServer();
    try {
      await fc.assert(
        fc.asyncProperty(hostileStream, fc.boolean(), async (bytes, reasonNamesCode) => {
          const c = open(reasonNamesCode);
          c.push(bytes);
          c.close();
          await new Promise<void>((resolve) => setImmediate(resolve));
          for (const answer of c.sent) {
            if (answer.ok) continue;
            expect(answer.message).not.toMatch(/^([A-Z][A-Z0-9_]*): \1: /);
            if (answer.code === 'BAD_FRAME') expect(answer.message).toMatch(/^FRAME_(EMPTY|TOO_LARGE|BAD_BODY): (?!FRAME_)/);
            if (answer.code === 'INVALID_ARGUMENT') expect(answer.message).toMatch(/^(INVALID_COUNT|DUPLICATE_REQUEST_ID): (?!\1:)/);
          }
        }),
        { numRuns: 300 },
      );
    } finally {
      await s.close(0);
      await node.close();
    }
  });
});

describe('ProtocolServer request ids in flight', () => {
  it('refuses a request whose id is still in flight on its connection, without executing it (regression: answered twice)', async () => {
    const { server: s, node, open, driver } = await byteServer();
    let release = (): void => {};
    const advance = driver.advanceSeq.bind(driver);
    driver.advanceSeq = (request, epoch) =>
      new Promise((resolve) => {
        release = () => void advance(request, epoch).then(resolve);
      });
    try {
      const c = open(true);
      c.push(encodeFrame(encodeRequest({ id: 5, op: 'getSeq', key: 'k', count: 2, clientId: 1n, requestId: 1n })));
      c.push(encodeFrame(encodeRequest({ id: 5, op: 'getSeq', key: 'k', count: 3, clientId: 1n, requestId: 2n })));
      c.push(encodeFrame(encodeRequest({ id: 5, op: 'getTs', count: 1 })));
      expect(c.sent).toHaveLength(2);
      for (const answer of c.sent) {
        expect(answer).toMatchObject({ id: 5, ok: false, code: 'INVALID_ARGUMENT' });
        expect(!answer.ok && answer.message).toMatch(/^DUPLICATE_REQUEST_ID: /);
      }
      release();
      await waitUntil(() => c.sent.length === 3, 'the first request to be answered');
      expect(c.sent[2]).toMatchObject({ id: 5, ok: true, start: 0n, count: 2 });
      expect(driver.ledger.get('k')).toBe(2n); // the duplicates spent nothing
      // Once answered, the id is free again.
      c.push(encodeFrame(encodeRequest({ id: 5, op: 'getTs', count: 1 })));
      await waitUntil(() => c.sent.length === 4, 'the reused id to be answered');
      expect(c.sent[3]).toMatchObject({ id: 5, ok: true, count: 1 });
    } finally {
      await s.close(0);
      await node.close();
    }
  });

  it('keeps ids per connection: the same id in flight on two connections is two requests', async () => {
    const { server: s, node, open } = await byteServer();
    try {
      const a = open(true);
      const b = open(true);
      a.push(encodeFrame(encodeRequest({ id: 1, op: 'getTs', count: 1 })));
      b.push(encodeFrame(encodeRequest({ id: 1, op: 'getTs', count: 1 })));
      await waitUntil(() => a.sent.length === 1 && b.sent.length === 1, 'both answers');
      expect(a.sent[0]).toMatchObject({ id: 1, ok: true });
      expect(b.sent[0]).toMatchObject({ id: 1, ok: true });
    } finally {
      await s.close(0);
      await node.close();
    }
  });
});

describe('ProtocolServer shutdown', () => {
  it('lets a request in flight finish and sends its answer before closing the connection (regression: answer dropped)', async () => {
    const clock = new NodeClock();
    const driver = new MemoryDriver();
    const node = new ServingNode({ driver, clock });
    node.start();
    await node.waitUntilServing(5_000);
    const transport = new NodeTransport();
    const s = await ProtocolServer.start({ node, transport, clock, listen: { host: '127.0.0.1', port: 0 } });
    cleanups.push(async () => {
      await s.close(0);
      await node.close();
    });
    let release = (): void => {};
    const advance = driver.advanceSeq.bind(driver);
    driver.advanceSeq = (request, epoch) =>
      new Promise((resolve) => {
        release = () => void advance(request, epoch).then(resolve);
      });
    const a = await connect(transport, s.address.port);
    a.c.send(encodeRequest({ id: 1, op: 'getSeq', key: 'k', count: 4, clientId: 1n, requestId: 1n }));
    await waitUntil(() => s['inFlightTotal'] === 1, 'the request to be in flight');
    const closing = s.close(10_000);
    expect(s.close(10_000)).toBe(closing); // one shutdown, however many callers
    // A request that arrives while closing is refused, not executed.
    a.c.send(encodeRequest({ id: 2, op: 'getTs', count: 1 }));
    await waitUntil(() => a.answers.length === 1, 'the late request to be refused');
    expect(a.answers[0]).toMatchObject({ id: 2, ok: false, code: 'UNAVAILABLE' });
    release();
    await closing;
    await waitUntil(() => a.isClosed(), 'the connection to close');
    expect(a.answers[1]).toMatchObject({ id: 1, ok: true, start: 0n, count: 4 });
    // The grace timer was cancelled once the request drained: nothing keeps the process alive.
    expect(clock.pendingTimers).toBe(0);
  });

  it('closes after the grace period when a request never finishes', async () => {
    const clock = new ManualClock();
    const driver = new MemoryDriver();
    const node = new ServingNode({ driver, clock });
    node.start();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const transport = new ByteTransport();
    const s = await ProtocolServer.start({ node, transport, clock, listen: { host: 'test', port: 1 } });
    driver.advanceSeq = () => new Promise(() => {});
    const c = new ByteConnection(true);
    transport.onConnection?.(c);
    c.push(encodeFrame(encodeRequest({ id: 1, op: 'getSeq', key: 'k', count: 1, clientId: 1n, requestId: 1n })));
    let closed = false;
    void s.close(500).then(() => (closed = true));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    expect(c.closed).toBe(false);
    clock.advance(500);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
    expect(c.closed).toBe(true);
    await node.close();
  });
});

/** A ByteConnection from a chosen remote address. */
class PeerConnection extends ByteConnection {
  override readonly remote: string;
  constructor(remote: string) {
    super(true);
    this.remote = remote;
  }
}

describe('ProtocolServer idle timeout and per-peer cap (manual clock, byte transport)', () => {
  /** A server whose getTs never answers when `hang` is set (a request stays in flight). */
  async function limitedServer(options: { idleTimeoutMs?: number; connectionsPerPeerMax?: number; connectionsMax?: number; idleEvictAfterMs?: number }) {
    const clock = new ManualClock();
    const pending: Array<() => void> = [];
    const node = {
      getTs: () => new Promise((resolve) => pending.push(() => resolve({ ok: true, physicalMs: 1, logicalStart: 0, count: 1, epoch: 1n }))),
      getSeq: () => new Promise(() => undefined),
      getCurrentMaxSafe: () => ({ physicalMs: 1, epoch: 1n }),
    } as unknown as ServingNode;
    const transport = new ByteTransport();
    const refused: string[] = [];
    const closed: string[] = [];
    const metrics: ServerMetrics = { ...noopMetrics, connectionRefused: (r) => refused.push(r), connectionClosed: (r) => closed.push(r) };
    const server = await ProtocolServer.start({ node, transport, clock, listen: { host: 'test', port: 1 }, metrics, ...options });
    const open = (remote: string): PeerConnection => {
      const c = new PeerConnection(remote);
      transport.onConnection?.(c);
      return c;
    };
    return { server, clock, open, refused, closed, answerAll: () => pending.splice(0).forEach((f) => f()) };
  }

  it('closes a connection with no request for idleTimeoutMs with an id-0 UNAVAILABLE `IDLE_TIMEOUT:`, counted idle_timeout', async () => {
    const { clock, open, closed } = await limitedServer({ idleTimeoutMs: 1_000 });
    const c = open('10.0.0.1:5000');
    clock.advance(999);
    expect(c.closed).toBe(false);
    clock.advance(1);
    expect(c.closed).toBe(true);
    expect(c.sent).toHaveLength(1);
    expect(c.sent[0]).toMatchObject({ id: 0, ok: false, code: 'UNAVAILABLE' });
    expect(c.sent[0]?.ok === false && c.sent[0].message).toMatch(/^IDLE_TIMEOUT: /);
    expect(closed).toEqual(['idle_timeout']);
  });

  it('never closes a connection for idleness while a request is in flight; the clock restarts at its answer', async () => {
    const { clock, open, closed, answerAll } = await limitedServer({ idleTimeoutMs: 1_000 });
    const c = open('10.0.0.1:5000');
    clock.advance(500);
    c.push(encodeFrame(encodeRequest({ id: 1, op: 'getTs', count: 1 })));
    clock.advance(10_000); // the request hangs far past the idle timeout
    expect(c.closed).toBe(false);
    answerAll();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(c.sent).toMatchObject([{ id: 1, ok: true }]);
    clock.advance(999);
    expect(c.closed).toBe(false);
    clock.advance(1_000);
    expect(c.closed).toBe(true);
    expect(closed).toEqual(['idle_timeout']);
  });

  it('refuses a connection past the per-peer cap with an id-0 RESOURCE_EXHAUSTED, while other addresses still connect; a close frees the slot', async () => {
    const { open, refused, closed, server } = await limitedServer({ connectionsPerPeerMax: 2 });
    const [a1, a2, a3] = [open('10.0.0.1:1'), open('10.0.0.1:2'), open('10.0.0.1:3')];
    const b1 = open('10.0.0.2:1');
    expect([a1.closed, a2.closed, a3.closed, b1.closed]).toEqual([false, false, true, false]);
    expect(a3.sent).toMatchObject([{ id: 0, ok: false, code: 'RESOURCE_EXHAUSTED' }]);
    expect(a3.sent[0]?.ok === false && a3.sent[0].message).toBe('too many connections from 10.0.0.1: the cap per address is 2');
    expect(refused).toEqual(['connections_per_peer_max']);
    expect(server.connectionsFrom('10.0.0.1')).toBe(2);
    a1.close();
    expect(closed).toEqual(['peer']);
    expect(open('10.0.0.1:4').closed).toBe(false);
  });

  it('at the cap evicts the connection idle longest, whatever order requests, closes and opens came in (model: a list in order of last activity)', async () => {
    const connectionsMax = 4;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), index: fc.nat(7) }),
      fc.record({ kind: fc.constant('close' as const), index: fc.nat(7) }),
      fc.record({ kind: fc.constant('open' as const) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const { open, clock, closed } = await limitedServer({ connectionsMax, connectionsPerPeerMax: connectionsMax, idleEvictAfterMs: 1 });
        // The model: open connections, least recently active first.
        let model: PeerConnection[] = [];
        let port = 0;
        const openOne = (): void => {
          const c = open(`10.0.0.1:${(port += 1)}`);
          if (!c.closed) model.push(c);
        };
        for (const o of ops) {
          if (o.kind === 'open') {
            if (model.length < connectionsMax) openOne();
          } else if (o.kind === 'advance') {
            clock.advance(o.ms);
          } else {
            const c = model[o.index % Math.max(1, model.length)];
            if (c === undefined) continue;
            if (o.kind === 'close') {
              c.close();
              model = model.filter((m) => m !== c);
            } else {
              c.push(encodeFrame(encodeRequest({ id: 1, op: 'getCurrentMaxSafe' })));
              model = [...model.filter((m) => m !== c), c];
            }
          }
        }
        while (model.length < connectionsMax) openOne();
        clock.advance(10);
        const idlest = model[0] as PeerConnection;
        const newcomer = open('10.0.0.2:1');
        expect(newcomer.closed).toBe(false);
        expect(idlest.closed).toBe(true);
        const last = idlest.sent.at(-1);
        expect(last?.ok === false && last.message).toMatch(/^IDLE_EVICTED: /);
        expect(model.slice(1).every((c) => !c.closed)).toBe(true);
        expect(closed.filter((r) => r === 'idle_evicted')).toHaveLength(1);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses past the global cap with reason connections_max', async () => {
    const { open, refused } = await limitedServer({ connectionsMax: 2, connectionsPerPeerMax: 5 });
    open('10.0.0.1:1');
    open('10.0.0.2:1');
    const third = open('10.0.0.3:1');
    expect(third.closed).toBe(true);
    expect(third.sent[0]?.ok === false && third.sent[0].message).toMatch(/^too many connections: /);
    expect(refused).toEqual(['connections_max']);
  });
});
