// Named invariants. An assertion failure is a bug in this program, never an expected condition:
// expected conditions are returned values with a code from `errors.ts`, and bad bytes are typed
// decode errors. Assertions stay on in production (TigerBeetle style): a broken invariant in a
// timestamp oracle must stop the process rather than hand out a wrong timestamp.

/** Thrown only when an invariant of this program is broken. */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
  readonly code = 'TSO_ASSERTION';
  constructor(
    readonly invariant: string,
    detail?: string,
  ) {
    super(detail === undefined ? `invariant broken: ${invariant}` : `invariant broken: ${invariant}: ${detail}`);
  }
}

/**
 * A failure's detail: a string, or a function that makes it. Details built from values go in a
 * function, so an assertion that holds (every call on a hot path) makes no string: building one
 * from numbers costs more than the check itself.
 */
export type AssertionDetail = string | (() => string);

/** Asserts `condition`; `invariant` names the invariant (snake_case) so a failure says what broke. */
export function assert(condition: unknown, invariant: string, detail?: AssertionDetail): asserts condition {
  if (!condition) throw new AssertionError(invariant, typeof detail === 'function' ? detail() : detail);
}

/** Exhaustiveness check for closed unions: `default: return unreachable(x)`. */
export function unreachable(value: never, invariant = 'exhaustive_switch'): never {
  throw new AssertionError(invariant, `unexpected value ${String(value)}`);
}

/** Asserts that `n` is a safe non-negative integer (a u53 that crosses a boundary as a number). */
export function assertSafeUint(n: number, invariant: string): void {
  assert(Number.isSafeInteger(n) && n >= 0, invariant, () => `not a safe unsigned integer: ${n}`);
}
