// The EtcdClient conformance suite (etcd-client-conformance.ts) against the real client over a
// real etcd (a throwaway 1-member cluster on loopback). The same suite runs against the
// simulated etcd in sim/etcd-wire.test.ts. Skips, saying why, without `etcd`.
import { afterAll, beforeAll } from 'vitest';
import { EtcdHttpClient } from './etcd-client.js';
import { describeEtcdClientConformance, type EtcdClientUnderTest } from './etcd-client-conformance.js';
import { ETCD_MISSING_REASON, startEtcdCluster, type EtcdTestCluster } from './test-support.js';

if (ETCD_MISSING_REASON !== null) console.warn(`skipping the EtcdClient conformance suite against a real etcd: ${ETCD_MISSING_REASON}`);

let cluster: EtcdTestCluster | null = null;
let prefixes = 0;

beforeAll(async () => {
  if (ETCD_MISSING_REASON === null) cluster = await startEtcdCluster(1);
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

describeEtcdClientConformance(
  'the v3 JSON gateway client against a real etcd',
  (): EtcdClientUnderTest => {
    const endpoints = (cluster as EtcdTestCluster).endpointList;
    return {
      client: new EtcdHttpClient(endpoints, 2_000),
      prefix: () => `/tsoracle-conformance/${process.pid}-${prefixes++}`,
      run: (call) => call(),
      pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  },
  { skip: ETCD_MISSING_REASON !== null },
);
