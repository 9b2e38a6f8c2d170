declare const KINDS: readonly ["u8", "i8", "u16", "u32", "u64", "u64n", "i16", "i32", "i64", "bool", "bytes", "str", "optionStr", "seqU32", "seqStr", "raw4", "optionU64", "leU8", "leU16", "leU32", "leU64", "leU64n", "leView"];
type Kind = (typeof KINDS)[number];
export interface PrimitiveItem {
    readonly kind: Kind;
    readonly value: unknown;
}
export declare function decodePrimitives(bytes: Uint8Array): PrimitiveItem[];
export declare function encodePrimitives(items: readonly PrimitiveItem[]): Uint8Array;
declare const _default: import("../target.js").AnyFuzzTarget;
export default _default;
