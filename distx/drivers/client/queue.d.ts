export declare class BoundedQueue<T> {
    readonly capacity: number;
    private items;
    private head;
    constructor(capacity: number);
    get length(): number;
    get isFull(): boolean;
    /** Appends `item`; the caller checks `isFull` first (pushing into a full queue is a bug). */
    push(item: T): void;
    peek(): T | undefined;
    shift(): T | undefined;
    /** Removes and returns every item, oldest first. */
    drain(): T[];
}
