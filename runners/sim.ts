// `tsoracle sim`: the simulator's command line. `runSimCommand(argv)` takes the arguments after
// `sim` and resolves to the exit code (DESIGN.md: 0 ok, 1 safety violation, 2 usage error,
// 3 liveness failure, 4 nondeterminism); it never calls process.exit, so the CLI and tests can
// both drive it.
//
//   sim run --seed S [--nodes 1|3|5] [--driver MODULE] [--profile P] [--plant BUG] [--json] [--trace FILE] [--check-determinism] [--html FILE]
//   sim swarm --seeds A..B [--nodes 1|3|5] [--driver MODULE] [--profile P] [--plant BUG] [--json] [--stop-at-first] [--jobs N] [--shard I/N]
//   sim replay FILE [--driver MODULE] [--json] [--html FILE]       (FILE: a trace or a failure capsule)
//   sim shrink SEED|TRACE|CAPSULE [--nodes N] [--driver MODULE] [--profile P] [--plant BUG] [--out FILE] [--runs N] [--json]
//
// shrink: searches deterministically for a smaller run failing with the same violation kind
// (sim/oracle/shrink.ts) and writes it as a failure capsule (sim/oracle/capsule.ts), which
// `sim replay` runs with no strike or call drawn. It exits 0 once the capsule is written, 2 when
// the run does not fail.
//
// --driver: `file` (the default for one node), `raft` (the default for a cluster), or a JS
// module file exporting a SimDriverModule (runners/sim-driver.ts loads it; the trace names the
// file and its sha256, and a replay refuses a file whose bytes changed).
//   sim bench [--seeds N] [--nodes 1|3|5] [--profile P] [--json]
//
// Output: human lines on stdout (a progress line on stderr when stdout and stderr are terminals); with --json
// the LAST line of stdout is one JSON object (u64 values as decimal strings) holding at least
// seed, result, events, simMs, wallMs, traceHash, the options drawn and the violations.

import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { renderRunHtml } from '../sim/viewer/html.js';
import { benchOracle } from '../sim/oracle/bench.js';
import type { SeedReport } from '../sim/oracle/cluster.js';
import { runSeed } from '../sim/oracle/cluster.js';
import { CLUSTER_SIZES, familiesOn, isPlantedBug, isProfileName, nodesOf, PLANTED_BUGS, profileForBug, PROFILES, specProblem, type PlantedBug, type ProfileName, type RunSpec } from '../sim/oracle/options.js';
import { checkDeterminism, exitCodeOf, replayTraceFile, seedJson, toJson } from '../sim/oracle/runner.js';
import { describeReach } from '../sim/oracle/reach.js';
import { parseShard, progressLine, runSwarmHere, runSwarmPool, type SeedOutcome, type Shard, shardRange, SWARM_JOBS_MAX, type SwarmProgress } from '../sim/oracle/swarm-pool.js';
import type { SwarmWorkerData } from './sim-swarm-worker.js';
import { type Capsule, CAPSULE_FORMAT, CapsuleError, capsuleText, parseCapsule, runCapsule, showsExpected } from '../sim/oracle/capsule.js';
import { capsuleOfSeed, SHRINK_RUNS_MAX, shrinkCapsule, ShrinkError } from '../sim/oracle/shrink.js';
import type { SimDriverModule } from '../sim/oracle/drivers.js';
import { specOfTrace } from '../sim/oracle/runner.js';
import { loadSimDriver, type LoadedSimDriver, resolveTraceDriver } from './sim-driver.js';

/** Writes the run page of a report whose trace was kept (sim/viewer/html.ts). */
function writeRunPage(io: SimIo, file: string, title: string, report: SeedReport): void {
  writeFileSync(file, renderRunHtml({ title, entries: report.trace.entries(), violations: report.violations }));
  io.out(`  page: ${file} (open it in a browser; it fetches nothing)\n`);
}

/** The worker entry of `sim swarm --jobs N` (compiled next to this file). */
const SWARM_WORKER_URL = new URL('./sim-swarm-worker.js', import.meta.url);

export const SIM_EXIT_OK = 0;
export const SIM_EXIT_SAFETY = 1;
export const SIM_EXIT_USAGE = 2;
export const SIM_EXIT_LIVENESS = 3;
export const SIM_EXIT_NONDETERMINISM = 4;

/** Where the command writes (the process's streams unless a caller captures them). */
export interface SimIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout and stderr are terminals (a progress line is drawn on stderr only then). */
  readonly progress: boolean;
}

const processIo: SimIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  progress: process.stdout.isTTY === true && process.stderr.isTTY === true,
};

function parseSeed(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`not a seed (a non-negative integer): ${text}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`seed out of range: ${text}`);
  return n;
}

function parseSeedRange(text: string): { from: number; to: number } {
  const m = /^(\d+)\.\.(\d+)$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError(`not a seed range A..B: ${text}`);
  const from = parseSeed(m[1] as string);
  const to = parseSeed(m[2] as string);
  if (to < from) throw new InvalidArgumentError(`empty seed range: ${text}`);
  return { from, to };
}

function parseProfile(text: string): ProfileName {
  if (!isProfileName(text)) throw new InvalidArgumentError(`unknown profile ${text} (one of: ${PROFILES.join(', ')})`);
  return text;
}

function parseBug(text: string): PlantedBug {
  if (!isPlantedBug(text)) throw new InvalidArgumentError(`unknown planted bug ${text} (one of: ${PLANTED_BUGS.join(', ')})`);
  return text;
}

function parsePositiveInt(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(`not a positive integer: ${text}`);
  return Number(text);
}

function parseJobs(text: string): number {
  const n = parsePositiveInt(text);
  if (n > SWARM_JOBS_MAX) throw new InvalidArgumentError(`too many jobs: ${text} (at most ${SWARM_JOBS_MAX})`);
  return n;
}

function parseShardFlag(text: string): Shard {
  const shard = parseShard(text);
  if (shard === null) throw new InvalidArgumentError(`not a shard I/N with 1 ≤ I ≤ N: ${text}`);
  return shard;
}

function parseNodes(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !(CLUSTER_SIZES as readonly number[]).includes(n)) {
    throw new InvalidArgumentError(`not a simulated cluster size: ${text} (one of: ${CLUSTER_SIZES.join(', ')}; 1 is the file driver, 3 and 5 are Raft clusters)`);
  }
  return n;
}

/**
 * The spec of a run from its flags: a planted bug brings its own profile unless one is given,
 * and a bug's profile (`--profile planted:BUG`) plants that bug unless `--plant` names another
 * (a profile tuned to find a bug that planted nothing would pass every seed and prove nothing).
 */
function specOf(seed: number, profile: ProfileName | undefined, flagPlant: PlantedBug | undefined, nodes = 1, driver?: LoadedSimDriver): RunSpec {
  const plant = flagPlant ?? (profile?.startsWith('planted:') === true ? (profile.slice('planted:'.length) as PlantedBug) : undefined);
  const spec: RunSpec = {
    seed,
    profile: profile ?? (plant === undefined ? 'swarm' : profileForBug(plant)),
    planted: plant ?? null,
    ...(nodes === 1 ? {} : { nodes }),
    ...(driver?.ref === undefined ? {} : { driver: driver.ref }),
  };
  const problem = specProblem(spec);
  if (problem !== null) throw new Usage(problem);
  return spec;
}

/** The flags that name `spec` on the command line (the profile a planted bug brings is implied). */
function specFlags(spec: RunSpec): string {
  const implied = spec.planted === null ? 'swarm' : profileForBug(spec.planted);
  const profile = spec.profile === implied ? '' : ` --profile ${spec.profile}`;
  const nodes = nodesOf(spec) === 1 ? '' : ` --nodes ${nodesOf(spec)}`;
  const driver = spec.driver === undefined ? '' : ` --driver ${spec.driver.module}`;
  return `${nodes}${driver}${profile}${spec.planted === null ? '' : ` --plant ${spec.planted}`}`;
}

function describeSeed(report: SeedReport): string {
  const s = report.stats;
  const ops = Object.values(s.ops).reduce((n, k) => n + k.ok + k.failed + k.unknown + k.pending, 0);
  return (
    `seed ${report.spec.seed} (${nodesOf(report.spec) === 1 ? '' : `${nodesOf(report.spec)} nodes, `}${report.spec.driver === undefined ? '' : `driver ${report.spec.driver.module}, `}${report.spec.profile}${report.spec.planted === null ? '' : `, planted ${report.spec.planted}`}): ${report.result}` +
    ` — ${ops} calls, ${report.events} events, ${Math.round(report.simMs)} virtual ms in ${Math.round(report.wallMs)} wall ms, trace ${report.traceHash}`
  );
}

function writeSeed(io: SimIo, report: SeedReport): void {
  const o = report.options;
  io.out(`${describeSeed(report)}\n`);
  io.out(`  families on: ${familiesOn(o).join(', ') || '(none)'}\n`);
  io.out(
    `  server: window ahead ${o.server.windowAheadMs} ms, failover advance ${o.server.failoverAdvanceMs} ms; client: ${o.client.attemptsMax} attempts of ${o.client.attemptTimeoutMs} ms within ${o.client.overallTimeoutMs} ms\n`,
  );
  io.out(
    `  workload: ${o.workload.clients} clients × ${o.workload.callersPerClient} callers, weights getTs ${o.workload.weights.getTs} / getTsBatch ${o.workload.weights.getTsBatch} / getSeq ${o.workload.weights.getSeq}; phases ${o.phases.safetyMs} + ${o.phases.livenessMs} ms\n`,
  );
  const raft = o.raft;
  const raftStats = report.stats.raft;
  if (raft !== null && raftStats !== undefined) {
    io.out(
      `  raft: election timeout ${raft.electionTimeoutMs} ms, heartbeat ${raft.heartbeatIntervalMs} ms, drift bound ${raft.clockDriftBound} (clocks drift ≤ ${raft.driftPpmMax} ppm), lease margin ${raft.leaseMarginMs} ms, ` +
        `${raft.maxEntriesPerMessage} entries/message, ${raft.maxInflightMessages} in flight, snapshot every ${raft.snapshotEntries} entries\n`,
    );
    const failovers = raftStats.failovers.map((f) => `${f.electMs === null ? '-' : Math.round(f.electMs)}/${f.serveMs === null ? '-' : Math.round(f.serveMs)}`).join(' ');
    io.out(
      `  raft: ${raftStats.elections} elections, ${raftStats.committedIndex} entries committed; leader deaths → new leader/serving ms: ${failovers || '(none)'}` +
        `${raftStats.heldDown.length > 0 ? `; kept down through liveness: ${raftStats.heldDown.join(', ')}` : ''}\n`,
    );
  }
  for (const v of report.violations) io.out(`  ${v.class} violation ${v.kind} at t=${v.atMs}: ${v.message}\n`);
  if (report.violationsDropped > 0) io.out(`  (${report.violationsDropped} more violations not shown)\n`);
}

class Usage extends Error {}

/** The driver `--driver` names (the default when absent), or a usage error. */
async function driverOf(text: string | undefined, nodes: number): Promise<LoadedSimDriver | undefined> {
  if (text === undefined) return undefined;
  const loaded = await loadSimDriver(text, nodes);
  if ('error' in loaded) throw new Usage(loaded.error);
  return loaded;
}

/** A file's text as a capsule, or null when it is not one (a trace). A broken capsule is a usage error. */
function capsuleOfFile(file: string): { readonly capsule: Capsule | null; readonly text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Usage(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let head: unknown;
  try {
    head = JSON.parse(text);
  } catch {
    return { capsule: null, text };
  }
  if (typeof head !== 'object' || head === null || (head as { format?: unknown }).format !== CAPSULE_FORMAT) return { capsule: null, text };
  try {
    return { capsule: parseCapsule(text), text };
  } catch (e) {
    if (e instanceof CapsuleError) throw new Usage(`${file}: ${e.message}`);
    throw e;
  }
}

/** The driver module a capsule or trace names (a built-in, or its file with the same sha256). */
async function driverOfSpec(spec: RunSpec, override: string | undefined): Promise<SimDriverModule | undefined> {
  if (spec.driver === undefined) return undefined;
  const resolved = await resolveTraceDriver(spec.driver, override);
  if ('error' in resolved) throw new Usage(resolved.error);
  return resolved;
}

function describeSize(size: Capsule['size']): string {
  return `${size.strikes} fault strikes, ${size.ops} calls, ${size.events} events, ${size.simMs} virtual ms`;
}

const DRIVER_HELP = 'the consensus driver: file (one node), raft (3 or 5), or a JS module file exporting a SimDriverModule';

export async function runSimCommand(argv: string[], io: SimIo = processIo): Promise<number> {
  let code = SIM_EXIT_OK;
  const program = new Command('tsoracle sim')
    .description('deterministic simulation of the oracle: run a seed, a swarm of seeds, replay a trace')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showHelpAfterError();

  program
    .command('run')
    .description('run one seed')
    .requiredOption('--seed <n>', 'the seed', parseSeed)
    .addOption(new Option('--profile <name>', `options profile (${PROFILES.join(', ')})`).argParser(parseProfile))
    .addOption(new Option('--plant <bug>', `plant a known bug (${PLANTED_BUGS.join(', ')})`).argParser(parseBug))
    .option('--nodes <n>', 'server nodes: 1 (the file driver) or a Raft cluster of 3 or 5', parseNodes, 1)
    .option('--driver <module>', DRIVER_HELP)
    .option('--json', 'print one JSON object as the last line')
    .option('--trace <file>', 'write the trace (JSON Lines) to this file')
    .option('--check-determinism', 'run the seed twice and compare the traces')
    .option('--html <file>', 'write the run as one self-contained HTML page (lanes, operations, faults, the violation)')
    .action(async (opts: { seed: number; profile?: ProfileName; plant?: PlantedBug; nodes: number; driver?: string; json?: boolean; trace?: string; checkDeterminism?: boolean; html?: string }) => {
      const driver = await driverOf(opts.driver, opts.nodes);
      const spec = specOf(opts.seed, opts.profile, opts.plant, opts.nodes, driver);
      let report: SeedReport;
      let nondeterminism: { index: number; a: string | undefined; b: string | undefined } | null = null;
      if (opts.checkDeterminism === true) {
        const check = await checkDeterminism(spec, driver?.module);
        report = check.first;
        if (!check.same) nondeterminism = check.divergence ?? { index: -1, a: check.first.traceHash, b: check.second.traceHash };
      } else {
        report = await runSeed(spec, { keepTrace: opts.trace !== undefined || opts.html !== undefined, ...(driver === undefined ? {} : { driver: driver.module }) });
      }
      if (opts.trace !== undefined) report.trace.writeJsonl(opts.trace);
      writeSeed(io, report);
      if (opts.html !== undefined) writeRunPage(io, opts.html, `tsoracle sim run --seed ${spec.seed}${specFlags(spec)}: ${report.result}`, report);
      if (opts.trace !== undefined) io.out(`  trace: ${opts.trace} (${report.traceEntries} events); replay: tsoracle sim replay ${opts.trace}\n`);
      if (opts.checkDeterminism === true) {
        io.out(
          nondeterminism === null
            ? `  deterministic: two runs gave the same ${report.traceEntries} trace events (${report.traceHash})\n`
            : `  NONDETERMINISM: the two runs first differ at event ${nondeterminism.index}:\n    first:  ${nondeterminism.a ?? '(end)'}\n    second: ${nondeterminism.b ?? '(end)'}\n`,
        );
      }
      if (report.result !== 'ok') io.out(`  reproduce: tsoracle sim run --seed ${spec.seed}${specFlags(spec)} --trace seed-${spec.seed}.jsonl\n`);
      code = nondeterminism !== null ? SIM_EXIT_NONDETERMINISM : exitCodeOf(report.result);
      if (opts.json === true) {
        io.out(`${toJson({ ...seedJson(report), ...(opts.checkDeterminism === true ? { deterministic: nondeterminism === null, divergence: nondeterminism } : {}) })}\n`);
      }
    });

  program
    .command('swarm')
    .description('run a range of seeds, each drawing its own faults, workload and configuration')
    .requiredOption('--seeds <A..B>', 'the seed range, inclusive', parseSeedRange)
    .addOption(new Option('--profile <name>', `options profile (${PROFILES.join(', ')})`).argParser(parseProfile))
    .addOption(new Option('--plant <bug>', `plant a known bug (${PLANTED_BUGS.join(', ')})`).argParser(parseBug))
    .option('--nodes <n>', 'server nodes: 1 (the file driver) or a Raft cluster of 3 or 5', parseNodes, 1)
    .option('--driver <module>', DRIVER_HELP)
    .option('--json', 'print one JSON object as the last line')
    .option('--stop-at-first', 'stop at the first failing seed')
    .option('--jobs <n>', `worker threads running seeds (default: the number of cores, ${availableParallelism()}; 1 runs them on this thread)`, parseJobs)
    .option('--shard <I/N>', 'run only the I-th of N contiguous pieces of the seed range (N machines running 1/N..N/N run every seed once)', parseShardFlag)
    .action(async (opts: { seeds: { from: number; to: number }; profile?: ProfileName; plant?: PlantedBug; nodes: number; driver?: string; json?: boolean; stopAtFirst?: boolean; jobs?: number; shard?: Shard }) => {
      const driver = await driverOf(opts.driver, opts.nodes);
      const range = opts.shard === undefined ? { fromSeed: opts.seeds.from, toSeed: opts.seeds.to } : shardRange(opts.seeds.from, opts.seeds.to, opts.shard);
      if (range === null) throw new Usage(`--shard ${opts.shard?.index}/${opts.shard?.count}: the range ${opts.seeds.from}..${opts.seeds.to} has fewer seeds than shards, and this shard is empty`);
      const spec = specOf(range.fromSeed, opts.profile, opts.plant, opts.nodes, driver);
      const poolOptions = {
        fromSeed: range.fromSeed,
        toSeed: range.toSeed,
        spec: { profile: spec.profile, planted: spec.planted, nodes: opts.nodes, ...(driver?.ref === undefined ? {} : { driverRef: driver.ref }) },
        ...(driver === undefined ? {} : { driverName: driver.module.name }),
        stopAtFirstFailure: opts.stopAtFirst === true,
        onOutcome: (outcome: SeedOutcome, progress: SwarmProgress) => {
          if (outcome.result !== 'ok') {
            if (io.progress) io.err('\r\u001b[K');
            const first = outcome.failure?.violations[0];
            io.out(`FAIL seed ${outcome.seed}: ${outcome.result}${first === undefined ? '' : ` ${first.kind}: ${first.message}`}\n`);
            io.out(`  reproduce: tsoracle sim run --seed ${outcome.seed}${specFlags({ ...spec, seed: outcome.seed })} --trace seed-${outcome.seed}.jsonl\n`);
          }
          if (io.progress) io.err(`\r\u001b[K${progressLine(progress)}`);
        },
      };
      // Worker threads load the compiled worker; under a runner of TypeScript sources (the tests)
      // a thread cannot load it, and the seeds run on this thread through the same fold.
      const jobs = opts.jobs ?? availableParallelism();
      const summary =
        jobs > 1 && import.meta.url.endsWith('.js')
          ? await runSwarmPool({ ...poolOptions, jobs: Math.min(jobs, SWARM_JOBS_MAX), workerUrl: SWARM_WORKER_URL, workerData: { spec: poolOptions.spec, ...(opts.driver === undefined ? {} : { driverText: opts.driver }) } satisfies SwarmWorkerData })
          : await runSwarmHere(poolOptions, driver?.module);
      if (io.progress) io.err('\r\u001b[K');
      const secondsWall = summary.wallMs / 1000;
      io.out(
        `swarm ${summary.seeds} (${opts.nodes === 1 ? '' : `${opts.nodes} nodes, `}${spec.driver === undefined ? '' : `driver ${spec.driver.module}, `}${spec.profile}${spec.planted === null ? '' : `, planted ${spec.planted}`}): ${summary.seedsRun} seeds, ${summary.failures.length} failing — ${summary.events} events, ` +
          `${Math.round(summary.simMs)} virtual ms in ${Math.round(summary.wallMs)} wall ms (${Math.round(summary.events / Math.max(secondsWall, 1e-9))} events/s, ${(summary.simMs / Math.max(summary.wallMs, 1e-9)).toFixed(1)}x)\n`,
      );
      const covered = Object.entries(summary.coverage).map(([family, c]) => `${family} ${c.struck}/${c.seeds}`);
      io.out(`  families (seeds where it struck / seeds where it was on): ${covered.join(', ')}\n`);
      const f = summary.failover;
      if (f !== undefined) {
        const p = (x: typeof f.electMs): string => (x === null ? 'none' : `p50 ${x.p50} ms, p99 ${x.p99} ms, max ${x.max} ms`);
        io.out(`  failover after ${f.leaderDeaths} leader deaths (simulated time): new leader ${p(f.electMs)}; serving again ${p(f.serveMs)}\n`);
        io.out(`  at elections: ${f.isolateNewLeader} new leaders cut off, ${f.followerPowerLoss} followers powered off behind a write\n`);
      }
      for (const line of describeReach(summary.reach)) io.out(`${line}\n`);
      if (summary.failures.length > 0) {
        io.out(`  failing seeds: ${summary.failures.map((f) => f.seed).join(', ')}\n`);
        const first = summary.failures[0];
        if (first !== undefined) io.out(`  reproduce: tsoracle sim run --seed ${first.seed}${specFlags({ ...spec, seed: first.seed })} --trace seed-${first.seed}.jsonl\n`);
      }
      code = exitCodeOf(summary.result);
      if (opts.json === true) {
        io.out(
          `${toJson({
            seed: summary.seeds,
            nodes: opts.nodes,
            ...(spec.driver === undefined ? {} : { driver: spec.driver }),
            profile: spec.profile,
            planted: spec.planted,
            result: summary.result,
            ...(opts.shard === undefined ? {} : { shard: `${opts.shard.index}/${opts.shard.count}`, of: `${opts.seeds.from}..${opts.seeds.to}` }),
            seedsRun: summary.seedsRun,
            events: summary.events,
            simMs: summary.simMs,
            wallMs: summary.wallMs,
            traceHash: summary.traceHash,
            failingSeeds: summary.failures.map((f) => f.seed),
            failures: summary.failures,
            coverage: summary.coverage,
            ...(summary.failover !== undefined ? { failover: summary.failover } : {}),
            reach: summary.reach,
          })}\n`,
        );
      }
    });

  program
    .command('replay')
    .description('re-run the run a trace file records and compare it event by event, or run a failure capsule')
    .argument('<file>', 'a trace written by `sim run --trace`, or a capsule written by `sim shrink`')
    .option('--driver <module>', 'where the driver module the trace names is now (its bytes must be the same)')
    .option('--json', 'print one JSON object as the last line')
    .option('--html <file>', 'write the replayed run as one self-contained HTML page')
    .action(async (file: string, opts: { driver?: string; json?: boolean; html?: string }) => {
      const { capsule } = capsuleOfFile(file);
      if (capsule !== null) {
        const driver = await driverOfSpec(capsule.spec, opts.driver);
        const report = await runCapsule(capsule, { keepTrace: opts.html !== undefined, ...(driver === undefined ? {} : { driver }) });
        writeSeed(io, report);
        if (opts.html !== undefined) writeRunPage(io, opts.html, `tsoracle sim replay ${file}: ${report.result}`, report);
        const shows = showsExpected(capsule, report);
        const same = report.traceHash === capsule.expect.traceHash;
        const expected = capsule.expect.violation === null ? capsule.expect.result : `${capsule.expect.violation.kind} (${capsule.expect.result})`;
        io.out(
          shows
            ? `  replayed capsule: ${describeSize(capsule.size)}; it shows ${expected} as recorded${same ? ` (the same trace, ${report.traceHash})` : `, with another trace (${report.traceHash}, recorded ${capsule.expect.traceHash})`}\n`
            : `  CAPSULE DIFFERS: recorded ${expected}, the replay shows ${report.violations[0]?.kind ?? report.result} (trace ${report.traceHash}, recorded ${capsule.expect.traceHash})\n`,
        );
        code = shows ? exitCodeOf(report.result) : SIM_EXIT_NONDETERMINISM;
        if (opts.json === true) io.out(`${toJson({ ...seedJson(report), file, capsule: true, expect: capsule.expect, shows, same })}\n`);
        return;
      }
      const replay = await replayTraceFile(file, (ref) => resolveTraceDriver(ref, opts.driver));
      if ('error' in replay) throw new Usage(replay.error);
      writeSeed(io, replay.report);
      if (opts.html !== undefined) writeRunPage(io, opts.html, `tsoracle sim replay ${file}: ${replay.report.result}`, replay.report);
      io.out(
        replay.same
          ? `  replayed: the trace matches ${file} event for event (${replay.report.traceEntries} events, ${replay.report.traceHash})\n`
          : `  NONDETERMINISM: the replay first differs from ${file} at event ${replay.divergence?.index ?? -1}:\n    file:   ${replay.divergence?.a ?? '(end)'}\n    replay: ${replay.divergence?.b ?? '(end)'}\n`,
      );
      code = replay.same ? exitCodeOf(replay.report.result) : SIM_EXIT_NONDETERMINISM;
      if (opts.json === true) {
        io.out(`${toJson({ ...seedJson(replay.report), file, fileTraceHash: replay.fileHash, same: replay.same, divergence: replay.divergence })}\n`);
      }
    });

  program
    .command('shrink')
    .description('shrink a failing run (a seed, a trace or a capsule) to a smaller failure capsule of the same violation kind')
    .argument('<source>', 'a seed (with --nodes, --driver, --profile, --plant as for `sim run`), a trace file or a capsule file')
    .addOption(new Option('--profile <name>', `options profile of a seed (${PROFILES.join(', ')})`).argParser(parseProfile))
    .addOption(new Option('--plant <bug>', `plant a known bug (${PLANTED_BUGS.join(', ')})`).argParser(parseBug))
    .option('--nodes <n>', 'server nodes of a seed: 1 (the file driver) or a Raft cluster of 3 or 5', parseNodes, 1)
    .option('--driver <module>', `${DRIVER_HELP}; for a trace or capsule, where its driver module is now`)
    .option('--out <file>', 'where to write the capsule (default: capsule-seed-S.json)')
    .option('--runs <n>', `runs the search may take (default ${SHRINK_RUNS_MAX})`, parsePositiveInt)
    .option('--json', 'print one JSON object as the last line')
    .action(async (source: string, opts: { profile?: ProfileName; plant?: PlantedBug; nodes: number; driver?: string; out?: string; runs?: number; json?: boolean }) => {
      let start: Capsule;
      let driver: SimDriverModule | undefined;
      if (/^\d+$/.test(source)) {
        const loaded = await driverOf(opts.driver, opts.nodes);
        const spec = specOf(parseSeed(source), opts.profile, opts.plant, opts.nodes, loaded);
        driver = loaded?.module;
        start = await capsuleOfSeed(spec, driver);
      } else {
        const { capsule, text } = capsuleOfFile(source);
        if (capsule !== null) {
          driver = await driverOfSpec(capsule.spec, opts.driver);
          start = capsule;
        } else {
          const lines = text.split('\n');
          const spec = specOfTrace(lines);
          if (spec === null) throw new Usage(`${source} is neither a seed, a trace of \`tsoracle sim\` nor a failure capsule`);
          driver = await driverOfSpec(spec, opts.driver);
          start = await capsuleOfSeed(spec, driver);
        }
      }
      const out = opts.out ?? `capsule-seed-${start.spec.seed}.json`;
      let result;
      try {
        result = await shrinkCapsule(start, { ...(opts.runs === undefined ? {} : { runsMax: opts.runs }), ...(driver === undefined ? {} : { driver }) });
      } catch (e) {
        if (e instanceof ShrinkError || e instanceof RangeError) throw new Usage(e.message);
        throw e;
      }
      writeFileSync(out, capsuleText(result.shrunk));
      const v = result.shrunk.expect.violation;
      io.out(`shrink seed ${start.spec.seed}${specFlags(start.spec)}: ${result.target}, ${result.runs} runs, ${result.steps.length} steps kept\n`);
      io.out(`  original: ${describeSize(result.original.size)}\n`);
      io.out(`  shrunk:   ${describeSize(result.shrunk.size)}\n`);
      if (v !== null) io.out(`  ${result.shrunk.expect.result} violation ${v.kind}: ${v.message}\n`);
      io.out(`  capsule: ${out}; replay: tsoracle sim replay ${out}${driver === undefined ? '' : ' [--driver MODULE]'} [--html page.html]\n`);
      code = SIM_EXIT_OK;
      if (opts.json === true) {
        io.out(`${toJson({ seed: start.spec.seed, spec: start.spec, target: result.target, runs: result.runs, steps: result.steps, original: result.original.size, shrunk: result.shrunk.size, expect: result.shrunk.expect, capsule: out })}\n`);
      }
    });

  program
    .command('bench')
    .description('measure the simulator on a workload, one node or a Raft cluster (events/s, time compression)')
    .option('--seeds <n>', 'seeds to run', parsePositiveInt, 20)
    .addOption(new Option('--profile <name>', 'options profile').argParser(parseProfile).default('bench'))
    .option('--nodes <n>', 'server nodes: 1 (the file driver) or a Raft cluster of 3 or 5', parseNodes, 1)
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { seeds: number; profile: ProfileName; nodes: number; json?: boolean }) => {
      specOf(1, opts.profile, undefined, opts.nodes);
      const bench = await benchOracle({ seeds: opts.seeds, profile: opts.profile, nodes: opts.nodes });
      io.out(
        `bench (${bench.nodes === 1 ? '' : `${bench.nodes} nodes, `}${bench.profile}, ${bench.seeds} seeds): ${bench.events} events, ${bench.calls} calls, ${Math.round(bench.simMs)} virtual ms in ${Math.round(bench.wallMs)} wall ms — ` +
          `${Math.round(bench.eventsPerSecond)} events/s, ${bench.compression.toFixed(1)}x time compression (per CPU time: ${Math.round(bench.eventsPerCpuSecond)} events/s, ${bench.compressionCpu.toFixed(1)}x), ` +
          `${bench.callsPerVirtualSecond.toFixed(1)} calls per virtual second\n`,
      );
      if (opts.json === true) io.out(`${toJson(bench)}\n`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return SIM_EXIT_OK;
      return SIM_EXIT_USAGE;
    }
    if (e instanceof Usage) {
      io.err(`error: ${e.message}\n`);
      return SIM_EXIT_USAGE;
    }
    throw e;
  }
}
