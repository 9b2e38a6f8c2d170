// A small generic binary min-heap, used where the simulator needs a priority queue of its own
// (a node's timers, ordered by monotonic deadline). The scheduler keeps a specialised copy of
// the same algorithm for speed. The bound is the caller's: it passes its limit to `push`.
import { assert } from '../core/assert.js';
export class MinHeap {
    less;
    items = [];
    constructor(less) {
        this.less = less;
    }
    get size() {
        return this.items.length;
    }
    peek() {
        return this.items[0];
    }
    push(item, limit, invariant) {
        const items = this.items;
        assert(items.length < limit, invariant);
        let i = items.length;
        items.push(item);
        while (i > 0) {
            const parent = (i - 1) >> 1;
            const p = items[parent];
            if (!this.less(item, p))
                break;
            items[i] = p;
            i = parent;
        }
        items[i] = item;
    }
    pop() {
        const items = this.items;
        const top = items[0];
        if (top === undefined)
            return undefined;
        const last = items.pop();
        const n = items.length;
        if (n === 0)
            return top;
        let i = 0;
        for (;;) {
            const left = 2 * i + 1;
            if (left >= n)
                break;
            const right = left + 1;
            let child = left;
            if (right < n && this.less(items[right], items[left]))
                child = right;
            const c = items[child];
            if (!this.less(c, last))
                break;
            items[i] = c;
            i = child;
        }
        items[i] = last;
        return top;
    }
    clear() {
        this.items.length = 0;
    }
}
//# sourceMappingURL=heap.js.map