export interface FrameStream {
    readonly bodies: readonly Uint8Array[];
    /** Bytes after the last whole frame: a partial header, or a header and part of its body. */
    readonly pending: Uint8Array;
}
export declare function decodeFrameStream(bytes: Uint8Array): FrameStream;
export declare function encodeFrameStream(stream: FrameStream): Uint8Array;
declare const _default: import("../target.js").AnyFuzzTarget;
export default _default;
