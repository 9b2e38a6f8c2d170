import { DecodeError } from './errors.js';
/** One frame: the u32 big-endian length of `body`, then `body`. */
export declare function encodeFrame(body: Uint8Array, maxBodyBytes?: number): Uint8Array;
/** Writes the u32 big-endian length prefix of a `bodyBytes`-long body at `offset` of `target`. */
export declare function writeFrameHeader(target: Uint8Array, offset: number, bodyBytes: number): void;
/** Incremental decoder of a stream of frames. One per connection. */
export declare class FrameDecoder {
    readonly maxBodyBytes: number;
    /** Chunks not fully consumed yet; `chunks[head]` is the oldest, read from `headOffset`. */
    private chunks;
    private head;
    private headOffset;
    /** Bytes buffered and not yet consumed, across all chunks. */
    private bufferedBytes;
    /** Length of the body being assembled, once its header was read and checked; else null. */
    private bodyBytesExpected;
    /** Stream bytes consumed so far (for error offsets). */
    private consumedBytes;
    private failure;
    constructor(maxBodyBytes?: number);
    /** The error that poisoned this decoder, if any. */
    get error(): DecodeError | null;
    /** Bytes held waiting for the rest of a frame (at most one header plus one maximal body). */
    get pendingBytes(): number;
    /** Adds `chunk` and returns every body it completed, in order. Throws DecodeError on bad input. */
    push(chunk: Uint8Array): Uint8Array[];
    /**
     * Adds `chunk` and hands each completed body to `onBody` as soon as it is complete, so that
     * bodies before a bad header are still delivered before the DecodeError is thrown. If
     * `onBody` throws, the bodies already handed over stay consumed and the rest of the chunk
     * stays buffered for the next push.
     */
    pushEach(chunk: Uint8Array, onBody: (body: Uint8Array) => void): void;
    private poison;
    /** Copies out and consumes the next `count` buffered bytes (the caller checked they exist). */
    private take;
    /** Drops consumed chunk slots once they dominate the list (amortised O(1) per chunk). */
    private compact;
}
