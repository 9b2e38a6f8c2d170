/** Thrown only when an invariant of this program is broken. */
export declare class AssertionError extends Error {
    readonly invariant: string;
    readonly name = "AssertionError";
    readonly code = "TSO_ASSERTION";
    constructor(invariant: string, detail?: string);
}
/** Asserts `condition`; `invariant` names the invariant (snake_case) so a failure says what broke. */
export declare function assert(condition: unknown, invariant: string, detail?: string): asserts condition;
/** Exhaustiveness check for closed unions: `default: return unreachable(x)`. */
export declare function unreachable(value: never, invariant?: string): never;
/** Asserts that `n` is a safe non-negative integer (a u53 that crosses a boundary as a number). */
export declare function assertSafeUint(n: number, invariant: string): void;
