// A swarm spread over worker threads and over machines: `sim swarm --jobs N --shard I/N`.
// A seed's run is reduced to a `SeedOutcome` (what a swarm summary needs of it: counts, its
// trace hash, the families on and struck, its failover times, the marks it reached, and its
// full JSON report when it failed); `SwarmTally` folds outcomes into the same `SwarmSummary`
// runner.ts's `runSwarm` gives. `runSwarmPool` runs the seeds on worker threads and folds their
// outcomes in seed order.
//
// Invariants:
//   - The summary is a function of the seed range and the spec alone: outcomes are folded in
//     seed order whatever order the workers finish in, so `--jobs 1` and `--jobs N` give the
//     same summary (only `wallMs` differs), FAIL lines come out in seed order, and the fold
//     drops every seed after the first failure when the swarm stops at it.
//   - `shardRange(A..B, I/N)` cuts the range into N contiguous, disjoint pieces whose union is
//     A..B (sizes differ by at most one), so N machines running shards 1..N run every seed
//     exactly once, and each shard's summary names its own range.
//   - A worker runs one seed at a time on a fresh world; seeds are handed out one by one, so a
//     slow seed never holds back the others. At most SWARM_JOBS_MAX threads.
//   - A worker that dies or reports an error fails the swarm with that error (a bug of the
//     harness, not a seed's failure); the other workers are stopped.

import { Worker } from 'node:worker_threads';
import { assert } from '../../core/assert.js';
import { hashTexts } from '../trace.js';
import type { SeedReport } from './cluster.js';
import { runSeed } from './cluster.js';
import type { SimDriverModule } from './drivers.js';
import { type DriverRef, familiesOn, FAULT_FAMILIES, type FaultFamily, type RunSpec } from './options.js';
import { collectReach, driverOfNodes, ReachTally, type RunReach } from './reach.js';
import { familiesStruck, type FamilyCoverage, percentiles, type SeedJson, seedJson, type SwarmSummary, SWARM_SEEDS_MAX, toJson } from './runner.js';

/** Worker threads one swarm may start. */
export const SWARM_JOBS_MAX = 256;

/** What a swarm summary needs of one seed's run (plain data: it crosses a thread boundary). */
export interface SeedOutcome {
  readonly seed: number;
  readonly result: SeedReport['result'];
  readonly events: number;
  readonly simMs: number;
  readonly traceHash: string;
  readonly isolateNewLeader: number;
  readonly followerPowerLoss: number;
  readonly failovers: readonly { readonly electMs: number | null; readonly serveMs: number | null }[];
  readonly familiesOn: readonly FaultFamily[];
  readonly familiesStruck: readonly FaultFamily[];
  /** The marks the run reached, each with how many times. */
  readonly reach: readonly (readonly [string, number])[];
  /** The seed's JSON report (u64 values as decimal strings) when it failed. */
  readonly failure: SeedJson | null;
}

/** The outcome of a finished run. */
export function seedOutcomeOf(report: SeedReport, reach: RunReach): SeedOutcome {
  return {
    seed: report.spec.seed,
    result: report.result,
    events: report.events,
    simMs: report.simMs,
    traceHash: report.traceHash,
    isolateNewLeader: report.stats.nemesisStrikes.isolateNewLeader ?? 0,
    followerPowerLoss: report.stats.nemesisStrikes.followerPowerLoss ?? 0,
    failovers: (report.stats.raft?.failovers ?? []).map((f) => ({ electMs: f.electMs, serveMs: f.serveMs })),
    familiesOn: familiesOn(report.options),
    familiesStruck: [...familiesStruck(report)],
    reach: [...reach],
    failure: report.result === 'ok' ? null : (JSON.parse(toJson(seedJson(report))) as SeedJson),
  };
}

/** What every seed of a swarm shares: all but the seed. */
export interface SwarmSeedSpec {
  readonly profile: RunSpec['profile'];
  readonly planted: RunSpec['planted'];
  /** Server nodes: 1 (default) or a cluster of 3 or 5. */
  readonly nodes?: number;
  /** How a trace names a driver that is not the node count's default. */
  readonly driverRef?: DriverRef;
}

/** Runs one seed of a swarm on this thread and reduces it to its outcome. */
export async function runSeedOutcome(seed: number, spec: SwarmSeedSpec, driver?: SimDriverModule): Promise<SeedOutcome> {
  const { result: report, reach } = await collectReach(() =>
    runSeed(
      {
        seed,
        profile: spec.profile,
        planted: spec.planted,
        ...(spec.nodes !== undefined && spec.nodes !== 1 ? { nodes: spec.nodes } : {}),
        ...(spec.driverRef === undefined ? {} : { driver: spec.driverRef }),
      },
      driver === undefined ? {} : { driver },
    ),
  );
  return seedOutcomeOf(report, reach);
}

/** Folds seed outcomes, in seed order, into a swarm summary (runner.ts's `runSwarm` fold). */
export class SwarmTally {
  private readonly failures: SeedJson[] = [];
  private readonly hashes: string[] = [];
  private readonly coverage = Object.fromEntries(FAULT_FAMILIES.map((f) => [f, { seeds: 0, struck: 0 }])) as Record<FaultFamily, FamilyCoverage>;
  private readonly reach: ReachTally;
  private readonly electMs: number[] = [];
  private readonly serveMs: number[] = [];
  private events = 0;
  private simMs = 0;
  private safety = false;
  private leaderDeaths = 0;
  private isolateNewLeader = 0;
  private followerPowerLoss = 0;
  private lastSeed: number | null = null;
  /** Seeds folded so far. */
  seedsRun = 0;
  /** Failing seeds folded so far. */
  failing = 0;

  constructor(
    private readonly range: { readonly fromSeed: number; readonly toSeed: number },
    private readonly nodes: number,
    driverName: string,
  ) {
    this.reach = new ReachTally(driverName);
  }

  add(outcome: SeedOutcome): void {
    assert(this.lastSeed === null || outcome.seed > this.lastSeed, 'swarm_fold_in_seed_order');
    this.lastSeed = outcome.seed;
    this.seedsRun++;
    this.reach.add(outcome.seed, new Map(outcome.reach));
    this.events += outcome.events;
    this.simMs += outcome.simMs;
    this.hashes.push(`${outcome.seed}:${outcome.traceHash}`);
    this.isolateNewLeader += outcome.isolateNewLeader;
    this.followerPowerLoss += outcome.followerPowerLoss;
    for (const f of outcome.failovers) {
      this.leaderDeaths++;
      if (f.electMs !== null) this.electMs.push(f.electMs);
      if (f.serveMs !== null) this.serveMs.push(f.serveMs);
    }
    for (const family of outcome.familiesOn) {
      this.coverage[family].seeds++;
      if (outcome.familiesStruck.includes(family)) this.coverage[family].struck++;
    }
    if (outcome.failure !== null) {
      this.failing++;
      this.failures.push(outcome.failure);
      if (outcome.result === 'safety') this.safety = true;
    }
  }

  summary(wallMs: number): SwarmSummary {
    return {
      seeds: `${this.range.fromSeed}..${this.range.toSeed}`,
      nodes: this.nodes,
      seedsRun: this.seedsRun,
      result: this.safety ? 'safety' : this.failures.length > 0 ? 'liveness' : 'ok',
      events: this.events,
      simMs: this.simMs,
      wallMs: Math.round(wallMs),
      traceHash: hashTexts(this.hashes),
      failures: this.failures,
      coverage: this.coverage,
      reach: this.reach.summary(),
      ...(this.nodes > 1
        ? {
            failover: {
              leaderDeaths: this.leaderDeaths,
              isolateNewLeader: this.isolateNewLeader,
              followerPowerLoss: this.followerPowerLoss,
              electMs: percentiles(this.electMs),
              serveMs: percentiles(this.serveMs),
            },
          }
        : {}),
    };
  }
}

/** A shard `I/N` of a seed range (1 ≤ I ≤ N). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `I/N`; null when it is not one. */
export function parseShard(text: string): Shard | null {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) return null;
  return { index, count };
}

/**
 * The seeds shard `I/N` of `fromSeed..toSeed` runs: the I-th of N contiguous pieces, sizes
 * differing by at most one; null when the piece is empty (more shards than seeds).
 */
export function shardRange(fromSeed: number, toSeed: number, shard: Shard): { readonly fromSeed: number; readonly toSeed: number } | null {
  assert(Number.isSafeInteger(fromSeed) && Number.isSafeInteger(toSeed) && fromSeed >= 0 && toSeed >= fromSeed, 'shard_range_valid');
  assert(shard.index >= 1 && shard.index <= shard.count, 'shard_index_within_count');
  const total = toSeed - fromSeed + 1;
  const start = fromSeed + Math.floor(((shard.index - 1) * total) / shard.count);
  const end = fromSeed + Math.floor((shard.index * total) / shard.count) - 1;
  return end < start ? null : { fromSeed: start, toSeed: end };
}

/** Progress of a running swarm, after every folded seed. */
export interface SwarmProgress {
  readonly done: number;
  readonly total: number;
  readonly failing: number;
  readonly elapsedMs: number;
}

/** The progress line: seeds done, seeds per second, failures so far, the time left at this rate. */
export function progressLine(p: SwarmProgress): string {
  const perSecond = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  const leftS = perSecond > 0 ? Math.ceil((p.total - p.done) / perSecond) : null;
  const eta = leftS === null ? '?' : leftS >= 3600 ? `${Math.floor(leftS / 3600)}h${String(Math.floor((leftS % 3600) / 60)).padStart(2, '0')}m` : leftS >= 60 ? `${Math.floor(leftS / 60)}m${String(leftS % 60).padStart(2, '0')}s` : `${leftS}s`;
  return `[${p.done}/${p.total}] ${perSecond.toFixed(1)} seeds/s, ${p.failing} failing, ETA ${eta}`;
}

/** A message from the parent to a swarm worker. */
export type SwarmWorkerRequest = { readonly type: 'seed'; readonly seed: number } | { readonly type: 'exit' };

/** A message from a swarm worker to the parent. */
export type SwarmWorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'outcome'; readonly outcome: SeedOutcome }
  | { readonly type: 'error'; readonly message: string };

export interface SwarmPoolOptions {
  readonly fromSeed: number;
  readonly toSeed: number;
  readonly spec: SwarmSeedSpec;
  /** The driver's name in the reach summary (absent: the node count's default). */
  readonly driverName?: string;
  /** Worker threads (1..SWARM_JOBS_MAX; never more than seeds). */
  readonly jobs: number;
  /** The worker entry (it answers SwarmWorkerRequests with SwarmWorkerReplies). */
  readonly workerUrl: URL;
  /** Given to every worker as its `workerData` (what it needs to load the driver). */
  readonly workerData: unknown;
  readonly stopAtFirstFailure?: boolean;
  /** Called after every folded seed, in seed order. */
  readonly onOutcome?: (outcome: SeedOutcome, progress: SwarmProgress) => void;
}

/** Runs seeds `fromSeed..toSeed` one after another on this thread, through the same fold. */
export async function runSwarmHere(options: Omit<SwarmPoolOptions, 'jobs' | 'workerUrl' | 'workerData'>, driver?: SimDriverModule): Promise<SwarmSummary> {
  const { fromSeed, toSeed } = options;
  assert(Number.isSafeInteger(fromSeed) && Number.isSafeInteger(toSeed) && fromSeed >= 0 && toSeed >= fromSeed, 'swarm_range_valid');
  assert(toSeed - fromSeed + 1 <= SWARM_SEEDS_MAX, 'swarm_seeds_within_limit');
  const total = toSeed - fromSeed + 1;
  const nodes = options.spec.nodes ?? 1;
  const tally = new SwarmTally({ fromSeed, toSeed }, nodes, options.driverName ?? driverOfNodes(nodes));
  const startedMs = performance.now();
  for (let seed = fromSeed; seed <= toSeed; seed++) {
    const outcome = await runSeedOutcome(seed, options.spec, driver);
    tally.add(outcome);
    options.onOutcome?.(outcome, { done: tally.seedsRun, total, failing: tally.failing, elapsedMs: performance.now() - startedMs });
    if (outcome.result !== 'ok' && options.stopAtFirstFailure === true) break;
  }
  return tally.summary(performance.now() - startedMs);
}

/** Runs seeds `fromSeed..toSeed` on `jobs` worker threads and folds them in seed order. */
export async function runSwarmPool(options: SwarmPoolOptions): Promise<SwarmSummary> {
  const { fromSeed, toSeed } = options;
  assert(Number.isSafeInteger(fromSeed) && Number.isSafeInteger(toSeed) && fromSeed >= 0 && toSeed >= fromSeed, 'swarm_range_valid');
  assert(toSeed - fromSeed + 1 <= SWARM_SEEDS_MAX, 'swarm_seeds_within_limit');
  assert(Number.isSafeInteger(options.jobs) && options.jobs >= 1 && options.jobs <= SWARM_JOBS_MAX, 'swarm_jobs_within_limit');
  const total = toSeed - fromSeed + 1;
  const nodes = options.spec.nodes ?? 1;
  const tally = new SwarmTally({ fromSeed, toSeed }, nodes, options.driverName ?? driverOfNodes(nodes));
  const startedMs = performance.now();
  const finished = new Map<number, SeedOutcome>();
  let nextToRun = fromSeed;
  let nextToFold = fromSeed;
  /** The first seed the fold found failing when the swarm stops at it: no seed after it runs. */
  let stopAfter = Number.POSITIVE_INFINITY;
  const workers: Worker[] = [];

  const summary = await new Promise<SwarmSummary>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const fold = (): void => {
      for (;;) {
        const outcome = finished.get(nextToFold);
        if (outcome === undefined || nextToFold > stopAfter) break;
        finished.delete(nextToFold);
        nextToFold++;
        tally.add(outcome);
        options.onOutcome?.(outcome, { done: tally.seedsRun, total, failing: tally.failing, elapsedMs: performance.now() - startedMs });
        if (outcome.result !== 'ok' && options.stopAtFirstFailure === true) stopAfter = outcome.seed;
      }
      if (!settled && (nextToFold > toSeed || nextToFold > stopAfter)) {
        settled = true;
        resolve(tally.summary(performance.now() - startedMs));
      }
    };
    const feed = (worker: Worker): void => {
      if (nextToRun > toSeed || nextToRun > stopAfter) {
        worker.postMessage({ type: 'exit' } satisfies SwarmWorkerRequest);
        return;
      }
      worker.postMessage({ type: 'seed', seed: nextToRun++ } satisfies SwarmWorkerRequest);
    };
    const jobs = Math.min(options.jobs, total);
    for (let i = 0; i < jobs; i++) {
      const worker = new Worker(options.workerUrl, { workerData: options.workerData });
      workers.push(worker);
      worker.on('message', (reply: SwarmWorkerReply) => {
        switch (reply.type) {
          case 'ready':
            feed(worker);
            return;
          case 'outcome':
            finished.set(reply.outcome.seed, reply.outcome);
            fold();
            feed(worker);
            return;
          case 'error':
            fail(new Error(`swarm worker: ${reply.message}`));
            return;
        }
      });
      worker.on('error', (error) => fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) fail(new Error(`swarm worker exited with code ${code}`));
      });
    }
  }).finally(() => {
    for (const worker of workers) void worker.terminate();
  });
  return summary;
}
