// Membership changes through the raft driver in the simulated world (real driver, serving node,
// protocol server and client on simulated ports): a node started as `--join` starts one does is
// added as a learner, caught up, promoted; a bootstrap voter is replaced and the leader removes
// itself; all while a client takes timestamps, which stay strictly increasing. The refusals come
// back with their codes. One seed each; the core's randomized simulation covers the rules.
import { describe, expect, it } from 'vitest';
import type { TsoClient } from '../client/index.js';
import { sleep } from '../ports.js';
import { votersOf, learnersOf } from '../../core/raft/index.js';
import type { MembershipChangeOutcome, RaftDriver } from './raft-driver.js';
import { SimCluster } from './sim-harness.js';

function timestampLoop(cluster: SimCluster): { readonly timestamps: bigint[] } {
  const out = { timestamps: [] as bigint[] };
  cluster.addClient(
    'client',
    (client: TsoClient) => {
      const clock = cluster.world.portsOf('client').clock;
      void (async () => {
        for (;;) {
          try {
            out.timestamps.push(await client.getTs());
          } catch {
            // Refusals during a change are allowed; only granted timestamps are checked.
          }
          await sleep(clock, 5);
        }
      })();
    },
    { retry: { attemptsMax: 1_000, overallTimeoutMs: 100_000, attemptTimeoutMs: 200 } },
  );
  return out;
}

function leaderDriver(cluster: SimCluster): RaftDriver {
  const leader = cluster.servingLeader();
  if (leader === null) throw new Error('no serving leader');
  return cluster.drivers.get(leader) as RaftDriver;
}

/** Runs the world until `promise` settles (bounded). */
async function settle<T>(cluster: SimCluster, promise: Promise<T>, what: string): Promise<T> {
  let result: { value: T } | null = null;
  void promise.then((value) => (result = { value }));
  await cluster.runUntil(() => result !== null, what, 10_000);
  return (result as unknown as { value: T }).value;
}

/** Retries a change while the group is busy (in flight, not caught up, electing). */
async function change(cluster: SimCluster, make: (leader: RaftDriver) => Promise<MembershipChangeOutcome>, what: string): Promise<MembershipChangeOutcome> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    await cluster.runUntil(() => cluster.servingLeader() !== null, `a serving leader before ${what}`, 10_000);
    const outcome = await settle(cluster, make(leaderDriver(cluster)), what);
    if (outcome.ok) return outcome;
    if (!['MEMBERSHIP_CHANGE_IN_FLIGHT', 'MEMBERSHIP_NOT_CAUGHT_UP', 'MEMBERSHIP_LEADER_NOT_READY', 'DRIVER_NOT_LEADER', 'DRIVER_TRANSIENT'].includes(outcome.code)) return outcome;
    await cluster.runUntil(() => false, 'waiting', 50).catch(() => {});
  }
  throw new Error(`${what}: still refused after 50 attempts`);
}

function expectStrictlyIncreasing(timestamps: readonly bigint[]): void {
  for (let i = 1; i < timestamps.length; i++) {
    if (!((timestamps[i] as bigint) > (timestamps[i - 1] as bigint))) throw new Error(`timestamp ${i} is not above the one before`);
  }
}

describe('raft driver membership changes', () => {
  it('adds a joining node as a learner, promotes it, replaces a voter and removes the leader, serving throughout (seed 5)', async () => {
    const cluster = new SimCluster({ seed: 5, nodes: 3, joiners: 1, snapshotEntries: 16 });
    const w = timestampLoop(cluster);
    await cluster.runUntil(() => cluster.servingLeader() !== null && w.timestamps.length >= 20, 'serving', 10_000);

    // The joiner (n4) waits without campaigning; the leader adds it as a learner.
    expect(await change(cluster, (l) => l.changeMembership({ type: 'add-learner', id: 4, addresses: cluster.addressesOf(4) }), 'add learner 4')).toMatchObject({ ok: true });
    await cluster.runUntil(() => (cluster.drivers.get('n4')?.members().membershipIndex ?? 0) > 0, 'n4 learns the membership', 10_000);
    expect(learnersOf(cluster.drivers.get('n4')?.members().membership ?? { members: [] })).toEqual([4]);

    expect(await change(cluster, (l) => l.changeMembership({ type: 'promote', id: 4 }), 'promote 4')).toMatchObject({ ok: true });
    expect(votersOf(leaderDriver(cluster).members().membership)).toEqual([1, 2, 3, 4]);

    // Replace a bootstrap voter that is not the leader, then remove the leader itself.
    const leaderId = Number((cluster.servingLeader() as string).slice(1));
    const other = [1, 2, 3].find((id) => id !== leaderId) as number;
    expect(await change(cluster, (l) => l.changeMembership({ type: 'remove', id: other }), `remove ${other}`)).toMatchObject({ ok: true });
    expect(await change(cluster, (l) => l.changeMembership({ type: 'remove', id: leaderId }), `remove the leader ${leaderId}`)).toMatchObject({ ok: true });
    const before = w.timestamps.length;
    await cluster.runUntil(() => {
      const leader = cluster.servingLeader();
      return leader !== null && leader !== `n${leaderId}` && w.timestamps.length >= before + 20;
    }, 'a new leader among the remaining voters serves', 20_000);
    const voters = votersOf(leaderDriver(cluster).members().membership);
    expect(voters).toHaveLength(2);
    expect(voters).toContain(4);
    expect(voters).not.toContain(leaderId);
    expect(voters).not.toContain(other);
    expectStrictlyIncreasing(w.timestamps);

    // Refusals: the last-voter rule needs one voter; a stranger's promotion; a follower's change.
    expect(await settle(cluster, leaderDriver(cluster).changeMembership({ type: 'promote', id: 9 }), 'promote 9')).toMatchObject({ ok: false, code: 'MEMBERSHIP_NOT_MEMBER' });
    const follower = [...cluster.drivers].find(([name, d]) => name !== cluster.servingLeader() && votersOf(d.members().membership).length === 2)?.[1] as RaftDriver;
    expect(await settle(cluster, follower.changeMembership({ type: 'remove', id: 4 }), 'a follower changes')).toMatchObject({ ok: false, code: 'DRIVER_NOT_LEADER' });
  });
});
