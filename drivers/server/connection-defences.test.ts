// The attacks of issue 21, each over real sockets on loopback against a ProtocolServer on a
// NodeTransport with small caps (so each runs in a few seconds): an idle flood, slowloris,
// unfinished frames filling memory, and pipelining without reading. The attackers connect from
// 127.0.0.2–4 (their own peer addresses); a well-behaved client (the real client library, from
// 127.0.0.1) keeps asking for timestamps all along. Each test checks that the client keeps
// being answered (never how fast), that the attackers are refused or closed with the documented
// reason (the id-0 answer they receive and the metric), and that buffered bytes stay within the
// budget. Timings are never asserted.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from '../../core/frame.js';
import { decodeResponse, encodeRequest, type Response } from '../../core/protocol.js';
import { createClient, type TsoClient } from '../../runners/client.js';
import { NodeClock } from '../node/clock.js';
import { waitUntil } from '../node/test-support.js';
import { NodeTransport, type NodeTransportOptions } from '../node/transport.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { noopMetrics, type ConnectionClosedReason, type ConnectionRefusedReason, type ServerMetrics } from './metrics.js';
import { ProtocolServer, type ProtocolServerOptions } from './protocol-server.js';
import { ServingNode } from './serving-node.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type Caps = Pick<ProtocolServerOptions, 'connectionsMax' | 'connectionsPerPeerMax' | 'idleTimeoutMs' | 'idleEvictAfterMs'> & NodeTransportOptions;

/** A server with `caps`, metrics that count refusals and closes by reason, and a well-behaved client. */
async function defendedServer(caps: Caps) {
  const refused = new Map<ConnectionRefusedReason, number>();
  const closed = new Map<ConnectionClosedReason, number>();
  const metrics: ServerMetrics = {
    ...noopMetrics,
    connectionRefused: (reason) => refused.set(reason, (refused.get(reason) ?? 0) + 1),
    connectionClosed: (reason) => closed.set(reason, (closed.get(reason) ?? 0) + 1),
  };
  const clock = new NodeClock();
  const driver = new MemoryDriver();
  const node = new ServingNode({ driver, clock });
  node.start();
  await node.waitUntilServing(5_000);
  const { connectionsMax, connectionsPerPeerMax, idleTimeoutMs, idleEvictAfterMs, ...transportOptions } = caps;
  const transport = new NodeTransport(transportOptions);
  const server = await ProtocolServer.start({
    node,
    transport,
    clock,
    listen: { host: '127.0.0.1', port: 0 },
    metrics,
    ...(connectionsMax !== undefined ? { connectionsMax } : {}),
    ...(connectionsPerPeerMax !== undefined ? { connectionsPerPeerMax } : {}),
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
    ...(idleEvictAfterMs !== undefined ? { idleEvictAfterMs } : {}),
  });
  const client = createClient({ endpoints: [`127.0.0.1:${server.address.port}`] });
  cleanups.push(async () => {
    await client.close();
    await server.close(0);
    await node.close();
  });
  return { server, transport, client, refused, closed, driver };
}

/**
 * Asks for one timestamp after another until `stop()`; every call must be answered (the client's
 * own retries included). Resolves with the number of answers.
 */
async function keepAsking(client: TsoClient, stop: () => boolean): Promise<number> {
  let answers = 0;
  while (!stop()) {
    try {
      await client.getTs();
    } catch (error) {
      if (stop()) break; // the test ended (and closed the client) while a call was pending
      throw error;
    }
    answers += 1;
    await sleepMs(5);
  }
  return answers;
}

interface Attacker {
  readonly socket: net.Socket;
  /** id-0 answers received (the reason the server gave). */
  readonly answers: Response[];
  closed: boolean;
}

/** A raw TCP peer from `localAddress` that records the answers it gets and whether it was closed. */
async function attacker(port: number, localAddress: string, read = true): Promise<Attacker> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const a: Attacker = { socket, answers: [], closed: false };
  const decoder = new FrameDecoder();
  socket.on('error', () => undefined);
  socket.on('close', () => (a.closed = true));
  if (read) socket.on('data', (chunk: Buffer) => a.answers.push(...decoder.push(chunk).map(decodeResponse)));
  else socket.pause();
  cleanups.push(() => {
    socket.destroy();
  });
  return a;
}

function count<K>(map: Map<K, number>, key: K): number {
  return map.get(key) ?? 0;
}

describe('connection defences under attack', () => {
  it('idle flood: past the per-peer and global caps new connections get RESOURCE_EXHAUSTED; idle ones are closed IDLE_TIMEOUT; the client is answered', async () => {
    // No idle eviction here (its own test below): the cap must refuse.
    const { server, client, refused, closed } = await defendedServer({ connectionsMax: 50, connectionsPerPeerMax: 20, idleTimeoutMs: 1_000, idleEvictAfterMs: 60_000 });
    let attackOver = false;
    await client.getTs(); // the well-behaved client holds its connection before the flood
    const asking = keepAsking(client, () => attackOver);
    const attackers: Attacker[] = [];
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      for (let i = 0; i < 25; i++) attackers.push(await attacker(server.address.port, from));
    }
    // 20 + 20 + 9 accepted next to the client's one; 5 + 5 over the per-peer cap, 16 over the global cap.
    await waitUntil(() => count(refused, 'connections_per_peer_max') + count(refused, 'connections_max') === 26, 'every refusal');
    expect(count(refused, 'connections_per_peer_max')).toBe(10);
    expect(count(refused, 'connections_max')).toBe(16);
    await waitUntil(() => attackers.filter((a) => a.closed).length === 26, 'the refused sockets to close');
    const refusals = attackers.filter((a) => a.closed).map((a) => a.answers);
    for (const answers of refusals) {
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({ id: 0, ok: false, code: 'RESOURCE_EXHAUSTED' });
      expect(answers[0]?.ok === false && answers[0].message).toMatch(/^too many connections/);
    }
    // The 49 accepted idle ones are closed by the idle timeout, each told why.
    await waitUntil(() => attackers.every((a) => a.closed) && count(closed, 'idle_timeout') === 49, 'the idle attackers to be closed', 5_000);
    const idleClosed = attackers.filter((a) => a.answers[0]?.ok === false && a.answers[0].code === 'UNAVAILABLE');
    expect(idleClosed).toHaveLength(49);
    for (const a of idleClosed) expect(a.answers[0]?.ok === false && a.answers[0].message).toMatch(/^IDLE_TIMEOUT: /);
    attackOver = true;
    expect(await asking).toBeGreaterThan(0);
    expect(server.connectionCount).toBe(1); // the client's, busy all along, never idle-closed
    expect(count(closed, 'idle_timeout')).toBe(49);
  });

  it('idle flood from many addresses at the cap: the longest idle connection gives way (IDLE_EVICTED), so a new client gets in long before the idle timeout', async () => {
    const { server, refused, closed } = await defendedServer({ connectionsMax: 30, connectionsPerPeerMax: 10, idleTimeoutMs: 60_000, idleEvictAfterMs: 200 });
    const attackers: Attacker[] = [];
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      for (let i = 0; i < 10; i++) attackers.push(await attacker(server.address.port, from));
    }
    await waitUntil(() => server.connectionCount === 30, 'the server to hold its cap');
    await sleepMs(300); // every attacker is now idle past idleEvictAfterMs
    // A new client, at the cap: served at once, well before the 60 s idle timeout.
    const newcomer = createClient({ endpoints: [`127.0.0.1:${server.address.port}`] });
    cleanups.push(() => newcomer.close());
    expect(typeof (await newcomer.getTs())).toBe('bigint');
    expect(count(closed, 'idle_evicted')).toBe(1);
    expect(count(refused, 'connections_max')).toBe(0);
    // The first attacker to connect was idle longest: it was told why before the close.
    await waitUntil(() => attackers[0]?.closed === true, 'the idlest attacker to be closed');
    expect(attackers[0]?.answers[0]).toMatchObject({ id: 0, ok: false, code: 'UNAVAILABLE' });
    expect(attackers[0]?.answers[0]?.ok === false && attackers[0].answers[0].message).toMatch(/^IDLE_EVICTED: /);
    expect(attackers.slice(1).every((a) => !a.closed)).toBe(true);
    // A connection that is busy is never evicted: with the newcomer asking all along, the next
    // newcomers take attackers' places, not its.
    let stop = false;
    const asking = keepAsking(newcomer, () => stop);
    for (let i = 0; i < 5; i++) {
      const another = createClient({ endpoints: [`127.0.0.1:${server.address.port}`] });
      cleanups.push(() => another.close());
      await another.getTs();
    }
    stop = true;
    expect(await asking).toBeGreaterThan(0);
    expect(count(closed, 'idle_evicted')).toBe(6);
    await waitUntil(() => attackers.filter((a) => a.closed).length === 6, 'the five more evicted attackers to be closed');
  });

  it('pipelining past the in-flight cap while reading: the connection is slowed down, not refused; every request is answered ok', async () => {
    const { server, refused, driver } = await defendedServer({ connectionsPerPeerMax: 10 });
    // Sequence advances wait at a gate, so the pipelined requests pile up to the cap of 1,024 in
    // flight (without backpressure, those past it would be answered RESOURCE_EXHAUSTED at once).
    const advance = driver.advanceSeq.bind(driver);
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    driver.advanceSeq = async (request, epoch) => {
      await gate;
      return advance(request, epoch);
    };
    const requests = 5_000;
    const a = await attacker(server.address.port, '127.0.0.2');
    const frames = Array.from({ length: requests }, (_, i) => encodeFrame(encodeRequest({ id: i + 1, op: 'getSeq', key: 'k', count: 1, clientId: 9n, requestId: BigInt(i + 1) })));
    a.socket.write(Buffer.concat(frames));
    await waitUntil(() => server['inFlightTotal'] === 1_024, 'the connection to reach its cap');
    await sleepMs(200);
    // At the cap the connection is not read: nothing more in flight, nothing refused.
    expect(server['inFlightTotal']).toBe(1_024);
    expect(a.answers).toEqual([]);
    open();
    await waitUntil(() => a.answers.length === requests, 'every pipelined request answered', 20_000);
    expect(a.answers.filter((answer) => !answer.ok)).toEqual([]);
    expect(new Set(a.answers.map((answer) => answer.id)).size).toBe(requests);
    expect(refused.size).toBe(0);
  });

  it('slowloris: a frame trickled a byte at a time is closed at the frame deadline with FRAME_TIMEOUT; the client is answered', async () => {
    const { server, client, closed } = await defendedServer({ connectionsPerPeerMax: 40, idleTimeoutMs: 30_000, frameTimeoutMs: 500 });
    const attackers: Attacker[] = [];
    for (let i = 0; i < 30; i++) {
      const a = await attacker(server.address.port, '127.0.0.2');
      a.socket.write(Buffer.from([0, 1, 0, 0])); // a header claiming 65,536 bytes
      attackers.push(a);
    }
    const trickle = setInterval(() => {
      for (const a of attackers) if (!a.closed) a.socket.write(Buffer.from([1]));
    }, 100);
    cleanups.push(() => clearInterval(trickle));
    const asking = keepAsking(client, () => attackers.every((a) => a.closed));
    await waitUntil(() => attackers.every((a) => a.closed) && count(closed, 'frame_timeout') === 30, 'every slowloris connection closed', 8_000);
    expect(await asking).toBeGreaterThan(0);
    expect(count(closed, 'frame_timeout')).toBe(30);
    for (const a of attackers) {
      expect(a.answers).toHaveLength(1);
      expect(a.answers[0]).toMatchObject({ id: 0, ok: false, code: 'BAD_FRAME' });
      expect(a.answers[0]?.ok === false && a.answers[0].message).toMatch(/^FRAME_TIMEOUT: /);
    }
    await client.getTs();
  });

  it('unfinished frames: buffered bytes stay within the budget (reads paused near it, the biggest closed BUFFER_BUDGET past it); the client is answered', async () => {
    const bufferBudgetBytes = 1024 * 1024;
    const { server, transport, client, closed } = await defendedServer({
      connectionsPerPeerMax: 45,
      idleTimeoutMs: 30_000,
      frameTimeoutMs: 2_000,
      bufferBudgetBytes,
    });
    let sampledBytesMax = 0;
    const sampler = setInterval(() => (sampledBytesMax = Math.max(sampledBytesMax, transport.bufferedBytes)), 2);
    cleanups.push(() => clearInterval(sampler));
    const unfinished = Buffer.alloc(4 + 65_535, 9);
    unfinished.writeUInt32BE(65_536, 0); // one byte short of whole
    const attackers: Attacker[] = [];
    for (let i = 0; i < 40; i++) {
      const a = await attacker(server.address.port, '127.0.0.2');
      a.socket.write(unfinished);
      attackers.push(a);
    }
    const asking = keepAsking(client, () => attackers.every((a) => a.closed));
    await waitUntil(() => attackers.every((a) => a.closed) && count(closed, 'buffer_budget') + count(closed, 'frame_timeout') === 40, 'every attacker closed', 8_000);
    expect(await asking).toBeGreaterThan(0);
    expect(sampledBytesMax).toBeLessThanOrEqual(bufferBudgetBytes);
    expect(transport.bufferedBytes).toBeLessThanOrEqual(bufferBudgetBytes);
    // 40 × 64 KiB is 2.5 budgets: some were closed for the budget, the rest (paused) at the deadline.
    expect(count(closed, 'buffer_budget')).toBeGreaterThanOrEqual(1);
    expect(count(closed, 'buffer_budget') + count(closed, 'frame_timeout')).toBe(40);
    const reasons = new Set(attackers.map((a) => (a.answers[0]?.ok === false ? a.answers[0].message.split(':')[0] : 'none')));
    expect([...reasons].sort()).toEqual(['BUFFER_BUDGET', 'FRAME_TIMEOUT']);
    await client.getTs();
  });

  it('pipelining without reading: reads of a non-reading peer pause, buffers stay within the budget, it is closed IDLE_TIMEOUT; the client is answered', async () => {
    const bufferBudgetBytes = 4 * 1024 * 1024;
    const { server, transport, client, closed } = await defendedServer({ connectionsPerPeerMax: 10, idleTimeoutMs: 1_000, bufferBudgetBytes });
    let sampledBytesMax = 0;
    const sampler = setInterval(() => (sampledBytesMax = Math.max(sampledBytesMax, transport.bufferedBytes)), 2);
    cleanups.push(() => clearInterval(sampler));
    const requestsPerAttacker = 80_000;
    const requests = Buffer.concat(Array.from({ length: requestsPerAttacker }, (_, i) => encodeFrame(encodeRequest({ id: (i % 1_000) + 1, op: 'getTs', count: 1 }))));
    const attackers: Attacker[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await attacker(server.address.port, '127.0.0.2', false);
      a.socket.write(requests);
      attackers.push(a);
    }
    // The server's side closes (the attacker, not reading, never sees the FIN behind its answers).
    const attackersClosed = () => count(closed, 'idle_timeout') + count(closed, 'buffer_budget') === 4;
    const asking = keepAsking(client, attackersClosed);
    await waitUntil(attackersClosed, 'every non-reading attacker closed', 15_000);
    expect(await asking).toBeGreaterThan(0);
    expect(sampledBytesMax).toBeLessThanOrEqual(bufferBudgetBytes);
    expect(server.connectionCount).toBe(1);
    await client.getTs();
  });
});
