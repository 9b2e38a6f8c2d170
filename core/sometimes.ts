// "Sometimes" assertions (FoundationDB's TEST(), Antithesis's `sometimes`): `sometimes(condition,
// 'name')` marks a rare path the code handles on purpose — a recovery branch, a refusal, an
// eviction, a step-down — that a good simulation swarm must reach at least once. Unlike
// `assert`, it never fails the program: it only reports, when the condition holds, that the
// named path ran. The simulator counts the seeds that reach each mark and fails its smoke
// swarm when a declared mark goes unreached (sim/oracle/reach.ts).
//
// Invariants:
//   - Pure: no clock, no randomness, no I/O. The only state is the module-level sink (a no-op
//     until a simulator installs one) and the registry of declared marks; a mark called with no
//     sink installed costs one comparison.
//   - A mark changes nothing the program computes: the sink only counts. So a run with a sink
//     installed behaves exactly as one without (the simulator's traces do not move).
//   - A name is declared once, with one description: the registry refuses a second, different
//     declaration of the same name (a typo would otherwise split one path in two).
//   - Mark names are snake_case with a dotted area prefix (`ledger.session_evicted`), at most
//     SOMETIMES_NAME_BYTES_MAX characters; the product's own are listed in core/rare-paths.ts.

import { TsoError } from './errors.js';

/** Receives the name of every mark whose condition held (installed by a simulator per run). */
export type SometimesSink = (name: string) => void;

/** A mark the swarm must reach: its name, what it is, and which runs can reach it. */
export interface SometimesDeclaration {
  readonly name: string;
  /** The rare path, in one sentence. */
  readonly what: string;
  /** Only runs of this consensus driver (or of one of these) can reach it ('file', 'raft', ...); absent: every run. */
  readonly driver?: string | readonly string[];
  /**
   * Reached only by long swarms, per driver: why, and the seeds that reach it. A smoke swarm of
   * that driver lists such a mark but does not fail when it is unreached.
   */
  readonly nightly?: Readonly<Record<string, string>>;
}

/** Longest mark name (names go into summaries and JSON). */
export const SOMETIMES_NAME_BYTES_MAX = 96;
const NAME_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

let sink: SometimesSink | null = null;
const declared = new Map<string, SometimesDeclaration>();

/**
 * Marks a rare path: when `condition` holds, the installed sink (if any) hears `name`. Returns
 * `condition`, so a mark can wrap a branch's test: `if (sometimes(torn, 'wal.torn_tail'))`.
 */
export function sometimes(condition: boolean, name: string): boolean {
  if (condition && sink !== null) sink(name);
  return condition;
}

/** Installs the sink marks report to (null: none); returns the one it replaces. */
export function setSometimesSink(next: SometimesSink | null): SometimesSink | null {
  const previous = sink;
  sink = next;
  return previous;
}

/** Whether `name` is a well-formed mark name. */
export function isSometimesName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= SOMETIMES_NAME_BYTES_MAX && NAME_PATTERN.test(name);
}

/**
 * Declares marks the swarm must reach (users declare theirs next to the code that marks them).
 * Declaring the same mark again with the same fields is a no-op; anything else is refused with
 * a TsoError(INVALID_ARGUMENT).
 */
export function declareSometimes(marks: readonly SometimesDeclaration[]): void {
  for (const mark of marks) {
    if (!isSometimesName(mark.name)) {
      throw new TsoError('INVALID_ARGUMENT', `sometimes mark name ${JSON.stringify(mark.name)} is not snake_case words joined by dots (at most ${SOMETIMES_NAME_BYTES_MAX} characters)`);
    }
    const known = declared.get(mark.name);
    if (known !== undefined) {
      if (known.what !== mark.what || JSON.stringify(known.driver) !== JSON.stringify(mark.driver) || JSON.stringify(known.nightly) !== JSON.stringify(mark.nightly)) {
        throw new TsoError('INVALID_ARGUMENT', `sometimes mark ${mark.name} is already declared differently`);
      }
      continue;
    }
    declared.set(mark.name, Object.freeze({ ...mark }));
  }
}

/** Whether a run of `driver` can reach `mark`. */
export function markAppliesTo(mark: SometimesDeclaration, driver: string): boolean {
  return mark.driver === undefined || (typeof mark.driver === 'string' ? mark.driver === driver : mark.driver.includes(driver));
}

/** Every declared mark, in declaration order. */
export function declaredSometimes(): readonly SometimesDeclaration[] {
  return [...declared.values()];
}
