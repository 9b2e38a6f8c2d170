// getCurrentMaxSafe and getSafeFrontier on the serving node, and getSeqBatch's server-side cap:
// the original's formulas on a serving leader (max safe = committed high-water − windowAhead − 1,
// saturating; frontier = committed high-water while no stamping lease is held), 0 with epoch 0 on
// a follower or before the first window, never a redirect; the safe points never go back while
// one leader serves.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/manual-clock.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { ServingNode } from './serving-node.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

async function servingNode(driver = new MemoryDriver(), clock = new ManualClock(1_000_000), extra: Partial<ConstructorParameters<typeof ServingNode>[0]> = {}) {
  const node = new ServingNode({ driver, clock, windowAheadMs: 3_000, failoverAdvanceMs: 1_000, ...extra });
  node.start();
  await flush();
  return { node, driver, clock };
}

describe('safe points', () => {
  it('answers the original formulas on a serving leader, with its epoch', async () => {
    const { node, driver } = await servingNode();
    // The fence persisted floor (1,000,000) + failover advance (1,000).
    expect(driver.highWaterMs).toBe(1_001_000);
    expect(node.getCurrentMaxSafe()).toEqual({ ok: true, physicalMs: 1_001_000 - 3_000 - 1, epoch: 1n });
    expect(node.getSafeFrontier()).toEqual({ ok: true, physicalMs: 1_001_000, epoch: 1n });
  });

  it('answers 0 with epoch 0 off the leader and before the first window, never a redirect', async () => {
    const driver = new MemoryDriver();
    driver.holdPersists = true;
    const { node } = await servingNode(driver);
    expect(node.isServing).toBe(false);
    expect(node.getCurrentMaxSafe()).toEqual({ ok: true, physicalMs: 0, epoch: 0n });
    driver.setLeadership({ kind: 'follower', leaderEndpoint: '10.0.0.2:50551', leaderEpoch: 2n });
    driver.releasePersists();
    await flush();
    expect(node.getSafeFrontier()).toEqual({ ok: true, physicalMs: 0, epoch: 0n });
  });

  it('saturates at 0 when the high-water is below the window', async () => {
    const { node } = await servingNode(new MemoryDriver(), new ManualClock(10), { windowAheadMs: 3_000, failoverAdvanceMs: 0 });
    expect(node.getCurrentMaxSafe()).toMatchObject({ physicalMs: 0, epoch: 1n });
  });

  it('never goes back while one leader serves and extends its window', async () => {
    const { node, clock } = await servingNode();
    let maxSafe = node.getCurrentMaxSafe().physicalMs;
    let frontier = node.getSafeFrontier().physicalMs;
    for (let i = 0; i < 20; i++) {
      clock.advance(700);
      expect((await node.getTs(1)).ok).toBe(true);
      await flush();
      const nextMaxSafe = node.getCurrentMaxSafe().physicalMs;
      const nextFrontier = node.getSafeFrontier().physicalMs;
      expect(nextMaxSafe).toBeGreaterThanOrEqual(maxSafe);
      expect(nextFrontier).toBeGreaterThanOrEqual(frontier);
      maxSafe = nextMaxSafe;
      frontier = nextFrontier;
    }
    expect(maxSafe).toBeGreaterThan(1_001_000 - 3_001);
  });

  it('refuses a getSeqBatch past the configured cap before the driver is called', async () => {
    const { node, driver } = await servingNode(new MemoryDriver(), new ManualClock(1_000_000), { seqBatchKeysMax: 2 });
    const three = { entries: [{ key: 'a', count: 1 }, { key: 'b', count: 1 }, { key: 'c', count: 1 }], clientId: 1n, requestId: 1n };
    const refused = await node.getSeqBatch(three);
    expect(refused).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(!refused.ok && refused.message).toMatch(/^INVALID_SEQ_BATCH: /);
    expect(await driver.loadSeq('a')).toEqual({ ok: true, next: 0n });
    expect(await node.getSeqBatch({ ...three, entries: three.entries.slice(0, 2) })).toMatchObject({ ok: true, grants: [{ key: 'a', start: 0n }, { key: 'b', start: 0n }] });
  });
});
