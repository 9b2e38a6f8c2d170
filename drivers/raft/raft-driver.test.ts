// The raft driver in the simulated world: real driver, serving node, protocol server and client
// library on simulated disks, network and clocks (virtual time, bounded runs). What it shows:
// a cluster elects a leader and serves; after the leader is killed a new leader serves and every
// timestamp after is greater than every timestamp before; the old node restarts and catches up
// (through InstallSnapshot when the log was compacted past it); sequences stay gapless and
// exactly-once across the failover; a 5-node cluster with a crashed minority keeps serving; torn
// writes at power loss and failed fsyncs are recovered from; a leader past its lease refuses to
// grant; an unknown outcome is never reported as "not executed". Each scenario runs one seed;
// RAFT_DRIVER_SEEDS=N runs seeds 1..N of every seeded scenario (a longer sweep, by hand).
import { describe, expect, it } from 'vitest';
import type { TsoClient } from '../client/index.js';
import { sleep } from '../ports.js';
import type { ServingNode } from '../server/serving-node.js';
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { encodeHello } from './peer-wire.js';
import type { RaftDriver } from './raft-driver.js';
import { SimCluster } from './sim-harness.js';

interface Workload {
  readonly timestamps: Array<{ readonly t: number; readonly ts: bigint }>;
  readonly blocks: Array<{ readonly start: bigint; readonly count: number }>;
  readonly failures: string[];
  /** getSeq calls that failed, with the code the client reported and the count asked. */
  readonly seqFailures: Array<{ readonly code: string; readonly count: number }>;
  stop(): void;
}

/**
 * One sequential getTs loop and one sequential getSeq loop on one client. By default the client
 * may retry 100 times: a crashed node refuses every pass of an election poll, and the default 5
 * failed attempts can give up before the election ends (the client counts dial failures).
 */
function workload(cluster: SimCluster, key = 'orders', attemptsMax = 100): Workload {
  const w: Workload = { timestamps: [], blocks: [], failures: [], seqFailures: [], stop: () => (running = false) };
  let running = true;
  cluster.addClient(
    'client',
    (client: TsoClient) => {
      const clock = cluster.world.portsOf('client').clock;
      void (async () => {
        while (running) {
          try {
            const ts = await client.getTs();
            w.timestamps.push({ t: cluster.world.nowMs, ts });
          } catch (error) {
            w.failures.push(`getTs: ${(error as { code?: string }).code ?? String(error)}`);
          }
          await sleep(clock, 5);
        }
      })();
      void (async () => {
        let count = 1;
        while (running) {
          try {
            const block = await client.getSeq(key, count);
            w.blocks.push({ start: block.start, count: block.count });
          } catch (error) {
            const code = (error as { code?: string }).code ?? String(error);
            w.failures.push(`getSeq: ${code}`);
            w.seqFailures.push({ code, count });
          }
          count = (count % 5) + 1;
          await sleep(clock, 7);
        }
      })();
    },
    { retry: { attemptsMax } },
  );
  return w;
}

/**
 * Exactly once: acknowledged blocks never overlap, and every value below the ledger's counter
 * that no caller got is explained by a call the client reported as SEQ_UNCERTAIN (a call that
 * failed with any other code was not executed).
 */
function expectLedgerExplained(w: Workload, counter: bigint): void {
  const sorted = [...w.blocks].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let acknowledged = 0n;
  let end = 0n;
  for (const block of sorted) {
    if (block.start < end) throw new Error(`block at ${block.start} overlaps the one before (ends at ${end})`);
    end = block.start + BigInt(block.count);
    acknowledged += BigInt(block.count);
  }
  if (end > counter) throw new Error(`a block ends at ${end}, past the ledger's counter ${counter}`);
  const uncertain = w.seqFailures.filter((f) => f.code === 'SEQ_UNCERTAIN').reduce((sum, f) => sum + BigInt(f.count), 0n);
  const holes = counter - acknowledged;
  if (holes > uncertain) {
    throw new Error(`${holes} values below ${counter} were never acknowledged; calls with an unknown outcome explain ${uncertain} (failures: ${JSON.stringify(w.seqFailures)})`);
  }
}

function expectStrictlyIncreasing(timestamps: ReadonlyArray<{ ts: bigint }>): void {
  for (let i = 1; i < timestamps.length; i++) {
    const previous = timestamps[i - 1]?.ts as bigint;
    const current = timestamps[i]?.ts as bigint;
    if (!(current > previous)) throw new Error(`timestamp ${i} (${current}) is not above ${previous}`);
  }
}

/** The blocks, sorted, tile [0, end) with no gap and no overlap; returns end. */
function expectGapless(blocks: ReadonlyArray<{ start: bigint; count: number }>): bigint {
  const sorted = [...blocks].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let next = 0n;
  for (const block of sorted) {
    if (block.start !== next) throw new Error(`block at ${block.start}, expected ${next} (gap or overlap)`);
    next += BigInt(block.count);
  }
  return next;
}

interface Op {
  readonly client: string;
  readonly invokedMs: number;
  readonly completedMs: number;
  readonly ts: bigint;
}

/** A client that calls getTs back to back and records each success with its times. */
function addOpsClient(cluster: SimCluster, name: string, endpoints: string[], ops: Op[]): void {
  cluster.addClient(
    name,
    (client) => {
      const clock = cluster.world.portsOf(name).clock;
      void (async () => {
        for (;;) {
          const invokedMs = cluster.world.nowMs;
          try {
            const ts = await client.getTs();
            ops.push({ client: name, invokedMs, completedMs: cluster.world.nowMs, ts });
          } catch {
            // Refusals are fine; only granted timestamps are checked.
          }
          await sleep(clock, 3);
        }
      })();
    },
    { endpoints, retry: { attemptsMax: 1_000, overallTimeoutMs: 100_000, attemptTimeoutMs: 200 } },
  );
}

/** Every timestamp is above every timestamp returned before its call began (no grace window). */
function expectRealTimeOrder(ops: readonly Op[]): void {
  const byCompletion = [...ops].sort((a, b) => a.completedMs - b.completedMs);
  const byInvoke = [...ops].sort((a, b) => a.invokedMs - b.invokedMs);
  let maxCompleted = -1n;
  let maxOp: Op | null = null;
  let i = 0;
  for (const op of byInvoke) {
    while (i < byCompletion.length && (byCompletion[i] as Op).completedMs < op.invokedMs) {
      const done = byCompletion[i] as Op;
      if (done.ts > maxCompleted) {
        maxCompleted = done.ts;
        maxOp = done;
      }
      i++;
    }
    if (!(op.ts > maxCompleted)) {
      throw new Error(`real-time order: ${op.client} got ${op.ts} at ${op.completedMs} ms, but ${maxOp?.client} got ${maxCompleted} at ${maxOp?.completedMs} ms before the call began at ${op.invokedMs} ms`);
    }
  }
}

/** The given seed, or seeds 1..N with RAFT_DRIVER_SEEDS=N (a longer sweep, by hand). */
function seeds(seed: number): number[] {
  const n = process.env.RAFT_DRIVER_SEEDS;
  return n === undefined ? [seed] : Array.from({ length: Number(n) }, (_, i) => i + 1);
}

describe('raft driver in the simulated world', () => {
  it.each(seeds(11))('fails over: a new leader serves higher timestamps, the old node catches up by snapshot, sequences stay gapless (seed %i)', async (seed) => {
    const cluster = new SimCluster({ seed, nodes: 3, snapshotEntries: 16 });
    const w = workload(cluster);
    await cluster.runUntil(() => cluster.servingLeader() !== null && w.timestamps.length >= 30 && w.blocks.length >= 10, 'serving', 10_000);

    const oldLeader = cluster.servingLeader() as string;
    const oldLastIndex = cluster.drivers.get(oldLeader)?.status().lastIndex as number;
    const crashedAtMs = cluster.world.nowMs;
    const before = w.timestamps.length;
    const maxBefore = w.timestamps.reduce((m, x) => (x.ts > m ? x.ts : m), 0n);
    cluster.crash(oldLeader);

    await cluster.runUntil(
      () => {
        const leader = cluster.servingLeader();
        // Until the survivors compacted their logs past the old leader's last entry.
        const snapshotIndex = leader === null ? 0 : (cluster.drivers.get(leader)?.status().snapshotIndex ?? 0);
        return leader !== null && leader !== oldLeader && w.timestamps.length >= before + 60 && snapshotIndex > oldLastIndex;
      },
      'serving again after the leader crashed',
      20_000,
    );
    const newLeader = cluster.servingLeader() as string;
    expect(newLeader).not.toBe(oldLeader);
    const after = w.timestamps.filter((x) => x.t > crashedAtMs);
    expect(after.length).toBeGreaterThan(0);
    for (const x of after) expect(x.ts).toBeGreaterThan(maxBefore);

    cluster.start(oldLeader);
    await cluster.runUntil(
      () => {
        const restarted = cluster.drivers.get(oldLeader);
        const leader = cluster.drivers.get(newLeader);
        return restarted !== undefined && leader !== undefined && restarted.appliedIndex >= leader.appliedIndex && restarted.status().leaderId !== null;
      },
      'the restarted node caught up',
      10_000,
    );
    expect(cluster.events.some((e) => e.node === oldLeader && e.event.kind === 'snapshot-installed')).toBe(true);
    w.stop();
    await cluster.world.runFor(3_000);

    expect(w.failures).toEqual([]);
    expectStrictlyIncreasing(w.timestamps);
    const end = expectGapless(w.blocks);
    // Every replica applied the same ledger: the blocks returned are exactly the committed ones.
    await cluster.runUntil(() => new Set([...cluster.drivers.values()].map((d) => d.appliedIndex)).size === 1, 'replicas converged', 5_000);
    for (const driver of cluster.drivers.values()) {
      expect(driver.appliedSeq('orders')).toBe(end);
      expect(driver.appliedHighWaterMs).toBe(cluster.drivers.get(newLeader)?.appliedHighWaterMs);
    }
  });

  it.each(seeds(1))(
    'rides out repeated power-loss crashes that tear unsynced writes: no node refuses to start, order and ledger hold (seed %i)', async (seed) => {
    const cluster = new SimCluster({
      seed,
      nodes: 3,
      snapshotEntries: 32,
      world: { disk: { faults: { crashTorn: { rate: [1, 2] }, crashPartial: { rate: [1, 2] }, crashDirOpsVanish: { rate: [1, 3] } } } },
    });
    // The client's default retry policy: calls do fail across the crashes, and must fail honestly.
    const w = workload(cluster, 'torn', 5);
    await cluster.runUntil(() => cluster.servingLeader() !== null && w.timestamps.length >= 10, 'serving', 10_000);
    const rng = cluster.world.rng.fork('test/crashes');
    for (let round = 0; round < 12; round++) {
      const victim = cluster.names[rng.int(0, cluster.names.length - 1)] as string;
      cluster.crash(victim);
      await cluster.world.runFor(50 + rng.int(0, 200));
      cluster.start(victim);
      await cluster.world.runFor(300 + rng.int(0, 400));
    }
    const countBefore = w.timestamps.length;
    await cluster.runUntil(() => cluster.drivers.size === 3 && w.timestamps.length >= countBefore + 20, 'serving after the crashes', 20_000);
    w.stop();
    await cluster.world.runFor(3_000);
    expect(cluster.world.failures).toEqual([]);
    // The default seed tears a WAL tail among its crashes (the recovery path runs); others may not
    // (17 did until the peer links redialed on a hello; 1, 7, 10, 11, 13 of 1..40 do now).
    if (seed === 1) expect(cluster.events.some((e) => e.event.kind === 'wal-truncated')).toBe(true);
    expectStrictlyIncreasing(w.timestamps);
    await cluster.runUntil(() => new Set([...cluster.drivers.values()].map((d) => d.appliedIndex)).size === 1, 'replicas converged', 5_000);
    expectLedgerExplained(w, (cluster.drivers.get('n1') as RaftDriver).appliedSeq('torn'));
  });

  it.each(seeds(23))('a failed fsync stops the node (fatal) and its supervisor restarts it; the cluster keeps its promises (seed %i)', async (seed) => {
    const cluster = new SimCluster({ seed, nodes: 3, world: { disk: { faults: { fsyncFail: { rate: [1, 40], budget: 6 } } } } });
    const w = workload(cluster, 'f');
    await cluster.runUntil(() => cluster.events.filter((e) => e.event.kind === 'fatal').length >= 2, 'fsync failures', 30_000);
    const countAfterFaults = w.timestamps.length;
    await cluster.runUntil(() => cluster.drivers.size === 3 && w.timestamps.length >= countAfterFaults + 30, 'serving after the restarts', 20_000);
    w.stop();
    await cluster.world.runFor(3_000);
    expect(cluster.world.failures).toEqual([]);
    expectStrictlyIncreasing(w.timestamps);
    expect(w.failures.filter((f) => f.startsWith('getTs'))).toEqual([]);
    if (w.failures.length === 0) expectGapless(w.blocks);
  });

  it.each(seeds(5))('a 5-node cluster with two nodes down (the leader among them) keeps serving (seed %i)', async (seed) => {
    const cluster = new SimCluster({ seed, nodes: 5 });
    const w = workload(cluster, 'k');
    await cluster.runUntil(() => cluster.servingLeader() !== null && w.timestamps.length >= 20, 'serving', 10_000);
    const leader = cluster.servingLeader() as string;
    const other = cluster.names.find((n) => n !== leader) as string;
    const crashedAtMs = cluster.world.nowMs;
    const maxBefore = w.timestamps.reduce((m, x) => (x.ts > m ? x.ts : m), 0n);
    cluster.crash(leader);
    cluster.crash(other);
    const countAtCrash = w.timestamps.length;
    await cluster.runUntil(() => cluster.servingLeader() !== null && w.timestamps.length >= countAtCrash + 40, 'serving with a minority down', 20_000);
    w.stop();
    await cluster.world.runFor(3_000);
    expect(w.failures).toEqual([]);
    expectStrictlyIncreasing(w.timestamps);
    for (const x of w.timestamps.filter((x) => x.t > crashedAtMs)) expect(x.ts).toBeGreaterThan(maxBefore);
    expectGapless(w.blocks);
  });

  it.each(seeds(21))('a leader cut off from its peers stops serving before the new leader serves (real-time order across clients) (seed %i)', async (seed) => {
    const cluster = new SimCluster({ seed, nodes: 3 });
    await cluster.runUntil(() => cluster.servingLeader() !== null, 'serving', 10_000);
    const oldLeader = cluster.servingLeader() as string;
    const ops: Op[] = [];
    // One client talks to the old leader only; the other to every node.
    addOpsClient(cluster, 'stuck', [`${oldLeader}:50551`], ops);
    addOpsClient(cluster, 'roaming', cluster.endpoints, ops);
    await cluster.world.runFor(300);
    cluster.world.partition([oldLeader], cluster.names.filter((n) => n !== oldLeader));
    await cluster.runUntil(
      () => {
        const leader = cluster.servingLeader();
        return leader !== null && leader !== oldLeader;
      },
      'a new leader serving',
      10_000,
    );
    await cluster.world.runFor(1_000);
    const stuckAfter = ops.filter((op) => op.client === 'stuck');
    expect(stuckAfter.length).toBeGreaterThan(10);
    expect(ops.filter((op) => op.client === 'roaming').length).toBeGreaterThan(10);
    expectRealTimeOrder(ops);
  });

  it.each(seeds(8))('a leader paused past its lease refuses to grant on waking, before it has processed anything (seed %i)', async (seed) => {
    const cluster = new SimCluster({ seed, nodes: 3 });
    const ops: Op[] = [];
    addOpsClient(cluster, 'roaming', cluster.endpoints, ops);
    await cluster.runUntil(() => cluster.servingLeader() !== null && ops.length >= 10, 'serving', 10_000);
    const oldLeader = cluster.servingLeader() as string;
    const oldNode = cluster.servingNodes.get(oldLeader) as ServingNode;
    cluster.world.pause(oldLeader);
    const countAtPause = ops.length;
    await cluster.runUntil(
      () => cluster.names.some((n) => n !== oldLeader && cluster.servingNodes.get(n)?.isServing === true) && ops.length >= countAtPause + 10,
      'a new leader serving',
      10_000,
    );
    const newest = ops.reduce((m, op) => (op.ts > m ? op.ts : m), 0n);
    cluster.world.resume(oldLeader);
    // The paused process still believes it serves; only the lease, read on its monotonic clock at
    // the grant, stops it.
    expect(oldNode.isServing).toBe(true);
    const answer = await oldNode.getTs(1);
    if (answer.ok) throw new Error(`stale leader granted ${answer.physicalMs} ms (newest timestamp before: ${newest})`);
    expect(answer.code).toBe('NOT_LEADER');
    await cluster.runUntil(() => !oldNode.isServing, 'the old leader stepped down', 5_000);
    expectRealTimeOrder(ops);
  });

  it('a leader cut off from its quorum answers a persist with DRIVER_NOT_LEADER or DRIVER_TRANSIENT in bounded time', async () => {
    const cluster = new SimCluster({ seed: 4, nodes: 3 });
    await cluster.runUntil(() => cluster.servingLeader() !== null, 'serving', 10_000);
    const leader = cluster.servingLeader() as string;
    const driver = cluster.drivers.get(leader) as RaftDriver;
    const epoch = (driver.leadership as { epoch: bigint }).epoch;
    cluster.world.isolate(leader);
    const startedMs = cluster.world.nowMs;
    const result = await cluster.world.settle(driver.persistHighWater(PHYSICAL_MS_MAX - 1, epoch));
    expect(result.ok).toBe(false);
    expect(['DRIVER_NOT_LEADER', 'DRIVER_TRANSIENT']).toContain(result.ok ? '' : result.code);
    expect(cluster.world.nowMs - startedMs).toBeLessThanOrEqual(2 * 300 + 50);
    // The driver refuses out-of-range values before proposing anything.
    expect(await driver.persistHighWater(PHYSICAL_MS_MAX + 1, epoch)).toMatchObject({ ok: false, code: 'DRIVER_OUT_OF_RANGE' });
    // Leadership is delivered synchronously at subscription.
    const seen: string[] = [];
    driver.subscribeLeadership((state) => seen.push(state.kind))();
    expect(seen.length).toBe(1);
  });

  it('a peer connection that sends bytes that do not decode, or another cluster\'s hello, is closed; the cluster carries on', async () => {
    const cluster = new SimCluster({ seed: 6, nodes: 3 });
    await cluster.runUntil(() => cluster.servingLeader() !== null, 'serving', 10_000);
    const closed: string[] = [];
    cluster.world.addNode({
      name: 'stranger',
      program: async ({ transport }) => {
        const garbage = await transport.connect({ host: 'n1', port: 50552 });
        garbage.setHandlers({ onFrame: () => {}, onClose: () => closed.push('garbage') });
        garbage.send(Uint8Array.from([2, 0xff, 0xff, 0xff]));
        const foreign = await transport.connect({ host: 'n2', port: 50552 });
        foreign.setHandlers({ onFrame: () => {}, onClose: () => closed.push('foreign') });
        foreign.send(encodeHello({ clusterId: 12345, from: 1, to: 2 }));
        return {};
      },
    });
    await cluster.runUntil(() => closed.length === 2, 'both connections closed', 5_000);
    expect(closed.sort()).toEqual(['foreign', 'garbage']);
    expect(cluster.events.filter((e) => e.event.kind === 'peer-refused').map((e) => e.node).sort()).toEqual(['n1', 'n2']);
    await cluster.world.runFor(1_000);
    expect(cluster.servingLeader()).not.toBeNull();
    expect(cluster.world.failures).toEqual([]);
  });

  it('a leader that steps down with a proposal that later commits never answers NOT_LEADER for it (the outcome is not "not executed")', async () => {
    const cluster = new SimCluster({ seed: 12, nodes: 3 });
    await cluster.runUntil(() => cluster.servingLeader() !== null, 'serving', 10_000);
    const leader = cluster.servingLeader() as string;
    const followers = cluster.names.filter((n) => n !== leader);
    const driver = cluster.drivers.get(leader) as RaftDriver;
    const epoch = (driver.leadership as { epoch: bigint }).epoch;
    // The leader's appends reach the followers, their answers never come back: the entry is
    // replicated on a majority, the leader steps down (CheckQuorum), the next leader commits it.
    cluster.world.partition(followers, [leader], { oneWay: true });
    let answer: Awaited<ReturnType<RaftDriver['advanceSeq']>> | null = null;
    void driver.advanceSeq({ key: 'h', count: 4, clientId: 3n, requestId: 1n }, epoch).then((r) => (answer = r));
    const committedOn = (name: string) => cluster.drivers.get(name)?.appliedSeq('h') === 4n;
    await cluster.runUntil(() => followers.some(committedOn), 'the next leader committed the entry', 10_000);
    cluster.world.heal();
    await cluster.runUntil(() => answer !== null, 'an answer', 5_000);
    const got = answer as unknown as Awaited<ReturnType<RaftDriver['advanceSeq']>>;
    if (!got.ok) expect(got.code).toBe('DRIVER_TRANSIENT');
    else expect(got.start).toBe(0n);
  });

  it('groups concurrent sequence advances into one log entry (group commit)', async () => {
    const cluster = new SimCluster({ seed: 9, nodes: 3 });
    await cluster.runUntil(() => cluster.servingLeader() !== null, 'serving', 10_000);
    const driver = cluster.drivers.get(cluster.servingLeader() as string) as RaftDriver;
    const epoch = (driver.leadership as { epoch: bigint }).epoch;
    const lastBefore = driver.status().lastIndex;
    const calls = Array.from({ length: 50 }, (_, i) => driver.advanceSeq({ key: 'g', count: 2, clientId: 5n, requestId: BigInt(i + 1) }, epoch));
    const results = await cluster.world.settle(Promise.all(calls));
    expect(results.map((r) => (r.ok ? Number(r.start) : -1)).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i));
    expect(driver.status().lastIndex - lastBefore).toBe(1);
  });

  it('is deterministic: the same seed gives the same trace and the same timestamps', async () => {
    const run = async (): Promise<{ hash: string; timestamps: bigint[] }> => {
      const cluster = new SimCluster({ seed: 31, nodes: 3, snapshotEntries: 8 });
      const w = workload(cluster, 'd');
      await cluster.runUntil(() => cluster.servingLeader() !== null && w.timestamps.length >= 20, 'serving', 10_000);
      cluster.crash(cluster.servingLeader() as string);
      await cluster.world.runFor(1_500);
      w.stop();
      return { hash: cluster.world.trace.hash, timestamps: w.timestamps.map((x) => x.ts) };
    };
    const a = await run();
    const b = await run();
    expect(b.timestamps.length).toBeGreaterThan(20);
    expect(b).toEqual(a);
  });

  it('a follower answers NOT_LEADER with the leader hint, and no two nodes hold a lease at once', async () => {
    const cluster = new SimCluster({ seed: 3, nodes: 3 });
    await cluster.runUntil(() => cluster.servingLeader() !== null, 'serving', 10_000);
    const leader = cluster.servingLeader() as string;
    const follower = cluster.names.find((n) => n !== leader) as string;
    const answer = await cluster.world.settle((cluster.servingNodes.get(follower) as NonNullable<ReturnType<typeof cluster.servingNodes.get>>).getTs(1));
    expect(answer).toMatchObject({ ok: false, code: 'NOT_LEADER', leaderEndpoint: `${leader}:50551` });
    const leases = [...cluster.drivers.values()].filter((d) => d.hasLease());
    expect(leases.map((d) => d.id)).toEqual([Number(leader.slice(1))]);
  });
});
