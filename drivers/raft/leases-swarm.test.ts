// The simulator's proof of the stamping-lease promises (docs/protocol.md §2.1) on Raft clusters
// of 3 and 5 nodes in the simulated world, with the real client library over the simulated
// network and the leader crashed and restarted twice per run. One caller, one call at a time, so
// every answer's place in time is exact. It acquires (the same holder and epoch again, or a higher
// epoch that supersedes), renews, releases, reads the frontier and takes timestamps; TTLs are the
// 300 s ceiling, longer than a run, so no lease expires. Checked on every seed:
//   - frontier_above_live_lease_bound (promises 1, 3, 4): a frontier a serving leader returns is at
//     or below the last answered bound of every lease answered and not released, superseded ones
//     included (a lease whose renew or release ended without an answer is left out: its bound is
//     unknown);
//   - timestamp_not_above_lease_bound (promise 2): a timestamp granted at an epoch above the epoch
//     of a lease answer lies above that answer's bound.
// The planted bug `frontierIgnoresSupersededLeases` (the frontier skips superseded leases) is
// found, and its first seed pinned.
import { describe, expect, it } from 'vitest';
import type { TsoClient } from '../client/index.js';
import { sleep } from '../ports.js';
import type { ServingNodeFaults } from '../server/serving-node.js';
import { SimCluster } from './sim-harness.js';

const TTL_MS = 300_000;
const HOLDERS = 2;
const DEFINITIVE = new Set(['INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'NOT_FOUND', 'RESOURCE_EXHAUSTED']);

interface KnownLease {
  readonly id: bigint;
  boundMs: number;
  /** A renew or release ended without an answer: the bound (or the lease) is unknown. */
  uncertain: boolean;
  released: boolean;
}

interface RunResult {
  readonly violations: string[];
  readonly counts: Record<string, number>;
}

/** A small deterministic PRNG (the world's is the product's; this one is the workload's). */
function lcg(seed: number): () => number {
  let state = (seed * 2_654_435_761) >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

async function runSeed(seed: number, nodes: number, faults?: ServingNodeFaults): Promise<RunResult> {
  const cluster = new SimCluster({ seed, nodes, snapshotEntries: 8, ...(faults !== undefined ? { servingFaults: faults } : {}) });
  const violations: string[] = [];
  const counts: Record<string, number> = {};
  const leases = new Map<bigint, KnownLease>();
  const answered: Array<{ readonly epoch: bigint; readonly boundMs: number }> = [];
  const holderEpochs = Array.from({ length: HOLDERS }, () => 1n);
  const random = lcg(seed);
  const epochsSeen = new Set<bigint>();
  let running = true;
  let calls = 0;
  const count = (what: string): void => {
    counts[what] = (counts[what] ?? 0) + 1;
  };
  const noteLease = (id: bigint, boundMs: number, epoch: bigint): void => {
    const known = leases.get(id) ?? { id, boundMs, uncertain: false, released: false };
    known.boundMs = Math.max(known.boundMs, boundMs);
    leases.set(id, known);
    answered.push({ epoch, boundMs });
    epochsSeen.add(epoch);
  };
  const codeOf = (error: unknown): string => (error as { code?: string }).code ?? 'THROWN';
  const step = async (client: TsoClient): Promise<void> => {
    const r = random();
    const live = [...leases.values()].filter((l) => !l.released);
    const pick = live[Math.floor(random() * live.length)];
    if (r < 0.3) {
      const holder = Math.floor(random() * HOLDERS);
      if (random() < 0.4) holderEpochs[holder] = (holderEpochs[holder] as bigint) + 1n;
      try {
        const lease = await client.acquireLease(Uint8Array.of(holder + 1), holderEpochs[holder] as bigint, TTL_MS);
        noteLease(lease.leaseId, lease.tsUpperBoundMs, lease.epoch);
        count('acquire ok');
      } catch (error) {
        count(`acquire ${codeOf(error)}`);
      }
    } else if (r < 0.45 && pick !== undefined) {
      try {
        const lease = await client.renewLease(pick.id);
        noteLease(lease.leaseId, lease.tsUpperBoundMs, lease.epoch);
        count('renew ok');
      } catch (error) {
        if (!DEFINITIVE.has(codeOf(error))) pick.uncertain = true;
        count(`renew ${codeOf(error)}`);
      }
    } else if (r < 0.5 && pick !== undefined) {
      pick.released = true;
      try {
        await client.releaseLease(pick.id);
        count('release ok');
      } catch (error) {
        count(`release ${codeOf(error)}`);
      }
    } else if (r < 0.75) {
      try {
        const frontier = await client.getSafeFrontier();
        count('frontier ok');
        if (frontier.epoch === 0n) return;
        epochsSeen.add(frontier.epoch);
        for (const lease of leases.values()) {
          if (lease.released || lease.uncertain || frontier.physicalMs <= lease.boundMs) continue;
          violations.push(`frontier_above_live_lease_bound: t=${cluster.world.nowMs} frontier ${frontier.physicalMs} at epoch ${frontier.epoch} is above lease ${lease.id}'s bound ${lease.boundMs}`);
        }
      } catch (error) {
        count(`frontier ${codeOf(error)}`);
      }
    } else {
      try {
        const batch = await client.getTsBatch(1);
        count('getTs ok');
        epochsSeen.add(batch.epoch);
        for (const a of answered) {
          if (batch.epoch > a.epoch && batch.physicalMs <= a.boundMs) {
            violations.push(`timestamp_not_above_lease_bound: t=${cluster.world.nowMs} physical ${batch.physicalMs} at epoch ${batch.epoch} is not above bound ${a.boundMs} answered at epoch ${a.epoch}`);
          }
        }
      } catch (error) {
        count(`getTs ${codeOf(error)}`);
      }
    }
  };
  cluster.addClient(
    'client',
    (client: TsoClient) => {
      const clock = cluster.world.portsOf('client').clock;
      void (async () => {
        while (running) {
          await step(client);
          calls += 1;
          await sleep(clock, 10);
        }
      })();
    },
    { retry: { attemptsMax: 20, overallTimeoutMs: 3_000 } },
  );
  for (let round = 0; round < 2; round++) {
    await cluster.runUntil(() => cluster.servingLeader() !== null, 'serving', 20_000);
    await cluster.world.runFor(800);
    const leader = cluster.servingLeader();
    if (leader !== null) {
      cluster.crash(leader);
      await cluster.world.runFor(1_500);
      cluster.start(leader);
    }
  }
  await cluster.runUntil(() => cluster.servingLeader() !== null, 'serving at the end', 20_000);
  await cluster.world.runFor(1_000);
  running = false;
  await cluster.world.runFor(4_000);
  expect(calls).toBeGreaterThan(20);
  counts['epochs'] = epochsSeen.size;
  return { violations, counts };
}

describe('stamping leases in the simulated Raft cluster', () => {
  it('keeps every lease and frontier promise on seeds 1..8 of 3 nodes and 1..3 of 5 nodes, with the leader crashed twice', async () => {
    const found: string[] = [];
    let frontiers = 0;
    let supersedes = 0;
    // Runs answered by at least two leaders (the crashes moved leadership while the client called).
    let multiLeaderRuns = 0;
    for (const [nodes, seeds] of [
      [3, 8],
      [5, 3],
    ] as const) {
      for (let seed = 1; seed <= seeds; seed++) {
        const run = await runSeed(seed, nodes);
        found.push(...run.violations.map((v) => `nodes ${nodes} seed ${seed}: ${v}`));
        frontiers += run.counts['frontier ok'] ?? 0;
        supersedes += run.counts['acquire ok'] ?? 0;
        if ((run.counts['epochs'] ?? 0) >= 2) multiLeaderRuns += 1;
      }
    }
    expect(found).toEqual([]);
    expect(frontiers).toBeGreaterThan(50);
    expect(supersedes).toBeGreaterThan(20);
    // 10 of the 11 runs when written (3-node seed 7 was answered by one leader only).
    expect(multiLeaderRuns).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it('finds the planted bug that ignores superseded leases in the frontier (first seed 1, pinned)', async () => {
    const run = await runSeed(1, 3, { frontierIgnoresSupersededLeases: true });
    expect(run.violations.some((v) => v.startsWith('frontier_above_live_lease_bound'))).toBe(true);
  }, 60_000);
});
