import { describe, expect, it } from 'vitest';
import { packTimestamp } from '../../core/timestamp.js';
import { ManualClock } from '../testing/manual-clock.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { ServingNode, type TsAnswer } from './serving-node.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function ts(a: TsAnswer): bigint {
  if (!a.ok) throw new Error(`expected timestamps, got ${a.code}`);
  return packTimestamp(a.physicalMs, a.logicalStart);
}

async function servingNode(driver = new MemoryDriver(), clock = new ManualClock(), extra: Partial<ConstructorParameters<typeof ServingNode>[0]> = {}) {
  const node = new ServingNode({ driver, clock, windowAheadMs: 3_000, failoverAdvanceMs: 1_000, ...extra });
  node.start();
  await flush();
  return { node, driver, clock };
}

describe('ServingNode fence', () => {
  it('fences at max(prior + 1, now) and persists floor + failover advance before serving', async () => {
    const driver = new MemoryDriver();
    const clock = new ManualClock(1_000_000);
    driver.highWaterMs = 2_000_000; // the prior leader's window reaches past our clock
    const { node } = await servingNode(driver, clock);
    expect(node.isServing).toBe(true);
    expect(driver.persistCalls[0]).toEqual({ atLeastMs: 2_000_001 + 1_000, epoch: 1n });
    const a = await node.getTs(1);
    expect(a.ok && a.physicalMs).toBe(2_000_001);
  });

  it('uses the clock when it is ahead of the prior high-water', async () => {
    const driver = new MemoryDriver();
    const clock = new ManualClock(5_000_000);
    driver.highWaterMs = 10;
    const { node } = await servingNode(driver, clock);
    const a = await node.getTs(4);
    expect(a).toMatchObject({ ok: true, physicalMs: 5_000_000, logicalStart: 0, count: 4, epoch: 1n });
  });

  it('retries a transient load with backoff while still leader, then serves', async () => {
    const driver = new MemoryDriver();
    driver.failNextLoads.push('DRIVER_TRANSIENT', 'DRIVER_TRANSIENT');
    const { node, clock } = await servingNode(driver);
    expect(node.isServing).toBe(false);
    expect((await node.getTs(1)).ok).toBe(false);
    clock.advance(25);
    await flush();
    clock.advance(50);
    await flush();
    expect(node.isServing).toBe(true);
  });

  it('does not serve an epoch that was lost while its fence was in flight', async () => {
    const driver = new MemoryDriver();
    driver.holdPersists = true;
    const { node } = await servingNode(driver);
    driver.setLeadership({ kind: 'follower', leaderEndpoint: '10.0.0.2:50551', leaderEpoch: 2n });
    driver.releasePersists();
    await flush();
    expect(node.isServing).toBe(false);
    const a = await node.getTs(1);
    expect(a).toMatchObject({ ok: false, code: 'NOT_LEADER', leaderEndpoint: '10.0.0.2:50551', leaderEpoch: 2n });
  });

  it('a new leader never issues a timestamp at or below one the old leader issued', async () => {
    const driver = new MemoryDriver({ kind: 'leader', epoch: 1n });
    const clock = new ManualClock(1_000_000);
    const old = new ServingNode({ driver, clock, windowAheadMs: 3_000, failoverAdvanceMs: 0 });
    old.start();
    await flush();
    const last = ts(await old.getTs(262_144));
    // The old leader's clock ran ahead; the new leader's clock is behind.
    driver.setLeadership({ kind: 'follower', leaderEndpoint: null, leaderEpoch: 2n });
    const laggingClock = new ManualClock(900_000);
    const fresh = new ServingNode({ driver, clock: laggingClock, windowAheadMs: 3_000, failoverAdvanceMs: 0 });
    fresh.start();
    driver.setLeadership({ kind: 'leader', epoch: 2n });
    await flush();
    const first = ts(await fresh.getTs(1));
    expect(first > last).toBe(true);
  });
});

describe('ServingNode getTs', () => {
  it('answers INVALID_ARGUMENT for counts outside 1..262144', async () => {
    const { node } = await servingNode();
    for (const n of [0, -1, 1.5, 262_145, Number.NaN]) expect(await node.getTs(n)).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
  });

  it('starts an INVALID_ARGUMENT message with its precise reason, exactly once (regression: no prefix)', async () => {
    const { node } = await servingNode();
    const a = await node.getTs(0);
    expect(!a.ok && a.message).toMatch(/^INVALID_COUNT: (?!INVALID_COUNT:)/);
  });

  it('issues strictly increasing timestamps while the clock stalls, rolling through the window', async () => {
    const { node } = await servingNode();
    let prev = -1n;
    for (let i = 0; i < 50; i++) {
      const a = await node.getTs(100_000);
      const t = ts(a);
      expect(t > prev).toBe(true);
      prev = t;
    }
  });

  it('extends the window single-flight when the clock jumps past the high-water', async () => {
    const { node, driver, clock } = await servingNode();
    driver.holdPersists = true;
    clock.wall += 10_000; // past H
    const answers = [node.getTs(1), node.getTs(1), node.getTs(1)];
    await flush();
    expect(driver.persistCalls.length).toBe(2); // fence + one extension
    driver.releasePersists();
    const got = await Promise.all(answers);
    const values = got.map(ts);
    expect(new Set(values).size).toBe(3);
    expect(driver.persistCalls[1]?.atLeastMs).toBe(clock.wall + 3_000);
  });

  it('covers every request queued behind an extension, even when the window is shorter than a persist (simulator: 3-node seed 27 of planted:skipFenceLinearizedLoad)', async () => {
    const { node, driver, clock } = await servingNode(undefined, undefined, { windowAheadMs: 1, failoverAdvanceMs: 0 });
    driver.holdPersists = true;
    // A finds the window exhausted and starts an extension; while it persists, C and then B
    // arrive with later clock samples (C before B, so C wakes first and extends next).
    clock.wall += 100;
    const a = node.getTs(1);
    await flush();
    clock.wall += 3;
    const c = node.getTs(1);
    await flush();
    clock.wall += 2;
    const b = node.getTs(1);
    await flush();
    for (let i = 0; i < 6; i++) {
      driver.releasePersists();
      await flush();
    }
    const answers = await Promise.all([a, c, b]);
    expect(answers.map((x) => x.ok)).toEqual([true, true, true]);
    expect(new Set(answers.map(ts)).size).toBe(3);
  });

  it('starts a background extension when less than half a window is left', async () => {
    const { node, driver, clock } = await servingNode();
    const persistsBefore = driver.persistCalls.length;
    clock.wall += 2_500; // within the window, but less than half of it left ahead
    expect((await node.getTs(1)).ok).toBe(true);
    await flush();
    expect(driver.persistCalls.length).toBe(persistsBefore + 1);
  });

  it('steps down and answers NOT_LEADER with the hint when an extension is refused', async () => {
    const { node, driver, clock } = await servingNode();
    driver.failNextPersists.push('DRIVER_NOT_LEADER');
    clock.wall += 10_000;
    const a = await node.getTs(1);
    expect(a).toMatchObject({ ok: false, code: 'NOT_LEADER', leaderEndpoint: '127.0.0.9:1', leaderEpoch: 2n });
    expect(node.isServing).toBe(false);
  });

  it('refuses to grant while the driver holds no leader lease, and serves again once it does', async () => {
    const { node, driver } = await servingNode();
    driver.leaseHeld = false;
    expect(await node.getTs(1)).toMatchObject({ ok: false, code: 'NOT_LEADER' });
    driver.leaseHeld = true;
    expect((await node.getTs(1)).ok).toBe(true);
  });

  it('answers UNAVAILABLE on a transient persist failure and keeps serving', async () => {
    const { node, driver, clock } = await servingNode();
    driver.failNextPersists.push('DRIVER_TRANSIENT');
    clock.wall += 10_000;
    expect(await node.getTs(1)).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect((await node.getTs(1)).ok).toBe(true);
  });

  it('never grants from a window that is not durable yet', async () => {
    const { node, driver, clock } = await servingNode();
    driver.holdPersists = true;
    clock.wall += 10_000;
    let settled = false;
    const pending = node.getTs(1).then((a) => {
      settled = true;
      return a;
    });
    await flush();
    expect(settled).toBe(false);
    driver.releasePersists();
    const a = await pending;
    expect(a.ok && a.physicalMs <= driver.highWaterMs).toBe(true);
  });
});

describe('ServingNode getSeq', () => {
  it('returns durable blocks, exactly once per request id', async () => {
    const { node } = await servingNode();
    const a = await node.getSeq({ key: 'orders', count: 5, clientId: 7n, requestId: 1n });
    const b = await node.getSeq({ key: 'orders', count: 3, clientId: 7n, requestId: 2n });
    const again = await node.getSeq({ key: 'orders', count: 5, clientId: 7n, requestId: 1n });
    expect(a).toMatchObject({ ok: true, start: 0n, count: 5 });
    expect(b).toMatchObject({ ok: true, start: 5n, count: 3 });
    expect(again).toEqual(a);
  });

  it('answers INVALID_ARGUMENT for a bad key or count without touching the driver', async () => {
    const { node, driver } = await servingNode();
    expect(await node.getSeq({ key: '', count: 1, clientId: 1n, requestId: 1n })).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(await node.getSeq({ key: 'k', count: 65_537, clientId: 1n, requestId: 1n })).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(driver.ledger.keyCount).toBe(0);
  });

  it('starts an INVALID_ARGUMENT message with its precise reason, exactly once, whoever refused (regression)', async () => {
    const { node, driver } = await servingNode();
    const key = await node.getSeq({ key: '', count: 1, clientId: 1n, requestId: 1n });
    expect(!key.ok && key.message).toMatch(/^INVALID_SEQ_KEY: (?!INVALID_SEQ_KEY:)/);
    const count = await node.getSeq({ key: 'k', count: 65_537, clientId: 1n, requestId: 1n });
    expect(!count.ok && count.message).toMatch(/^INVALID_SEQ_COUNT: (?!INVALID_SEQ_COUNT:)/);
    // A driver configured with a lower cap refuses what the node's own check let through.
    driver.advanceSeq = async () => ({ ok: false, code: 'INVALID_SEQ_COUNT', message: 'INVALID_SEQ_COUNT: count 9 is above this server\'s cap of 8' });
    const capped = await node.getSeq({ key: 'k', count: 9, clientId: 1n, requestId: 2n });
    expect(capped).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT', message: "INVALID_SEQ_COUNT: count 9 is above this server's cap of 8" });
    driver.advanceSeq = async () => ({ ok: false, code: 'INVALID_SEQ_KEY', message: 'key refused' });
    const refused = await node.getSeq({ key: 'k', count: 1, clientId: 1n, requestId: 3n });
    expect(refused).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT', message: 'INVALID_SEQ_KEY: key refused' });
  });

  it('answers NOT_LEADER while not serving', async () => {
    const { node } = await servingNode(new MemoryDriver({ kind: 'unknown' }));
    expect(await node.getSeq({ key: 'k', count: 1, clientId: 1n, requestId: 1n })).toMatchObject({ ok: false, code: 'NOT_LEADER' });
  });
});
