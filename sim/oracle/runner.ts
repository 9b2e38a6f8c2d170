// Running seeds: one seed as a JSON-ready report, a swarm over a range of seeds, the
// determinism check (the same seed twice, compared event by event), and the replay of a trace
// file. The command line (runners/sim.ts) is a thin layer over these.
//
// Invariants:
//   - Everything a report holds is plain JSON: u64 values (bigints) are decimal strings.
//   - A trace file's first lines name the run (`sim.spec`: seed, profile, planted bug), so a
//     replay needs nothing but the file; the replay re-runs the spec and compares every line.
//   - Seeds run one after another in this process (the world is single-threaded and holds no
//     global state between runs; the determinism test runs a seed in two processes).

import { readFileSync } from 'node:fs';
import { assert } from '../../core/assert.js';
import { firstDivergence, hashTexts, hashTraceLines } from '../trace.js';
import { runSeed, type RunResult, type RunSeedOptions, type SeedReport } from './cluster.js';
import type { SimDriverModule } from './drivers.js';
import { type DriverRef, familiesOn, FAULT_FAMILIES, type FaultFamily, nodesOf, type RunSpec } from './options.js';
import { collectReach, driverOfNodes, ReachTally, type ReachSummary } from './reach.js';
import type { Violation } from './violations.js';

/** Seeds one swarm may run (a range beyond this is a typo). */
export const SWARM_SEEDS_MAX = 10_000_000;

/** JSON.stringify with bigints as decimal strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), indent);
}

export interface SeedJson {
  readonly seed: number;
  readonly nodes: number;
  /** The driver module, when not the default (`file` for one node, `raft` for a cluster). */
  readonly driver?: DriverRef;
  readonly profile: string;
  readonly planted: string | null;
  readonly result: RunResult;
  readonly events: number;
  readonly simMs: number;
  readonly wallMs: number;
  readonly traceHash: string;
  readonly traceEntries: number;
  readonly familiesOn: readonly FaultFamily[];
  readonly options: unknown;
  readonly violations: readonly Violation[];
  readonly violationsDropped: number;
  readonly stats: unknown;
}

/** The JSON form of a seed's report (what `sim run --json` prints). */
export function seedJson(report: SeedReport): SeedJson {
  return {
    seed: report.spec.seed,
    nodes: nodesOf(report.spec),
    ...(report.spec.driver === undefined ? {} : { driver: report.spec.driver }),
    profile: report.spec.profile,
    planted: report.spec.planted,
    result: report.result,
    events: report.events,
    simMs: report.simMs,
    wallMs: Math.round(report.wallMs),
    traceHash: report.traceHash,
    traceEntries: report.traceEntries,
    familiesOn: familiesOn(report.options),
    options: JSON.parse(toJson(report.options)) as unknown,
    violations: report.violations,
    violationsDropped: report.violationsDropped,
    stats: JSON.parse(toJson(report.stats)) as unknown,
  };
}

/** The exit code of a run's result (DESIGN.md: 0 ok, 1 safety, 3 liveness). */
export function exitCodeOf(result: RunResult): number {
  return result === 'ok' ? 0 : result === 'safety' ? 1 : 3;
}

// --- determinism -----------------------------------------------------------------------------------

export interface DeterminismCheck {
  readonly same: boolean;
  readonly first: SeedReport;
  readonly second: SeedReport;
  /** The first line that differs, when the traces differ. */
  readonly divergence: { readonly index: number; readonly a: string | undefined; readonly b: string | undefined } | null;
}

/** Runs the spec twice in this process and compares the two traces line by line. */
export async function checkDeterminism(spec: RunSpec, driver?: SimDriverModule): Promise<DeterminismCheck> {
  const options: RunSeedOptions = driver === undefined ? { keepTrace: true } : { keepTrace: true, driver };
  const first = await runSeed(spec, options);
  const second = await runSeed(spec, options);
  const divergence = firstDivergence(first.trace.lines(), second.trace.lines());
  return { same: divergence === null && first.traceHash === second.traceHash, first, second, divergence };
}

// --- replay ------------------------------------------------------------------------------------------

/** Reads the run spec from a trace file's `sim.spec` line. */
export function specOfTrace(lines: readonly string[]): RunSpec | null {
  for (const line of lines.slice(0, 16)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return null;
    }
    const entry = parsed as { kind?: unknown; details?: { seed?: unknown; profile?: unknown; planted?: unknown; nodes?: unknown; driver?: unknown; driverSha256?: unknown } };
    if (entry.kind !== 'sim.spec' || entry.details === undefined) continue;
    const { seed, profile, planted, nodes, driver, driverSha256 } = entry.details;
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || typeof profile !== 'string') return null;
    if (planted !== null && typeof planted !== 'string') return null;
    // A single-node trace has no `nodes` (its spec line predates clusters).
    if (nodes !== undefined && (typeof nodes !== 'number' || !Number.isSafeInteger(nodes))) return null;
    // A trace of the default driver names none.
    if (driver !== undefined && typeof driver !== 'string') return null;
    if (driverSha256 !== undefined && typeof driverSha256 !== 'string') return null;
    const driverRef: DriverRef | undefined = driver === undefined ? undefined : driverSha256 === undefined ? { module: driver } : { module: driver, sha256: driverSha256 };
    return { seed, profile, planted, ...(nodes === undefined ? {} : { nodes }), ...(driverRef === undefined ? {} : { driver: driverRef }) } as RunSpec;
  }
  return null;
}

export interface Replay {
  readonly spec: RunSpec;
  readonly report: SeedReport;
  /** Whether the re-run produced the file's trace, line for line. */
  readonly same: boolean;
  readonly fileHash: string;
  readonly divergence: { readonly index: number; readonly a: string | undefined; readonly b: string | undefined } | null;
}

/**
 * Finds the driver module a trace names (a built-in, or a file the runner loads and hashes): the
 * module, or why the replay cannot run it (a different build of the file, a file that is gone).
 */
export type DriverResolver = (ref: DriverRef) => Promise<SimDriverModule | { readonly error: string }>;

/**
 * Re-runs the run a trace file records and compares the new trace with the file. A trace that
 * names a driver module of its own needs `resolveDriver` (the runner's loader).
 */
export async function replayTraceFile(path: string, resolveDriver?: DriverResolver): Promise<Replay | { readonly error: string }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { error: `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const spec = specOfTrace(lines);
  if (spec === null) return { error: `${path} is not a trace of \`tsoracle sim\` (no sim.spec line at its start)` };
  let driver: SimDriverModule | undefined;
  if (spec.driver !== undefined && resolveDriver !== undefined) {
    const resolved = await resolveDriver(spec.driver);
    if ('error' in resolved) return { error: resolved.error };
    driver = resolved;
  }
  const report = await runSeed(spec, driver === undefined ? { keepTrace: true } : { keepTrace: true, driver });
  const divergence = firstDivergence(lines, report.trace.lines());
  return { spec, report, same: divergence === null, fileHash: hashTraceLines(lines), divergence };
}

// --- swarm -------------------------------------------------------------------------------------------

export interface SwarmOptions {
  readonly fromSeed: number;
  readonly toSeed: number;
  readonly profile: RunSpec['profile'];
  readonly planted: RunSpec['planted'];
  /** Server nodes: 1 (default) or a Raft cluster of 3 or 5. */
  readonly nodes?: number;
  /** The driver module and how the trace names it (absent: the default for the node count). */
  readonly driver?: { readonly module: SimDriverModule; readonly ref: DriverRef };
  /** Stop at the first seed that fails. */
  readonly stopAtFirstFailure?: boolean;
  /** Called after every seed (progress lines). */
  readonly onSeed?: (report: SeedReport, done: number, total: number) => void;
}

export interface FamilyCoverage {
  /** Seeds that had the family on. */
  seeds: number;
  /** Of those, seeds where the family struck at least once. */
  struck: number;
}

export interface SwarmSummary {
  readonly seeds: string;
  readonly nodes: number;
  readonly seedsRun: number;
  readonly result: RunResult;
  readonly events: number;
  readonly simMs: number;
  readonly wallMs: number;
  /** A hash over every seed's trace hash, in seed order. */
  readonly traceHash: string;
  readonly failures: readonly SeedJson[];
  readonly coverage: Readonly<Record<FaultFamily, FamilyCoverage>>;
  /** Raft swarms: simulated time from a leader's crash or kill to a new leader, and to one serving. */
  readonly failover?: FailoverSummary;
  /** The rare paths (`sometimes` marks) the seeds reached, and those none reached. */
  readonly reach: ReachSummary;
}

export interface FailoverSummary {
  /** Leader deaths in the safety phases of all seeds. */
  readonly leaderDeaths: number;
  /** Election-time faults struck, over all seeds: new leaders cut off, followers powered off. */
  readonly isolateNewLeader: number;
  readonly followerPowerLoss: number;
  readonly electMs: Percentiles | null;
  readonly serveMs: Percentiles | null;
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles of `values` (null when empty). */
export function percentiles(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
  return { count: sorted.length, p50: Math.round(rank(0.5)), p99: Math.round(rank(0.99)), max: Math.round(sorted[sorted.length - 1] as number) };
}

/** Which families of a run actually struck (a nemesis strike or a fault that fired). */
export function familiesStruck(report: SeedReport): Set<FaultFamily> {
  const s = report.stats;
  const out = new Set<FaultFamily>();
  for (const [family, n] of Object.entries(s.nemesisStrikes)) if (n > 0) out.add(family as FaultFamily);
  const disk: Record<string, FaultFamily> = {
    crashTorn: 'diskTorn',
    crashPartial: 'diskPartial',
    crashDirOpsVanish: 'diskDirOpsVanish',
    fsyncFail: 'diskFsyncFail',
    writeFull: 'diskFull',
    latencySpike: 'diskLatency',
    readCorrupt: 'diskReadCorrupt',
    crashTailLost: 'diskTailLost',
    bitRot: 'diskBitRot',
    misdirectedWrite: 'diskMisdirectedWrite',
    truncateFail: 'diskTruncateFail',
  };
  for (const [fault, n] of Object.entries(s.diskFaults)) if (n > 0 && disk[fault] !== undefined) out.add(disk[fault]);
  const net: Record<string, FaultFamily> = {
    loss: 'netReset',
    resetAfterDelivery: 'netResetAfterDelivery',
    badLength: 'netBadLength',
    latencySpike: 'netLatency',
    corrupt: 'netCorrupt',
  };
  for (const [fault, n] of Object.entries(s.netFaults)) if (n > 0 && net[fault] !== undefined) out.add(net[fault]);
  return out;
}

/** Runs seeds `fromSeed..toSeed` (inclusive) and summarizes. */
export async function runSwarm(options: SwarmOptions): Promise<SwarmSummary> {
  const { fromSeed, toSeed } = options;
  assert(Number.isSafeInteger(fromSeed) && Number.isSafeInteger(toSeed) && fromSeed >= 0 && toSeed >= fromSeed, 'swarm_range_valid');
  assert(toSeed - fromSeed + 1 <= SWARM_SEEDS_MAX, 'swarm_seeds_within_limit');
  const total = toSeed - fromSeed + 1;
  const failures: SeedJson[] = [];
  const hashes: string[] = [];
  const coverage = Object.fromEntries(FAULT_FAMILIES.map((f) => [f, { seeds: 0, struck: 0 }])) as Record<FaultFamily, FamilyCoverage>;
  let events = 0;
  let simMs = 0;
  let safety = false;
  const electMs: number[] = [];
  const serveMs: number[] = [];
  let leaderDeaths = 0;
  let isolateNewLeader = 0;
  let followerPowerLoss = 0;
  const reach = new ReachTally(options.driver?.module.name ?? driverOfNodes(options.nodes ?? 1));
  const startedMs = performance.now();
  let done = 0;
  for (let seed = fromSeed; seed <= toSeed; seed++) {
    const { result: report, reach: seedReach } = await collectReach(() =>
      runSeed(
        {
          seed,
          profile: options.profile,
          planted: options.planted,
          ...(options.nodes !== undefined && options.nodes !== 1 ? { nodes: options.nodes } : {}),
          ...(options.driver === undefined ? {} : { driver: options.driver.ref }),
        },
        options.driver === undefined ? {} : { driver: options.driver.module },
      ),
    );
    reach.add(seed, seedReach);
    done++;
    events += report.events;
    simMs += report.simMs;
    hashes.push(`${seed}:${report.traceHash}`);
    isolateNewLeader += report.stats.nemesisStrikes.isolateNewLeader ?? 0;
    followerPowerLoss += report.stats.nemesisStrikes.followerPowerLoss ?? 0;
    for (const f of report.stats.raft?.failovers ?? []) {
      leaderDeaths++;
      if (f.electMs !== null) electMs.push(f.electMs);
      if (f.serveMs !== null) serveMs.push(f.serveMs);
    }
    const struck = familiesStruck(report);
    for (const family of familiesOn(report.options)) {
      coverage[family].seeds++;
      if (struck.has(family)) coverage[family].struck++;
    }
    if (report.result !== 'ok') {
      failures.push(seedJson(report));
      if (report.result === 'safety') safety = true;
    }
    options.onSeed?.(report, done, total);
    if (report.result !== 'ok' && options.stopAtFirstFailure === true) break;
  }
  return {
    seeds: `${fromSeed}..${toSeed}`,
    nodes: options.nodes ?? 1,
    seedsRun: done,
    result: safety ? 'safety' : failures.length > 0 ? 'liveness' : 'ok',
    events,
    simMs,
    wallMs: Math.round(performance.now() - startedMs),
    traceHash: hashTexts(hashes),
    failures,
    coverage,
    reach: reach.summary(),
    ...((options.nodes ?? 1) > 1 ? { failover: { leaderDeaths, isolateNewLeader, followerPowerLoss, electMs: percentiles(electMs), serveMs: percentiles(serveMs) } } : {}),
  };
}
