// The simulated etcd: the EtcdClient conformance suite (drivers/etcd/etcd-client-conformance.ts)
// against SimEtcdClient → simulated network → SimEtcdServer, the same suite the real client
// passes against a real etcd; the server's faults (an answer lost after commit, a refused
// request, etcd without a leader) seen by the client as etcd's; and a property of the store
// against a model map.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EtcdUnavailableError } from '../drivers/etcd/etcd-client.js';
import { describeEtcdClientConformance, type EtcdClientUnderTest } from '../drivers/etcd/etcd-client-conformance.js';
import { SimEtcdStore } from './etcd-store.js';
import { SIM_ETCD_PORT, SimEtcdClient, SimEtcdServer } from './etcd-wire.js';
import { World } from './world.js';

function simulatedEtcd(seed: number): { world: World; server: SimEtcdServer; client: SimEtcdClient } {
  const world = new World({ seed });
  const server = new SimEtcdServer(new SimEtcdStore());
  world.addNode({ name: 'etcd', program: server.program() });
  world.addNode({ name: 'n1', program: () => Promise.resolve() });
  const ports = world.portsOf('n1');
  const client = new SimEtcdClient(ports.transport, ports.clock, { host: 'etcd', port: SIM_ETCD_PORT }, 500);
  return { world, server, client };
}

let prefixes = 0;
describeEtcdClientConformance('the simulated etcd over the simulated network', (): EtcdClientUnderTest => {
  const { world, client } = simulatedEtcd(prefixes + 1);
  return {
    client,
    prefix: () => `/tsoracle-conformance/${prefixes++}`,
    run: (call) => world.settle(call()),
    pass: async (ms) => {
      await world.runFor(ms);
    },
  };
});

describe('simulated etcd faults, as a client sees them', () => {
  it('an answer lost after commit: the call fails as unavailable, yet its write is in the store', async () => {
    const { world, server, client } = simulatedEtcd(7);
    await world.settle(client.version());
    server.faults = { lostAfterCommitChance: 1 };
    await expect(world.settle(client.txn([], [{ put: { key: '/k', value: 'v' } }], []))).rejects.toBeInstanceOf(EtcdUnavailableError);
    server.faults = {};
    expect((await world.settle(client.range('/k'))).kvs[0]?.value).toBe('v');
    expect(server.counts.lostAfterCommit).toBe(1);
  });

  it('a refused request is unavailable and not applied', async () => {
    const { world, server, client } = simulatedEtcd(8);
    server.faults = { failChance: 1 };
    await expect(world.settle(client.txn([], [{ put: { key: '/k', value: 'v' } }], []))).rejects.toBeInstanceOf(EtcdUnavailableError);
    server.faults = {};
    expect((await world.settle(client.range('/k'))).kvs).toEqual([]);
  });

  it('a slow request past the client deadline fails as unavailable and still lands later', async () => {
    const { world, server, client } = simulatedEtcd(9);
    server.faults = { slowChance: 1, slowDelayMs: [800, 800] };
    await expect(world.settle(client.txn([], [{ put: { key: '/k', value: 'late' } }], []))).rejects.toBeInstanceOf(EtcdUnavailableError);
    server.faults = {};
    await world.runFor(1_000);
    // The client closed its connection at its deadline; the server applied the request when it got to it.
    expect(server.store.peek('/k')?.value).toBe('late');
  });

  it('etcd without a leader refuses every request, expires no lease meanwhile, then gives every lease a full TTL', async () => {
    const { world, server, client } = simulatedEtcd(10);
    const lease = await world.settle(client.leaseGrant(1));
    await world.settle(client.txn([], [{ put: { key: '/leader', value: 'n1', lease: lease.id } }], []));
    server.leaderChange(1_500);
    await expect(world.settle(client.range('/leader'))).rejects.toBeInstanceOf(EtcdUnavailableError);
    await world.runFor(1_600);
    // The lease was due at t≈1 s, during the outage: it lives a full TTL after the new leader.
    expect((await world.settle(client.range('/leader'))).kvs[0]?.value).toBe('n1');
    await world.runFor(1_100);
    expect((await world.settle(client.range('/leader'))).kvs).toEqual([]);
  });
});

describe('SimEtcdStore', () => {
  it('agrees with a model map, and every writing transaction takes exactly the next revision', () => {
    const op = fc.oneof(
      fc.record({ put: fc.record({ key: fc.constantFrom('/a', '/b', '/c/d'), value: fc.string({ maxLength: 3 }) }) }),
      fc.record({ deleteRange: fc.record({ key: fc.constantFrom('/a', '/b', '/c/', '/'), prefix: fc.boolean() }) }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { maxLength: 30 }), (txns) => {
        const store = new SimEtcdStore();
        const model = new Map<string, { value: string; create: bigint; mod: bigint }>();
        for (const ops of txns) {
          const revision = store.revision + 1n;
          let changed = false;
          for (const o of ops) {
            if ('put' in o) {
              model.set(o.put.key, { value: o.put.value, create: model.get(o.put.key)?.create ?? revision, mod: revision });
              changed = true;
            } else {
              for (const k of [...model.keys()]) {
                if (o.deleteRange.prefix ? k.startsWith(o.deleteRange.key) : k === o.deleteRange.key) {
                  model.delete(k);
                  changed = true;
                }
              }
            }
          }
          expect(store.txn([], ops, []).revision).toBe(changed ? revision : revision - 1n);
        }
        const stored = store.range('/', { prefix: true }).kvs.map((kv) => [kv.key, { value: kv.value, create: kv.createRevision, mod: kv.modRevision }] as const);
        expect(new Map(stored)).toEqual(model);
      }),
    );
  });
});
