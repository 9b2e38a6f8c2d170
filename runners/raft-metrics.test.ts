// The raft metrics on /metrics: an embedded one-voter raft server (real disk, real sockets on
// loopback) exposes its term, role, log indexes, lease and event counters next to the serving
// node's metrics, and they move as the node serves. Every tsoracle metric it exposes is in
// docs/metrics.md's tables with its type, and the tables name no metric that does not exist.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { createClient } from './client.js';
import { startRaftServer, type RaftServer } from './raft.js';
import { waitFor } from './test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function scrape(server: RaftServer): Promise<string> {
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

/** A serving one-voter raft server with HTTP on a free port, and a client of it. */
async function startOneVoter() {
  const { dir, remove } = await makeTempDir('tsoracle-raft-metrics-');
  cleanups.push(remove);
  const [raftPort, servicePort] = [await freePort(), await freePort()];
  const server = await startRaftServer({
    id: 1,
    peers: `1=127.0.0.1:${raftPort}/127.0.0.1:${servicePort}`,
    dataDir: join(dir, 'n1'),
    httpListen: '127.0.0.1:0',
  });
  cleanups.push(() => server.close());
  await waitFor(() => server.node.isServing, 'the one-voter cluster to serve', 10_000);
  const client = createClient({ endpoints: [`127.0.0.1:${servicePort}`] });
  cleanups.push(() => client.close());
  return { server, client };
}

describe('raft metrics', () => {
  it('expose the term, the role, the log indexes, the lease and the event counters of a serving node', async () => {
    const { server, client } = await startOneVoter();
    await client.getTs();
    await client.getSeq('orders', 5);

    const text = await scrape(server);
    expect(value(text, 'tsoracle_raft_term')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'tsoracle_raft_role{role="leader"}')).toBe(1);
    expect(value(text, 'tsoracle_raft_role{role="follower"}')).toBe(0);
    expect(value(text, 'tsoracle_raft_lease_held')).toBe(1);
    const applied = value(text, 'tsoracle_raft_applied_index');
    expect(applied).toBeGreaterThanOrEqual(3); // the no-op, the fence's high-water, the sequence advance
    expect(value(text, 'tsoracle_raft_commit_index')).toBeGreaterThanOrEqual(applied);
    expect(value(text, 'tsoracle_raft_last_log_index')).toBeGreaterThanOrEqual(applied);
    expect(value(text, 'tsoracle_raft_entries_applied_total')).toBeGreaterThanOrEqual(3);
    expect(value(text, 'tsoracle_raft_role_changes_total{role="leader"}')).toBe(1);
    expect(value(text, 'tsoracle_raft_wal_bytes')).toBeGreaterThan(0);
    expect(value(text, 'tsoracle_raft_peers_connected')).toBe(0);
    // The serving node's own metrics are in the same registry.
    expect(value(text, 'tsoracle_get_ts_success_total')).toBeGreaterThanOrEqual(1);

    await client.getSeq('orders', 5);
    expect(value(await scrape(server), 'tsoracle_raft_applied_index')).toBeGreaterThan(applied);
  });

  it("are all in docs/metrics.md's tables with their types (the process metrics aside), and the tables name no other", async () => {
    const { server, client } = await startOneVoter();
    await client.getTs();
    await client.getSeq('orders', 5);
    const text = await scrape(server);
    const exposed = [...text.matchAll(/^# TYPE (tsoracle_\w+) (\w+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    const docs = readFileSync(new URL('../docs/metrics.md', import.meta.url), 'utf8');
    const documented = [...docs.matchAll(/^\| `(tsoracle_\w+)` \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(exposed.length).toBeGreaterThan(30);
    expect(documented).toEqual(exposed);
  });
});
