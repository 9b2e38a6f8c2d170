// A FIFO queue with a hard capacity, O(1) amortized push and shift (an array with a moving head,
// compacted when the dead prefix dominates). Used for the client's waiters, whose order is
// part of the contract: timestamps are sliced among callers in arrival order.
import { assert } from '../../core/assert.js';
export class BoundedQueue {
    capacity;
    items = [];
    head = 0;
    constructor(capacity) {
        this.capacity = capacity;
        assert(Number.isSafeInteger(capacity) && capacity > 0, 'queue_capacity_positive');
    }
    get length() {
        return this.items.length - this.head;
    }
    get isFull() {
        return this.length >= this.capacity;
    }
    /** Appends `item`; the caller checks `isFull` first (pushing into a full queue is a bug). */
    push(item) {
        assert(!this.isFull, 'queue_within_capacity');
        this.items.push(item);
    }
    peek() {
        return this.items[this.head];
    }
    shift() {
        if (this.head >= this.items.length)
            return undefined;
        const item = this.items[this.head];
        this.head += 1;
        if (this.head >= 1024 && this.head * 2 >= this.items.length) {
            this.items = this.items.slice(this.head);
            this.head = 0;
        }
        return item;
    }
    /** Removes and returns every item, oldest first. */
    drain() {
        const all = this.items.slice(this.head);
        this.items = [];
        this.head = 0;
        return all;
    }
}
//# sourceMappingURL=queue.js.map