// Client-protocol framing: every frame is a u32 big-endian length prefix followed by that many
// body bytes. `encodeFrame` builds one frame; `FrameDecoder` turns a byte stream cut at arbitrary
// chunk boundaries back into whole bodies, in order.
//
// Invariants:
//   - A body is 1..maxBodyBytes bytes. A zero length is FRAME_EMPTY and a length above the
//     maximum is FRAME_TOO_LARGE, both reported as soon as the 4 header bytes are seen, before
//     any body byte is buffered: a hostile peer cannot make us hold more than one maximal frame.
//   - No buffer is ever sized by a length field that was not checked first; bodies are copied
//     out only once all their bytes are present.
//   - Chunks are kept in a list and consumed through a cursor, so a frame split into many tiny
//     chunks costs linear time, not quadratic.
//   - After an error the decoder is poisoned: every later push throws the same DecodeError, so a
//     caller that ignores one failure cannot resynchronise on garbage.
//   - Every returned body is a fresh copy: it does not alias the caller's chunks.
import { assert } from './assert.js';
import { DecodeError, ErrorCode } from './errors.js';
import { FRAME_BODY_BYTES_MAX, FRAME_HEADER_BYTES } from './limits.js';

/** Largest value of the u32 length prefix. */
const FRAME_LENGTH_FIELD_MAX = 0xffff_ffff;

/** One frame: the u32 big-endian length of `body`, then `body`. */
export function encodeFrame(body: Uint8Array, maxBodyBytes: number = FRAME_BODY_BYTES_MAX): Uint8Array {
  assert(body.length >= 1, 'frame_body_not_empty');
  assert(body.length <= maxBodyBytes, 'frame_body_within_max', () => `${body.length} > ${maxBodyBytes}`);
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  writeFrameHeader(frame, 0, body.length);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/** Writes the u32 big-endian length prefix of a `bodyBytes`-long body at `offset` of `target`. */
export function writeFrameHeader(target: Uint8Array, offset: number, bodyBytes: number): void {
  assert(Number.isSafeInteger(bodyBytes) && bodyBytes >= 0 && bodyBytes <= FRAME_LENGTH_FIELD_MAX, 'frame_length_u32');
  assert(offset >= 0 && offset + FRAME_HEADER_BYTES <= target.length, 'frame_header_fits');
  target[offset] = (bodyBytes >>> 24) & 0xff;
  target[offset + 1] = (bodyBytes >>> 16) & 0xff;
  target[offset + 2] = (bodyBytes >>> 8) & 0xff;
  target[offset + 3] = bodyBytes & 0xff;
}

/** Incremental decoder of a stream of frames. One per connection. */
export class FrameDecoder {
  /** Chunks not fully consumed yet; `chunks[head]` is the oldest, read from `headOffset`. */
  private chunks: Uint8Array[] = [];
  private head = 0;
  private headOffset = 0;
  /** Bytes buffered and not yet consumed, across all chunks. */
  private bufferedBytes = 0;
  /** Length of the body being assembled, once its header was read and checked; else null. */
  private bodyBytesExpected: number | null = null;
  /** Stream bytes consumed so far (for error offsets). */
  private consumedBytes = 0;
  private failure: DecodeError | null = null;

  constructor(readonly maxBodyBytes: number = FRAME_BODY_BYTES_MAX) {
    assert(Number.isSafeInteger(maxBodyBytes) && maxBodyBytes >= 1 && maxBodyBytes <= FRAME_LENGTH_FIELD_MAX, 'frame_max_body_bytes_valid');
  }

  /** The error that poisoned this decoder, if any. */
  get error(): DecodeError | null {
    return this.failure;
  }

  /** Bytes held waiting for the rest of a frame (at most one header plus one maximal body). */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /** Adds `chunk` and returns every body it completed, in order. Throws DecodeError on bad input. */
  push(chunk: Uint8Array): Uint8Array[] {
    const bodies: Uint8Array[] = [];
    this.pushEach(chunk, (body) => bodies.push(body));
    return bodies;
  }

  /**
   * Adds `chunk` and hands each completed body to `onBody` as soon as it is complete, so that
   * bodies before a bad header are still delivered before the DecodeError is thrown. If
   * `onBody` throws, the bodies already handed over stay consumed and the rest of the chunk
   * stays buffered for the next push.
   */
  pushEach(chunk: Uint8Array, onBody: (body: Uint8Array) => void): void {
    if (this.failure !== null) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    for (;;) {
      if (this.bodyBytesExpected === null) {
        if (this.bufferedBytes < FRAME_HEADER_BYTES) break;
        const header = this.take(FRAME_HEADER_BYTES);
        const bodyBytes = ((header[0] ?? 0) * 0x100_0000 + ((header[1] ?? 0) << 16)) + ((header[2] ?? 0) << 8) + (header[3] ?? 0);
        const headerOffset = this.consumedBytes - FRAME_HEADER_BYTES;
        if (bodyBytes === 0) this.poison(new DecodeError(ErrorCode.FRAME_EMPTY, 'frame with a zero-length body', headerOffset));
        if (bodyBytes > this.maxBodyBytes) {
          this.poison(
            new DecodeError(ErrorCode.FRAME_TOO_LARGE, `frame body of ${bodyBytes} bytes exceeds the maximum of ${this.maxBodyBytes}`, headerOffset),
          );
        }
        this.bodyBytesExpected = bodyBytes;
      }
      const expected = this.bodyBytesExpected;
      if (this.bufferedBytes < expected) break;
      this.bodyBytesExpected = null;
      onBody(this.take(expected));
    }
    this.compact();
  }

  private poison(error: DecodeError): never {
    this.failure = error;
    // Drop what is buffered: nothing after a bad header can be trusted, and holding it would
    // only keep memory alive.
    this.chunks = [];
    this.head = 0;
    this.headOffset = 0;
    this.bufferedBytes = 0;
    throw error;
  }

  /** Copies out and consumes the next `count` buffered bytes (the caller checked they exist). */
  private take(count: number): Uint8Array {
    assert(count <= this.bufferedBytes, 'frame_take_within_buffered');
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[this.head];
      assert(chunk !== undefined, 'frame_chunk_present');
      const available = chunk.length - this.headOffset;
      const used = Math.min(available, count - filled);
      out.set(chunk.subarray(this.headOffset, this.headOffset + used), filled);
      filled += used;
      this.headOffset += used;
      if (this.headOffset === chunk.length) {
        this.chunks[this.head] = EMPTY;
        this.head += 1;
        this.headOffset = 0;
      }
    }
    this.bufferedBytes -= count;
    this.consumedBytes += count;
    return out;
  }

  /** Drops consumed chunk slots once they dominate the list (amortised O(1) per chunk). */
  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
