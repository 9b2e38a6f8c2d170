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
import { SEQ_SESSION_RESULTS_PER_CLIENT_MAX } from '../core/limits.js';
import { ETCD_OPS_PER_SEQ_BATCH_OVERHEAD, ETCD_SEQ_BATCH_KEYS_MAX, ETCD_TXN_OPS_MAX_DEFAULT, EtcdDriver } from '../drivers/etcd/etcd-driver.js';
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


describe('getSeqBatch on the etcd driver against the simulated etcd (which refuses a transaction of more than 128 ops, as etcd does)', () => {
  const keys = (n: number, tag = 'k'): string[] => Array.from({ length: n }, (_, i) => `${tag}-${String(i).padStart(3, '0')}`);

  async function oneLeader(seed: number): Promise<{ world: World; server: SimEtcdServer; drivers: EtcdDriver[]; epoch: bigint }> {
    const setup = driversOnSimulatedEtcd(seed, ['n1', 'n2']);
    const [first] = setup.drivers as [EtcdDriver];
    first.start();
    await setup.world.runFor(300);
    expect(first.leaderState.kind).toBe('leader');
    return { ...setup, epoch: (first.leaderState as { epoch: bigint }).epoch };
  }

  it('grants every key in request order in one transaction, and a retry of the same request id gets the same grants from etcd after a failover', async () => {
    const { world, drivers, epoch } = await oneLeader(21);
    const [old, next] = drivers as [EtcdDriver, EtcdDriver];
    expect(await world.settle(old.advanceSeq({ key: 'b', count: 5, clientId: 1n, requestId: 1n }, epoch))).toEqual({ ok: true, start: 0n, count: 5 });
    const request = { clientId: 1n, requestId: 2n, entries: [{ key: 'b', count: 3 }, { key: 'a', count: 2 }, { key: 'c', count: 1 }] };
    const grants = [{ key: 'b', start: 5n, count: 3 }, { key: 'a', start: 0n, count: 2 }, { key: 'c', start: 0n, count: 1 }];
    expect(await world.settle(old.advanceSeqBatch(request, epoch))).toEqual({ ok: true, grants });
    // The old leader stops; the new one answers the retry from the session stored in etcd.
    await world.settle(old.close());
    next.start();
    await world.runFor(500);
    expect(next.leaderState.kind).toBe('leader');
    const newEpoch = (next.leaderState as { epoch: bigint }).epoch;
    expect(await world.settle(next.advanceSeqBatch(request, newEpoch))).toEqual({ ok: true, grants });
    expect(await world.settle(next.advanceSeqBatch({ ...request, entries: [{ key: 'a', count: 2 }, { key: 'b', count: 3 }, { key: 'c', count: 1 }] }, newEpoch))).toMatchObject({ ok: false, code: 'SEQ_REQUEST_REUSED' });
    for (const [key, next_] of [['a', 2n], ['b', 8n], ['c', 1n]] as const) expect(await world.settle(next.loadSeq(key))).toEqual({ ok: true, next: next_ });
    await world.settle(next.close());
  });

  it("a deposed leader's batch fails whole (DRIVER_FENCED) and moves no counter", async () => {
    const { world, drivers, epoch } = await oneLeader(22);
    const [old, next] = drivers as [EtcdDriver, EtcdDriver];
    expect(await world.settle(old.advanceSeqBatch({ clientId: 1n, requestId: 1n, entries: [{ key: 'x', count: 1 }, { key: 'y', count: 1 }] }, epoch))).toMatchObject({ ok: true });
    next.start();
    world.pause('n1', 2_000);
    await world.runFor(1_900);
    expect(next.leaderState.kind).toBe('leader');
    // n1 wakes still believing it leads until its next tick: its batch reaches etcd and fails the leader compare.
    await world.runFor(150);
    const answer = await world.settle(old.advanceSeqBatch({ clientId: 1n, requestId: 2n, entries: [{ key: 'x', count: 4 }, { key: 'y', count: 4 }] }, epoch));
    expect(answer.ok).toBe(false);
    expect(['DRIVER_FENCED', 'DRIVER_NOT_LEADER']).toContain((answer as { code: string }).code);
    expect(await world.settle(next.loadSeq('x'))).toEqual({ ok: true, next: 1n });
    expect(await world.settle(next.loadSeq('y'))).toEqual({ ok: true, next: 1n });
    await Promise.all(drivers.map((d) => world.settle(d.close())));
  });

  it(`serves ${ETCD_SEQ_BATCH_KEYS_MAX} keys in one transaction even when the batch evicts ${ETCD_SEQ_BATCH_KEYS_MAX} remembered results, and refuses ${ETCD_SEQ_BATCH_KEYS_MAX + 1} keys INVALID_SEQ_BATCH before writing`, async () => {
    const { world, server, drivers, epoch } = await oneLeader(23);
    const [leader] = drivers as [EtcdDriver];
    expect(ETCD_SEQ_BATCH_KEYS_MAX + ETCD_OPS_PER_SEQ_BATCH_OVERHEAD + 1).toBe(ETCD_TXN_OPS_MAX_DEFAULT);
    // Fill client 7's session to its grant bound with single results (each getSeq one grant).
    const singles = await world.settle(
      Promise.all(Array.from({ length: SEQ_SESSION_RESULTS_PER_CLIENT_MAX }, (_, i) => leader.advanceSeq({ key: 'single', count: 1, clientId: 7n, requestId: BigInt(i + 1) }, epoch))),
    );
    expect(singles.every((r) => r.ok)).toBe(true);
    const before = await world.settle(leader.storedLedger());
    expect(before.sessions[0]?.results.length).toBe(SEQ_SESSION_RESULTS_PER_CLIENT_MAX);
    const entries = keys(ETCD_SEQ_BATCH_KEYS_MAX).map((key) => ({ key, count: 2 }));
    const revision = server.store.revision;
    const answer = await world.settle(leader.advanceSeqBatch({ clientId: 7n, requestId: 5_000n, entries }, epoch));
    expect(answer).toMatchObject({ ok: true });
    expect((answer as { grants: readonly { key: string }[] }).grants.map((g) => g.key)).toEqual(entries.map((e) => e.key));
    expect(server.store.revision).toBe(revision + 1n); // one transaction
    const after = await world.settle(leader.storedLedger());
    const session = after.sessions.find((x) => x.clientId === 7n);
    expect(session?.results.length).toBe(SEQ_SESSION_RESULTS_PER_CLIENT_MAX - ETCD_SEQ_BATCH_KEYS_MAX + 1);
    expect(session?.forgottenBelow).toBe(BigInt(ETCD_SEQ_BATCH_KEYS_MAX) + 1n);
    const tooMany = await world.settle(leader.advanceSeqBatch({ clientId: 7n, requestId: 5_001n, entries: keys(ETCD_SEQ_BATCH_KEYS_MAX + 1, 'z').map((key) => ({ key, count: 1 })) }, epoch));
    expect(tooMany).toMatchObject({ ok: false, code: 'INVALID_SEQ_BATCH' });
    expect(server.store.revision).toBe(revision + 1n);
    expect(await world.settle(leader.loadSeq('z-000'))).toEqual({ ok: true, next: 0n });
    await Promise.all(drivers.map((d) => world.settle(d.close())));
  });
});

/** A stamping-lease record (core/oracle/leases.ts) with fixed times. */
function leaseRecord(leaseId: bigint, holder: string): LeaseRecord {
  return { leaseId, holder: new TextEncoder().encode(holder), holderEpoch: 1n, ttlMs: 5_000, tsUpperBoundMs: 1_700_000_000_000, expiresAtMs: 1_700_000_005_000, superseded: false };
}
