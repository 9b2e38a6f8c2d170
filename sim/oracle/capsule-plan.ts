// A run's plan as a value: its options, every nemesis strike (time, family, size and the
// choices it made: which node, which side of a partition, crash now or after the next write)
// and every client call (kind, count, key, think time), per client incarnation and caller.
//
// A seed run draws its plan as it goes (a strike's choices depend on the state it meets: a
// crash of a node that is already down draws nothing), and with `recordPlan` it hands the plan
// it drew back in its report. A run given a plan (`RunSeedOptions.plan`) draws none of it: its
// strikes and calls are the plan's, so a failure capsule (capsule.ts) runs exactly what it
// holds, and a seed's plan replayed gives the seed's trace, event for event.
//
// Invariants:
//   - Recording draws nothing extra: a `RecordingRng` is the family's own stream, and it keeps
//     the values its `int` draws returned while a strike runs.
//   - A run given a plan schedules its strikes as a seed run does (each family's first strike
//     at the start, the next one when the previous struck, families in the options' order), so
//     the scheduler's sequence numbers, and with them the order of ties, are the same.
//   - A strike whose recorded choices run out, or no longer fit (the shrinker removed a client
//     that a choice named), draws what is missing from its own stream
//     (`<world seed>/plan/<family>/<n>`): a plan's run is deterministic whatever the plan.
//   - A caller with no planned calls left stops calling.

import { Rng } from '../random.js';
import type { OpKind } from './history.js';
import type { NemesisFamily, SimOptions } from './options.js';

/** One strike of the nemesis, as it happened (or as a capsule says it happens). */
export interface PlannedStrike {
  /** Virtual time of the strike. */
  readonly atMs: number;
  readonly family: NemesisFamily;
  /** The family's size: a duration in ms, a clock step in ms, a drift in ppm. */
  readonly size: number;
  /** The integers the strike drew, in order (`Rng.int` results: a pick's index, a chance's roll). */
  readonly choices: readonly number[];
}

/** One client call, and the think time after it. */
export interface PlannedOp {
  readonly kind: OpKind;
  readonly count: number;
  readonly key: string | null;
  readonly thinkMs: number;
}

/** The calls of one caller of one client incarnation (`c2`, incarnation 1, caller 0). */
export interface PlannedCaller {
  readonly client: string;
  readonly incarnation: number;
  readonly caller: number;
  readonly ops: readonly PlannedOp[];
}

export interface RunPlan {
  readonly options: SimOptions;
  readonly strikes: readonly PlannedStrike[];
  readonly callers: readonly PlannedCaller[];
}

/** The key of a caller's calls in a plan. */
export function callerKey(client: string, incarnation: number, caller: number): string {
  return `${client}#${incarnation}/${caller}`;
}

/** A stream that keeps the results of its `int` draws while `recorded` is set. */
export class RecordingRng extends Rng {
  recorded: number[] | null = null;

  override int(lo: number, hi: number): number {
    const value = super.int(lo, hi);
    // A one-value range draws nothing; a scripted stream answers it without a choice too.
    if (this.recorded !== null && lo !== hi) this.recorded.push(value);
    return value;
  }
}

/** A stream that answers `int` draws with recorded choices, then from its own seed. */
export class ScriptedRng extends Rng {
  private next = 0;
  /** The values its `int` draws returned (what a run given a plan records of a strike). */
  readonly used: number[] = [];

  constructor(
    seed: string,
    private readonly choices: readonly number[],
  ) {
    super(seed);
  }

  override int(lo: number, hi: number): number {
    if (lo === hi) return lo;
    const value = this.scripted(lo, hi) ?? super.int(lo, hi);
    this.used.push(value);
    return value;
  }

  private scripted(lo: number, hi: number): number | null {
    if (this.next >= this.choices.length) return null;
    const value = this.choices[this.next++] as number;
    return Number.isSafeInteger(value) && value >= lo && value <= hi ? value : null;
  }
}

/**
 * What a run keeps of its plan (`RunSeedOptions.recordPlan`): the strikes that struck and the
 * calls that were made, drawn or planned (a plan's run keeps only what it reached).
 */
export class PlanRecorder {
  readonly strikes: PlannedStrike[] = [];
  private readonly callers = new Map<string, PlannedCaller & { ops: PlannedOp[] }>();

  strike(strike: PlannedStrike): void {
    this.strikes.push(strike);
  }

  /**
   * Keeps a call as it is invoked (a call that never returns, its process crashed, is still
   * one the caller made); its think time is set once it is drawn (`{ thinkMs }` is mutable).
   */
  op(client: string, incarnation: number, caller: number, op: PlannedOp): { thinkMs: number } {
    const key = callerKey(client, incarnation, caller);
    let entry = this.callers.get(key);
    if (entry === undefined) {
      entry = { client, incarnation, caller, ops: [] };
      this.callers.set(key, entry);
    }
    const kept = { ...op };
    entry.ops.push(kept);
    return kept;
  }

  plan(options: SimOptions): RunPlan {
    return { options, strikes: [...this.strikes].sort((a, b) => a.atMs - b.atMs), callers: [...this.callers.values()] };
  }
}

/** Where a run's strikes and calls come from: drawn from the seed (and maybe recorded), or a plan. */
export interface PlanSource {
  readonly plan: RunPlan | null;
  readonly recorder: PlanRecorder | null;
}

/** The planned calls of each caller, by `callerKey`. */
export function callersOfPlan(plan: RunPlan): ReadonlyMap<string, readonly PlannedOp[]> {
  return new Map(plan.callers.map((c) => [callerKey(c.client, c.incarnation, c.caller), c.ops]));
}
