// The swarm pool's arithmetic and fold: shards cut a range into disjoint contiguous pieces that
// add up to the whole; the fold of seed outcomes gives runner.ts's summary; the progress line.
// The threads themselves are tested through the built CLI (runners/sim-swarm.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSwarm } from './runner.js';
import { parseShard, progressLine, runSwarmHere, shardRange } from './swarm-pool.js';

describe('shardRange', () => {
  it('cuts a range into contiguous disjoint pieces whose union is the range, sizes within one', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(5_000), fc.integer({ min: 1, max: 64 }), (from, length, count) => {
        const to = from + length;
        let next = from;
        const sizes: number[] = [];
        for (let index = 1; index <= count; index++) {
          const piece = shardRange(from, to, { index, count });
          if (piece === null) {
            sizes.push(0);
            continue;
          }
          expect(piece.fromSeed).toBe(next);
          expect(piece.toSeed).toBeGreaterThanOrEqual(piece.fromSeed);
          sizes.push(piece.toSeed - piece.fromSeed + 1);
          next = piece.toSeed + 1;
        }
        expect(next).toBe(to + 1);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('gives an empty (null) piece only when there are more shards than seeds', () => {
    expect(shardRange(1, 2, { index: 1, count: 3 })).toBeNull();
    expect(shardRange(1, 2, { index: 3, count: 3 })).toEqual({ fromSeed: 2, toSeed: 2 });
    expect(shardRange(1, 400, { index: 2, count: 2 })).toEqual({ fromSeed: 201, toSeed: 400 });
  });
});

describe('parseShard', () => {
  it('reads I/N with 1 ≤ I ≤ N and refuses anything else', () => {
    expect(parseShard('1/2')).toEqual({ index: 1, count: 2 });
    expect(parseShard(' 3/3 ')).toEqual({ index: 3, count: 3 });
    for (const bad of ['0/2', '3/2', '1/0', '1', '1/2/3', 'a/b', '-1/2', '']) expect(parseShard(bad), bad).toBeNull();
  });
});

describe('progressLine', () => {
  it('shows seeds done of total, seeds per second, failures so far and the time left at this rate', () => {
    expect(progressLine({ done: 10, total: 400, failing: 2, elapsedMs: 5_000 })).toBe('[10/400] 2.0 seeds/s, 2 failing, ETA 3m15s');
    expect(progressLine({ done: 0, total: 5, failing: 0, elapsedMs: 0 })).toBe('[0/5] 0.0 seeds/s, 0 failing, ETA ?');
  });
});

describe('the fold of seed outcomes', () => {
  it('gives the summary runSwarm gives, failures included', async () => {
    const spec = { profile: 'swarm', planted: 'serveBeforePersist' } as const;
    const folded = await runSwarmHere({ fromSeed: 1, toSeed: 6, spec });
    const direct = await runSwarm({ fromSeed: 1, toSeed: 6, ...spec });
    expect(folded.failures.map((f) => f.seed)).toEqual([1, 4, 6]);
    const withoutWall = (s: unknown): unknown => JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === 'wallMs' ? undefined : typeof v === 'bigint' ? v.toString() : v)));
    expect(withoutWall(folded)).toEqual(withoutWall(direct));
  }, 60_000);

  it('stops after the first failing seed when asked', async () => {
    const summary = await runSwarmHere({ fromSeed: 2, toSeed: 8, spec: { profile: 'swarm', planted: 'serveBeforePersist' }, stopAtFirstFailure: true });
    expect(summary.seedsRun).toBe(3);
    expect(summary.failures.map((f) => f.seed)).toEqual([4]);
  }, 60_000);
});
