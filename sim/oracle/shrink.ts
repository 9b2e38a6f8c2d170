// The shrinker: from a failing run's plan (capsule-plan.ts), a deterministic search for a
// smaller plan that fails with the same violation kind — fewer strikes, fewer client callers
// and calls, fewer fault families on, smaller disk and network fault budgets, fewer clients,
// shorter phases, smaller strike sizes, no election-time faults, no session churn. The result
// is a failure capsule (capsule.ts).
//
// The search is delta debugging (Zeller's ddmin, greedy): each pass tries to remove chunks of
// a list, halving the chunk size, and keeps every candidate that still fails; passes repeat
// until a round changes nothing or the run budget is spent.
//
// Invariants:
//   - Deterministic: the same start and budget give the same capsule (the passes and their
//     candidates come in a fixed order, and every run is a function of its plan).
//   - Bounded: at most `runsMax` runs in all (SHRINK_RUNS_MAX by default), the first and the last included.
//   - Every accepted plan is replaced by what its run reached (the strikes that struck, the
//     calls that were made: `recordPlan`), so a run that fails earlier also sheds what came after.
//   - The result fails with the target kind as its first violation: the shrunk capsule's
//     expectation is checked by one more run of the capsule itself.

import type { SeedReport } from './cluster.js';
import { type Capsule, capsuleOf, opsOfPlan, type CapsuleSize } from './capsule.js';
import type { PlannedCaller, PlannedStrike, RunPlan } from './capsule-plan.js';
import { runSeed } from './cluster.js';
import type { SimDriverModule } from './drivers.js';
import type { RunSpec, SimOptions } from './options.js';
import type { ViolationKind } from './violations.js';

/** Runs one shrink may take by default. */
export const SHRINK_RUNS_MAX = 200;

export interface ShrinkOptions {
  /** Runs the search may take (each candidate is one run). */
  readonly runsMax?: number;
  /** The driver module of a spec that names one of its own. */
  readonly driver?: SimDriverModule;
  /** Called after each accepted step (progress lines). */
  readonly onStep?: (step: string, size: CapsuleSize, runs: number) => void;
}

export interface ShrinkResult {
  readonly target: ViolationKind;
  readonly original: Capsule;
  readonly shrunk: Capsule;
  /** Runs the search took (candidates, plus the first and the last). */
  readonly runs: number;
  /** The steps it kept, in order. */
  readonly steps: readonly string[];
}

/** Why a shrink cannot start: the run it was given does not fail. */
export class ShrinkError extends Error {
  override readonly name = 'ShrinkError';
  readonly code = 'SIM_SHRINK_NOT_FAILING';
}

/** The capsule of a seed's run (the plan it drew, recorded). */
export async function capsuleOfSeed(spec: RunSpec, driver?: SimDriverModule): Promise<Capsule> {
  return capsuleOf(await runSeed(spec, { recordPlan: true, ...(driver === undefined ? {} : { driver }) }));
}

/** The size a capsule's run had. */
function sizeOf(report: SeedReport, plan: RunPlan): CapsuleSize {
  return { strikes: plan.strikes.length, ops: opsOfPlan(plan), events: report.events, simMs: Math.round(report.simMs) };
}

class Search {
  runs = 0;
  readonly steps: string[] = [];
  current: { plan: RunPlan; report: SeedReport };

  constructor(
    readonly spec: RunSpec,
    readonly target: ViolationKind,
    first: { plan: RunPlan; report: SeedReport },
    readonly options: ShrinkOptions,
    readonly runsMax: number,
  ) {
    this.current = first;
  }

  /** Whether a candidate may run (one run stays for the check of the result). */
  get budgetLeft(): boolean {
    return this.runs < this.runsMax - 1;
  }

  /** Runs a candidate; keeps it (as what its run reached) when it fails with the target kind. */
  async attempt(step: string, candidate: RunPlan, kind: 'list' | 'quieter' = 'list'): Promise<boolean> {
    if (!this.budgetLeft) return false;
    this.runs++;
    const report = await runSeed(this.spec, { plan: candidate, recordPlan: true, ...(this.options.driver === undefined ? {} : { driver: this.options.driver }) });
    if (report.violations[0]?.kind !== this.target) return false;
    const reached = report.plan ?? candidate;
    // Never larger in strikes, calls or events (virtual time may grow: with fewer calls the
    // failing one can come later); a list step must make the run smaller, an option or size
    // step may leave its size as it is (it makes the run quieter).
    const now = sizeOf(this.current.report, this.current.plan);
    const next = sizeOf(report, reached);
    if (next.strikes > now.strikes || next.ops > now.ops || next.events > now.events) return false;
    const smaller = next.strikes < now.strikes || next.ops < now.ops || next.events < now.events || next.simMs < now.simMs;
    if (!smaller && kind === 'list') return false;
    this.current = { plan: reached, report };
    this.steps.push(step);
    this.options.onStep?.(step, next, this.runs);
    return true;
  }

  /** ddmin over a list the plan holds: removes chunks, halving their size, keeping what fails. */
  async removeChunks<T>(what: string, get: (plan: RunPlan) => readonly T[], set: (plan: RunPlan, items: readonly T[]) => RunPlan): Promise<boolean> {
    let changed = false;
    let chunk = Math.max(1, Math.ceil(get(this.current.plan).length / 2));
    while (this.budgetLeft) {
      const items = get(this.current.plan);
      if (items.length === 0) break;
      chunk = Math.min(chunk, items.length);
      let removedAny = false;
      for (let start = 0; start < get(this.current.plan).length && this.budgetLeft; ) {
        const list = get(this.current.plan);
        const candidate = set(this.current.plan, [...list.slice(0, start), ...list.slice(start + chunk)]);
        if (await this.attempt(`${what}: removed ${Math.min(chunk, list.length - start)} of ${list.length}`, candidate)) {
          removedAny = true;
          changed = true;
        } else start += chunk;
      }
      if (chunk === 1 && !removedAny) break;
      if (!removedAny) chunk = Math.max(1, Math.floor(chunk / 2));
    }
    return changed;
  }

  /** Tries each option change in order, keeping those that still fail. */
  async tryOptions(changes: ReadonlyArray<readonly [string, (o: SimOptions) => SimOptions | null]>): Promise<boolean> {
    let changed = false;
    for (const [what, change] of changes) {
      if (!this.budgetLeft) break;
      const next = change(this.current.plan.options);
      if (next === null || JSON.stringify(next) === JSON.stringify(this.current.plan.options)) continue;
      // A shorter phase must make the run smaller; turning a fault or a client off may leave its size as it is.
      if (await this.attempt(`options: ${what}`, { ...this.current.plan, options: next }, what.includes('phase') ? 'list' : 'quieter')) changed = true;
    }
    return changed;
  }
}

/** Option changes that make a run smaller or quieter, most valuable first. */
function optionChanges(o: SimOptions, plan: RunPlan): Array<readonly [string, (o: SimOptions) => SimOptions | null]> {
  const changes: Array<readonly [string, (o: SimOptions) => SimOptions | null]> = [];
  const lastStrikeMs = plan.strikes.reduce((m, s) => Math.max(m, s.atMs), 0);
  changes.push(['safety phase ends after the last strike', (x) => (x.phases.safetyMs > lastStrikeMs + 1 ? { ...x, phases: { ...x.phases, safetyMs: lastStrikeMs + 1 } } : null)]);
  changes.push(['safety phase halved', (x) => (x.phases.safetyMs > 1 ? { ...x, phases: { ...x.phases, safetyMs: Math.floor(x.phases.safetyMs / 2) } } : null)]);
  changes.push(['liveness phase halved', (x) => (x.phases.livenessMs > 1 ? { ...x, phases: { ...x.phases, livenessMs: Math.floor(x.phases.livenessMs / 2) } } : null)]);
  changes.push(['one client', (x) => (x.workload.clients > 1 ? { ...x, workload: { ...x.workload, clients: 1 } } : null)]);
  changes.push(['clients halved', (x) => (x.workload.clients > 1 ? { ...x, workload: { ...x.workload, clients: Math.ceil(x.workload.clients / 2) } } : null)]);
  changes.push(['one caller per client', (x) => (x.workload.callersPerClient > 1 ? { ...x, workload: { ...x.workload, callersPerClient: 1 } } : null)]);
  changes.push(['no session churn', (x) => (x.rare.sessionChurn !== null ? { ...x, rare: { ...x.rare, sessionChurn: null } } : null)]);
  for (const group of ['disk', 'net'] as const) {
    for (const family of Object.keys(o[group])) {
      changes.push([`${family} off`, (x) => {
        const rules = { ...x[group] } as Record<string, unknown>;
        if (!(family in rules)) return null;
        delete rules[family];
        return { ...x, [group]: rules };
      }]);
      changes.push([`${family} fires at most once`, (x) => {
        const rules = x[group] as Record<string, { budget?: number } | undefined>;
        const rule = rules[family];
        if (rule === undefined || rule.budget === 1) return null;
        return { ...x, [group]: { ...rules, [family]: { ...rule, budget: 1 } } };
      }]);
    }
  }
  for (const family of Object.keys(o.nemesis)) {
    if (plan.strikes.some((s) => s.family === family)) continue;
    changes.push([`${family} (never struck) off`, (x) => {
      const rules = { ...x.nemesis } as Record<string, unknown>;
      if (!(family in rules)) return null;
      delete rules[family];
      return { ...x, nemesis: rules };
    }]);
  }
  const raft = o.raft;
  if (raft !== null) {
    const off: readonly [number, number] = [0, 1];
    changes.push(['no new leader cut off at its election', (x) => (x.raft !== null && x.raft.isolateNewLeader[0] !== 0 ? { ...x, raft: { ...x.raft, isolateNewLeader: off } } : null)]);
    changes.push(['no follower powered off at an election', (x) => (x.raft !== null && x.raft.followerPowerLoss[0] !== 0 ? { ...x, raft: { ...x.raft, followerPowerLoss: off } } : null)]);
    changes.push(['no node held down in the liveness phase', (x) => (x.raft !== null && x.raft.livenessDownNodes > 0 ? { ...x, raft: { ...x.raft, livenessDownNodes: 0 } } : null)]);
  }
  return changes;
}

/**
 * Shrinks a failing capsule: a smaller one whose run fails with the same first violation kind.
 * `start` may be the capsule of a seed (`capsuleOfSeed`), a trace's spec or a capsule file.
 */
export async function shrinkCapsule(start: Capsule, options: ShrinkOptions = {}): Promise<ShrinkResult> {
  const runsMax = options.runsMax ?? SHRINK_RUNS_MAX;
  if (!Number.isSafeInteger(runsMax) || runsMax < 2) throw new RangeError(`a shrink takes at least 2 runs (the failing run and the check of the result), not ${runsMax}`);
  const driver = options.driver === undefined ? {} : { driver: options.driver };
  const first = await runSeed(start.spec, { plan: start.plan, recordPlan: true, ...driver });
  const target = first.violations[0]?.kind;
  if (target === undefined) throw new ShrinkError(`the run passes (${first.result}): there is no failure to shrink`);
  const original = capsuleOf(first);
  const search = new Search(start.spec, target, { plan: first.plan ?? start.plan, report: first }, options, runsMax);
  search.runs = 1;
  for (let round = 0; search.budgetLeft; round++) {
    let changed = false;
    changed = (await search.removeChunks<PlannedStrike>('strikes', (p) => p.strikes, (p, strikes) => ({ ...p, strikes }))) || changed;
    changed = (await search.tryOptions(optionChanges(search.current.plan.options, search.current.plan))) || changed;
    changed = (await search.removeChunks<PlannedCaller>('callers', (p) => p.callers, (p, callers) => ({ ...p, callers }))) || changed;
    // The calls of every caller as one list (caller index, call index): chunks across callers.
    changed =
      (await search.removeChunks<readonly [number, number]>(
        'calls',
        (p) => p.callers.flatMap((c, i) => c.ops.map((_, j) => [i, j] as const)),
        (p, keep) => {
          const kept = new Set(keep.map(([i, j]) => `${i}/${j}`));
          return { ...p, callers: p.callers.map((c, i) => ({ ...c, ops: c.ops.filter((_, j) => kept.has(`${i}/${j}`)) })) };
        },
      )) || changed;
    changed = (await shrinkSizes(search)) || changed;
    if (!changed) break;
  }
  // The capsule is the last kept plan's run; one more run of it checks it shows the target.
  const final = await runSeed(start.spec, { plan: search.current.plan, recordPlan: true, ...driver });
  search.runs++;
  const shrunk = capsuleOf(final);
  if (final.violations[0]?.kind !== target) throw new Error(`shrink_result_reproduces: the shrunk plan's run shows ${final.violations[0]?.kind ?? final.result}, not ${target}`);
  return { target, original, shrunk, runs: search.runs, steps: search.steps };
}

/** Halves each strike's size (a shorter pause, a smaller clock step), keeping what still fails. */
async function shrinkSizes(search: Search): Promise<boolean> {
  let changed = false;
  for (let i = 0; i < search.current.plan.strikes.length && search.budgetLeft; i++) {
    const strike = search.current.plan.strikes[i] as PlannedStrike;
    if (Math.abs(strike.size) <= 1) continue;
    const strikes = search.current.plan.strikes.map((s, j) => (j === i ? { ...s, size: Math.trunc(s.size / 2) } : s));
    if (await search.attempt(`strike ${strike.family} at ${strike.atMs} ms: size ${strike.size} → ${Math.trunc(strike.size / 2)}`, { ...search.current.plan, strikes }, 'quieter')) changed = true;
  }
  return changed;
}
