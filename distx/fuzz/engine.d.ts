import { type FindingKind } from './check.js';
import type { AnyFuzzTarget } from './target.js';
/** In-memory corpus entries per target; beyond it new inputs replace random old ones. */
export declare const CORPUS_ENTRIES_MAX = 20000;
/** In-memory corpus bytes per target; beyond it, likewise. */
export declare const CORPUS_BYTES_MAX: number;
/** Distinct findings (signatures) per run before the run stops: the target is broken enough. */
export declare const FINDINGS_DISTINCT_MAX = 16;
/** Executions spent shrinking one finding. */
export declare const MINIMIZE_EXECS_MAX = 2000;
/** Wall time spent shrinking one finding (allocation checks run a full GC per reproduction). */
export declare const MINIMIZE_TIME_MS_MAX = 5000;
/** Largest coverage batch: inputs run between two coverage takes. */
export declare const COVERAGE_BATCH_MAX = 512;
export interface FuzzOptions {
    readonly seed: number;
    /** Stop after this much wall time (whichever of time and execs comes first). */
    readonly timeMs?: number;
    /** Stop after this many executions. */
    readonly execsMax?: number;
    /** Use V8 precise coverage as feedback (slower per input, finds deeper bugs). */
    readonly coverage?: boolean;
    /** Inputs run between coverage takes; 'auto' sizes it from the measured costs. */
    readonly coverageBatch?: number | 'auto';
    /** Starting corpus folder (read, not written); null for none. */
    readonly corpusDir?: string | null;
    /** Where findings are saved; null to keep them in memory only. */
    readonly findingsDir?: string | null;
    /** Where inputs reaching new coverage are saved; omitted to save none. */
    readonly corpusOutDir?: string;
    readonly inputBudgetMs?: number;
    /** Stop at the first finding. */
    readonly stopOnFinding?: boolean;
    /** Called before each input runs (the hang watchdog records it). */
    readonly beforeInput?: (bytes: Uint8Array, execs: number) => void;
    /** Called once per distinct finding, as soon as it is saved. */
    readonly onFinding?: (finding: Finding) => void;
    /** Progress lines. */
    readonly log?: (line: string) => void;
    /** Milliseconds between progress lines (default 10 s). */
    readonly progressEveryMs?: number;
}
export interface Finding {
    readonly target: string;
    readonly kind: FindingKind;
    readonly signature: string;
    readonly detail: string;
    /** The (shrunk) reproducer. */
    readonly input: Uint8Array;
    /** Where it was saved, when it was. */
    readonly path: string | null;
    readonly replayCommand: string | null;
    /** Execution at which it was first seen. */
    readonly execIndex: number;
    /** How many inputs hit the same signature. */
    hits: number;
}
export interface FuzzReport {
    readonly target: string;
    readonly seed: number;
    readonly coverage: boolean;
    readonly execs: number;
    readonly elapsedMs: number;
    readonly execsPerSecond: number;
    readonly corpusSize: number;
    readonly startingCorpusSize: number;
    readonly coverageFeatures: number;
    readonly coverageBatch: number;
    /** Coverage takes, and how many of them were re-runs to attribute a batch's new coverage. */
    readonly coverageTakes: number;
    readonly coverageAttributionTakes: number;
    readonly accepted: number;
    readonly rejectedByCode: Readonly<Record<string, number>>;
    readonly findings: readonly Finding[];
}
export declare function fuzzTarget(target: AnyFuzzTarget, options: FuzzOptions): FuzzReport;
/**
 * Shrinks a finding's input while it keeps the same signature: cut the tail, then remove ever
 * smaller chunks, repairing the checksum when the target can (a shrink that breaks the CRC
 * would otherwise stop at the checksum). Bounded by MINIMIZE_EXECS_MAX executions.
 */
export declare function minimize(target: AnyFuzzTarget, bytes: Uint8Array, signature: string, inputBudgetMs: number, beforeInput?: (candidate: Uint8Array) => void): Uint8Array;
