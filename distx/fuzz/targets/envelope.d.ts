export type EnvelopeValue = {
    readonly version: 1;
    readonly highWater: bigint;
    readonly name: string;
    readonly limit: number | null;
} | {
    readonly version: 2;
    readonly entries: readonly (readonly [string, bigint])[];
    readonly sealed: boolean;
};
export declare function encodeEnvelopeValue(value: EnvelopeValue): Uint8Array;
declare const _default: import("../target.js").AnyFuzzTarget;
export default _default;
