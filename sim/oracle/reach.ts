// Reach of the rare paths: which `sometimes` marks (core/sometimes.ts) a simulated run reached,
// and, over a swarm, how many seeds reached each declared mark and which no seed reached.
//
// Invariants:
//   - A run's reach is collected by installing a counting sink around the run and restoring the
//     previous sink after it, even when the run throws. Marks only count: a run's trace and
//     result are the same with or without collection.
//   - Seeds run one after another in a process (runner.ts), so one sink at a time is enough;
//     the checkers' own reads of the product's records (the durable image's recovery, the
//     committed state machine) run with the sink muted (`outsideReach`), so a mark counts only
//     when the product under test took the path.
//   - The expected marks are the product's catalogue (core/rare-paths.ts) plus whatever users
//     declared (`declareSometimes`), filtered to the marks the run's driver can reach. A mark
//     reached but never declared is listed too, as `undeclared` (a typo, or a missing
//     declaration), so the catalogue cannot silently drift from the code.

import '../../core/rare-paths.js';
import { declaredSometimes, markAppliesTo, setSometimesSink, type SometimesDeclaration } from '../../core/sometimes.js';

/** The marks one run reached, each with how many times. */
export type RunReach = ReadonlyMap<string, number>;

/** Runs `run` with a counting sink installed; returns its result and the marks it reached. */
export async function collectReach<T>(run: () => Promise<T>): Promise<{ readonly result: T; readonly reach: RunReach }> {
  const hits = new Map<string, number>();
  const previous = setSometimesSink((name) => hits.set(name, (hits.get(name) ?? 0) + 1));
  try {
    return { result: await run(), reach: hits };
  } finally {
    setSometimesSink(previous);
  }
}

/** Runs `read` (synchronous: a checker decoding the product's records) with marks muted. */
export function outsideReach<T>(read: () => T): T {
  const previous = setSometimesSink(null);
  try {
    return read();
  } finally {
    setSometimesSink(previous);
  }
}

/** The driver of a run of `nodes` server nodes (1: the file driver, more: Raft). */
export function driverOfNodes(nodes: number): string {
  return nodes === 1 ? 'file' : 'raft';
}

/** The declared marks a run of `driver` can reach. */
export function marksFor(driver: string): readonly SometimesDeclaration[] {
  return declaredSometimes().filter((m) => markAppliesTo(m, driver));
}

export interface MarkReach {
  readonly name: string;
  readonly what: string;
  /** Seeds that reached it at least once. */
  readonly seeds: number;
  /** Times it was reached, over every seed. */
  readonly hits: number;
  /** The first seeds that reached it (at most REACH_SEEDS_NAMED_MAX), to reproduce or pin one. */
  readonly firstSeeds: readonly number[];
  readonly nightly?: string;
}

/** Seeds named per mark in a summary. */
export const REACH_SEEDS_NAMED_MAX = 5;

export interface ReachSummary {
  /** The run's driver (which marks were expected). */
  readonly driver: string;
  readonly seedsRun: number;
  /** Every expected mark, in catalogue order. */
  readonly marks: readonly MarkReach[];
  /** Expected marks no seed reached (nightly ones excluded: see `nightlyUnreached`). */
  readonly unreached: readonly string[];
  /** Nightly marks this swarm did not reach (not a failure of a short swarm). */
  readonly nightlyUnreached: readonly string[];
  /** Marks reached that were never declared. */
  readonly undeclared: readonly string[];
}

/** Accumulates the reach of a swarm's seeds. */
export class ReachTally {
  private readonly seeds = new Map<string, number>();
  private readonly hits = new Map<string, number>();
  private readonly firstSeeds = new Map<string, number[]>();
  private seedsRun = 0;

  constructor(readonly driver: string) {}

  add(seed: number, reach: RunReach): void {
    this.seedsRun++;
    for (const [name, n] of reach) {
      const named = this.firstSeeds.get(name) ?? [];
      if (named.length < REACH_SEEDS_NAMED_MAX) named.push(seed);
      this.firstSeeds.set(name, named);
      this.seeds.set(name, (this.seeds.get(name) ?? 0) + 1);
      this.hits.set(name, (this.hits.get(name) ?? 0) + n);
    }
  }

  summary(): ReachSummary {
    const expected = marksFor(this.driver);
    const marks = expected.map((m) => ({
      name: m.name,
      what: m.what,
      seeds: this.seeds.get(m.name) ?? 0,
      hits: this.hits.get(m.name) ?? 0,
      firstSeeds: this.firstSeeds.get(m.name) ?? [],
      ...(m.nightly?.[this.driver] === undefined ? {} : { nightly: m.nightly[this.driver] as string }),
    }));
    const declared = new Set(declaredSometimes().map((m) => m.name));
    return {
      driver: this.driver,
      seedsRun: this.seedsRun,
      marks,
      unreached: marks.filter((m) => m.seeds === 0 && m.nightly === undefined).map((m) => m.name),
      nightlyUnreached: marks.filter((m) => m.seeds === 0 && m.nightly !== undefined).map((m) => m.name),
      undeclared: [...this.seeds.keys()].filter((name) => !declared.has(name)).sort(),
    };
  }
}

/** Merges the reach summaries of several swarms of the same driver (the smoke swarm's chunks). */
export function mergeReach(summaries: readonly ReachSummary[]): ReachSummary {
  const first = summaries[0];
  if (first === undefined) return new ReachTally('file').summary();
  const seeds = new Map<string, number>();
  const hits = new Map<string, number>();
  const firstSeeds = new Map<string, number[]>();
  const undeclared = new Set<string>();
  for (const s of summaries) {
    for (const m of s.marks) {
      seeds.set(m.name, (seeds.get(m.name) ?? 0) + m.seeds);
      hits.set(m.name, (hits.get(m.name) ?? 0) + m.hits);
      firstSeeds.set(m.name, [...(firstSeeds.get(m.name) ?? []), ...m.firstSeeds].slice(0, REACH_SEEDS_NAMED_MAX));
    }
    for (const name of s.undeclared) undeclared.add(name);
  }
  const marks = first.marks.map((m) => ({ ...m, seeds: seeds.get(m.name) ?? 0, hits: hits.get(m.name) ?? 0, firstSeeds: firstSeeds.get(m.name) ?? [] }));
  return {
    driver: first.driver,
    seedsRun: summaries.reduce((n, s) => n + s.seedsRun, 0),
    marks,
    unreached: marks.filter((m) => m.seeds === 0 && m.nightly === undefined).map((m) => m.name),
    nightlyUnreached: marks.filter((m) => m.seeds === 0 && m.nightly !== undefined).map((m) => m.name),
    undeclared: [...undeclared].sort(),
  };
}

/** The summary's lines for `sim swarm`: every mark with the seeds reaching it, then the gaps. */
export function describeReach(reach: ReachSummary): string[] {
  const lines = [`  rare paths (${reach.driver} driver; seeds reaching each of ${reach.seedsRun}): ${reach.marks.map((m) => `${m.name} ${m.seeds}`).join(', ')}`];
  if (reach.unreached.length > 0) lines.push(`  rare paths no seed reached: ${reach.unreached.join(', ')}`);
  if (reach.nightlyUnreached.length > 0) lines.push(`  nightly rare paths not reached in this range: ${reach.nightlyUnreached.join(', ')}`);
  if (reach.undeclared.length > 0) lines.push(`  rare paths reached but never declared: ${reach.undeclared.join(', ')}`);
  return lines;
}
