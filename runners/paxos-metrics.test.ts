// The paxos metrics on /metrics: an embedded one-voter paxos server (real disk, real sockets on
// loopback) exposes its ballot, role, indexes, lease and event counters next to the serving
// node's metrics, they move as the node serves, and every tsoracle_paxos_ metric it exposes is in
// docs/paxos.md's table with its type (and the table names no other).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { createClient } from './client.js';
import { startPaxosServer, type PaxosServer } from './paxos.js';
import { freePorts, waitFor } from './test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scrape(server: PaxosServer): Promise<string> {
  const http = server.httpAddress;
  if (http === null) throw new Error('no HTTP address');
  const response = await fetch(`http://${http.host}:${http.port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

describe('paxos metrics', () => {
  it("expose ballot, role, indexes, lease and counters of a serving node, all in docs/paxos.md's table", async () => {
    const { dir, remove } = await makeTempDir('tsoracle-paxos-metrics-');
    cleanups.push(remove);
    const [peerPort, servicePort] = await freePorts(2);
    const server = await startPaxosServer({ id: 1, peers: `1=127.0.0.1:${peerPort}/127.0.0.1:${servicePort}`, dataDir: join(dir, 'n1'), httpListen: '127.0.0.1:0' });
    cleanups.push(() => server.close());
    await waitFor(() => server.node.isServing, 'the one-voter cluster to serve', 10_000);
    const client = createClient({ endpoints: [`127.0.0.1:${servicePort}`] });
    cleanups.push(() => client.close());
    await client.getTs();
    await client.getSeq('orders', 5);

    const text = await scrape(server);
    expect(value(text, 'tsoracle_paxos_ballot_number')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'tsoracle_paxos_ballot_node_id')).toBe(1);
    expect(value(text, 'tsoracle_paxos_role{role="leader"}')).toBe(1);
    expect(value(text, 'tsoracle_paxos_role{role="follower"}')).toBe(0);
    expect(value(text, 'tsoracle_paxos_lease_held')).toBe(1);
    const applied = value(text, 'tsoracle_paxos_applied_index');
    expect(applied).toBeGreaterThanOrEqual(2); // the fence's high-water, the sequence advance
    expect(value(text, 'tsoracle_paxos_decided_index')).toBeGreaterThanOrEqual(applied);
    expect(value(text, 'tsoracle_paxos_log_bytes')).toBeGreaterThan(0);
    expect(value(text, 'tsoracle_paxos_role_changes_total{role="leader"}')).toBe(1);
    expect(value(text, 'tsoracle_get_ts_success_total')).toBeGreaterThanOrEqual(1);
    await client.getSeq('orders', 5);
    expect(value(await scrape(server), 'tsoracle_paxos_applied_index')).toBeGreaterThan(applied);

    const exposed = [...text.matchAll(/^# TYPE (tsoracle_paxos_\w+) (\w+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    const docs = readFileSync(new URL('../docs/paxos.md', import.meta.url), 'utf8');
    const documented = [...docs.matchAll(/^\| `(tsoracle_paxos_\w+)` \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(exposed.length).toBeGreaterThan(10);
    expect(documented).toEqual(exposed);
  });
});
