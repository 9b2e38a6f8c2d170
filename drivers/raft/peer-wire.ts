// The peer wire: how one Raft node's messages travel to another over the Transport port. The
// transport delivers whole frames of at most RAFT_PEER_FRAME_BODY_BYTES_MAX bytes; a Raft message
// (the core's postcard-style codec, docs/raft.md §8.1) can be far larger (an InstallSnapshot
// carries the whole state), so each frame body is `[u8 tag | payload | u32 LE crc32c(tag ‖ payload)]`:
//
//   1 HELLO     envelope v1 { clusterId: u32, from: u64, to: u64 }: the first frame of every
//               connection; the receiver closes a connection from another cluster or node
//   2 MESSAGE   one whole Raft message
//   3 FRAGMENT  a piece of a Raft message that did not fit one frame; more pieces follow
//   4 LAST      its last piece: the pieces, concatenated in order, are the message
//
// Why the CRC: nothing else checks a peer frame's bits end to end. TCP's 16-bit checksum misses
// some corruptions, and a corrupted body that still decodes would hand the Raft core a different
// message (another term, commit index or entry), which can break consensus safety. A frame whose
// CRC-32C (core/codec/crc32c.ts) does not match is refused with RECORD_CRC_MISMATCH before its tag
// or payload is looked at; the connection is then closed (peers.ts), and what it carried is lost
// like any message on a broken link, which Raft tolerates by resending. The hello payload (and so
// PEER_HELLO_VERSION) is unchanged: the CRC is part of the frame layout, around every tag alike.
//
// A connection delivers frames in order (a port invariant), so reassembly needs no sequence
// numbers. Invariants: decoding is total (only `DecodeError`, whatever the bytes); the pieces of
// one message never exceed RAFT_PEER_MESSAGE_BYTES_MAX together (checked before a piece is kept,
// and nothing is allocated from a length field); no frame body, CRC included, exceeds the frame
// limit.
import { assert } from '../../core/assert.js';
import { crc32c } from '../../core/codec/crc32c.js';
import { decodeEnvelope, encodeEnvelope } from '../../core/codec/envelope.js';
import { pooledBytes } from '../../core/codec/pooled-bytes.js';
import { DecodeError, ErrorCode } from '../../core/errors.js';
import { decodeRaftMessage, encodeRaftMessage, type Message } from '../../core/raft/index.js';
import { RAFT_PEER_FRAME_BODY_BYTES_MAX, RAFT_PEER_MESSAGE_BYTES_MAX } from './limits.js';

export const PEER_FRAME_HELLO = 1;
export const PEER_FRAME_MESSAGE = 2;
export const PEER_FRAME_FRAGMENT = 3;
export const PEER_FRAME_LAST = 4;
export const PEER_HELLO_VERSION = 1;
/** The CRC-32C that closes every frame body. */
export const PEER_FRAME_CRC_BYTES = 4;
/** The bytes of a frame body that are not payload: the tag and the CRC. */
export const PEER_FRAME_OVERHEAD_BYTES = 1 + PEER_FRAME_CRC_BYTES;

/** Who is on the other end of a connection, and in which cluster. */
export interface PeerHello {
  /** CRC-32C of the cluster's canonical peer list (meta.ts): peers of another cluster differ. */
  readonly clusterId: number;
  readonly from: number;
  readonly to: number;
}

export type PeerFrame<M = Message> =
  | { readonly kind: 'hello'; readonly hello: PeerHello }
  | { readonly kind: 'message'; readonly message: M }
  /** A piece of a larger message was kept; the message completes with a later frame. */
  | { readonly kind: 'fragment' };

/** `[tag | payload[start, end) | crc32c of both]`: one sealed frame body. */
function sealed(tag: number, payload: Uint8Array, start = 0, end = payload.length): Uint8Array {
  const crcOffset = 1 + end - start;
  const body = pooledBytes(crcOffset + PEER_FRAME_CRC_BYTES); // a frame on its way to a transport, which copies it
  body[0] = tag;
  body.set(payload.subarray(start, end), 1);
  const crc = crc32c(body, 0, crcOffset);
  body[crcOffset] = crc & 0xff;
  body[crcOffset + 1] = (crc >>> 8) & 0xff;
  body[crcOffset + 2] = (crc >>> 16) & 0xff;
  body[crcOffset + 3] = crc >>> 24;
  return body;
}

export function encodeHello(hello: PeerHello): Uint8Array {
  assert(Number.isInteger(hello.clusterId) && hello.clusterId >= 0 && hello.clusterId <= 0xffff_ffff, 'hello_cluster_id_u32');
  const payload = encodeEnvelope(PEER_HELLO_VERSION, (w) => {
    w.u32(hello.clusterId).u64n(hello.from).u64n(hello.to);
  });
  return sealed(PEER_FRAME_HELLO, payload);
}

/** The frame bodies that carry `message`: one MESSAGE frame, or FRAGMENT frames and a LAST. */
export function encodePeerMessage(message: Message, frameBodyBytesMax = RAFT_PEER_FRAME_BODY_BYTES_MAX): Uint8Array[] {
  return framesOf(encodeRaftMessage(message), frameBodyBytesMax);
}

/** Splits already encoded message bytes into frame bodies of at most `frameBodyBytesMax`. */
export function framesOf(encoded: Uint8Array, frameBodyBytesMax = RAFT_PEER_FRAME_BODY_BYTES_MAX): Uint8Array[] {
  // Room for the tag, at least one payload byte (a piece is never empty) and the CRC.
  assert(Number.isSafeInteger(frameBodyBytesMax) && frameBodyBytesMax >= PEER_FRAME_OVERHEAD_BYTES + 1, 'peer_frame_body_room');
  assert(encoded.length <= RAFT_PEER_MESSAGE_BYTES_MAX, 'peer_message_within_max', () => `${encoded.length} bytes`);
  const pieceBytesMax = frameBodyBytesMax - PEER_FRAME_OVERHEAD_BYTES;
  if (encoded.length <= pieceBytesMax) return [sealed(PEER_FRAME_MESSAGE, encoded)];
  const frames: Uint8Array[] = [];
  for (let start = 0; start < encoded.length; start += pieceBytesMax) {
    const end = Math.min(encoded.length, start + pieceBytesMax);
    frames.push(sealed(end === encoded.length ? PEER_FRAME_LAST : PEER_FRAME_FRAGMENT, encoded, start, end));
  }
  return frames;
}

function decodeHello(payload: Uint8Array): PeerHello {
  return decodeEnvelope(payload, {
    [PEER_HELLO_VERSION]: (r) => {
      const clusterId = r.u32();
      const from = r.u64n();
      const to = r.u64n();
      if (from < 1 || to < 1 || from === to) throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, 'hello ids are ≥ 1 and distinct', 1);
      return { clusterId, from, to };
    },
  });
}

/**
 * Decodes the frames of one connection, in order, reassembling fragmented messages. The message
 * codec is the Raft core's by default; the Paxos driver passes its own (total: only DecodeError).
 */
export class PeerFrameReader<M = Message> {
  private pieces: Uint8Array[] = [];
  private pieceBytes = 0;

  constructor(private readonly decodeMessage: (bytes: Uint8Array) => M = decodeRaftMessage as unknown as (bytes: Uint8Array) => M) {}

  /** Bytes of an incomplete message held so far. */
  get pendingBytes(): number {
    return this.pieceBytes;
  }

  /**
   * Decodes one frame body. Total: throws only `DecodeError`. The length and the CRC are checked
   * before anything else, so a corrupted frame changes no state (not even pending pieces).
   */
  read(body: Uint8Array): PeerFrame<M> {
    if (body.length === 0) throw new DecodeError(ErrorCode.DECODE_EMPTY, 'empty peer frame', 0);
    if (body.length < PEER_FRAME_OVERHEAD_BYTES) {
      throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, `peer frame of ${body.length} bytes, below its tag and CRC (${PEER_FRAME_OVERHEAD_BYTES})`, 0);
    }
    const crcOffset = body.length - PEER_FRAME_CRC_BYTES;
    const storedCrc =
      ((body[crcOffset] as number) | ((body[crcOffset + 1] as number) << 8) | ((body[crcOffset + 2] as number) << 16) | ((body[crcOffset + 3] as number) << 24)) >>> 0;
    const tag = body[0] as number;
    if (storedCrc !== crc32c(body, 0, crcOffset)) {
      throw new DecodeError(ErrorCode.RECORD_CRC_MISMATCH, `peer frame checksum mismatch (tag byte ${tag}, ${body.length} bytes)`, crcOffset);
    }
    const payload = body.subarray(1, crcOffset);
    if (tag !== PEER_FRAME_FRAGMENT && tag !== PEER_FRAME_LAST && this.pieces.length > 0) {
      throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, 'a fragmented message was interrupted', 0);
    }
    switch (tag) {
      case PEER_FRAME_HELLO:
        return { kind: 'hello', hello: decodeHello(payload) };
      case PEER_FRAME_MESSAGE:
        return { kind: 'message', message: this.decodeMessage(payload) };
      case PEER_FRAME_FRAGMENT:
      case PEER_FRAME_LAST: {
        if (payload.length === 0) throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, 'empty message fragment', 1);
        if (this.pieceBytes + payload.length > RAFT_PEER_MESSAGE_BYTES_MAX) {
          throw new DecodeError(ErrorCode.DECODE_LENGTH_LIMIT, `fragmented message above ${RAFT_PEER_MESSAGE_BYTES_MAX} bytes`, 1);
        }
        this.pieces.push(payload.slice());
        this.pieceBytes += payload.length;
        if (tag === PEER_FRAME_FRAGMENT) return { kind: 'fragment' };
        const whole = new Uint8Array(this.pieceBytes);
        let offset = 0;
        for (const piece of this.pieces) {
          whole.set(piece, offset);
          offset += piece.length;
        }
        this.pieces = [];
        this.pieceBytes = 0;
        return { kind: 'message', message: this.decodeMessage(whole) };
      }
      default:
        throw new DecodeError(ErrorCode.DECODE_BAD_VARIANT, `peer frame tag ${tag}`, 0);
    }
  }
}
