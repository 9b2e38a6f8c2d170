// Named invariants. An assertion failure is a bug in this program, never an expected condition:
// expected conditions are returned values with a code from `errors.ts`, and bad bytes are typed
// decode errors. Assertions stay on in production (TigerBeetle style): a broken invariant in a
// timestamp oracle must stop the process rather than hand out a wrong timestamp.
/** Thrown only when an invariant of this program is broken. */
export class AssertionError extends Error {
    invariant;
    name = 'AssertionError';
    code = 'TSO_ASSERTION';
    constructor(invariant, detail) {
        super(detail === undefined ? `invariant broken: ${invariant}` : `invariant broken: ${invariant}: ${detail}`);
        this.invariant = invariant;
    }
}
/** Asserts `condition`; `invariant` names the invariant (snake_case) so a failure says what broke. */
export function assert(condition, invariant, detail) {
    if (!condition)
        throw new AssertionError(invariant, detail);
}
/** Exhaustiveness check for closed unions: `default: return unreachable(x)`. */
export function unreachable(value, invariant = 'exhaustive_switch') {
    throw new AssertionError(invariant, `unexpected value ${String(value)}`);
}
/** Asserts that `n` is a safe non-negative integer (a u53 that crosses a boundary as a number). */
export function assertSafeUint(n, invariant) {
    assert(Number.isSafeInteger(n) && n >= 0, invariant, `not a safe unsigned integer: ${n}`);
}
//# sourceMappingURL=assert.js.map