export declare class MinHeap<T> {
    private readonly less;
    private readonly items;
    constructor(less: (a: T, b: T) => boolean);
    get size(): number;
    peek(): T | undefined;
    push(item: T, limit: number, invariant: string): void;
    pop(): T | undefined;
    clear(): void;
}
