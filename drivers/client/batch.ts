// What a caller receives: a TimestampBatch (a run of consecutive timestamps inside one physical
// millisecond) or a SeqBlock (a block of a named gapless counter). Both are immutable values.
//
// Invariant of a TimestampBatch: 1 <= count and logicalStart + count <= 2^18, so every
// timestamp `first + i` (i < count) packs the same physicalMs; `first` and `last` are the packed
// u64 values `physicalMs << 18 | logical`.

import { assert } from '../../core/assert.js';
import { TIMESTAMPS_PER_MS } from '../../core/limits.js';
import { packTimestamp } from '../../core/timestamp.js';

export interface TimestampBatch {
  readonly physicalMs: number;
  readonly logicalStart: number;
  readonly count: number;
  /** Epoch of the leader that granted the batch. */
  readonly epoch: bigint;
  /** The first timestamp, `physicalMs << 18 | logicalStart`. */
  readonly first: bigint;
  /** The last timestamp, `first + count - 1`. */
  readonly last: bigint;
  /** The i-th timestamp (0 <= i < count); throws RangeError otherwise. */
  at(i: number): bigint;
  /** All timestamps, ascending. */
  toArray(): bigint[];
}

export interface SeqBlock {
  readonly key: string;
  /** The block is `[start, start + count)`. */
  readonly start: bigint;
  readonly count: number;
  /** Epoch of the leader that granted the block. */
  readonly epoch: bigint;
}

class Batch implements TimestampBatch {
  readonly first: bigint;
  readonly last: bigint;

  constructor(
    readonly physicalMs: number,
    readonly logicalStart: number,
    readonly count: number,
    readonly epoch: bigint,
  ) {
    assert(Number.isSafeInteger(count) && count >= 1 && logicalStart + count <= TIMESTAMPS_PER_MS, 'timestamp_batch_within_ms');
    this.first = packTimestamp(physicalMs, logicalStart);
    this.last = this.first + BigInt(count - 1);
  }

  at(i: number): bigint {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`index ${i} is outside [0, ${this.count})`);
    return this.first + BigInt(i);
  }

  toArray(): bigint[] {
    const out = new Array<bigint>(this.count);
    for (let i = 0; i < this.count; i += 1) out[i] = this.first + BigInt(i);
    return out;
  }
}

export function timestampBatch(physicalMs: number, logicalStart: number, count: number, epoch: bigint): TimestampBatch {
  return new Batch(physicalMs, logicalStart, count, epoch);
}

/** A getSeqBatch's blocks, one per requested key in request order, all granted in one durable write. */
export interface SeqBatch {
  readonly blocks: readonly SeqBlock[];
  /** Epoch of the leader that granted the batch. */
  readonly epoch: bigint;
}
