// What a caller receives: a TimestampBatch (a run of consecutive timestamps inside one physical
// millisecond) or a SeqBlock (a block of a named gapless counter). Both are immutable values.
//
// Invariant of a TimestampBatch: 1 <= count and logicalStart + count <= 2^18, so every
// timestamp `first + i` (i < count) packs the same physicalMs; `first` and `last` are the packed
// u64 values `physicalMs << 18 | logical`.
import { assert } from '../../core/assert.js';
import { TIMESTAMPS_PER_MS } from '../../core/limits.js';
import { packTimestamp } from '../../core/timestamp.js';
class Batch {
    physicalMs;
    logicalStart;
    count;
    epoch;
    first;
    last;
    constructor(physicalMs, logicalStart, count, epoch) {
        this.physicalMs = physicalMs;
        this.logicalStart = logicalStart;
        this.count = count;
        this.epoch = epoch;
        assert(Number.isSafeInteger(count) && count >= 1 && logicalStart + count <= TIMESTAMPS_PER_MS, 'timestamp_batch_within_ms');
        this.first = packTimestamp(physicalMs, logicalStart);
        this.last = this.first + BigInt(count - 1);
    }
    at(i) {
        if (!Number.isInteger(i) || i < 0 || i >= this.count)
            throw new RangeError(`index ${i} is outside [0, ${this.count})`);
        return this.first + BigInt(i);
    }
    toArray() {
        const out = new Array(this.count);
        for (let i = 0; i < this.count; i += 1)
            out[i] = this.first + BigInt(i);
        return out;
    }
}
export function timestampBatch(physicalMs, logicalStart, count, epoch) {
    return new Batch(physicalMs, logicalStart, count, epoch);
}
//# sourceMappingURL=batch.js.map