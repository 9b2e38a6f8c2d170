// `tsoracle admin ...` against a real 3-process Raft cluster on loopback (the built CLI, every
// node with --admin-listen): members lists the voters and the leader from any node; a removal sent
// to a follower follows its NOT_LEADER redirect to the leader and shrinks the cluster while a
// client keeps getting increasing timestamps; a learner is added, refused promotion while it has
// not caught up (NOT_CAUGHT_UP: the node never runs) and removed; promoting a stranger is
// NOT_MEMBER; an unreachable endpoint fails with exit 1; a routable --admin-listen is refused.
// Every wait is bounded and every child is killed in afterEach.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { adminCli, consecutiveFreePorts, RaftNodeTracker, type MembersJson } from './admin-test-support.js';
import { createClient, type TsoClient } from './client.js';
import { ChildTracker, freePorts, waitFor } from './test-support.js';

const tracker = new RaftNodeTracker();
const nodes = tracker.nodes;
const cleanups: Array<() => Promise<void>> = [];
const cli = new ChildTracker();
afterEach(async () => {
  await tracker.cleanup();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const spawnNode = (id: number, args: readonly string[]) => tracker.spawn(id, args);
const admin = (args: readonly string[]) => adminCli(cli, args);

describe('tsoracle admin against a 3-node Raft cluster', () => {
  it('lists, removes through a redirect, adds and removes a learner, and refuses what it must', async () => {
    const { dir, remove } = await makeTempDir('tsoracle-admin-');
    cleanups.push(remove);
    // Ports base+0..3 Raft, +10..13 service, +20..23 admin: one admin offset on every node.
    const ports = await consecutiveFreePorts(24);
    const raft = (id: number) => `127.0.0.1:${ports[id - 1] as number}`;
    const service = (id: number) => `127.0.0.1:${ports[id + 9] as number}`;
    const adminOf = (id: number) => `127.0.0.1:${ports[id + 19] as number}`;
    const peers = [1, 2, 3].map((id) => `${id}=${raft(id)}/${service(id)}`).join(',');
    for (const id of [1, 2, 3]) {
      spawnNode(id, ['serve', 'raft', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off', '--admin-listen', adminOf(id)]);
    }
    for (const node of nodes) {
      await waitFor(() => /^serving on /m.test(node.stdout) || node.done, `node ${node.id} serving`, 15_000);
      expect(node.stderr).toMatch(/admin API \(tsoracle\.admin\.v1\.MembershipAdmin\) on /);
    }
    const client: TsoClient = createClient({ endpoints: [1, 2, 3].map(service), retry: { attemptsMax: 1_000, overallTimeoutMs: 15_000 } });
    cleanups.push(() => client.close());
    const timestamps: bigint[] = [];
    const take = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) timestamps.push(await client.getTs());
    };
    await take(10);

    let view: MembersJson = { members: [], leader: null };
    for (let i = 0; i < 50 && view.leader === null; i++) {
      const listed = await admin(['admin', 'members', '--endpoint', adminOf(1), '--json']);
      expect(listed.code).toBe(0);
      view = JSON.parse(listed.stdout) as MembersJson;
    }
    expect(view.members.map((m) => [m.id, m.role])).toEqual([
      [1, 'voter'],
      [2, 'voter'],
      [3, 'voter'],
    ]);
    // The bootstrap voters' admin endpoints are derived from their service endpoints.
    expect(view.members.map((m) => m.adminEndpoint)).toEqual([1, 2, 3].map(adminOf));
    const leader = view.leader as number;
    const [followerA, followerB] = [1, 2, 3].filter((id) => id !== leader) as [number, number];

    // A removal sent to a follower is redirected once to the leader.
    const removed = await admin(['admin', 'remove', '--endpoint', adminOf(followerA), '--id', String(followerB), '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    // Sent to a follower, answered by the leader (the redirect is in the JSON's endpoint).
    expect(JSON.parse(removed.stdout)).toMatchObject({ ok: true });
    expect(JSON.parse(removed.stdout).endpoint).not.toBe(adminOf(followerA));
    await take(10);
    const after = JSON.parse((await admin(['admin', 'members', '--endpoint', adminOf(leader), '--json'])).stdout) as MembersJson;
    expect(after.members.map((m) => m.id)).toEqual([leader, followerA].sort((a, b) => a - b));

    // A learner that never runs: added, not promotable, removed.
    const added = await admin(['admin', 'add-learner', '--endpoint', adminOf(leader), '--id', '7', '--raft-addr', '127.0.0.1:9', '--service-endpoint', '127.0.0.1:10']);
    expect(added.code, added.stderr).toBe(0);
    const withLearner = JSON.parse((await admin(['admin', 'members', '--endpoint', adminOf(leader), '--json'])).stdout) as MembersJson;
    expect(withLearner.members.find((m) => m.id === 7)?.role).toBe('learner');
    const promoted = await admin(['admin', 'promote', '--endpoint', adminOf(leader), '--id', '7']);
    expect(promoted.code).toBe(1);
    expect(promoted.stderr).toMatch(/NOT_CAUGHT_UP/);
    expect((await admin(['admin', 'remove', '--endpoint', adminOf(leader), '--id', '7'])).code).toBe(0);
    // Idempotent: removing a stranger is ok.
    expect((await admin(['admin', 'remove', '--endpoint', adminOf(leader), '--id', '7'])).code).toBe(0);

    const stranger = await admin(['admin', 'promote', '--endpoint', adminOf(leader), '--id', '9']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/NOT_MEMBER/);
    const capabilities = JSON.parse((await admin(['admin', 'capabilities', '--endpoint', adminOf(leader), '--json'])).stdout) as { driver: string; cluster: string };
    expect(capabilities).toMatchObject({ driver: 'raft', membershipChanges: true, cluster: [1, 2, 3].map((id) => `${id}=${raft(id)}`).join(',') });

    await take(10);
    for (let i = 1; i < timestamps.length; i++) expect(timestamps[i] as bigint).toBeGreaterThan(timestamps[i - 1] as bigint);

    // Every member is listed with its addresses, the bootstrap voters too (from --peers); followerB
    // was removed above.
    const listed = JSON.parse((await admin(['admin', 'members', '--endpoint', adminOf(followerA), '--json'])).stdout) as MembersJson;
    const remaining = [leader, followerA].sort((a, b) => a - b);
    expect(listed.members.map((m) => [m.id, m.raftAddr, m.serviceEndpoint])).toEqual(remaining.map((id) => [id, raft(id), service(id)]));

    // Grow: node 4 starts with --join and a follower's admin endpoint (no --peers: it fetches the
    // cluster from there) and its own addresses, is added as a learner, catches up, is promoted,
    // and serves timestamps once it leads or redirects. (The --join RAFT/SERVICE form with the
    // bootstrap --peers is what `npm run stress -- --replacements` starts its new nodes with.)
    const joiner = spawnNode(4, ['serve', 'raft', '--id', '4', '--join', adminOf(followerA), '--advertise', `${raft(4)}/${service(4)}`, '--data-dir', join(dir, 'n4'), '--http-listen', 'off', '--admin-listen', adminOf(4)]);
    await waitFor(() => /^serving on /m.test(joiner.stdout) || joiner.done, 'node 4 serving', 15_000);
    const addedFour = await admin(['admin', 'add-learner', '--endpoint', adminOf(leader), '--id', '4', '--raft-addr', raft(4), '--service-endpoint', service(4), '--admin-endpoint', adminOf(4)]);
    expect(addedFour.code, addedFour.stderr).toBe(0);
    let promotedFour = await admin(['admin', 'promote', '--endpoint', adminOf(leader), '--id', '4']);
    for (let i = 0; i < 40 && promotedFour.code !== 0 && /NOT_CAUGHT_UP|CHANGE_IN_FLIGHT/.test(promotedFour.stderr); i++) {
      await new Promise((r) => setTimeout(r, 250));
      promotedFour = await admin(['admin', 'promote', '--endpoint', adminOf(leader), '--id', '4']);
    }
    expect(promotedFour.code, promotedFour.stderr).toBe(0);
    const grown = JSON.parse((await admin(['admin', 'members', '--endpoint', adminOf(4), '--json'])).stdout) as MembersJson;
    expect(grown.members.filter((m) => m.role === 'voter').map((m) => m.id)).toEqual([leader, followerA, 4].sort((a, b) => a - b));
    const viaFour = createClient({ endpoints: [service(4)], retry: { attemptsMax: 1_000, overallTimeoutMs: 15_000 } });
    cleanups.push(() => viaFour.close());
    const fromFour = await viaFour.getTs();
    expect(fromFour).toBeGreaterThan(timestamps[timestamps.length - 1] as bigint);

    const unreachable = await admin(['admin', 'members', '--endpoint', '127.0.0.1:1']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/UNAVAILABLE/);
  }, 90_000);

  it('refuses --join ADMIN_H:P without --advertise, or with --peers, as usage errors', async () => {
    const { dir, remove } = await makeTempDir('tsoracle-admin-join-');
    cleanups.push(remove);
    const noAdvertise = await cli.run(['serve', 'raft', '--id', '4', '--join', '127.0.0.1:1', '--data-dir', dir]);
    expect(noAdvertise.code).toBe(2);
    expect(noAdvertise.stderr).toMatch(/--join 127\.0\.0\.1:1 .*needs --advertise RAFT_H:P\/SERVICE_H:P/);
    const withPeers = await cli.run(['serve', 'raft', '--id', '4', '--join', '127.0.0.1:1', '--advertise', '127.0.0.1:2/127.0.0.1:3', '--peers', '1=127.0.0.1:4/127.0.0.1:5', '--data-dir', dir]);
    expect(withPeers.code).toBe(2);
    expect(withPeers.stderr).toMatch(/drop --peers/);
  }, 30_000);

  it('refuses a routable --admin-listen (plaintext admin is loopback only)', async () => {
    const { dir, remove } = await makeTempDir('tsoracle-admin-bind-');
    cleanups.push(remove);
    const [r, s] = await freePorts(2);
    const result = await cli.run(['serve', 'raft', '--id', '1', '--peers', `1=127.0.0.1:${r}/127.0.0.1:${s}`, '--data-dir', dir, '--http-listen', 'off', '--admin-listen', '0.0.0.0:0']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--admin-listen .*loopback/);
  }, 30_000);
});
