// The coverage signal: V8 precise block coverage, read synchronously through node:inspector,
// turns a decoder's new branches (and new loop counts) into new features, and an input that
// repeats known behaviour into none.
import { afterEach, describe, expect, it } from 'vitest';
import { countBucket, CoverageTracker, defaultCoverageScope } from './coverage.js';
import { decodeTsodLike, encodeTsodLike } from './planted/tsod-like.js';
import { token } from './target.js';

/** A valid record with `keys` keys "a", "b", ... */
function record(keys: number): Uint8Array {
  return encodeTsodLike({ cap: 100n, entries: Array.from({ length: keys }, (_, i) => ({ key: token(String.fromCharCode(0x61 + i)), counter: BigInt(i) })) });
}

function decodeQuietly(bytes: Uint8Array): void {
  try {
    decodeTsodLike(bytes);
  } catch {
    // Rejections are behaviour too; only coverage matters here.
  }
}

describe('CoverageTracker', () => {
  let tracker: CoverageTracker | null = null;
  afterEach(() => {
    tracker?.stop();
    tracker = null;
  });

  it('reports new features for new behaviour and none for repeated behaviour', () => {
    tracker = new CoverageTracker();
    tracker.start();
    tracker.reset();
    decodeQuietly(record(1));
    const first = tracker.takeNewFeatures(true);
    expect(first.some((feature) => feature.includes('/fuzz/planted/tsod-like.ts#'))).toBe(true);
    expect(first.every((feature) => defaultCoverageScope(feature.split('#')[0] ?? ''))).toBe(true);

    decodeQuietly(record(1));
    expect(tracker.takeNewFeatures(true)).toEqual([]);

    // A bad magic takes a branch the valid record never took.
    const badMagic = record(1);
    badMagic[0] = 0x58;
    decodeQuietly(badMagic);
    expect(tracker.takeNewFeatures(true).length).toBeGreaterThan(0);
    expect(tracker.featureCount).toBeGreaterThan(first.length);
  });

  it('sees a new loop count as a new feature, at full granularity only', () => {
    tracker = new CoverageTracker();
    tracker.start();
    tracker.reset();
    for (const keys of [1, 2]) {
      decodeQuietly(record(keys));
      tracker.commit(tracker.takeNewFeatures(false));
    }
    // Five keys run the same blocks as two, more times: a new count bucket, no new point.
    decodeQuietly(record(5));
    expect(tracker.takeNewFeatures(false, true)).toEqual([]);
    decodeQuietly(record(5));
    expect(tracker.takeNewFeatures(false).length).toBeGreaterThan(0);
  });
});

describe('coverage scope', () => {
  it('covers decoders and targets, not the fuzzer, the tests or other libraries', () => {
    expect(defaultCoverageScope('file:///w/core/records/seq-ledger.ts')).toBe(true);
    expect(defaultCoverageScope('file:///w/node_modules/@msgpack/msgpack/dist.esm/Decoder.mjs')).toBe(true);
    expect(defaultCoverageScope('file:///w/fuzz/planted/tsod-like.ts')).toBe(true);
    expect(defaultCoverageScope('file:///w/fuzz/engine.ts')).toBe(false);
    expect(defaultCoverageScope('file:///w/core/records/seq-ledger.test.ts')).toBe(false);
    expect(defaultCoverageScope('file:///w/node_modules/vitest/dist/index.js')).toBe(false);
    expect(defaultCoverageScope('node:internal/fs')).toBe(false);
  });

  it('buckets counts like AFL', () => {
    expect([1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 127, 128, 10_000].map(countBucket)).toEqual([1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8]);
  });
});
