// The etcd half of `npm run bench -- --driver etcd`: a real 3-member etcd on loopback (the stress
// run's cluster, runners/etcd-stress.ts, without its chaos) that the tsoracle nodes keep their
// state in, and etcd's own compare-and-swap counter as a peer at the same concurrencies, so the
// bench prints what tsoracle adds over the plain way to count with etcd.
//
// The CAS counter is what an application without tsoracle would write: one key, and a loop of
// `Txn(If ModRevision(k) == r Then Put(k, v+1) Else Range(k))` through the same client library
// the etcd driver uses (drivers/etcd/etcd-client.ts: etcd's v3 JSON gateway, each request sent
// once). A caller's call is one increment that committed: it retries on a lost compare, with the
// value the failed transaction read back (one round trip per attempt, no separate read).
//
// Invariants:
//   - Every call is bounded: a CAS call gives up after ETCD_CAS_GIVE_UP_MS (counted as an error by
//     the scenario, never a hang); each request has the client's deadline.
//   - The etcd members are started here and stopped by the janitor, also on error and on a signal.
import { EtcdHttpClient, type EtcdKeyValue } from '../drivers/etcd/etcd-client.js';
import { StressEtcd } from '../runners/etcd-stress.js';
import type { Janitor } from './janitor.js';
import type { Peer, PeerSession } from './peers.js';

/** A CAS increment that has not committed after this long is given up (the scenario counts it as an error). */
export const ETCD_CAS_GIVE_UP_MS = 10_000;
/** The CAS peer runs at every callers count the selected scenarios have, up to getTs@1024's. */
export const ETCD_CAS_CALLERS_MAX = 1024;
const ETCD_CAS_REQUEST_TIMEOUT_MS = 5_000;

export class EtcdCasGaveUpError extends Error {
  override readonly name = 'EtcdCasGaveUp';
}

/** Starts a 3-member etcd under `rootDir` and registers its stop with the janitor. */
export async function startBenchEtcd(rootDir: string, janitor: Janitor): Promise<StressEtcd> {
  const etcd = await StressEtcd.start(rootDir, Math.random, () => undefined);
  janitor.defer('etcd cluster', () => etcd.stop(), () => etcd.killAllSync());
  return etcd;
}

/**
 * One CAS increment of `key` through `client`, starting from `known` (the key as last seen, or
 * null to read it first): the key as it committed, after as many lost compares as it takes.
 */
export async function casIncrement(client: EtcdHttpClient, key: string, known: EtcdKeyValue | null, giveUpAtMs: number): Promise<EtcdKeyValue> {
  let current: EtcdKeyValue | null = known ?? (await client.range(key)).kvs[0] ?? null;
  for (;;) {
    const next = ((current === null ? 0n : BigInt(current.value)) + 1n).toString();
    const result = await client.txn(
      [{ key, target: 'MOD', result: 'EQUAL', modRevision: current?.modRevision ?? 0n }],
      [{ put: { key, value: next } }],
      [{ range: { key } }],
    );
    if (result.succeeded) {
      return { key, value: next, createRevision: current?.createRevision ?? result.revision, modRevision: result.revision, lease: 0n };
    }
    current = result.ranges[0]?.[0] ?? null;
    if (performance.now() >= giveUpAtMs) throw new EtcdCasGaveUpError(`no CAS increment of ${key} committed within ${ETCD_CAS_GIVE_UP_MS} ms`);
  }
}

/** etcd's CAS counter as a bench peer, on `etcd`'s members (one key per scenario, fresh at 0). */
export async function etcdCasPeer(etcd: StressEtcd): Promise<Peer> {
  const endpoints = etcd.endpoints.split(',');
  const version = await new EtcdHttpClient(endpoints).version();
  let scenarios = 0;
  return {
    op: 'etcdCas',
    description: `etcd ${version}, ${endpoints.length} members on loopback: a CAS loop Txn(If ModRevision(k)==r Then Put(k, v+1) Else Range(k)) over etcd's v3 JSON gateway (the etcd driver's client)`,
    // The leader member changes; its CPU is not attributed per call.
    pid: undefined,
    callersMax: ETCD_CAS_CALLERS_MAX,
    open(callers: number): Promise<PeerSession> {
      const key = `/tsoracle-bench/cas-counter/${process.pid}-${scenarios++}-${callers}`;
      const client = new EtcdHttpClient(endpoints, ETCD_CAS_REQUEST_TIMEOUT_MS);
      // The key as the session last saw it (shared by the callers): a call starts its CAS from it.
      let lastSeen: EtcdKeyValue | null = null;
      return Promise.resolve({
        call: async () => {
          lastSeen = await casIncrement(client, key, lastSeen, performance.now() + ETCD_CAS_GIVE_UP_MS);
        },
        close: () => Promise.resolve(),
      });
    },
    settle: () => Promise.resolve(),
    stop: () => etcd.stop(),
  };
}
