// The etcd driver (drivers/etcd/etcd-driver.ts) against the simulated etcd (sim/etcd-wire.ts) on
// the simulated network and clocks: leadership across etcd's own failures, and the stamping-lease
// set kept in etcd; the timings are simulated time (deterministic per seed), not wall time.
//
// Found by the swarm (3-node etcd seed 1732 on the tree of 4 Dec 2026, 12:40): etcd lost its
// leader while tsoracle's leader held the leader key; the tsoracle leader passed its lease
// deadline and stepped down, and its revoke was refused ("no leader"). The driver then forgot the
// lease. When etcd elected a leader it re-armed every lease to a full TTL (as real etcd's lessor
// does on promotion), so the forgotten lease kept the leader key, and every node followed a node
// that no longer led, for a whole TTL after etcd was back (liveness_call_failed after the run
// converged). The driver now revokes the abandoned lease again at each tick.
import { describe, expect, it } from 'vitest';
import type { LeaseRecord } from '../core/oracle/leases.js';
import { EtcdDriver } from '../drivers/etcd/etcd-driver.js';
import { SimEtcdStore } from './etcd-store.js';
import { SIM_ETCD_PORT, SimEtcdClient, SimEtcdServer } from './etcd-wire.js';
import { World } from './world.js';

const LEASE_TTL_SECONDS = 1;
const TICK_MS = 100;
const PREFIX = '/tsoracle/driver-test';

function driversOnSimulatedEtcd(seed: number, names: readonly string[]): { world: World; server: SimEtcdServer; drivers: EtcdDriver[] } {
  const world = new World({ seed });
  const server = new SimEtcdServer(new SimEtcdStore());
  world.addNode({ name: 'etcd', program: server.program() });
  const drivers = names.map((name) => {
    world.addNode({ name, program: () => Promise.resolve() });
    const ports = world.portsOf(name);
    return new EtcdDriver({
      client: new SimEtcdClient(ports.transport, ports.clock, { host: 'etcd', port: SIM_ETCD_PORT }, 250),
      clock: ports.clock,
      prefix: PREFIX,
      advertise: `${name}:50551`,
      leaseTtlSeconds: LEASE_TTL_SECONDS,
      tickMs: TICK_MS,
      leaseMarginMs: 100,
    });
  });
  return { world, server, drivers };
}

/** Simulated ms until some driver leads, polled every 10 ms up to `limitMs` (Infinity if none). */
async function msUntilALeader(world: World, drivers: readonly EtcdDriver[], limitMs: number): Promise<number> {
  for (let waited = 0; waited <= limitMs; waited += 10) {
    if (drivers.some((d) => d.leaderState.kind === 'leader')) return waited;
    await world.runFor(10);
  }
  return Infinity;
}

describe('the etcd driver against the simulated etcd', () => {
  it('a leader that stepped down while etcd had no leader frees its leader key as soon as etcd is back, not a full TTL later (seed 1732)', async () => {
    const { world, server, drivers } = driversOnSimulatedEtcd(1732, ['n1', 'n2']);
    const [first, second] = drivers as [EtcdDriver, EtcdDriver];
    await world.runFor(50);
    first.start();
    await world.runFor(300);
    second.start();
    await world.runFor(300);
    expect(first.leaderState.kind).toBe('leader');
    expect(second.leaderState.kind).toBe('follower');
    const oldEpoch = (first.leaderState as { epoch: bigint }).epoch;

    // etcd without a leader for longer than the lease: the leader steps down, its revoke refused.
    const outageMs = 1_500;
    server.leaderChange(outageMs);
    await world.runFor(outageMs);
    expect(first.leaderState.kind).not.toBe('leader');
    expect(server.store.peek(`${PREFIX}/leader`)?.value).toBe('n1:50551');

    // etcd is back and re-armed the old lease for a full TTL: a node leads well within it.
    const waitedMs = await msUntilALeader(world, drivers, 2 * LEASE_TTL_SECONDS * 1000);
    expect(waitedMs).toBeLessThan(LEASE_TTL_SECONDS * 1000 / 2);
    const leader = drivers.find((d) => d.leaderState.kind === 'leader') as EtcdDriver;
    expect((leader.leaderState as { epoch: bigint }).epoch).toBeGreaterThan(oldEpoch);
    await Promise.all(drivers.map((d) => world.settle(d.close())));
  });

  it('keeps the stamping-lease set in the simulated etcd: replaced whole behind the leader compare, a deposed leader refused and nothing changed', async () => {
    const { world, server, drivers } = driversOnSimulatedEtcd(17, ['n1', 'n2']);
    const [old, next] = drivers as [EtcdDriver, EtcdDriver];
    old.start();
    await world.runFor(300);
    const oldEpoch = (old.leaderState as { epoch: bigint }).epoch;
    expect(old.leaderState.kind).toBe('leader');
    expect(await world.settle(old.loadLeases())).toEqual({ ok: true, leases: [] });
    const set = [leaseRecord(4n, 'holder-a'), leaseRecord(9n, 'holder-b')];
    expect(await world.settle(old.persistLeases(set, oldEpoch))).toEqual({ ok: true });
    expect(await world.settle(old.loadLeases())).toEqual({ ok: true, leases: set });
    // The old leader paused past its lease: etcd expires it, the other node leads.
    next.start();
    world.pause('n1', 2_000);
    await world.runFor(1_900);
    expect(next.leaderState.kind).toBe('leader');
    const newEpoch = (next.leaderState as { epoch: bigint }).epoch;
    expect(newEpoch).toBeGreaterThan(oldEpoch);
    // A write of the old epoch is refused whoever makes it, and the set stays.
    expect(await world.settle(next.persistLeases([], oldEpoch))).toMatchObject({ ok: false, code: 'DRIVER_FENCED' });
    expect(await world.settle(next.loadLeases())).toEqual({ ok: true, leases: set });
    expect(server.store.peek(`${PREFIX}/leases`)).toBeDefined();
    await Promise.all(drivers.map((d) => world.settle(d.close())));
  });
});

/** A stamping-lease record (core/oracle/leases.ts) with fixed times. */
function leaseRecord(leaseId: bigint, holder: string): LeaseRecord {
  return { leaseId, holder: new TextEncoder().encode(holder), holderEpoch: 1n, ttlMs: 5_000, tsUpperBoundMs: 1_700_000_000_000, expiresAtMs: 1_700_000_005_000, superseded: false };
}
