// Finding the cluster (docs/client.md): the members op, the endpoints a client learns from it,
// and the background refresh, against a fake cluster speaking the real protocol in memory.
import { describe, expect, it } from 'vitest';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { createClientCore, type TsoClient } from './client.js';
import { FakeCluster, InMemoryTransport, ManualClock, drive, seededRandom } from './testing.js';

const A = '10.0.0.1:50551';
const B = '10.0.0.2:50551';
const C = '10.0.0.3:50551';

async function setup(clientEndpoints: string[], membersRefreshMs: number): Promise<{ clock: ManualClock; cluster: FakeCluster; client: TsoClient }> {
  const clock = new ManualClock();
  const transport = new InMemoryTransport();
  const cluster = new FakeCluster(transport, clock, [A, B, C]);
  await cluster.start();
  const client = createClientCore({
    endpoints: clientEndpoints,
    transport,
    clock,
    random: seededRandom(3),
    clientId: 7n,
    membersRefreshMs,
    retry: { attemptsMax: 6, overallTimeoutMs: 4_000 },
  });
  return { clock, cluster, client };
}

/** Server `endpoint` is gone: every request to it is met with a closed connection. */
function takeDown(cluster: FakeCluster, endpoint: string): void {
  cluster.server(endpoint).hook = (ctx) => ctx.closeConnection();
}

describe('the members op in the client', () => {
  it('lists the members any node knows and adds their endpoints to the ones the client tries', async () => {
    const { clock, cluster, client } = await setup([B], 0);
    // B is a follower: the members op is answered by any node, with the leader's endpoint.
    const members = await drive(clock, client.members());
    expect(members.answeredBy).toBe(B);
    expect(members.members.map((m) => m.endpoint)).toEqual([A, B, C]);
    expect(members.leaderEndpoint).toBe(A);
    expect(members.endpoints).toEqual([B, A, C]);
    await client.close();
    void cluster;
  });

  it('finds the cluster after the only configured member is gone, once it learnt the others (and not before)', async () => {
    // Without the members op: the configured member gone, nothing else is known.
    const blind = await setup([A], 0);
    await drive(blind.clock, blind.client.getTs());
    takeDown(blind.cluster, A);
    blind.cluster.setLeader(B, 2n);
    const error = await drive(blind.clock, blind.client.getTs().then(() => null, (e: unknown) => e));
    expect(error).toBeInstanceOf(TsoError);
    // It rides out what looks like a restart of the endpoint that answered it, to its deadline.
    expect([ErrorCode.TIMEOUT, ErrorCode.NO_REACHABLE_ENDPOINTS]).toContain((error as TsoError).code);
    await blind.client.close();

    const { clock, cluster, client } = await setup([A], 0);
    await drive(clock, client.getTs());
    await drive(clock, client.members());
    takeDown(cluster, A);
    cluster.setLeader(B, 2n);
    const ts = await drive(clock, client.getTs());
    expect(ts).toBeGreaterThan(0n);
    await client.close();
  });

  it('asks the leader it reaches for the members once every membersRefreshMs, in the background', async () => {
    const { clock, cluster, client } = await setup([A], 1_000);
    await drive(clock, client.getTs());
    expect(cluster.requests.filter((r) => r.request.op === 'members')).toHaveLength(0);
    clock.advanceBy(1_000);
    await drive(clock, client.getTs());
    await drive(clock, Promise.resolve());
    expect(cluster.requests.filter((r) => r.request.op === 'members').map((r) => r.endpoint)).toEqual([A]);
    // Learnt: with A gone, B (now the leader) is found.
    takeDown(cluster, A);
    cluster.setLeader(B, 2n);
    expect(await drive(clock, client.getTs())).toBeGreaterThan(0n);
    // Not again before another interval has passed.
    expect(cluster.requests.filter((r) => r.request.op === 'members')).toHaveLength(1);
    await client.close();
  });
});
