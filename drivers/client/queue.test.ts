// The bounded FIFO keeps arrival order across compactions and refuses to grow past capacity.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './queue.js';

describe('BoundedQueue', () => {
  it('behaves like an array used as a FIFO, whatever the mix of pushes and shifts', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant<'shift'>('shift'), fc.integer())), (ops) => {
        const q = new BoundedQueue<number>(5_000);
        const model: number[] = [];
        for (const op of ops) {
          if (op === 'shift') expect(q.shift()).toBe(model.shift());
          else if (!q.isFull) {
            q.push(op);
            model.push(op);
          }
          expect(q.length).toBe(model.length);
          expect(q.peek()).toBe(model[0]);
        }
        expect(q.drain()).toEqual(model);
      }),
    );
  });

  it('keeps order across its internal compaction', () => {
    const q = new BoundedQueue<number>(10_000);
    for (let i = 0; i < 5_000; i += 1) q.push(i);
    for (let i = 0; i < 3_000; i += 1) expect(q.shift()).toBe(i);
    expect(q.drain()).toEqual(Array.from({ length: 2_000 }, (_, i) => 3_000 + i));
  });

  it('asserts on a push past capacity', () => {
    const q = new BoundedQueue<number>(1);
    q.push(1);
    expect(q.isFull).toBe(true);
    expect(() => q.push(2)).toThrow(/queue_within_capacity/);
  });
});
