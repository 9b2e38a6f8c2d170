// What every simulated run reports (the single-node run, cluster.ts, and the Raft cluster run,
// raft-run.ts), the mapping of the swarm's disk and network families to the SimDisk and
// SimNetwork fault rules, and what both runs do alike: schedule the nemesis, run the world to
// its end. A report is a function of its run spec.

import type { ServingEvent } from '../../drivers/server/serving-node.js';
import type { DiskFaults } from '../disk.js';
import type { NetworkFaults } from '../network.js';
import type { NodePorts } from '../process.js';
import type { Rng } from '../random.js';
import type { Trace, TraceDetails } from '../trace.js';
import type { World } from '../world.js';
import type { Checker } from './checkers.js';
import type { History } from './history.js';
import { PlanRecorder, RecordingRng, ScriptedRng, type PlannedStrike, type PlanSource, type RunPlan } from './capsule-plan.js';
import { builtinSimDriver, defaultSimDriver, type SimDriverModule } from './drivers.js';
import { drawOptions, type DiskFamily, NEMESIS_FAMILIES, type NemesisFamily, type NetFamily, nodesOf, RAFT_NEMESIS_FAMILIES, type RateRule, type RunSpec, type SimOptions } from './options.js';
import type { RaftRunStats } from './raft-run.js';
import type { Violation } from './violations.js';

export type RunResult = 'ok' | 'safety' | 'liveness';

export interface RunStats {
  readonly ops: ReturnType<History['summary']>;
  readonly serverStarts: number;
  readonly nemesisStrikes: Readonly<Record<string, number>>;
  readonly diskFaults: Readonly<Record<string, number>>;
  readonly netFaults: Readonly<Record<string, number>>;
  readonly livenessStartMs: number | null;
  readonly convergedMs: number | null;
  readonly valueChecks: boolean;
  /** Raft runs only: elections, committed entries, failover times. */
  readonly raft?: RaftRunStats;
}

export interface SeedReport {
  readonly spec: RunSpec;
  readonly options: SimOptions;
  readonly result: RunResult;
  readonly violations: readonly Violation[];
  /** Violations found beyond the ones kept. */
  readonly violationsDropped: number;
  readonly events: number;
  readonly simMs: number;
  readonly wallMs: number;
  readonly traceHash: string;
  readonly traceEntries: number;
  readonly stats: RunStats;
  /** The run's trace (its lines are kept only with `keepTrace`). */
  readonly trace: Trace;
  /** The plan the run drew (with `recordPlan`) or was given (capsule-plan.ts). */
  readonly plan?: RunPlan;
}

export interface RunSeedOptions {
  /** Keep every trace line in memory (for --trace, replay and determinism diffs). */
  readonly keepTrace?: boolean;
  /** Stop at the first safety violation (default true). */
  readonly haltOnViolation?: boolean;
  /**
   * The driver module to run (drivers.ts). Absent: the built-in one `spec.driver` names, else the
   * default for the node count. A module that is not the default must be named by `spec.driver`
   * (the trace records it, so a replay can tell which driver made it).
   */
  readonly driver?: SimDriverModule;
  /** Run this plan (options, strikes, calls) instead of drawing one from the seed (capsule-plan.ts). */
  readonly plan?: RunPlan;
  /** Keep the plan the run draws and hand it back in the report (`SeedReport.plan`). */
  readonly recordPlan?: boolean;
}

/** A run's options (the plan's, else drawn from the spec) and where its strikes and calls come from. */
export function planOfRun(spec: RunSpec, options: RunSeedOptions): { readonly options: SimOptions; readonly source: PlanSource } {
  const recorder = options.recordPlan === true ? new PlanRecorder() : null;
  if (options.plan !== undefined) return { options: options.plan.options, source: { plan: options.plan, recorder } };
  return { options: drawOptions(spec), source: { plan: null, recorder } };
}

/** The plan a run hands back in its report: the one it recorded (what it reached), else the one it was given. */
export function planOfReport(options: SimOptions, source: PlanSource): RunPlan | undefined {
  return source.recorder?.plan(options) ?? source.plan ?? undefined;
}

/** The driver module a run uses (see RunSeedOptions.driver); a clear TypeError when it cannot run. */
export function driverOfRun(spec: RunSpec, options: RunSeedOptions): SimDriverModule {
  const nodes = nodesOf(spec);
  const fallback = defaultSimDriver(nodes);
  let module: SimDriverModule | undefined = options.driver;
  if (module === undefined) {
    module = spec.driver === undefined ? fallback : builtinSimDriver(spec.driver.module);
    if (module === undefined) throw new TypeError(`the run names driver ${spec.driver?.module ?? ''}, which is not built in: pass the module itself (runSeed(spec, { driver }))`);
  } else if (module !== fallback && spec.driver === undefined) {
    throw new TypeError(`driver ${module.name} is not the default for ${nodes} node(s): name it in the spec (spec.driver) so the trace records it`);
  }
  if (!module.nodeCounts.includes(nodes)) {
    throw new TypeError(`driver ${module.name} runs on ${module.nodeCounts.join(' or ')} node(s), not ${nodes}`);
  }
  return module;
}

/** The `sim.spec` entry that opens a trace: what a replay needs to run it again. */
export function specTraceDetails(spec: RunSpec): TraceDetails {
  const nodes = nodesOf(spec);
  return {
    seed: spec.seed,
    profile: spec.profile,
    planted: spec.planted,
    ...(nodes === 1 ? {} : { nodes }),
    ...(spec.driver === undefined ? {} : { driver: spec.driver.module, ...(spec.driver.sha256 === undefined ? {} : { driverSha256: spec.driver.sha256 }) }),
  };
}

export function diskFaultsOf(rules: SimOptions['disk']): DiskFaults {
  const map: Record<DiskFamily, keyof DiskFaults> = {
    diskTorn: 'crashTorn',
    diskPartial: 'crashPartial',
    diskDirOpsVanish: 'crashDirOpsVanish',
    diskFsyncFail: 'fsyncFail',
    diskFull: 'writeFull',
    diskLatency: 'latencySpike',
    diskReadCorrupt: 'readCorrupt',
    diskTailLost: 'crashTailLost',
    diskBitRot: 'bitRot',
    diskMisdirectedWrite: 'misdirectedWrite',
    diskTruncateFail: 'truncateFail',
  };
  const out: Record<string, unknown> = {};
  for (const [family, rule] of Object.entries(rules) as Array<[DiskFamily, RateRule]>) out[map[family]] = ruleOf(rule);
  return out as DiskFaults;
}

export function netFaultsOf(rules: SimOptions['net']): NetworkFaults {
  const map: Record<NetFamily, keyof NetworkFaults> = {
    netReset: 'loss',
    netResetAfterDelivery: 'resetAfterDelivery',
    netBadLength: 'badLength',
    netLatency: 'latencySpike',
    netCorrupt: 'corrupt',
  };
  const out: Record<string, unknown> = {};
  for (const [family, rule] of Object.entries(rules) as Array<[NetFamily, RateRule]>) out[map[family]] = ruleOf(rule);
  return out as NetworkFaults;
}

function ruleOf(rule: RateRule): { rate: readonly [number, number]; budget?: number; extraUs?: { minUs: number; maxUs: number } } {
  return {
    rate: rule.rate,
    ...(rule.budget === undefined ? {} : { budget: rule.budget }),
    ...(rule.extraUs === undefined ? {} : { extraUs: { minUs: rule.extraUs[0], maxUs: rule.extraUs[1] } }),
  };
}


// --- what the single-node and the cluster runs do alike ---------------------------------------

/**
 * Schedules the nemesis on the world. Drawn from the seed: each family strikes at gaps drawn
 * from its own stream (`nemesis/<family>`), within its budget, until the safety phase ends; a
 * strike that comes due once the liveness phase started does nothing. From a plan: each family
 * strikes at its planned times, sizes and choices (capsule-plan.ts). `strikes` counts them.
 */
export function scheduleNemesis(
  world: World,
  options: SimOptions,
  source: PlanSource,
  strikes: Record<string, number>,
  livenessStarted: () => boolean,
  strike: (family: NemesisFamily, rng: Rng, size: number) => void,
): void {
  if (source.plan !== null) {
    schedulePlannedStrikes(world, options, source.plan.strikes, source.recorder, strikes, livenessStarted, strike);
    return;
  }
  const recorder = source.recorder;
  const safetyEndMs = options.phases.safetyMs;
  for (const [family, rule] of Object.entries(options.nemesis) as Array<[NemesisFamily, NonNullable<SimOptions['nemesis'][NemesisFamily]>]>) {
    // The family's own stream (`fork` would make the same one); it keeps a strike's choices when recording.
    const rng = new RecordingRng(`${world.rng.seed}/nemesis/${family}`);
    strikes[family] = 0;
    const next = (): void => {
      const atMs = world.nowMs + rng.int(rule.gapMs[0], rule.gapMs[1]);
      if (atMs >= safetyEndMs || (strikes[family] ?? 0) >= rule.budget) return;
      world.at(
        atMs,
        () => {
          if (livenessStarted()) return;
          strikes[family] = (strikes[family] ?? 0) + 1;
          const size = rng.int(rule.size[0], rule.size[1]);
          if (recorder === null) strike(family, rng, size);
          else {
            rng.recorded = [];
            strike(family, rng, size);
            recorder.strike({ atMs, family, size, choices: rng.recorded });
            rng.recorded = null;
          }
          next();
        },
        `nemesis.${family}`,
      );
    };
    next();
  }
}

/**
 * A plan's strikes, scheduled as a seed run schedules them: per family (in the options' order,
 * then any other family the plan names), the first at the start and each next one when the one
 * before it struck, so the order of strikes due at the same time is the seed run's.
 */
function schedulePlannedStrikes(
  world: World,
  options: SimOptions,
  planned: readonly PlannedStrike[],
  recorder: PlanRecorder | null,
  strikes: Record<string, number>,
  livenessStarted: () => boolean,
  strike: (family: NemesisFamily, rng: Rng, size: number) => void,
): void {
  const families = [...(Object.keys(options.nemesis) as NemesisFamily[])];
  for (const family of [...NEMESIS_FAMILIES, ...RAFT_NEMESIS_FAMILIES]) if (!families.includes(family) && planned.some((s) => s.family === family)) families.push(family);
  for (const family of families) {
    strikes[family] = 0;
    const ofFamily = planned.filter((s) => s.family === family).sort((a, b) => a.atMs - b.atMs);
    const next = (index: number): void => {
      const planned = ofFamily[index];
      if (planned === undefined) return;
      world.at(
        Math.max(planned.atMs, world.nowMs),
        () => {
          if (livenessStarted()) return;
          strikes[family] = (strikes[family] ?? 0) + 1;
          const rng = new ScriptedRng(`${world.rng.seed}/plan/${family}/${index}`, planned.choices);
          strike(family, rng, planned.size);
          recorder?.strike({ atMs: world.nowMs, family, size: planned.size, choices: rng.used });
          next(index + 1);
        },
        `nemesis.${family}`,
      );
    };
    next(0);
  }
}

/**
 * Runs the world until the run is done (`done()`), its hard end passes (which may move later
 * while it runs: convergence came late) or `eventsMax` events ran; reports the event bound as a
 * violation. Returns whether the run halted on a safety violation or hit the event bound.
 */
export async function runToEnd(
  world: World,
  checker: Checker,
  ends: { readonly hardEndMs: () => number; readonly done: () => boolean; readonly eventsMax: number },
): Promise<{ readonly halted: boolean; readonly eventBound: boolean }> {
  let events = 0;
  let halted = false;
  let eventBound = false;
  for (;;) {
    const report = await world.run({ untilMs: ends.hardEndMs(), maxEvents: ends.eventsMax - events, stopWhen: ends.done });
    events += report.events;
    if (report.reason === 'failed') throw report.error;
    if (report.reason === 'max_events') eventBound = true;
    if (report.reason === 'stopped' && checker.hasSafetyViolation) halted = true;
    if ((report.reason === 'until' || report.reason === 'idle') && world.nowMs < ends.hardEndMs()) continue;
    break;
  }
  if (eventBound) checker.report('run_event_bound', `the run reached ${ends.eventsMax} events at t=${world.nowMs}`);
  return { halted, eventBound };
}

/** The run's result from its violations: any safety one makes it `safety`. */
export function resultOf(violations: readonly Violation[]): RunResult {
  return violations.some((v) => v.class === 'safety') ? 'safety' : violations.length > 0 ? 'liveness' : 'ok';
}

/** What a run hands `finishReport` besides its world, history and checker. */
export interface RunFinish {
  readonly spec: RunSpec;
  readonly options: SimOptions;
  readonly wallStartMs: number;
  readonly strikes: Readonly<Record<string, number>>;
  readonly diskFaults: RunStats['diskFaults'];
  readonly livenessStartMs: number | null;
  readonly convergedMs: number | null;
  readonly valueChecks: boolean;
  readonly raft?: RaftRunStats;
  readonly plan?: RunPlan | undefined;
}

/** Records the result in the trace and builds the seed's report (after the final checks). */
export function finishReport(world: World, history: History, checker: Checker, run: RunFinish): SeedReport {
  const violations = checker.violations;
  const result = resultOf(violations);
  world.record('sim.result', { result, violations: violations.length });
  return {
    spec: run.spec,
    options: run.options,
    result,
    violations,
    violationsDropped: checker.dropped,
    events: world.scheduler.eventsRun,
    simMs: world.nowMs,
    wallMs: performance.now() - run.wallStartMs,
    traceHash: world.trace.hash,
    traceEntries: world.trace.count,
    stats: {
      ops: history.summary(),
      serverStarts: history.serverStarts,
      nemesisStrikes: { ...run.strikes },
      diskFaults: run.diskFaults,
      netFaults: world.network.faultCounts(),
      livenessStartMs: run.livenessStartMs,
      convergedMs: run.convergedMs,
      valueChecks: run.valueChecks,
      ...(run.raft === undefined ? {} : { raft: run.raft }),
    },
    trace: world.trace,
    ...(run.plan === undefined ? {} : { plan: run.plan }),
  };
}

/**
 * A serving node's event, as both runs record it: traced, and every high-water it publishes
 * (at a fence or an extension) handed to the persist-before-serve checker.
 */
export function recordServingEvent(ports: NodePorts, e: ServingEvent, checker: Checker): void {
  switch (e.kind) {
    case 'serving':
      ports.trace('serving.serving', { epoch: e.epoch, floorMs: e.floorMs, highWaterMs: e.highWaterMs });
      checker.onPublished(e.highWaterMs, `${ports.node}#${ports.incarnation} fence`);
      return;
    case 'extended':
      ports.trace('serving.extended', { highWaterMs: e.highWaterMs });
      checker.onPublished(e.highWaterMs, `${ports.node}#${ports.incarnation} extension`);
      return;
    case 'poisoned':
      ports.trace('serving.poisoned', { reason: e.reason });
      return;
    case 'fence-retry':
      ports.trace('serving.fence_retry', { code: e.code });
      return;
    case 'leadership':
      ports.trace('serving.leadership', { state: e.state.kind });
      return;
  }
}
