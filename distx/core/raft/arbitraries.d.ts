import fc from 'fast-check';
import type { WalRecord } from './codec.js';
import type { Entry, HardState, Message, Snapshot } from './types.js';
/** Terms, indexes and rounds: mostly small, sometimes at the edges of the safe range. */
export declare const raftCounterArbitrary: fc.Arbitrary<number>;
/** A snapshot whose term is at most `termMax`. */
export declare function snapshotArbitrary(termMax?: number): fc.Arbitrary<Snapshot>;
/** Every message type, structurally valid. */
export declare const raftMessageArbitrary: fc.Arbitrary<Message>;
export declare const hardStateArbitrary: fc.Arbitrary<HardState>;
export declare const entryArbitrary: fc.Arbitrary<Entry>;
export declare const walRecordArbitrary: fc.Arbitrary<WalRecord>;
