// Short-lived byte arrays carved from shared slabs.
//
// Why: on Node 20 a Uint8Array of more than 64 bytes gets its own ArrayBuffer with a backing
// store outside V8's heap, and making one costs 0.9–3 µs (measured on this project's VM: 35 ns
// at 64 bytes, 884 ns at 65, 1.3 µs at 120, 3.1 µs at 2,000), plus the external-memory
// accounting that drives the collector. A smaller one starts inside V8's heap, cheaply, but
// moves out (the same cost) the first time anything asks for its `.buffer` or a `subarray` of
// it, which every writer's `written()`, frame reader and copy does. Every frame, message and
// record the program encodes is such an array, several per call. A view of a slab costs a
// tenth of that.
//
// Invariants:
//   - Every array handed out is zero-filled and overlaps no other array handed out: a slab is
//     fresh (zeros) when made, carved front to back, and never reused.
//   - Empty arrays and arrays of more than POOLED_BYTES_MAX are ordinary arrays with their own
//     buffer.
//
// Rules for callers: a pooled array's `.buffer` is the slab, not the array: read it only
// through `byteOffset`/`byteLength`, never transfer or reuse the buffer. Use it for bytes that
// live briefly (an encoded frame or record on its way to a transport or a disk, which copy
// them): a long-lived pooled array keeps its whole slab (SLAB_BYTES) alive.

/** Larger requests get an array of their own (a slab serves at least 16 of the largest). */
export const POOLED_BYTES_MAX = 2_048;
/** One slab's size. */
export const SLAB_BYTES = 32 * 1024;

let slab = new Uint8Array(SLAB_BYTES);
let slabUsedBytes = 0;

/** A zero-filled array of `length` bytes, a view of a shared slab when that is cheaper (see the rules above). */
export function pooledBytes(length: number): Uint8Array {
  if (length === 0 || length > POOLED_BYTES_MAX) return new Uint8Array(length);
  if (slabUsedBytes + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsedBytes = 0;
  }
  const out = slab.subarray(slabUsedBytes, slabUsedBytes + length);
  // 8-byte steps keep every array's start aligned for word-wide readers.
  slabUsedBytes += (length + 7) & ~7;
  return out;
}

/** A copy of `bytes[start, end)` in a pooled array (see `pooledBytes`). */
export function pooledCopy(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  const out = pooledBytes(end - start);
  out.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
  return out;
}
