// The leader cache's epoch gate and TTL, and the worklist's visiting order.
import { describe, expect, it } from 'vitest';
import { LeaderCache, Worklist } from './leader.js';

describe('LeaderCache', () => {
  it('knows no leader until one answers, then keeps it for ttlMs after its last use', () => {
    const cache = new LeaderCache(100);
    expect(cache.current(0)).toBeNull();
    cache.recordSuccess('a:1', 3n, 10);
    expect(cache.current(110)).toEqual({ endpoint: 'a:1', epoch: 3n });
    expect(cache.current(111)).toBeNull();
  });

  it('refuses a hint older than the cached epoch while the cache is fresh, accepts it otherwise', () => {
    const cache = new LeaderCache(100);
    expect(cache.judgeHint(1n, 0)).toBe('accept'); // empty cache
    cache.recordSuccess('a:1', 5n, 0);
    expect(cache.judgeHint(4n, 50)).toBe('stale');
    expect(cache.judgeHint(5n, 50)).toBe('accept');
    expect(cache.judgeHint(6n, 50)).toBe('accept');
    expect(cache.judgeHint(undefined, 50)).toBe('accept'); // a hint without an epoch
    expect(cache.judgeHint(4n, 101)).toBe('accept'); // expired cache
  });

  it('forgetting the leader stops trying it first but keeps its epoch as the gate', () => {
    const cache = new LeaderCache(100);
    cache.recordSuccess('a:1', 5n, 0);
    cache.forget('b:1');
    expect(cache.current(1)?.endpoint).toBe('a:1');
    cache.forget('a:1');
    expect(cache.current(1)).toBeNull();
    expect(cache.judgeHint(4n, 1)).toBe('stale');
  });
});

describe('Worklist', () => {
  const drain = (w: Worklist): string[] => {
    const out: string[] = [];
    for (let e = w.next(); e !== null; e = w.next()) out.push(e);
    return out;
  };

  it('visits the leader first, then every endpoint once round-robin from the offset', () => {
    const w = new Worklist(['a', 'b', 'c']);
    w.startPass('b', 2);
    expect(drain(w)).toEqual(['b', 'c', 'a']);
    w.startPass(null, 1);
    expect(drain(w)).toEqual(['b', 'c', 'a']);
    w.startPass('x', 0); // a hinted leader outside the configured list
    expect(drain(w)).toEqual(['x', 'a', 'b', 'c']);
  });

  it('puts hints ahead of the pass, most recent first, without using up the pass', () => {
    const w = new Worklist(['a', 'b']);
    w.startPass(null, 0);
    expect(w.next()).toBe('a');
    w.pushFront('c');
    w.pushFront('d');
    w.pushFront('c');
    expect(drain(w)).toEqual(['c', 'd', 'b']);
  });
});
