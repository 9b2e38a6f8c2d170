// The retry policy's defaults and validation, and the full-jitter backoff's bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, resolveRetryPolicy } from './retry.js';

describe('retry policy', () => {
  it("keeps the original's defaults: 5 attempts, 2 s, 10 s, 50 ms base, 5 s cap, 30 s leader TTL (and our 500 ms stall)", () => {
    expect(resolveRetryPolicy()).toEqual({
      attemptsMax: 5,
      attemptTimeoutMs: 2_000,
      stallTimeoutMs: 500,
      overallTimeoutMs: 10_000,
      backoffBaseMs: 50,
      backoffCapMs: 5_000,
      leaderTtlMs: 30_000,
    });
    expect(resolveRetryPolicy({ attemptsMax: 9 })).toEqual({ ...DEFAULT_RETRY_POLICY, attemptsMax: 9 });
  });

  it('refuses non-integer or non-positive values with INVALID_CONFIG', () => {
    for (const bad of [{ attemptsMax: 0 }, { attemptTimeoutMs: 1.5 }, { overallTimeoutMs: -1 }, { backoffBaseMs: Number.NaN }]) {
      expect(() => resolveRetryPolicy(bad)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    }
    expect(resolveRetryPolicy({ backoffBaseMs: 0 }).backoffBaseMs).toBe(0); // no backoff at all is allowed
  });

  it('draws a backoff uniformly in [0, min(cap, base * 2^n)]', () => {
    fc.assert(
      fc.property(fc.nat({ max: 80 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const delay = backoffDelayMs(DEFAULT_RETRY_POLICY, n, () => r);
        expect(Number.isSafeInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.min(5_000, 50 * 2 ** n));
      }),
    );
    expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 0, () => 0.999_999)).toBe(50);
    expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 20, () => 0.999_999)).toBe(5_000);
    expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 3, () => Number.NaN)).toBe(0); // a broken random source cannot break it
  });
});
