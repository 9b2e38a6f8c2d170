import * as fc from 'fast-check';
import type { AnyFuzzTarget, LengthField } from '../target.js';
export type PlantedBug = 'key-length-alloc' | 'key-count-alloc' | 'unchecked-read' | 'zero-length-spin';
export interface TsodLikeRecord {
    readonly cap: bigint;
    readonly entries: readonly {
        readonly key: Uint8Array;
        readonly counter: bigint;
    }[];
}
export declare function encodeTsodLike(record: TsodLikeRecord): Uint8Array;
export declare function decodeTsodLike(bytes: Uint8Array, plantedBug?: PlantedBug | null): TsodLikeRecord;
/** Recomputes the trailing CRC so a mutation reaches the body parser. */
export declare function fixTsodLikeCrc(bytes: Uint8Array): Uint8Array;
/** The key count and each key length, walking the record as far as it parses. */
export declare function tsodLikeLengthFields(bytes: Uint8Array): LengthField[];
export declare const tsodLikeRecordArbitrary: fc.Arbitrary<TsodLikeRecord>;
/** The endless-loop variant, as a module export the worker-thread runner can import. */
export declare function createSpinningTarget(): AnyFuzzTarget;
export declare function createTsodLikeTarget(plantedBug?: PlantedBug | null): AnyFuzzTarget;
