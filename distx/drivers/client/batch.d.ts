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
export declare function timestampBatch(physicalMs: number, logicalStart: number, count: number, epoch: bigint): TimestampBatch;
