import { type Message } from '../../core/raft/index.js';
export declare const PEER_FRAME_HELLO = 1;
export declare const PEER_FRAME_MESSAGE = 2;
export declare const PEER_FRAME_FRAGMENT = 3;
export declare const PEER_FRAME_LAST = 4;
export declare const PEER_HELLO_VERSION = 1;
/** The CRC-32C that closes every frame body. */
export declare const PEER_FRAME_CRC_BYTES = 4;
/** The bytes of a frame body that are not payload: the tag and the CRC. */
export declare const PEER_FRAME_OVERHEAD_BYTES: number;
/** Who is on the other end of a connection, and in which cluster. */
export interface PeerHello {
    /** CRC-32C of the cluster's canonical peer list (meta.ts): peers of another cluster differ. */
    readonly clusterId: number;
    readonly from: number;
    readonly to: number;
}
export type PeerFrame = {
    readonly kind: 'hello';
    readonly hello: PeerHello;
} | {
    readonly kind: 'message';
    readonly message: Message;
}
/** A piece of a larger message was kept; the message completes with a later frame. */
 | {
    readonly kind: 'fragment';
};
export declare function encodeHello(hello: PeerHello): Uint8Array;
/** The frame bodies that carry `message`: one MESSAGE frame, or FRAGMENT frames and a LAST. */
export declare function encodePeerMessage(message: Message, frameBodyBytesMax?: number): Uint8Array[];
/** Splits already encoded message bytes into frame bodies of at most `frameBodyBytesMax`. */
export declare function framesOf(encoded: Uint8Array, frameBodyBytesMax?: number): Uint8Array[];
/** Decodes the frames of one connection, in order, reassembling fragmented messages. */
export declare class PeerFrameReader {
    private pieces;
    private pieceBytes;
    /** Bytes of an incomplete message held so far. */
    get pendingBytes(): number;
    /**
     * Decodes one frame body. Total: throws only `DecodeError`. The length and the CRC are checked
     * before anything else, so a corrupted frame changes no state (not even pending pieces).
     */
    read(body: Uint8Array): PeerFrame;
}
