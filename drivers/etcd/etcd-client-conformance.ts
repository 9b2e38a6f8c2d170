// The conformance suite of the EtcdClient interface: what the etcd driver relies on from etcd,
// run against the real client and a real etcd (drivers/etcd/etcd-client.test.ts) and against the
// simulated etcd over the simulated network (sim/etcd-wire.test.ts), so the simulator's etcd
// keeps etcd's semantics: revisions (one per writing transaction, create revision kept by a put,
// forgotten by a delete), compares (a missing key compares as revision 0), atomic transactions
// with their failure branch, prefix ranges in key byte order, the ops limit, and leases (grant,
// keep-alive, revoke, expiry deleting the attached keys, a put on a missing lease refused).
//
// Invariants: every test uses keys under its own fresh prefix; nothing is mocked, the
// environment only says how a call runs and how time passes (real time or the world's).
import { describe, expect, it } from 'vitest';
import { EtcdRequestError, type EtcdClient } from './etcd-client.js';

export interface EtcdClientUnderTest {
  readonly client: EtcdClient;
  /** A key prefix no other test uses. */
  prefix(): string;
  /** Runs one call to its end (the simulator drives its world meanwhile). */
  run<T>(call: () => Promise<T>): Promise<T>;
  /** Lets `ms` pass on etcd's clock. */
  pass(ms: number): Promise<void>;
}

export function describeEtcdClientConformance(name: string, env: () => EtcdClientUnderTest, options: { readonly skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`EtcdClient conformance: ${name}`, () => {
    it('gives each writing transaction the next revision: a put keeps the create revision, a delete forgets it', async () => {
      const { client, prefix, run } = env();
      const key = `${prefix()}/a`;
      const first = await run(() => client.txn([], [{ put: { key, value: 'one' } }], []));
      expect(first.succeeded).toBe(true);
      const [kv1] = (await run(() => client.range(key))).kvs;
      expect(kv1).toMatchObject({ key, value: 'one', createRevision: first.revision, modRevision: first.revision, lease: 0n });
      const second = await run(() => client.txn([], [{ put: { key, value: 'two' } }], []));
      expect(second.revision).toBe(first.revision + 1n);
      const read = await run(() => client.range(key));
      expect(read.revision).toBe(second.revision);
      expect(read.kvs[0]).toMatchObject({ value: 'two', createRevision: first.revision, modRevision: second.revision });
      // A read-only transaction and a delete of nothing change no revision.
      expect((await run(() => client.txn([], [{ range: { key } }], []))).revision).toBe(second.revision);
      expect((await run(() => client.txn([], [{ deleteRange: { key: `${key}-missing` } }], []))).revision).toBe(second.revision);
      const deleted = await run(() => client.txn([], [{ deleteRange: { key } }], []));
      expect(deleted.revision).toBe(second.revision + 1n);
      expect((await run(() => client.range(key))).kvs).toEqual([]);
      const again = await run(() => client.txn([], [{ put: { key, value: 'three' } }], []));
      expect((await run(() => client.range(key))).kvs[0]).toMatchObject({ createRevision: again.revision, modRevision: again.revision });
    });

    it('compares a missing key as revision 0, and takes the failure branch atomically when a compare fails', async () => {
      const { client, prefix, run } = env();
      const key = `${prefix()}/leader`;
      const other = `${prefix()}/other`;
      const campaign = (value: string): ReturnType<EtcdClient['txn']> =>
        run(() => client.txn([{ key, target: 'CREATE', result: 'EQUAL', createRevision: 0n }], [{ put: { key, value } }, { put: { key: other, value } }], [{ range: { key } }]));
      const won = await campaign('n1');
      expect(won.succeeded).toBe(true);
      expect(won.ranges).toEqual([[], []]);
      const lost = await campaign('n2');
      expect(lost.succeeded).toBe(false);
      expect(lost.revision).toBe(won.revision);
      expect(lost.ranges[0]?.[0]).toMatchObject({ key, value: 'n1', createRevision: won.revision });
      expect((await run(() => client.range(other))).kvs[0]?.value).toBe('n1');
      // MOD compares, both results.
      const mod = { key, target: 'MOD' as const, modRevision: won.revision };
      expect((await run(() => client.txn([{ ...mod, result: 'EQUAL' }], [], []))).succeeded).toBe(true);
      expect((await run(() => client.txn([{ ...mod, result: 'NOT_EQUAL' }], [], []))).succeeded).toBe(false);
      expect((await run(() => client.txn([{ key, target: 'CREATE', result: 'NOT_EQUAL', createRevision: 0n }], [], []))).succeeded).toBe(true);
      expect((await run(() => client.txn([{ key: `${key}-missing`, target: 'MOD', result: 'EQUAL', modRevision: 0n }], [], []))).succeeded).toBe(true);
    });

    it('ranges over a prefix in key byte order, and deletes a prefix in one revision', async () => {
      const { client, prefix, run } = env();
      const p = `${prefix()}/ledger/`;
      const keys = [`${p}seq/b`, `${p}seq/a`, `${p}session/00000000000000000002/meta`, `${p}meta`, `${p}seq/é`, `${p}seq/Z`];
      await run(() => client.txn([], keys.map((key, i) => ({ put: { key, value: String(i) } })), []));
      await run(() => client.txn([], [{ put: { key: `${p.slice(0, -1)}x`, value: 'outside' } }], []));
      const all = await run(() => client.range(p, { prefix: true }));
      const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(all.kvs.map((kv) => kv.key)).toEqual(byBytes);
      const before = all.revision;
      const dropped = await run(() => client.txn([], [{ deleteRange: { key: `${p}seq/`, prefix: true } }], []));
      expect(dropped.revision).toBe(before + 1n);
      expect((await run(() => client.range(p, { prefix: true }))).kvs.map((kv) => kv.key)).toEqual(byBytes.filter((k) => !k.startsWith(`${p}seq/`)));
    });

    it('refuses a transaction of more than 128 ops (etcd default --max-txn-ops) and applies none of it', async () => {
      const { client, prefix, run } = env();
      const p = prefix();
      const ops = Array.from({ length: 129 }, (_, i) => ({ put: { key: `${p}/k${i}`, value: 'v' } }));
      await expect(run(() => client.txn([], ops, []))).rejects.toBeInstanceOf(EtcdRequestError);
      expect((await run(() => client.range(`${p}/`, { prefix: true }))).kvs).toEqual([]);
      const fits = await run(() => client.txn([], ops.slice(0, 128), []));
      expect(fits.succeeded).toBe(true);
      expect((await run(() => client.range(`${p}/`, { prefix: true }))).kvs).toHaveLength(128);
    });

    it('binds keys to a lease: keep-alive answers the TTL, revoke deletes them, a gone lease answers 0 and refuses puts', async () => {
      const { client, prefix, run } = env();
      const key = `${prefix()}/leader`;
      const lease = await run(() => client.leaseGrant(5));
      expect(lease.ttlSeconds).toBe(5);
      await run(() => client.txn([], [{ put: { key, value: 'me', lease: lease.id } }], []));
      expect((await run(() => client.range(key))).kvs[0]?.lease).toBe(lease.id);
      expect(await run(() => client.leaseKeepAlive(lease.id))).toBe(5);
      const before = (await run(() => client.range(key))).revision;
      await run(() => client.leaseRevoke(lease.id));
      const after = await run(() => client.range(key));
      expect(after.kvs).toEqual([]);
      expect(after.revision).toBe(before + 1n);
      expect(await run(() => client.leaseKeepAlive(lease.id))).toBe(0);
      await run(() => client.leaseRevoke(lease.id)); // already gone: the outcome wanted
      await expect(run(() => client.txn([], [{ put: { key, value: 'late', lease: lease.id } }], []))).rejects.toBeInstanceOf(EtcdRequestError);
      expect((await run(() => client.range(key))).kvs).toEqual([]);
    });

    it('expires a lease not kept alive: its keys go, while a lease kept alive keeps its keys', async () => {
      const { client, prefix, run, pass } = env();
      const p = prefix();
      const idle = await run(() => client.leaseGrant(1));
      const kept = await run(() => client.leaseGrant(1));
      await run(() => client.txn([], [{ put: { key: `${p}/idle`, value: 'x', lease: idle.id } }, { put: { key: `${p}/kept`, value: 'y', lease: kept.id } }], []));
      for (let i = 0; i < 6; i++) {
        await pass(500);
        expect(await run(() => client.leaseKeepAlive(kept.id))).toBeGreaterThan(0);
      }
      expect(await run(() => client.leaseKeepAlive(idle.id))).toBe(0);
      expect((await run(() => client.range(`${p}/`, { prefix: true }))).kvs.map((kv) => kv.key)).toEqual([`${p}/kept`]);
      await run(() => client.leaseRevoke(kept.id));
    });

    it('answers its version as MAJOR.MINOR.PATCH', async () => {
      const { client, run } = env();
      expect(await run(() => client.version())).toMatch(/^\d+\.\d+\.\d+/);
    });
  });
}
