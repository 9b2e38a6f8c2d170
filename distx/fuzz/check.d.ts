import type { AnyFuzzTarget } from './target.js';
export type FindingKind = 'unexpected-error' | 'encode-failed' | 'round-trip' | 'not-canonical' | 'valid-value-rejected' | 'allocation' | 'slow' | 'hang';
export type CheckOutcome = {
    readonly kind: 'accepted';
} | {
    readonly kind: 'rejected';
    readonly code: string;
    readonly offset: number | null;
} | {
    readonly kind: 'finding';
    readonly finding: FindingKind;
    readonly signature: string;
    readonly detail: string;
};
export interface CheckOptions {
    /** Wall time one input may take (decode plus round-trip checks). */
    readonly inputBudgetMs: number;
    /** Whether to measure allocations (on by default; off only to measure its own cost). */
    readonly measureAllocation?: boolean;
}
/** Wall time one input may take by default: generous for a shared 2-core machine. */
export declare const INPUT_BUDGET_MS_DEFAULT = 50;
/** Checks every property on `bytes`. Never throws (a throwing check is itself a finding). */
export declare function checkInput(target: AnyFuzzTarget, bytes: Uint8Array, options: CheckOptions): CheckOutcome;
/** Checks that a valid value encodes, decodes back to itself and (canonical) re-encodes the same. */
export declare function checkValidValue(target: AnyFuzzTarget, value: unknown, onEncoded?: (bytes: Uint8Array) => void): {
    outcome: CheckOutcome;
    bytes: Uint8Array | null;
};
/** A stable summary of an error: its name, code, message shape and the frame that threw it. */
export declare function errorSignature(error: unknown): string;
export declare function errorText(error: unknown): string;
