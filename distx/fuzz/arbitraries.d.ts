import * as fc from 'fast-check';
/** One Unicode scalar value, weighted toward ASCII, the 2-byte and 3-byte ranges, then astral. */
export declare const codePointUnit: fc.Arbitrary<string>;
export declare function unicodeString(constraints: {
    minLength?: number;
    maxLength: number;
}): fc.Arbitrary<string>;
export declare const u64Arbitrary: fc.Arbitrary<bigint>;
/** A run of one character (ASCII, quote, control, 2-, 3- and 4-byte UTF-8) of a boundary length. */
export declare function longStringArbitrary(lengthMax: number): fc.Arbitrary<string>;
/** Any msgpack value a peer might send in a field: right types, wrong types, edge values. */
export declare function wildMsgpackValue(stringBytesMax: number): fc.Arbitrary<unknown>;
/**
 * Raw msgpack maps built entry by entry (so keys may repeat, which a JS object cannot express),
 * with the protocol's field names most of the time and wild values.
 */
export declare function wildMsgpackMap(fieldNames: readonly string[], stringBytesMax: number): fc.Arbitrary<Uint8Array>;
/**
 * Near-valid msgpack maps: a valid object's fields with one to three edits (a value replaced
 * by a wild one, a field dropped, duplicated, or an extra field added). Most bugs hide one
 * field away from a valid message, where purely random bytes rarely land.
 */
export declare function nearValidMsgpackMap(valid: fc.Arbitrary<object>, fieldNames: readonly string[], stringBytesMax: number): fc.Arbitrary<Uint8Array>;
