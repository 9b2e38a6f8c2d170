// Membership changes with real processes (the built CLI, real sockets, real fsync), the proofs
// issue 18 asks for beyond runners/admin.test.ts (which lists, redirects, adds one joiner and
// refuses NOT_CAUGHT_UP / NOT_MEMBER):
//   - grow 3 -> 5 -> 3 under load: two nodes join with --join ADMIN_H:P, are added as learners and
//     promoted; then a follower and the leader of the original three are removed (the removed
//     follower, still running, sends a client that knows only it on to the leader). A client calls
//     getTs and getSeq throughout, and its history must hold: timestamps strictly increasing, seq
//     blocks in call order without overlap and without a gap that no uncertain call explains,
//     every failure a typed TsoError;
//   - replace a node whose data directory was deleted: it is killed, its directory wiped, it is
//     removed, and a fresh node (a new id: ids are never reused, docs/cluster.md) joins, is
//     promoted, and then counts in the quorum (one of the old survivors is killed and the cluster
//     still serves);
//   - refusals with their kinds: a mutation on a follower answers NOT_LEADER with the leader's
//     admin endpoint; a change while another is in flight (both followers paused, so the first
//     cannot commit) is DRIVER with MEMBERSHIP_CHANGE_IN_FLIGHT; removing the last voter is
//     WOULD_LOSE_QUORUM;
//   - a node that joined restarts after kill -9 with neither --join nor --peers, from what its data
//     directory holds, and is still a voter that serves.
// Every wait is bounded; every child is killed (SIGCONT first, for the paused ones) in afterEach.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsoError } from '../core/errors.js';
import { AdminClient } from '../drivers/admin/admin-client.js';
import { AdminErrorKind, type ChangeResponseWire } from '../drivers/admin/admin-messages.js';
import type { SeqBlock } from '../drivers/client/batch.js';
import { makeTempDir } from '../drivers/node/test-support.js';
import { adminCli, adminCliUntil, CHANGE_NOT_NOW, consecutiveFreePorts, RaftNodeTracker, type MembersJson, type NodeProcess } from './admin-test-support.js';
import { createClient, type TsoClient } from './client.js';
import { ChildTracker, sleepMs, waitFor } from './test-support.js';

const tracker = new RaftNodeTracker();
const cli = new ChildTracker();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await tracker.cleanup();
  await cli.cleanup();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ORIGINALS = [1, 2, 3] as const;

/** Loopback addresses of nodes 1..10: Raft base+0..9, service +10..19, admin +20..29. */
interface Layout {
  readonly dir: string;
  raft(id: number): string;
  service(id: number): string;
  admin(id: number): string;
  readonly peers: string;
}

async function layout(prefix: string): Promise<Layout> {
  const { dir, remove } = await makeTempDir(prefix);
  cleanups.push(remove);
  const ports = await consecutiveFreePorts(30);
  const at = (i: number): string => `127.0.0.1:${ports[i] as number}`;
  const raft = (id: number): string => at(id - 1);
  const service = (id: number): string => at(id + 9);
  return { dir, raft, service, admin: (id) => at(id + 19), peers: ORIGINALS.map((id) => `${id}=${raft(id)}/${service(id)}`).join(',') };
}

async function serving(node: NodeProcess): Promise<void> {
  await waitFor(() => /^serving on /m.test(node.stdout) || node.done, `node ${node.id} serving`, 20_000);
  expect(node.done, node.stderr).toBe(false);
}

async function startOriginals(l: Layout, extra: readonly string[] = []): Promise<Map<number, NodeProcess>> {
  const started = new Map<number, NodeProcess>();
  for (const id of ORIGINALS) {
    started.set(id, tracker.spawn(id, ['serve', 'raft', '--id', String(id), '--peers', l.peers, '--data-dir', join(l.dir, `n${id}`), '--http-listen', 'off', '--admin-listen', l.admin(id), ...extra]));
  }
  for (const node of started.values()) await serving(node);
  return started;
}

/** A node joining through a member's admin endpoint, with its own addresses. */
function startJoiner(l: Layout, id: number, via: number): NodeProcess {
  return tracker.spawn(id, ['serve', 'raft', '--id', String(id), '--join', l.admin(via), '--advertise', `${l.raft(id)}/${l.service(id)}`, '--data-dir', join(l.dir, `n${id}`), '--http-listen', 'off', '--admin-listen', l.admin(id)]);
}

/** The members as `endpoint` sees them, once it knows a leader (bounded). */
async function members(endpoint: string): Promise<MembersJson> {
  let view: MembersJson = { members: [], leader: null };
  for (let i = 0; i < 80; i++) {
    const listed = await adminCli(cli, ['admin', 'members', '--endpoint', endpoint, '--json']);
    if (listed.code === 0) view = JSON.parse(listed.stdout) as MembersJson;
    if (view.leader !== null) return view;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no leader known at ${endpoint}: ${JSON.stringify(view)}`);
}

const votersOf = (view: MembersJson): number[] => view.members.filter((m) => m.role === 'voter').map((m) => m.id);

/** Adds `id` as a learner and promotes it, retrying while the cluster is busy. */
async function addAndPromote(l: Layout, via: number, id: number): Promise<void> {
  const added = await adminCliUntil(cli, ['admin', 'add-learner', '--endpoint', l.admin(via), '--id', String(id), '--raft-addr', l.raft(id), '--service-endpoint', l.service(id), '--admin-endpoint', l.admin(id)], CHANGE_NOT_NOW);
  expect(added.code, added.stderr).toBe(0);
  const promoted = await adminCliUntil(cli, ['admin', 'promote', '--endpoint', l.admin(via), '--id', String(id)], CHANGE_NOT_NOW, 120);
  expect(promoted.code, promoted.stderr).toBe(0);
}

async function removeMember(l: Layout, via: number, id: number): Promise<void> {
  const removed = await adminCliUntil(cli, ['admin', 'remove', '--endpoint', l.admin(via), '--id', String(id)], CHANGE_NOT_NOW);
  expect(removed.code, removed.stderr).toBe(0);
}

/**
 * One client calling getTs and getSeq(key, 3) in turn until stopped, keeping every outcome. The
 * calls are sequential, so call order is completion order.
 */
class Load {
  readonly timestamps: bigint[] = [];
  readonly blocks: SeqBlock[] = [];
  /** Blocks counts of getSeq calls whose outcome is unknown (SEQ_UNCERTAIN): they may have taken numbers. */
  uncertainKeys = 0;
  readonly failures: string[] = [];
  readonly untyped: unknown[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly client: TsoClient) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.call(async () => void this.timestamps.push(await this.client.getTs()), null);
      await this.call(async () => void this.blocks.push(await this.client.getSeq('members', 3)), 3);
    }
  }

  private async call(op: () => Promise<void>, seqCount: number | null): Promise<void> {
    try {
      await op();
    } catch (e) {
      if (!(e instanceof TsoError)) {
        this.untyped.push(e);
        return;
      }
      this.failures.push(e.code);
      if (seqCount !== null && e.code === 'SEQ_UNCERTAIN') this.uncertainKeys += seqCount;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves once `n` more timestamps and `n` more blocks were answered (bounded). */
  async progress(n: number, what: string): Promise<void> {
    const ts = this.timestamps.length + n;
    const seq = this.blocks.length + n;
    await waitFor(() => this.timestamps.length >= ts && this.blocks.length >= seq, `${n} more answered calls ${what}`, 30_000);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The history checks. */
  check(): void {
    expect(this.untyped, 'every failure is a TsoError').toEqual([]);
    for (let i = 1; i < this.timestamps.length; i++) expect(this.timestamps[i] as bigint).toBeGreaterThan(this.timestamps[i - 1] as bigint);
    let gaps = 0n;
    for (let i = 1; i < this.blocks.length; i++) {
      const before = this.blocks[i - 1] as SeqBlock;
      const block = this.blocks[i] as SeqBlock;
      const end = before.start + BigInt(before.count);
      expect(block.start, `block ${i} overlaps the one before`).toBeGreaterThanOrEqual(end);
      gaps += block.start - end;
    }
    // Gapless: only a call whose outcome is unknown may have taken the numbers between two blocks.
    expect(gaps).toBeLessThanOrEqual(BigInt(this.uncertainKeys));
  }
}

function newClient(endpoints: readonly string[]): TsoClient {
  const client = createClient({ endpoints, retry: { attemptsMax: 1_000, overallTimeoutMs: 5_000 } });
  cleanups.push(() => client.close());
  return client;
}

async function adminCall(endpoint: string, method: 'AddLearner' | 'Promote' | 'RemoveNode', request: unknown): Promise<ChangeResponseWire> {
  const client = new AdminClient(endpoint);
  try {
    const answer = await client.call<ChangeResponseWire>(method, request, 10_000);
    if (!answer.ok) throw new Error(`admin ${method} at ${endpoint}: gRPC status ${answer.code}: ${answer.details}`);
    return answer.value;
  } finally {
    client.close();
  }
}

describe('membership changes with real processes', () => {
  it('grows 3 -> 5 -> 3 under load (removing a follower and the leader) with a clean history', async () => {
    const l = await layout('tsoracle-grow-');
    const originals = await startOriginals(l);
    const load = new Load(newClient(ORIGINALS.map(l.service)));
    await load.progress(5, 'before the changes');

    const joiners = [startJoiner(l, 4, 1), startJoiner(l, 5, 2)];
    for (const node of joiners) await serving(node);
    for (const id of [4, 5]) {
      await addAndPromote(l, 1, id);
      await load.progress(2, `after node ${id} was promoted`);
    }
    const grown = await members(l.admin(4));
    expect(votersOf(grown)).toEqual([1, 2, 3, 4, 5]);

    const leader = grown.leader as number;
    expect(ORIGINALS).toContain(leader);
    const follower = ORIGINALS.find((id) => id !== leader) as number;
    // A client that knows only the follower about to be removed learns the others from the
    // members op (the CLI prints the same list), and still finds the cluster once it is gone.
    const discoverer = newClient([l.service(follower)]);
    const known = await discoverer.members();
    expect(known.members.map((m) => [m.id, m.role, m.endpoint])).toEqual([1, 2, 3, 4, 5].map((id) => [id, 'voter', l.service(id)]));
    expect(known.endpoints).toEqual([l.service(follower), ...[1, 2, 3, 4, 5].filter((id) => id !== follower).map(l.service)]);
    const listed = await cli.run(['members', '--endpoints', l.service(4), '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const printed = JSON.parse(listed.stdout.trim()) as { members: Array<{ id: number; role: string; endpoint: string }>; leaderEndpoint: string | null };
    expect(printed.members.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    await removeMember(l, 4, follower);
    await load.progress(2, 'after a follower was removed');
    // The leader removes itself: answered once the removal committed, then it steps down.
    // Removed but still running, the follower answers NOT_LEADER with the leader's endpoint: a
    // client that knows only it is sent on to the leader and served.
    const viaRemoved = newClient([l.service(follower)]);
    expect(await viaRemoved.getTs()).toBeGreaterThan(load.timestamps[load.timestamps.length - 1] as bigint);
    await removeMember(l, leader, leader);
    // Stepped down, the removed leader hears from no leader: it points clients at a voter of the
    // membership that removed it, so a client that knows only it still finds the cluster.
    const viaRemovedLeader = newClient([l.service(leader)]);
    expect(await viaRemovedLeader.getTs()).toBeGreaterThan(load.timestamps[load.timestamps.length - 1] as bigint);
    for (const id of [follower, leader]) {
      const node = originals.get(id) as NodeProcess;
      node.child.kill('SIGTERM');
      await Promise.race([node.exited, new Promise((r) => setTimeout(r, 15_000))]);
      expect(node.done, `node ${id} stopped`).toBe(true);
    }
    const remaining = [ORIGINALS.find((id) => id !== leader && id !== follower) as number, 4, 5];
    // Node 4 may still name the removed leader until the remaining voters elect one of their own.
    let shrunk = await members(l.admin(4));
    for (const startedMs = performance.now(); !remaining.includes(shrunk.leader as number) && performance.now() - startedMs < 20_000; ) {
      await sleepMs(50);
      shrunk = await members(l.admin(4));
    }
    expect(votersOf(shrunk)).toEqual(remaining);
    expect(shrunk.members.map((m) => m.id)).toEqual(remaining);
    expect(remaining).toContain(shrunk.leader);
    // Its only configured endpoint stopped, the discoverer is served through the members it learnt.
    expect(await discoverer.getTs()).toBeGreaterThan(load.timestamps[load.timestamps.length - 1] as bigint);
    await load.progress(5, 'after the cluster shrank back to 3');
    await load.stop();
    if (process.env.TSORACLE_MEMBERSHIP_VERBOSE === '1') console.log(JSON.stringify({ ts: load.timestamps.length, blocks: load.blocks.length, failures: load.failures, uncertainKeys: load.uncertainKeys }));
    load.check();
    expect(load.timestamps.length).toBeGreaterThanOrEqual(19);
  }, 180_000);

  it('replaces a node whose data directory was deleted by a fresh node that then counts in the quorum', async () => {
    const l = await layout('tsoracle-replace-');
    const originals = await startOriginals(l);
    const client = newClient(ORIGINALS.map(l.service));
    const before = await client.getTs();
    const { leader } = await members(l.admin(1));
    const [victim, survivor] = ORIGINALS.filter((id) => id !== leader) as [number, number];

    const dead = originals.get(victim) as NodeProcess;
    dead.child.kill('SIGKILL');
    await dead.exited;
    await rm(join(l.dir, `n${victim}`), { recursive: true, force: true });
    await removeMember(l, leader as number, victim);
    expect(votersOf(await members(l.admin(survivor)))).toEqual([leader as number, survivor].sort((a, b) => a - b));

    // A new id: the dead node's id is never reused (its votes and log are gone with its directory).
    const fresh = startJoiner(l, 4, survivor);
    await serving(fresh);
    await addAndPromote(l, survivor, 4);
    const replaced = await members(l.admin(4));
    expect(votersOf(replaced)).toEqual([leader as number, survivor, 4].sort((a, b) => a - b));
    const after = await client.getTs();
    expect(after).toBeGreaterThan(before);

    // Node 4 is a voter that counts: with the old leader gone, the survivor and node 4 are a quorum.
    const old = originals.get(leader as number) as NodeProcess;
    old.child.kill('SIGKILL');
    await old.exited;
    const viaNew = newClient([l.service(survivor), l.service(4)]);
    expect(await viaNew.getTs()).toBeGreaterThan(after);
    expect([survivor, 4]).toContain((await members(l.admin(4))).leader);
  }, 150_000);

  it('refuses a follower mutation (NOT_LEADER), a change in flight (MEMBERSHIP_CHANGE_IN_FLIGHT) and removing the last voter (WOULD_LOSE_QUORUM)', async () => {
    const l = await layout('tsoracle-refuse-');
    // A long election timeout: the leader keeps leading while its followers are paused below.
    const originals = await startOriginals(l, ['--election-timeout', '4s', '--heartbeat-interval', '200ms']);
    const { leader } = await members(l.admin(1));
    const followers = ORIGINALS.filter((id) => id !== leader);
    const learner = (id: number) => ({ id: BigInt(id), raftAddr: l.raft(id), serviceEndpoint: l.service(id), adminEndpoint: l.admin(id) });

    const onFollower = await adminCall(l.admin(followers[0] as number), 'AddLearner', learner(8));
    expect(onFollower).toMatchObject({ ok: 0, error: AdminErrorKind.NOT_LEADER, leaderAdminEndpoint: l.admin(leader as number) });
    expect(votersOf(await members(l.admin(leader as number)))).toEqual([1, 2, 3]);
    expect((await members(l.admin(leader as number))).members.map((m) => m.id)).toEqual([1, 2, 3]);

    // Both followers paused: the leader appends the first change but cannot commit it.
    for (const id of followers) originals.get(id)?.child.kill('SIGSTOP');
    // In-process admin calls (no CLI start-up) keep this well inside the leader's 4 s check-quorum.
    const first = adminCall(l.admin(leader as number), 'AddLearner', learner(7));
    await new Promise((r) => setTimeout(r, 200));
    const second = await adminCall(l.admin(leader as number), 'AddLearner', learner(8));
    for (const id of followers) originals.get(id)?.child.kill('SIGCONT');
    expect(second).toMatchObject({ ok: 0, error: AdminErrorKind.DRIVER });
    expect(second.message).toMatch(/^MEMBERSHIP_CHANGE_IN_FLIGHT: /);
    expect(await first).toMatchObject({ ok: 1 });
    const withLearner = await members(l.admin(leader as number));
    expect(withLearner.members.map((m) => [m.id, m.role])).toEqual([
      [1, 'voter'],
      [2, 'voter'],
      [3, 'voter'],
      [7, 'learner'],
    ]);

    await removeMember(l, leader as number, 7);
    for (const id of followers) await removeMember(l, leader as number, id);
    expect(votersOf(await members(l.admin(leader as number)))).toEqual([leader]);
    const last = await cli.run(['admin', 'remove', '--endpoint', l.admin(leader as number), '--id', String(leader)]);
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/error: WOULD_LOSE_QUORUM: .*last voter/);
    expect(await adminCall(l.admin(leader as number), 'RemoveNode', { id: BigInt(leader as number) })).toMatchObject({ ok: 0, error: AdminErrorKind.WOULD_LOSE_QUORUM });
    // The one voter left still serves.
    const client = newClient([l.service(leader as number)]);
    expect(await client.getTs()).toBeGreaterThan(0n);
  }, 150_000);

  it('restarts a node that joined after kill -9 with neither --join nor --peers, from its data directory', async () => {
    const l = await layout('tsoracle-rejoin-');
    const originals = await startOriginals(l);
    const joined = startJoiner(l, 4, 2);
    await serving(joined);
    await addAndPromote(l, 1, 4);
    const client = newClient([...ORIGINALS, 4].map(l.service));
    const before = await client.getTs();

    joined.child.kill('SIGKILL');
    await joined.exited;
    const flagless = (id: number): NodeProcess => tracker.spawn(id, ['serve', 'raft', '--id', String(id), '--data-dir', join(l.dir, `n${id}`), '--http-listen', 'off', '--admin-listen', l.admin(id)]);
    const restarted = flagless(4);
    await serving(restarted);
    expect(restarted.stderr).toMatch(/start: the peers and this joined node's addresses from .*start: 1, 2, 3; this node at /);
    const view = await members(l.admin(4));
    expect(votersOf(view)).toEqual([1, 2, 3, 4]);

    // Node 4 counts: with an original down, 3 of the 4 voters (node 4 among them) are the quorum.
    const { leader } = view;
    const down = ORIGINALS.find((id) => id !== leader) as number;
    const downNode = originals.get(down) as NodeProcess;
    downNode.child.kill('SIGKILL');
    await downNode.exited;
    const during = await client.getTs();
    expect(during).toBeGreaterThan(before);
    // A bootstrap voter restarts without --peers too.
    const back = flagless(down);
    await serving(back);
    expect(back.stderr).toMatch(/start: the peers from .*start: 1, 2, 3\n/);
    expect(votersOf(await members(l.admin(down)))).toEqual([1, 2, 3, 4]);
    expect(await client.getTs()).toBeGreaterThan(during);

    // An empty directory has nothing to restart from: a usage error, nothing written.
    const empty = await cli.run(['serve', 'raft', '--id', '9', '--data-dir', join(l.dir, 'n9'), '--http-listen', 'off']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/holds no start record to restart from/);
    expect(existsSync(join(l.dir, 'n9'))).toBe(false);
  }, 150_000);
});
