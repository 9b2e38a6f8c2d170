// A failure capsule: one small versioned JSON file that holds a run whole — its spec (seed,
// nodes, profile, planted bug, driver module and the sha256 of its file), its options, every
// nemesis strike (time, family, size, the choices it made) and every client call — and what it
// is expected to show (the result, the violation's kind and message, the trace hash). `sim
// replay CAPSULE` runs exactly that plan (capsule-plan.ts): no strike and no call is drawn.
// What stays with the seed are the world's own streams below the plan: network and disk
// latencies, whether a disk or network fault gate fires (within the options' rates and
// budgets), the client's backoff jitter, the election timeouts of a cluster.
//
// Invariants:
//   - `parseCapsule` accepts only what a run can take: a known format and version, a spec the
//     runner accepts, options of the spec's shape, strikes of families the node count has,
//     calls of known kinds; anything else is a CapsuleError naming the field.
//   - A capsule written from a seed run's recorded plan replays to that run's trace hash.
//   - Bounded: at most STRIKES_MAX strikes and OPS_MAX calls.

import { runSeed, type SeedReport } from './cluster.js';
import type { PlannedCaller, PlannedOp, PlannedStrike, RunPlan } from './capsule-plan.js';
import type { SimDriverModule } from './drivers.js';
import { drawOptions, NEMESIS_FAMILIES, type NemesisFamily, nodesOf, RAFT_NEMESIS_FAMILIES, type RunSpec, type SimOptions, specProblem } from './options.js';
import { isPlantedBug, isProfileName } from './options.js';
import type { ViolationKind } from './violations.js';

export const CAPSULE_FORMAT = 'tsoracle-sim-capsule';
export const CAPSULE_VERSION = 1;
/** Strikes one capsule may hold (a drawn run has tens). */
export const CAPSULE_STRIKES_MAX = 10_000;
/** Calls one capsule may hold (a drawn run has a few thousand). */
export const CAPSULE_OPS_MAX = 1_000_000;

/** What the capsule's run showed when it was written. */
export interface CapsuleExpect {
  readonly result: SeedReport['result'];
  /** The first violation's kind and message (null: the run passed). */
  readonly violation: { readonly kind: ViolationKind; readonly message: string } | null;
  readonly traceHash: string;
}

/** A capsule's size: what the shrinker makes smaller. */
export interface CapsuleSize {
  readonly strikes: number;
  readonly ops: number;
  readonly events: number;
  readonly simMs: number;
}

export interface Capsule {
  readonly format: typeof CAPSULE_FORMAT;
  readonly version: typeof CAPSULE_VERSION;
  readonly spec: RunSpec;
  readonly expect: CapsuleExpect;
  readonly size: CapsuleSize;
  readonly plan: RunPlan;
}

/** A file that is not a capsule this build can run; `field` names what is wrong. */
export class CapsuleError extends Error {
  override readonly name = 'CapsuleError';
  readonly code = 'SIM_CAPSULE_INVALID';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`not a runnable capsule: ${field}: ${message}`);
  }
}

/** Calls the plan's callers hold. */
export function opsOfPlan(plan: RunPlan): number {
  return plan.callers.reduce((n, c) => n + c.ops.length, 0);
}

/** The capsule of a run that recorded or was given its plan. */
export function capsuleOf(report: SeedReport): Capsule {
  const plan = report.plan;
  if (plan === undefined) throw new TypeError('capsuleOf needs a report with its plan (runSeed(spec, { recordPlan: true }))');
  const first = report.violations[0];
  return {
    format: CAPSULE_FORMAT,
    version: CAPSULE_VERSION,
    spec: report.spec,
    expect: { result: report.result, violation: first === undefined ? null : { kind: first.kind, message: first.message }, traceHash: report.traceHash },
    size: { strikes: plan.strikes.length, ops: opsOfPlan(plan), events: report.events, simMs: Math.round(report.simMs) },
    plan,
  };
}

/** The capsule as the file holds it: one strike or one caller a line, so a diff reads. */
export function capsuleText(capsule: Capsule): string {
  const { plan, ...head } = capsule;
  const lines = [
    '{',
    ...Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`),
    '  "plan": {',
    `    "options": ${JSON.stringify(plan.options)},`,
    `    "strikes": [${plan.strikes.map((s) => `\n      ${JSON.stringify(s)}`).join(',')}${plan.strikes.length > 0 ? '\n    ' : ''}],`,
    `    "callers": [${plan.callers.map((c) => `\n      ${JSON.stringify(c)}`).join(',')}${plan.callers.length > 0 ? '\n    ' : ''}]`,
    '  }',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs a capsule's plan (nothing drawn but the world's own streams); the report holds the plan. */
export async function runCapsule(capsule: Capsule, options: { readonly driver?: SimDriverModule; readonly keepTrace?: boolean } = {}): Promise<SeedReport> {
  return runSeed(capsule.spec, { plan: capsule.plan, ...(options.driver === undefined ? {} : { driver: options.driver }), ...(options.keepTrace === true ? { keepTrace: true } : {}) });
}

/** Whether a report shows what the capsule expects: the same result and first violation kind. */
export function showsExpected(capsule: Capsule, report: SeedReport): boolean {
  return report.result === capsule.expect.result && (report.violations[0]?.kind ?? null) === (capsule.expect.violation?.kind ?? null);
}

// --- parsing -------------------------------------------------------------------------------------

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function need(condition: boolean, field: string, message: string): asserts condition {
  if (!condition) throw new CapsuleError(field, message);
}

function safeInt(v: Json, field: string, min: number): number {
  need(typeof v === 'number' && Number.isSafeInteger(v) && v >= min, field, `expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function parseSpec(v: Json): RunSpec {
  need(isRecord(v), 'spec', 'expected an object');
  const seed = safeInt(v.seed, 'spec.seed', 0);
  need(typeof v.profile === 'string' && isProfileName(v.profile), 'spec.profile', `unknown profile ${JSON.stringify(v.profile)}`);
  need(v.planted === null || (typeof v.planted === 'string' && isPlantedBug(v.planted)), 'spec.planted', `unknown planted bug ${JSON.stringify(v.planted)}`);
  const nodes = v.nodes === undefined ? undefined : safeInt(v.nodes, 'spec.nodes', 1);
  let driver: RunSpec['driver'];
  if (v.driver !== undefined) {
    const d = v.driver;
    need(isRecord(d) && typeof d.module === 'string' && d.module.length > 0, 'spec.driver', 'expected { module, sha256? }');
    need(d.sha256 === undefined || (typeof d.sha256 === 'string' && /^[0-9a-f]{64}$/.test(d.sha256)), 'spec.driver.sha256', 'expected 64 hex digits');
    driver = d.sha256 === undefined ? { module: d.module } : { module: d.module, sha256: d.sha256 };
  }
  const spec: RunSpec = { seed, profile: v.profile, planted: v.planted, ...(nodes === undefined ? {} : { nodes }), ...(driver === undefined ? {} : { driver }) };
  const problem = specProblem(spec);
  need(problem === null, 'spec', problem ?? '');
  return spec;
}

/** Checks `v` has the shape of `template` (the same keys, each of the same JSON type), recursively. */
function sameShape(v: Json, template: Json, field: string): void {
  if (template === null || typeof template !== 'object') {
    need(typeof v === typeof template || (v === null && template === null), field, `expected a ${template === null ? 'null' : typeof template}, got ${JSON.stringify(v)}`);
    return;
  }
  if (Array.isArray(template)) {
    need(Array.isArray(v), field, 'expected an array');
    const first = template[0];
    if (first !== undefined) v.forEach((item, i) => sameShape(item, first, `${field}[${i}]`));
    return;
  }
  need(isRecord(v), field, 'expected an object');
  const t = template as Record<string, Json>;
  for (const key of Object.keys(t)) need(key in v, `${field}.${key}`, 'missing');
  for (const key of Object.keys(v)) need(key in t, `${field}.${key}`, 'not an option of this build');
  for (const key of Object.keys(t)) sameShape(v[key], t[key], `${field}.${key}`);
}

/**
 * A capsule's options: the spec's drawn options give the shape of every group; the fault
 * groups may hold any family of the node count (each rule of its family's shape), since a
 * shrunk capsule may have turned some off, and nullable groups (rare paths) may be null.
 */
function parseOptions(v: Json, spec: RunSpec): SimOptions {
  need(isRecord(v), 'plan.options', 'expected an object');
  const drawn = drawOptions(spec) as unknown as Record<string, Json>;
  need(JSON.stringify(v.spec) === JSON.stringify(JSON.parse(JSON.stringify(spec))), 'plan.options.spec', 'differs from the capsule spec');
  for (const key of Object.keys(drawn)) need(key in v, `plan.options.${key}`, 'missing');
  for (const key of Object.keys(v)) need(key in drawn, `plan.options.${key}`, 'not an option of this build');
  const families: Record<string, readonly string[] | undefined> = {
    nemesis: nodesOf(spec) === 1 ? NEMESIS_FAMILIES : [...NEMESIS_FAMILIES, ...RAFT_NEMESIS_FAMILIES],
  };
  for (const key of Object.keys(drawn)) {
    if (key === 'spec') continue;
    const value = v[key];
    const template = drawn[key];
    if (key === 'nemesis' || key === 'disk' || key === 'net') {
      need(isRecord(value), `plan.options.${key}`, 'expected an object');
      const allowed = families[key];
      for (const [family, rule] of Object.entries(value)) {
        if (allowed !== undefined) need(allowed.includes(family), `plan.options.${key}.${family}`, `not a family of ${nodesOf(spec)} node(s)`);
        need(isRecord(rule), `plan.options.${key}.${family}`, 'expected a rule');
        if (key === 'nemesis') {
          need(Array.isArray(rule.gapMs) && Array.isArray(rule.size) && typeof rule.budget === 'number', `plan.options.nemesis.${family}`, 'expected { gapMs, size, budget }');
        } else {
          need(Array.isArray(rule.rate) && rule.rate.length === 2 && rule.rate.every((n) => Number.isSafeInteger(n)), `plan.options.${key}.${family}.rate`, 'expected an integer ratio');
          const [num, den] = rule.rate as [number, number];
          need(den >= 1 && num >= 0 && num <= den, `plan.options.${key}.${family}.rate`, 'expected a ratio in [0, 1]');
          need(rule.budget === undefined || (typeof rule.budget === 'number' && Number.isSafeInteger(rule.budget) && rule.budget >= 0), `plan.options.${key}.${family}.budget`, 'expected an integer ≥ 0');
        }
      }
      continue;
    }
    if (isRecord(template) && isRecord(value)) {
      for (const sub of Object.keys(template)) need(sub in value, `plan.options.${key}.${sub}`, 'missing');
      for (const sub of Object.keys(value)) need(sub in template, `plan.options.${key}.${sub}`, 'not an option of this build');
      for (const sub of Object.keys(template)) if (template[sub] !== null && value[sub] !== null) sameShape(value[sub], template[sub], `plan.options.${key}.${sub}`);
    } else if (template !== null && value !== null) sameShape(value, template, `plan.options.${key}`);
  }
  const options = { ...(v as unknown as SimOptions), spec };
  need(options.workload.clients >= 1 && options.workload.callersPerClient >= 1, 'plan.options.workload', 'at least one client with one caller');
  need(options.phases.safetyMs >= 0 && options.phases.livenessMs >= 0, 'plan.options.phases', 'expected durations ≥ 0');
  return options;
}

function parseStrike(v: Json, field: string, spec: RunSpec): PlannedStrike {
  need(isRecord(v), field, 'expected a strike { atMs, family, size, choices }');
  const allowed: readonly string[] = nodesOf(spec) === 1 ? NEMESIS_FAMILIES : [...NEMESIS_FAMILIES, ...RAFT_NEMESIS_FAMILIES];
  need(typeof v.family === 'string' && allowed.includes(v.family), `${field}.family`, `not a nemesis family of ${nodesOf(spec)} node(s): ${JSON.stringify(v.family)}`);
  need(Array.isArray(v.choices), `${field}.choices`, 'expected an array of integers');
  const choices = v.choices.map((c, i) => safeInt(c, `${field}.choices[${i}]`, 0));
  need(typeof v.size === 'number' && Number.isSafeInteger(v.size), `${field}.size`, 'expected an integer');
  return { atMs: safeInt(v.atMs, `${field}.atMs`, 0), family: v.family as NemesisFamily, size: v.size, choices };
}

const OP_KINDS: readonly string[] = ['getTs', 'getTsBatch', 'getSeq'];

function parseCaller(v: Json, field: string): PlannedCaller {
  need(isRecord(v), field, 'expected a caller { client, incarnation, caller, ops }');
  need(typeof v.client === 'string' && v.client.length > 0, `${field}.client`, 'expected a client node name');
  need(Array.isArray(v.ops), `${field}.ops`, 'expected an array');
  const ops: PlannedOp[] = v.ops.map((op, i) => {
    const f = `${field}.ops[${i}]`;
    need(isRecord(op) && typeof op.kind === 'string' && OP_KINDS.includes(op.kind), f, 'expected { kind: getTs | getTsBatch | getSeq, count, key, thinkMs }');
    need(op.kind === 'getSeq' ? typeof op.key === 'string' : op.key === null, `${f}.key`, 'a getSeq call has a string key, the others null');
    return { kind: op.kind as PlannedOp['kind'], count: safeInt(op.count, `${f}.count`, 1), key: op.key as string | null, thinkMs: safeInt(op.thinkMs, `${f}.thinkMs`, 0) };
  });
  return { client: v.client, incarnation: safeInt(v.incarnation, `${field}.incarnation`, 1), caller: safeInt(v.caller, `${field}.caller`, 0), ops };
}

/** Parses a capsule file's text; a CapsuleError names the first field this build cannot run. */
export function parseCapsule(text: string): Capsule {
  let v: Json;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CapsuleError('(file)', `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  need(isRecord(v), '(file)', 'expected a JSON object');
  need(v.format === CAPSULE_FORMAT, 'format', `expected ${JSON.stringify(CAPSULE_FORMAT)}, got ${JSON.stringify(v.format)}`);
  need(v.version === CAPSULE_VERSION, 'version', `this build runs version ${CAPSULE_VERSION}, the file is ${JSON.stringify(v.version)}`);
  const spec = parseSpec(v.spec);
  need(isRecord(v.plan), 'plan', 'expected { options, strikes, callers }');
  const options = parseOptions(v.plan.options, spec);
  need(Array.isArray(v.plan.strikes) && v.plan.strikes.length <= CAPSULE_STRIKES_MAX, 'plan.strikes', `expected an array of at most ${CAPSULE_STRIKES_MAX} strikes`);
  const strikes = v.plan.strikes.map((s, i) => parseStrike(s, `plan.strikes[${i}]`, spec));
  need(Array.isArray(v.plan.callers), 'plan.callers', 'expected an array');
  const callers = v.plan.callers.map((c, i) => parseCaller(c, `plan.callers[${i}]`));
  const plan: RunPlan = { options, strikes, callers };
  need(opsOfPlan(plan) <= CAPSULE_OPS_MAX, 'plan.callers', `more than ${CAPSULE_OPS_MAX} calls`);
  const e = v.expect;
  need(isRecord(e) && (e.result === 'ok' || e.result === 'safety' || e.result === 'liveness') && typeof e.traceHash === 'string', 'expect', 'expected { result, violation, traceHash }');
  const violation = e.violation;
  need(violation === null || (isRecord(violation) && typeof violation.kind === 'string' && typeof violation.message === 'string'), 'expect.violation', 'expected null or { kind, message }');
  const s = v.size;
  need(isRecord(s), 'size', 'expected { strikes, ops, events, simMs }');
  return {
    format: CAPSULE_FORMAT,
    version: CAPSULE_VERSION,
    spec,
    expect: { result: e.result, violation: violation === null ? null : { kind: violation.kind as ViolationKind, message: violation.message as string }, traceHash: e.traceHash },
    size: { strikes: safeInt(s.strikes, 'size.strikes', 0), ops: safeInt(s.ops, 'size.ops', 0), events: safeInt(s.events, 'size.events', 0), simMs: safeInt(s.simMs, 'size.simMs', 0) },
    plan,
  };
}
