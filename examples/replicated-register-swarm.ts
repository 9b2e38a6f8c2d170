// The swarm harness of the replicated-register example (docs/sim-api.md): puts the service of
// replicated-register.ts under the simulated world, one seed per run.
//
//   npm run build && node dist/examples/replicated-register-swarm.js 1..100 [--bug ackBeforeBackup]
//   node dist/examples/replicated-register-swarm.js --seed 7 [--bug ackBeforeBackup] [--trace] [--check-determinism]
//
// A run is a function of its seed: the seed draws which fault families are on (swarm testing),
// the clients and timeouts; a nemesis strikes during the safety phase; then every fault stops
// (the liveness phase) and each client must get an answer again. The checker reads the history.
import { pathToFileURL } from 'node:url';
import { firstDivergence, type Program, Rng, World } from '../sim/index.js';
import { backupProgram, primaryProgram, type RegisterBugs } from './replicated-register.js';
import { checkHistory, clientProgram, History, type Violation } from './replicated-register-check.js';

export const SAFETY_PHASE_MS = 1_000;
export const LIVENESS_PHASE_MS = 1_500;
/** A run that takes more events than this is a livelock (a clean run takes a few thousand). */
export const RUN_EVENTS_MAX = 1_000_000;
export const FAMILIES = ['primaryCrash', 'primaryDiskReplaced', 'backupCrash', 'pause', 'partition', 'clockDrift', 'netFaults', 'diskFaults'] as const;
type Family = (typeof FAMILIES)[number];

export interface RegisterRun {
  readonly seed: number;
  readonly families: readonly Family[];
  readonly operations: number;
  readonly acknowledged: number;
  readonly violations: readonly Violation[];
  readonly events: number;
  /** Starts of the primary that found the backup ahead of its own disk (a replaced disk, mostly). */
  readonly recoveriesFromBackup: number;
  readonly traceHash: string;
  readonly traceLines: readonly string[];
}

export async function runRegisterSeed(seed: number, options: { bugs?: RegisterBugs; keepTrace?: boolean } = {}): Promise<RegisterRun> {
  const draw = new Rng(seed).fork('swarm'); // the seed's choices: families, clients, timeouts, strikes
  const families = FAMILIES.filter(() => draw.chance(1, 2));
  const on = (family: Family): boolean => families.includes(family);
  const world = new World({
    seed,
    trace: { keep: options.keepTrace === true },
    network: {
      connectTimeoutMs: 200,
      faults: on('netFaults')
        ? { loss: { rate: [1, 100], budget: 10 }, resetAfterDelivery: { rate: [1, 100], budget: 10 }, latencySpike: { rate: [1, 20], extraUs: { minUs: 1_000, maxUs: 80_000 } } }
        : {},
    },
    disk: { faults: on('diskFaults') ? { crashTorn: { rate: [1, 2] }, crashPartial: { rate: [1, 2] }, crashDirOpsVanish: { rate: [1, 2] } } : {} },
  });
  const history = new History(() => world.nowMs);
  let recoveriesFromBackup = 0; // an online look at the trace: the path the bug switch breaks
  world.trace.onEntry(({ kind, details }) => {
    if (kind === 'register.recovered' && (details?.['local'] as number) < (details?.['backup'] as number)) recoveriesFromBackup++;
  });
  const backup = { host: 'backup', port: 7001 };
  const primary = { host: 'primary', port: 7000 };
  let primaryDisk = 0;
  const primaryOn = (): Program =>
    primaryProgram({ dataDir: `/data/${++primaryDisk}`, port: primary.port, backup, backupTimeoutMs: draw.int(50, 300), bugs: options.bugs ?? {} });
  world.addNode({ name: 'backup', program: backupProgram({ dataDir: '/data', port: backup.port }) });
  world.addNode({ name: 'primary', program: primaryOn() });
  const clients = Array.from({ length: draw.int(1, 3) }, (_, i) => `client${i + 1}`);
  const requestTimeoutMs = draw.pick([50, 200, 500]);
  for (const name of clients) world.addNode({ name, program: clientProgram({ primary, history, requestTimeoutMs, thinkMsMax: 20 }) });

  // The nemesis: a strike of an enabled family every 20-300 ms of the safety phase.
  const servers = ['primary', 'backup'];
  const restartLater = (name: string): void => {
    world.after(draw.int(0, 300), () => {
      if (world.node(name).status === 'down') world.start(name); // unless the liveness phase did
    });
  };
  const strike = (family: Family): void => {
    const server = draw.pick(servers);
    if (family === 'primaryCrash' || family === 'backupCrash') {
      const name = family === 'primaryCrash' ? 'primary' : 'backup';
      if (world.node(name).status === 'down') return;
      world.crash(name); // power loss: what was not fsync'd may be lost, per the disk faults
      restartLater(name);
    } else if (family === 'primaryDiskReplaced') {
      world.node('primary').program = primaryOn(); // a new machine: its next start finds an empty data directory
      if (world.node('primary').status !== 'down') world.crash('primary');
      restartLater('primary');
    } else if (family === 'pause') {
      if (world.node(server).status === 'running') world.pause(server, draw.int(1, 400));
    } else if (family === 'partition') {
      world.partition([draw.pick([...servers, ...clients])], servers.slice(0, draw.int(1, 2)), { oneWay: draw.chance(1, 3) });
      world.after(draw.int(1, 500), () => world.heal());
    } else if (family === 'clockDrift') {
      world.clockDrift(draw.pick([...servers, ...clients]), draw.int(-200_000, 200_000));
    }
  };
  const nemesis = families.filter((f) => f !== 'netFaults' && f !== 'diskFaults');
  for (let t = draw.int(20, 300); nemesis.length > 0 && t < SAFETY_PHASE_MS; t += draw.int(20, 300)) {
    world.at(t, () => strike(draw.pick(nemesis)), 'nemesis.strike');
  }

  // The liveness phase: every fault stops, every server runs.
  world.at(SAFETY_PHASE_MS, () => {
    world.heal();
    world.network.setFaults({});
    for (const name of world.nodeNames()) {
      world.node(name).disk.setFaults({});
      world.resume(name);
      world.clockDrift(name, 0);
      if (world.node(name).status === 'down') world.start(name);
    }
    world.record('liveness.start');
  });
  const report = await world.run({ untilMs: SAFETY_PHASE_MS + LIVENESS_PHASE_MS, maxEvents: RUN_EVENTS_MAX });
  const violations = checkHistory(history, SAFETY_PHASE_MS, world.nowMs);
  if (report.reason === 'max_events') violations.push({ kind: 'run_event_bound', message: `${RUN_EVENTS_MAX} events by ${world.nowMs} ms: a livelock` });
  for (const failure of report.failures) violations.push({ kind: 'process_failed', message: `${failure.node}#${failure.incarnation}: ${String(failure.error)}` });
  return {
    seed,
    families,
    operations: history.operations.length,
    acknowledged: history.operations.filter((o) => o.outcome === 'ok').length,
    violations,
    events: report.events,
    recoveriesFromBackup,
    traceHash: world.trace.hash,
    traceLines: world.trace.lines(),
  };
}

/** Runs seeds `first..last`; returns the failing runs (stops at the first one if asked). */
export async function runRegisterSwarm(first: number, last: number, options: { bugs?: RegisterBugs; stopAtFirst?: boolean } = {}) {
  const failing: RegisterRun[] = [];
  let seedsRun = 0;
  for (let seed = first; seed <= last; seed++) {
    const run = await runRegisterSeed(seed, options.bugs === undefined ? {} : { bugs: options.bugs });
    seedsRun++;
    if (run.violations.length > 0) failing.push(run);
    if (failing.length > 0 && options.stopAtFirst === true) break;
  }
  return { seedsRun, failing };
}

/** Runs `seed` twice; returns the first trace line where the two runs differ, or null. */
export async function checkDeterminism(seed: number, bugs: RegisterBugs = {}) {
  const first = await runRegisterSeed(seed, { bugs, keepTrace: true });
  const second = await runRegisterSeed(seed, { bugs, keepTrace: true });
  return first.traceHash === second.traceHash ? null : firstDivergence(first.traceLines, second.traceLines);
}

const BUG_SWITCHES: ReadonlyArray<keyof RegisterBugs> = ['ackBeforeBackup'];

async function main(argv: readonly string[]): Promise<number> {
  const bug = argv.includes('--bug') ? argv[argv.indexOf('--bug') + 1] : undefined;
  if (bug !== undefined && !BUG_SWITCHES.includes(bug as keyof RegisterBugs)) {
    console.error(`error: unknown bug switch ${JSON.stringify(bug)} (known: ${BUG_SWITCHES.join(', ')})`);
    return 2;
  }
  const bugs: RegisterBugs = bug === undefined ? {} : { [bug]: true };
  const seedAt = argv.indexOf('--seed');
  if (seedAt >= 0) {
    const seed = Number(argv[seedAt + 1]);
    if (!Number.isSafeInteger(seed)) {
      console.error(`error: --seed takes an integer, got ${JSON.stringify(argv[seedAt + 1])}`);
      return 2;
    }
    if (argv.includes('--check-determinism')) {
      const divergence = await checkDeterminism(seed, bugs);
      console.log(divergence === null ? `seed ${seed} is deterministic` : `seed ${seed} diverges at trace line ${divergence.index}:\n${divergence.a}\n${divergence.b}`);
      if (divergence !== null) return 4;
    }
    const run = await runRegisterSeed(seed, { bugs, keepTrace: argv.includes('--trace') });
    for (const line of run.traceLines) console.log(line);
    console.log(JSON.stringify({ ...run, traceLines: undefined }));
    return run.violations.length === 0 ? 0 : 1;
  }
  const range = /^(\d+)\.\.(\d+)$/.exec(argv[0] ?? '1..100');
  if (range === null) {
    console.error(`error: expected a seed range A..B, got ${JSON.stringify(argv[0])}`);
    return 2;
  }
  const { seedsRun, failing } = await runRegisterSwarm(Number(range[1]), Number(range[2]), { bugs });
  for (const run of failing) console.log(`seed ${run.seed} [${run.families.join(' ')}]: ${run.violations[0]?.kind}: ${run.violations[0]?.message}`);
  console.log(`${seedsRun} seeds, ${failing.length} failing${failing.length > 0 ? `; replay: --seed ${failing[0]?.seed}` : ''}`);
  return failing.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
