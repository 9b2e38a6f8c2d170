// The stress replacement against a real 3-process Raft cluster (the stress harness's own Cluster:
// `serve raft` children with admin endpoints on loopback): a replacement whose promotion cannot
// succeed (the fresh node is paused before it is added, so it never catches up) fails with its
// step and kind, and takes its learner back out of the cluster and stops it; the membership is as
// it was, and the next replacement succeeds. Bounded: a 3 s step bound, every child stopped after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../../drivers/admin/admin-client.js';
import type { MembershipViewWire } from '../../drivers/admin/admin-messages.js';
import { Cluster } from './cluster.js';
import { replaceNode, ReplacementError } from './replacement.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function memberIds(endpoint: string): Promise<number[]> {
  const client = new AdminClient(endpoint);
  try {
    const answer = await client.call<MembershipViewWire>('ListMembers', {}, 5_000);
    if (!answer.ok) throw new Error(`ListMembers at ${endpoint}: ${answer.details}`);
    return answer.value.members.map((m) => Number(m.id));
  } finally {
    client.close();
  }
}

describe('stress replacement', () => {
  it('takes its learner back out when the promotion fails, and the next replacement succeeds', async () => {
    const rootDir = await mkdtemp(join(tmpdir(), 'tsoracle-replacement-'));
    cleanups.push(() => rm(rootDir, { recursive: true, force: true }));
    const crashes: string[] = [];
    const lines: string[] = [];
    const cluster = await Cluster.create({
      driver: 'raft',
      nodes: 3,
      rootDir,
      electionTimeoutMs: null,
      heartbeatIntervalMs: null,
      random: Math.random,
      admin: true,
      onCrash: (node, exit) => crashes.push(`node ${node.id}: ${JSON.stringify(exit)}`),
      log: (line) => lines.push(line),
    });
    cleanups.push(async () => {
      await cluster.stopAll();
    });
    await cluster.startAll();
    const [first, , victim] = cluster.nodes as [(typeof cluster.nodes)[0], unknown, (typeof cluster.nodes)[0]];
    const firstAdmin = first.adminEndpoint as string;

    const failed = await replaceNode(cluster, victim, (line) => lines.push(line), { stepBoundMs: 3_000, beforeAdd: (fresh) => cluster.pause(fresh) }).catch((e: unknown) => e);
    expect(failed, lines.join('\n')).toBeInstanceOf(ReplacementError);
    expect(failed).toMatchObject({ step: 'promote', kind: 'TIMEOUT' });
    expect((failed as Error).message).not.toMatch(/could not be removed/);
    // The learner was removed from the membership and its process stopped; the victim stays.
    const fresh = cluster.retiredNodes.find((n) => n.id === 4);
    expect(fresh?.retired).toBe(true);
    expect(fresh?.alive).toBe(false);
    expect(cluster.nodes.map((n) => n.id)).toEqual([1, 2, 3]);
    expect(await memberIds(firstAdmin)).toEqual([1, 2, 3]);
    expect(lines.join('\n')).toMatch(/node 4 withdrawn after a failed replacement$/m);

    const done = await replaceNode(cluster, victim, (line) => lines.push(line), { stepBoundMs: 30_000 });
    expect(done.added.id).toBe(5);
    expect(await memberIds(firstAdmin)).toEqual([1, 2, 5]);
    expect(crashes).toEqual([]);
  }, 120_000);
});
