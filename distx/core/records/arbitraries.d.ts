import fc from 'fast-check';
import type { SeqLedgerSnapshot } from '../ledger.js';
/** u64 values biased toward the edges (0, 2^32, 2^53, 2^64 − 1). */
export declare const u64Arbitrary: fc.Arbitrary<bigint>;
/** High-water physical ms in [0, PHYSICAL_MS_MAX], edges included. */
export declare const highWaterMsArbitrary: fc.Arbitrary<number>;
/** A valid sequence key: well-formed, 1–128 UTF-8 bytes; ASCII, multi-byte and astral. */
export declare const seqKeyArbitrary: fc.Arbitrary<string>;
export interface SeqLedgerSnapshotArbitraryOptions {
    /** Most distinct keys drawn (default 8). */
    readonly keysMax?: number;
    /** Most sessions drawn (default 4); 0 gives version-1-shaped snapshots with applySeq 0. */
    readonly sessionsMax?: number;
    /** Most results per session drawn (default 4). */
    readonly resultsPerSessionMax?: number;
}
/** Canonical sequence-ledger snapshots. */
export declare function seqLedgerSnapshotArbitrary(options?: SeqLedgerSnapshotArbitraryOptions): fc.Arbitrary<SeqLedgerSnapshot>;
