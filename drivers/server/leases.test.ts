// Stamping leases on the serving node (issue 16, the original's #659): acquire, renew and
// release made durable through the driver before the answer, their refusals with their codes,
// the frontier bound by every live lease (superseded ones too), and the set reloaded by the next
// leader's fence.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/manual-clock.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { ServingNode } from './serving-node.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};
const holder = new TextEncoder().encode('stamper-1');

async function servingNode(driver = new MemoryDriver(), clock = new ManualClock(1_000_000), extra: Partial<ConstructorParameters<typeof ServingNode>[0]> = {}) {
  const node = new ServingNode({ driver, clock, windowAheadMs: 3_000, failoverAdvanceMs: 1_000, ...extra });
  node.start();
  await flush();
  return { node, driver, clock };
}

describe('stamping leases on the serving node', () => {
  it('grants a lease whose id and bound are the durable high-water of an extension of ttl, and persists the set first', async () => {
    const { node, driver } = await servingNode();
    const lease = await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 });
    expect(lease).toEqual({ ok: true, leaseId: 1_010_000n, tsUpperBoundMs: 1_010_000, expiresAtMs: 1_010_000, epoch: 1n });
    expect(driver.highWaterMs).toBe(1_010_000);
    expect(driver.leases.map((l) => l.leaseId)).toEqual([1_010_000n]);
    expect(node.getSafeFrontier()).toEqual({ ok: true, physicalMs: 1_010_000, epoch: 1n });
  });

  it('gives ids strictly above every earlier one even when the extension target is below the high-water', async () => {
    const { node } = await servingNode();
    const a = await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 20_000 });
    const b = await node.acquireLease({ holder: new Uint8Array([7]), holderEpoch: 1n, ttlMs: 5_000 });
    expect(a.ok && b.ok && b.leaseId > a.leaseId).toBe(true);
  });

  it('re-acquire by the same holder and epoch is idempotent; a higher epoch supersedes and the old lease still binds the frontier', async () => {
    const { node, clock } = await servingNode();
    const first = await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 });
    expect(await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 })).toEqual(first);
    clock.advance(1_000);
    const second = await node.acquireLease({ holder, holderEpoch: 2n, ttlMs: 20_000 });
    expect(second.ok && first.ok && second.tsUpperBoundMs > first.tsUpperBoundMs).toBe(true);
    expect(first.ok && node.getSafeFrontier().physicalMs).toBe(first.ok && first.tsUpperBoundMs);
    expect(await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 })).toMatchObject({ ok: false, code: 'FAILED_PRECONDITION', message: expect.stringMatching(/^LEASE_HOLDER_EPOCH_STALE: /) });
    expect(first.ok && (await node.renewLease(first.leaseId))).toMatchObject({ ok: false, code: 'FAILED_PRECONDITION', message: expect.stringMatching(/^LEASE_SUPERSEDED: /) });
  });

  it('the planted bug (frontier ignoring superseded leases) answers a frontier above a live superseded bound', async () => {
    const { node } = await servingNode(new MemoryDriver(), new ManualClock(1_000_000), { faults: { frontierIgnoresSupersededLeases: true } });
    const first = await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 });
    await node.acquireLease({ holder, holderEpoch: 2n, ttlMs: 20_000 });
    expect(first.ok && node.getSafeFrontier().physicalMs > first.tsUpperBoundMs).toBe(true);
  });

  it('renews with a new bound and expiry; unknown ids are NOT_FOUND, expired ones FAILED_PRECONDITION', async () => {
    const { node, clock } = await servingNode();
    const lease = await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 });
    if (!lease.ok) throw new Error('acquire failed');
    clock.advance(4_000);
    const renewed = await node.renewLease(lease.leaseId);
    expect(renewed).toMatchObject({ ok: true, leaseId: lease.leaseId, expiresAtMs: 1_014_000 });
    expect(renewed.ok && renewed.tsUpperBoundMs >= 1_014_000).toBe(true);
    expect(await node.renewLease(12345n)).toMatchObject({ ok: false, code: 'NOT_FOUND', message: expect.stringMatching(/^LEASE_NOT_FOUND: /) });
    clock.advance(10_000);
    expect(await node.renewLease(lease.leaseId)).toMatchObject({ ok: false, code: 'FAILED_PRECONDITION', message: expect.stringMatching(/^LEASE_EXPIRED: /) });
  });

  it('release is idempotent and stops binding the frontier at once', async () => {
    const { node, driver } = await servingNode();
    const lease = await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 });
    if (!lease.ok) throw new Error('acquire failed');
    expect(await node.releaseLease(lease.leaseId)).toEqual({ ok: true });
    expect(await node.releaseLease(lease.leaseId)).toEqual({ ok: true });
    expect(await node.releaseLease(999n)).toEqual({ ok: true });
    expect(driver.leases).toEqual([]);
    expect(node.getSafeFrontier().physicalMs).toBe(driver.highWaterMs);
  });

  it('refuses bad input with INVALID_ARGUMENT and its reason, and a grant past the cap with RESOURCE_EXHAUSTED, while serving on', async () => {
    const { node } = await servingNode(new MemoryDriver(), new ManualClock(1_000_000), { leasePolicy: { ttlMsMin: 5_000, ttlMsMax: 300_000, liveLeasesMax: 1 } });
    const bad = [
      await node.acquireLease({ holder: new Uint8Array(0), holderEpoch: 1n, ttlMs: 10_000 }),
      await node.acquireLease({ holder: new Uint8Array(129), holderEpoch: 1n, ttlMs: 10_000 }),
      await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 4_999 }),
      await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 300_001 }),
    ];
    expect(bad.map((a) => (a.ok ? 'ok' : a.message.split(':')[0]))).toEqual(['INVALID_LEASE_HOLDER', 'INVALID_LEASE_HOLDER', 'INVALID_LEASE_TTL', 'INVALID_LEASE_TTL']);
    expect(bad.every((a) => !a.ok && a.code === 'INVALID_ARGUMENT')).toBe(true);
    expect((await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 })).ok).toBe(true);
    expect(await node.acquireLease({ holder: new Uint8Array([2]), holderEpoch: 1n, ttlMs: 10_000 })).toMatchObject({ ok: false, code: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/^LEASE_LIMIT_EXCEEDED: /) });
    expect((await node.getTs(1)).ok).toBe(true);
  });

  it('an expired lease binds the frontier until a durable write drops it, so a restart on a clock stepped back cannot revive it (1-node swarm seed 362)', async () => {
    const { node, driver, clock } = await servingNode();
    const lease = await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 });
    if (!lease.ok) throw new Error('acquire failed');
    clock.wall += 20_000; // the lease expired
    expect((await node.getTs(1)).ok).toBe(true); // and the high-water moved past its bound
    driver.holdPersists = true;
    // The drop is in flight: the expired lease still binds the frontier.
    const whileDropping = node.getSafeFrontier().physicalMs;
    expect(whileDropping).toBe(lease.tsUpperBoundMs);
    expect(driver.leases.map((l) => l.leaseId)).toEqual([lease.leaseId]);
    driver.holdPersists = false;
    driver.releasePersists();
    await flush();
    expect(driver.leases).toEqual([]);
    const afterDrop = node.getSafeFrontier().physicalMs;
    expect(afterDrop).toBeGreaterThan(lease.tsUpperBoundMs);
    // A new process on the same durable state, its wall clock stepped back inside the lease:
    // the lease is gone, and the frontier does not go back.
    await node.close();
    const restarted = await servingNode(driver, new ManualClock(clock.wall - 15_000));
    expect(restarted.node.getSafeFrontier().physicalMs).toBeGreaterThanOrEqual(afterDrop);
    expect(await restarted.node.renewLease(lease.leaseId)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('answers NOT_LEADER off the leader, and the next leader reloads the durable set at its fence', async () => {
    const { node, driver } = await servingNode();
    const lease = await node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 });
    driver.setLeadership({ kind: 'follower', leaderEndpoint: '10.0.0.2:50551', leaderEpoch: 2n });
    expect(await node.acquireLease({ holder, holderEpoch: 2n, ttlMs: 10_000 })).toMatchObject({ ok: false, code: 'NOT_LEADER' });
    expect(node.getSafeFrontier()).toEqual({ ok: true, physicalMs: 0, epoch: 0n });
    driver.setLeadership({ kind: 'leader', epoch: 3n });
    await flush();
    expect(node.isServing).toBe(true);
    expect(lease.ok && node.getSafeFrontier().physicalMs).toBe(lease.ok && lease.tsUpperBoundMs);
    expect(lease.ok && (await node.renewLease(lease.leaseId))).toMatchObject({ ok: true, epoch: 3n });
  });

  it('a set projected before a leadership change is fenced and never installed', async () => {
    const driver = new MemoryDriver();
    const { node } = await servingNode(driver);
    driver.holdPersists = true;
    const pending = node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 10_000 });
    await flush();
    driver.setLeadership({ kind: 'leader', epoch: 2n });
    driver.holdPersists = false;
    driver.releasePersists();
    await flush();
    driver.releasePersists();
    expect(await pending).toMatchObject({ ok: false, code: 'NOT_LEADER' });
    expect(driver.leases).toEqual([]);
  });

  it('a lease change holds the extension slot: getTs waiting behind it still gets its window', async () => {
    const driver = new MemoryDriver();
    const { node, clock } = await servingNode(driver);
    driver.holdPersists = true;
    const lease = node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 5_000 });
    clock.advance(20_000);
    const ts = node.getTs(1);
    await flush();
    driver.holdPersists = false;
    for (let i = 0; i < 5; i++) {
      driver.releasePersists();
      await flush();
    }
    expect((await lease).ok).toBe(true);
    expect(await ts).toMatchObject({ ok: true, physicalMs: 1_020_000 });
  });
});
