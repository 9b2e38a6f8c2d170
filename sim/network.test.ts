import { describe, expect, it } from 'vitest';
import { AssertionError } from '../core/assert.js';
import { ErrorCode, TsoError } from '../core/errors.js';
import { FRAME_BODY_BYTES_MAX } from '../core/limits.js';
import type { Connection } from '../drivers/ports.js';
import { drivenTransport } from './driven.js';
import type { NetworkOptions } from './network.js';
import { World } from './world.js';

interface Recorded {
  readonly connection: Connection;
  readonly frames: number[][];
  readonly closes: Array<{ code: string; message: string } | undefined>;
}

function record(connection: Connection, onFrame?: (body: Uint8Array, self: Recorded) => void): Recorded {
  const r: Recorded = { connection, frames: [], closes: [] };
  connection.setHandlers({
    onFrame: (body) => {
      r.frames.push([...body]);
      onFrame?.(body, r);
    },
    onClose: (reason) => r.closes.push(reason),
  });
  return r;
}

async function pair(seed: number | string = 1, network: NetworkOptions = {}, onServerFrame?: (body: Uint8Array, self: Recorded) => void) {
  const world = new World({ seed, network });
  for (const name of ['a', 'b']) world.addNode({ name, program: async () => ({}) });
  await world.run();
  const served: Recorded[] = [];
  const listener = await drivenTransport(world, world.portsOf('b').transport).listen({ host: 'b', port: 7000 }, (c) => {
    served.push(record(c, onServerFrame));
  });
  const dial = async (): Promise<Recorded> => record(await drivenTransport(world, world.portsOf('a').transport).connect(listener.address));
  const client = await dial();
  await world.runUntil(() => served.length === 1);
  return { world, client, server: served[0] as Recorded, served, dial };
}

const frame = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);

describe('SimNetwork', () => {
  it('delivers frames in order on each connection, while different connections reorder against each other', async () => {
    let reorderedAcross = false;
    for (let seed = 0; seed < 5; seed++) {
      const { world, client, served, dial } = await pair(seed, { latency: { minUs: 10, maxUs: 50_000 } });
      const second = await dial();
      await world.runUntil(() => served.length === 2);
      const arrivals: string[] = [];
      served.forEach((s, tag) => s.connection.setHandlers({ onFrame: (body) => arrivals.push(`${tag}:${body[0]}`), onClose: () => {} }));
      const sent: string[] = [];
      for (let i = 0; i < 40; i++) {
        const tag = i % 2;
        (tag === 0 ? client : second).connection.send(frame(i));
        sent.push(`${tag}:${i}`);
      }
      await world.runUntil(() => arrivals.length === 40);
      for (const tag of [0, 1]) {
        const mine = arrivals.filter((a) => a.startsWith(`${tag}:`));
        expect(mine).toEqual(sent.filter((a) => a.startsWith(`${tag}:`)));
      }
      if (arrivals.join() !== sent.join()) reorderedAcross = true;
    }
    expect(reorderedAcross).toBe(true);
  });

  it('blocks both directions in a symmetric partition and delivers the held frames in order after the heal', async () => {
    const { world, client, server } = await pair();
    world.partition(['a'], ['b']);
    for (let i = 1; i <= 3; i++) client.connection.send(frame(i));
    server.connection.send(frame(9));
    await world.runFor(1_000);
    expect(server.frames).toEqual([]);
    expect(client.frames).toEqual([]);
    world.heal();
    await world.runUntil(() => server.frames.length === 3 && client.frames.length === 1);
    expect(server.frames).toEqual([[1], [2], [3]]);
    expect(client.frames).toEqual([[9]]);
    expect(server.closes).toEqual([]);
  });

  it('blocks only one direction in a one-way partition', async () => {
    const { world, client, server } = await pair();
    world.partition(['a'], ['b'], { oneWay: true }); // a -> b blocked
    client.connection.send(frame(1));
    server.connection.send(frame(2));
    await world.runFor(1_000);
    expect(server.frames).toEqual([]);
    expect(client.frames).toEqual([[2]]);
  });

  it('times out the sending side of a direction blocked longer than stallResetMs', async () => {
    const { world, client, server } = await pair(1, { stallResetMs: 3_000 });
    world.isolate('a');
    client.connection.send(frame(1));
    await world.runFor(2_000);
    expect(client.closes).toEqual([]);
    await world.runFor(2_000);
    expect(client.closes).toEqual([{ code: ErrorCode.TRANSPORT, message: 'connection timed out' }]);
    expect(server.closes).toEqual([]); // the other side learns only when it talks
  });

  it('a reset fires onClose with TRANSPORT on both sides', async () => {
    const { world, client, server } = await pair();
    world.network.resetBetween('a', 'b');
    await world.runFor(10);
    expect(client.closes).toHaveLength(1);
    expect(server.closes).toHaveLength(1);
    expect(client.closes[0]?.code).toBe(ErrorCode.TRANSPORT);
    expect(server.closes[0]?.code).toBe(ErrorCode.TRANSPORT);
    expect(() => client.connection.send(frame(1))).not.toThrow();
  });

  it('a lost frame resets the connection: the sender sees TRANSPORT, the receiver gets earlier frames then the reset', async () => {
    const { world, client, server } = await pair(2);
    client.connection.send(frame(1));
    world.network.setFaults({ loss: { rate: [1, 1], budget: 1 } });
    client.connection.send(frame(2));
    await world.runFor(100);
    expect(server.frames).toEqual([[1]]);
    expect(client.closes[0]?.code).toBe(ErrorCode.TRANSPORT);
    expect(server.closes[0]?.code).toBe(ErrorCode.TRANSPORT);
    expect(world.network.faultCounts().loss).toBe(1);
  });

  it('resetAfterDelivery delivers the frame, then both sides see a reset (the sender cannot know it arrived)', async () => {
    const { world, client, server } = await pair(3, { faults: { resetAfterDelivery: { rate: [1, 1], budget: 1 } } });
    client.connection.send(frame(7));
    await world.runFor(100);
    expect(server.frames).toEqual([[7]]);
    expect(server.closes[0]?.code).toBe(ErrorCode.TRANSPORT);
    expect(client.closes[0]?.code).toBe(ErrorCode.TRANSPORT);
  });

  it('corrupts frames with flipped bits so the receiver sees bytes that differ from what was sent', async () => {
    const { world, client, server } = await pair(4, { faults: { corrupt: { rate: [1, 1] } } });
    const sent = Array.from({ length: 20 }, (_, i) => Array.from({ length: 16 }, (__, k) => (i * 16 + k) & 0xff));
    for (const body of sent) client.connection.send(new Uint8Array(body));
    await world.runUntil(() => server.frames.length === 20);
    for (let i = 0; i < 20; i++) {
      expect(server.frames[i]).toHaveLength(16);
      expect(server.frames[i]).not.toEqual(sent[i]);
    }
  });

  it('closes a connection whose length prefix is garbled with FRAME_TOO_LARGE, flushing a reply sent from onClose', async () => {
    const world = new World({ seed: 1 });
    for (const name of ['a', 'b']) world.addNode({ name, program: async () => ({}) });
    await world.run();
    const reasons: Array<{ code: string } | undefined> = [];
    const listener = await drivenTransport(world, world.portsOf('b').transport).listen({ host: 'b', port: 1 }, (c) => {
      c.setHandlers({
        onFrame: () => {},
        onClose: (reason) => {
          reasons.push(reason);
          c.send(frame(0xee)); // an error answer before the transport closes
        },
      });
    });
    const client = record(await drivenTransport(world, world.portsOf('a').transport).connect(listener.address));
    world.network.setFaults({ badLength: { rate: [1, 1], budget: 1 } }, ['a']);
    client.connection.send(frame(1));
    client.connection.send(frame(2));
    await world.runUntil(() => client.closes.length === 1);
    expect(reasons.map((r) => r?.code)).toEqual([ErrorCode.FRAME_TOO_LARGE]);
    expect(client.frames).toEqual([[0xee]]);
    expect(client.closes).toEqual([undefined]);
    expect(() => client.connection.send(new Uint8Array(0))).not.toThrow(); // closed: dropped before any check
  });

  it('treats an empty or oversized send as a bug of the sender, as the Node transport does', async () => {
    const { client } = await pair();
    expect(() => client.connection.send(new Uint8Array(0))).toThrow(AssertionError);
    expect(() => client.connection.send(new Uint8Array(FRAME_BODY_BYTES_MAX + 1))).toThrow(AssertionError);
  });

  it('refuses a connect where nobody listens and times out a connect across a partition', async () => {
    const world = new World({ seed: 1, network: { connectTimeoutMs: 500 } });
    for (const name of ['a', 'b']) world.addNode({ name, program: async () => ({}) });
    await world.run();
    const a = drivenTransport(world, world.portsOf('a').transport);
    const refused = await a.connect({ host: 'b', port: 9 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TsoError);
    expect((refused as TsoError).code).toBe(ErrorCode.TRANSPORT);
    await drivenTransport(world, world.portsOf('b').transport).listen({ host: '0.0.0.0', port: 9 }, () => {});
    world.partition(['a'], ['b']);
    const started = world.nowMs;
    const timedOut = await a.connect({ host: 'b', port: 9 }).catch((e: unknown) => e);
    expect((timedOut as TsoError).code).toBe(ErrorCode.TRANSPORT);
    expect(world.nowMs - started).toBeGreaterThanOrEqual(500);
    const unknownHost = await a.connect({ host: 'nowhere', port: 9 }).catch((e: unknown) => e);
    expect((unknownHost as TsoError).code).toBe(ErrorCode.TRANSPORT);
  });

  it('a crashed server resets its connections (peers see TRANSPORT) and its port refuses connects', async () => {
    const { world, client } = await pair();
    world.crash('b');
    await world.runFor(10);
    expect(client.closes).toHaveLength(1);
    expect(client.closes[0]?.code).toBe(ErrorCode.TRANSPORT);
    const refused = await drivenTransport(world, world.portsOf('a').transport)
      .connect({ host: 'b', port: 7000 })
      .catch((e: unknown) => e);
    expect((refused as TsoError).code).toBe(ErrorCode.TRANSPORT);
  });

  it('delays a frame by the drawn extra latency when the spike fault fires', async () => {
    const { world, client, server } = await pair(1, { latency: { minUs: 100, maxUs: 100 } });
    world.network.setFaults({ latencySpike: { rate: [1, 1], budget: 1, extraUs: { minUs: 20_000, maxUs: 20_000 } } });
    const sentAt = world.nowMs;
    let arrivedAt = -1;
    server.connection.setHandlers({ onFrame: () => (arrivedAt = world.nowMs), onClose: () => {} });
    client.connection.send(frame(1));
    await world.runUntil(() => arrivedAt >= 0);
    expect(arrivedAt - sentAt).toBeGreaterThanOrEqual(20);
  });

  it('a paused receiver gets its frames on resume, in order', async () => {
    const { world, client, server } = await pair();
    world.pause('b', 5_000);
    for (let i = 0; i < 3; i++) client.connection.send(frame(i));
    await world.runFor(4_000);
    expect(server.frames).toEqual([]);
    await world.runFor(2_000);
    expect(server.frames).toEqual([[0], [1], [2]]);
  });
});
