// The `etcd` driver (drivers/etcd/) as a SimDriverModule: 3 or 5 stateless tsoracle nodes, each
// running the product's EtcdDriver against one simulated etcd (sim/etcd-store.ts, sim/etcd-wire.ts)
// that runs on a world node of its own, `etcd`, reached over the simulated network. The generic
// cluster harness runs the nodes with every oracle checker, against the claims witness
// (claims.ts: what the drivers acknowledged, checked against what later loads return), and
// strikes them with the seed's generic fault families; the world's network faults hit the links
// to etcd too (a reset after delivery is an answer lost after commit).
//
// The extras add the faults of a system built on etcd (`EtcdNemesis`), during the safety phase
// only (the liveness phase heals every partition and turns the server faults off):
//   - etcdPartition: one tsoracle node (the lease holder half the time) cut off from etcd, both
//     ways or one way;
//   - leaseHolderPause: the node holding the leader key paused past its etcd lease, so etcd
//     expires it and another node campaigns while the old leader is frozen;
//   - etcdLeaderChange: etcd without a leader for a while (every request refused, no lease
//     expires, then each lease gets a full TTL, as etcd's lessor does);
//   - server faults (SimEtcdFaults): slow requests, failed requests, answers lost after commit.
// The etcd node itself never crashes: it stands for a replicated etcd cluster, whose members'
// failures the clients see only as the faults above.
//
// Timings follow the seed's cluster options: the drift bound is `raft.clockDriftBound` (the
// tsoracle nodes' and etcd's clocks drift within it), the lease TTL is 1 s (etcd's unit is the
// second), the keep-alive tick and each request's deadline are a fraction of it.
// Planted bugs: etcdWriteWithoutFence and etcdServeAfterLeaseExpired (EtcdDriverOptions.faults).

import { EtcdDriver, storedLedgerSnapshot } from '../../drivers/etcd/etcd-driver.js';
import { type Decoded, type DurableLedger, type DurableSource, indexLedger } from './durable.js';
import { SimEtcdStore } from '../etcd-store.js';
import { drawSimEtcdFaults, SIM_ETCD_PORT, SimEtcdClient, SimEtcdServer } from '../etcd-wire.js';
import type { Rng } from '../random.js';
import { SEQ_KEY_CARDINALITY_CAP_DEFAULT } from '../../core/limits.js';
import type { ConsensusDriver } from '../../drivers/driver.js';
import type { SimDriverContext, SimDriverExtras, SimDriverModule, SimRunAccess } from './drivers.js';
import type { PlantedBug, SimOptions } from './options.js';

export const SIM_ETCD_NODE = 'etcd';
export const SIM_ETCD_PREFIX = '/tsoracle/sim';
export const SIM_ETCD_LEASE_TTL_SECONDS = 1;
export const SIM_ETCD_TICK_MS = 100;
export const SIM_ETCD_REQUEST_TIMEOUT_MS = 250;
/** Taken off the lease on top of the drift (the driver's margin; etcd's own expiry check is exact here). */
export const SIM_ETCD_LEASE_MARGIN_MS = 100;

/** What a run's etcd faults look like (drawn from the seed's `etcd` stream). */
export interface EtcdNemesisOptions {
  readonly gapMs: readonly [number, number];
  readonly partition: boolean;
  readonly partitionMs: readonly [number, number];
  readonly leaseHolderPause: boolean;
  readonly leaderChange: boolean;
  readonly leaderChangeMs: readonly [number, number];
  /** Strikes at most this many times in the safety phase. */
  readonly budget: number;
}

const QUIET_PROFILES = new Set(['calm', 'bench', 'idle', 'failover']);

/** The etcd faults of a run: from its profile (the planted bugs' profiles force theirs, with or without the bug). */
export function drawEtcdNemesis(rng: Rng, options: SimOptions): EtcdNemesisOptions {
  const profile = options.spec.profile;
  if (QUIET_PROFILES.has(profile)) return { gapMs: [1, 1], partition: false, partitionMs: [0, 0], leaseHolderPause: false, leaderChange: false, leaderChangeMs: [0, 0], budget: 0 };
  if (profile === 'planted:etcdServeAfterLeaseExpired' || profile === 'planted:etcdWriteWithoutFence') {
    return { gapMs: [300, 1_200], partition: profile === 'planted:etcdWriteWithoutFence', partitionMs: [200, 1_500], leaseHolderPause: true, leaderChange: false, leaderChangeMs: [0, 0], budget: 12 };
  }
  return {
    // Safety phases last a few seconds: strikes come every few hundred ms.
    gapMs: [rng.int(30, 200), rng.int(250, 800)],
    partition: rng.chance(2, 3),
    partitionMs: [50, rng.int(300, 2_500)],
    leaseHolderPause: rng.chance(2, 3),
    leaderChange: rng.chance(1, 2),
    leaderChangeMs: [20, rng.int(100, 1_500)],
    budget: rng.int(3, 15),
  };
}

function plantedFaults(planted: PlantedBug | null): { writeWithoutFence?: boolean; serveAfterLeaseExpired?: boolean; batchAppliedKeyByKey?: boolean } {
  if (planted === 'etcdWriteWithoutFence') return { writeWithoutFence: true };
  if (planted === 'batchAppliedKeyByKey') return { batchAppliedKeyByKey: true };
  if (planted === 'etcdServeAfterLeaseExpired') return { serveAfterLeaseExpired: true };
  return {};
}

function openEtcdDriver(context: SimDriverContext): Promise<ConsensusDriver> {
  const raft = context.options.raft;
  const driver = new EtcdDriver({
    client: new SimEtcdClient(context.transport, context.clock, { host: SIM_ETCD_NODE, port: SIM_ETCD_PORT }, SIM_ETCD_REQUEST_TIMEOUT_MS),
    clock: context.clock,
    prefix: SIM_ETCD_PREFIX,
    advertise: context.endpoint,
    leaseTtlSeconds: SIM_ETCD_LEASE_TTL_SECONDS,
    tickMs: SIM_ETCD_TICK_MS,
    leaseMarginMs: SIM_ETCD_LEASE_MARGIN_MS,
    ...(raft === null ? {} : { clockDriftBound: raft.clockDriftBound }),
    faults: plantedFaults(context.planted),
    onEvent: (event) => {
      if (event.kind === 'stepped-down') context.trace('etcd.stepped_down', { reason: event.reason });
    },
  });
  driver.start();
  return Promise.resolve(driver);
}

/**
 * The checkers' ground truth on etcd: what the simulated etcd holds now (the store is the
 * replicated, durable state: the etcd node never crashes). The high-water is `P/hw`, the ledger
 * the keys under `P/ledger/` decoded as the driver decodes them, so a batch the store holds in
 * part is seen (seq_batch_partial), which the drivers' answers alone cannot show.
 */
class EtcdStoreView implements DurableSource {
  constructor(private readonly store: SimEtcdStore) {}

  highWaterMs(): Decoded<number> {
    const kv = this.store.peek(`${SIM_ETCD_PREFIX}/hw`);
    if (kv === undefined) return { ok: true, value: 0 };
    const value = Number(kv.value);
    return /^\d{1,20}$/.test(kv.value) && Number.isSafeInteger(value) ? { ok: true, value } : { ok: false, problem: `${SIM_ETCD_PREFIX}/hw holds ${JSON.stringify(kv.value)}` };
  }

  highWaterCovering(): Decoded<number> {
    return this.highWaterMs();
  }

  sequenceLedger(): Decoded<DurableLedger> {
    const prefix = `${SIM_ETCD_PREFIX}/ledger/`;
    try {
      const stored = storedLedgerSnapshot(prefix, this.store.range(prefix, { prefix: true }).kvs);
      const snapshot = stored?.snapshot ?? { keyCap: SEQ_KEY_CARDINALITY_CAP_DEFAULT, counters: [], applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] };
      return { ok: true, value: indexLedger(snapshot) };
    } catch (e) {
      return { ok: false, problem: e instanceof Error ? e.message : String(e) };
    }
  }
}

/** Adds the etcd node to the run and schedules its faults. */
function etcdExtras(run: SimRunAccess): SimDriverExtras {
  const rng = run.world.rng.fork('etcd');
  const raft = run.options.raft;
  const driftBound = raft?.clockDriftBound ?? 0;
  const store = new SimEtcdStore({ firstLeaseId: BigInt(rng.int(1, 0x7fff_ffff)) * 0x1_0000n });
  const server = new SimEtcdServer(store, () => !run.livenessStarted());
  const profile = run.options.spec.profile;
  server.faults = QUIET_PROFILES.has(profile) || profile.startsWith('planted:etcd') ? {} : drawSimEtcdFaults(rng.fork('server'));
  run.world.addNode({
    name: SIM_ETCD_NODE,
    program: server.program(),
    // etcd's clock drifts within the same bound as the nodes' (the lease argument assumes both).
    clock: { driftPpm: Math.round(driftBound * 1e6 * (rng.int(-1000, 1000) / 1000)) },
  });
  const nemesis = drawEtcdNemesis(rng.fork('nemesis'), run.options);
  run.world.record('etcd.options', { faults: JSON.stringify(server.faults), nemesis: JSON.stringify(nemesis) });
  const strikeRng = rng.fork('strikes');
  let strikes = 0;
  const leaseHolder = (): string | null => {
    const endpoint = store.peek(`${SIM_ETCD_PREFIX}/leader`)?.value;
    const name = endpoint?.split(':')[0];
    return name !== undefined && run.names.includes(name) ? name : null;
  };
  const strike = (): void => {
    if (run.livenessStarted() || strikes >= nemesis.budget) return;
    const families: Array<'partition' | 'pause' | 'leaderChange'> = [];
    if (nemesis.partition) families.push('partition');
    if (nemesis.leaseHolderPause) families.push('pause');
    if (nemesis.leaderChange) families.push('leaderChange');
    if (families.length > 0) {
      strikes++;
      const family = strikeRng.pick(families);
      const holder = leaseHolder();
      switch (family) {
        case 'partition': {
          const target = holder !== null && strikeRng.chance(1, 2) ? holder : strikeRng.pick(run.names);
          const forMs = strikeRng.int(nemesis.partitionMs[0], nemesis.partitionMs[1]);
          const oneWay = strikeRng.chance(1, 3);
          const [from, to] = oneWay && strikeRng.chance(1, 2) ? [[SIM_ETCD_NODE], [target]] : [[target], [SIM_ETCD_NODE]];
          run.world.record('etcd.nemesis', { family, target, forMs, oneWay });
          run.world.partition(from, to, { oneWay });
          run.world.after(forMs, () => run.world.heal(from, to), 'etcd.nemesis.heal');
          break;
        }
        case 'pause': {
          if (holder === null || run.world.node(holder).status !== 'running') break;
          // Past the lease on etcd's clock, so etcd expires it while the holder is frozen.
          const forMs = SIM_ETCD_LEASE_TTL_SECONDS * 1000 * (1 + driftBound) + strikeRng.int(50, 1_500);
          run.world.record('etcd.nemesis', { family, target: holder, forMs });
          run.world.pause(holder, forMs);
          break;
        }
        case 'leaderChange': {
          const forMs = strikeRng.int(nemesis.leaderChangeMs[0], nemesis.leaderChangeMs[1]);
          run.world.record('etcd.nemesis', { family, forMs });
          server.leaderChange(forMs);
          break;
        }
      }
    }
    run.world.after(strikeRng.int(nemesis.gapMs[0], nemesis.gapMs[1]), strike, 'etcd.nemesis');
  };
  if (nemesis.budget > 0) run.world.after(strikeRng.int(nemesis.gapMs[0], nemesis.gapMs[1]), strike, 'etcd.nemesis');
  return {
    groundTruth: new EtcdStoreView(store),
    describeNode: (name) => `etcd leader key: ${leaseHolder() ?? 'none'}${name === leaseHolder() ? ' (this node)' : ''}, etcd revision ${store.revision}, server ${JSON.stringify(server.counts)}`,
  };
}

export const ETCD_SIM_DRIVER: SimDriverModule = {
  name: 'etcd',
  nodeCounts: [3, 5],
  createDriver: openEtcdDriver,
  extras: etcdExtras,
};
