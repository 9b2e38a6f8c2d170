export type TraceValue = string | number | boolean | null | undefined | bigint | Uint8Array | readonly TraceValue[] | {
    readonly [key: string]: TraceValue;
};
export type TraceDetails = {
    readonly [key: string]: TraceValue;
};
export interface TraceEntry {
    readonly t: number;
    readonly node: string;
    readonly kind: string;
    readonly details: TraceDetails | undefined;
}
export interface TraceOptions {
    /** Keep every line in memory (default true). With false only the hash and checkpoints are kept. */
    readonly keep?: boolean;
    /** Record the running hash every this many entries (default 4096). */
    readonly checkpointEvery?: number;
}
/** FNV-1a (32-bit) of bytes: the checksum used for long byte arrays in details. */
export declare function fnv1a32(bytes: Uint8Array): number;
/** Renders a detail value as JSON text (bigints as decimal strings, bytes as hex or a summary). */
export declare function renderTraceValue(value: TraceValue): string;
export declare class Trace {
    private readonly keep;
    private readonly checkpointEvery;
    private readonly hasher;
    private readonly lineStore;
    private readonly listeners;
    private entryCount;
    /** The running hash after every `checkpointEvery` entries. */
    readonly checkpoints: string[];
    constructor(options?: TraceOptions);
    /** Appends one entry. */
    record(t: number, node: string, kind: string, details?: TraceDetails): void;
    /** Calls `listener` with every entry recorded from now on. Returns an unsubscribe function. */
    onEntry(listener: (entry: TraceEntry) => void): () => void;
    /** Entries recorded so far. */
    get count(): number;
    /** 16 hex digits fingerprinting every entry so far. */
    get hash(): string;
    /** Whether lines are kept in memory. */
    get keepsLines(): boolean;
    /** The JSON lines recorded so far (empty when `keep` is false). */
    lines(): readonly string[];
    /** The kept entries, parsed back (details as JSON: bigints are strings). */
    entries(): TraceEntry[];
    /** Writes the kept lines as a JSON Lines file (one entry per line). */
    writeJsonl(path: string): void;
}
/** The hash `Trace.hash` would give for these lines. */
export declare function hashTraceLines(lines: readonly string[]): string;
/** The first index where two traces' lines differ, with both lines; null when identical. */
export declare function firstDivergence(a: readonly string[], b: readonly string[]): {
    readonly index: number;
    readonly a: string | undefined;
    readonly b: string | undefined;
} | null;
