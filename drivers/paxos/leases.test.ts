// Stamping leases on a 3-node Paxos cluster in the simulated world: the lease set is replicated
// (a SetLeases entry, fenced by the ballot number) before the serving node answers, survives
// snapshots, and the leader elected after a crash of the old one reloads it at its fence: its
// frontier is still bound by the superseded lease, and the active lease renews under the new epoch.
import { describe, expect, it } from 'vitest';
import type { PaxosDriver } from './paxos-driver.js';
import { SimCluster } from './sim-harness.js';

const holder = new TextEncoder().encode('stamper');

describe('paxos driver stamping leases', () => {
  it('replicates the lease set and the next leader reloads it after a crash of the old leader (seed 7)', async () => {
    const cluster = new SimCluster({ seed: 7, nodes: 3, snapshotEntries: 4 });
    await cluster.runUntil(() => cluster.servingLeader() !== null, 'serving', 10_000);
    const first = cluster.servingLeader() as string;
    const node = cluster.servingNodes.get(first);
    if (node === undefined) throw new Error('no serving node');
    const lease = await cluster.world.settle(node.acquireLease({ holder, holderEpoch: 1n, ttlMs: 60_000 }));
    if (!lease.ok) throw new Error(`acquire failed: ${lease.code} ${lease.message}`);
    const superseding = await cluster.world.settle(node.acquireLease({ holder, holderEpoch: 2n, ttlMs: 60_000 }));
    expect(superseding.ok).toBe(true);
    // Every replica applied the set before (or soon after) the answer; snapshots carry it.
    await cluster.runUntil(() => [...cluster.drivers.values()].every((d) => d.appliedLeases().length === 2), 'lease set on every replica', 5_000);
    cluster.crash(first);
    await cluster.runUntil(() => cluster.servingLeader() !== null && cluster.servingLeader() !== first, 'a new leader serving', 20_000);
    const next = cluster.servingNodes.get(cluster.servingLeader() as string);
    if (next === undefined) throw new Error('no new serving node');
    // The superseded lease (the older, lower bound) still binds the new leader's frontier.
    expect(next.getSafeFrontier().physicalMs).toBe(lease.tsUpperBoundMs);
    expect(await cluster.world.settle(next.renewLease(lease.leaseId))).toMatchObject({ ok: false, code: 'FAILED_PRECONDITION' });
    const renewed = await cluster.world.settle(next.renewLease(superseding.ok ? superseding.leaseId : 0n));
    expect(renewed).toMatchObject({ ok: true });
    expect(renewed.ok && renewed.epoch > lease.epoch).toBe(true);
    expect(await cluster.world.settle(next.releaseLease(lease.leaseId))).toEqual({ ok: true });
    const driver = cluster.drivers.get(cluster.servingLeader() as string) as PaxosDriver;
    expect(driver.appliedLeases().map((l) => l.leaseId)).toEqual(superseding.ok ? [superseding.leaseId] : []);
  });
});
