// What every simulated run reports (the single-node run, cluster.ts, and the Raft cluster run,
// raft-run.ts), and the mapping of the swarm's disk and network families to the SimDisk and
// SimNetwork fault rules. Plain data: a report is a function of its run spec.

import type { DiskFaults } from '../disk.js';
import type { NetworkFaults } from '../network.js';
import type { Trace } from '../trace.js';
import type { History } from './history.js';
import type { DiskFamily, NetFamily, RateRule, RunSpec, SimOptions } from './options.js';
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
}

export interface RunSeedOptions {
  /** Keep every trace line in memory (for --trace, replay and determinism diffs). */
  readonly keepTrace?: boolean;
  /** Stop at the first safety violation (default true). */
  readonly haltOnViolation?: boolean;
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

