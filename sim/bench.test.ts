import { describe, expect, it } from 'vitest';
import { benchScheduler } from './bench.js';

// Only that the benchmark runs and reports a rate: timings are measured, never asserted.
describe('benchScheduler', () => {
  it('runs the requested events and reports a finite positive rate for both kinds of event', async () => {
    for (const kind of ['quiet', 'waking'] as const) {
      const rate = await benchScheduler(5_000, kind);
      expect(Number.isFinite(rate)).toBe(true);
      expect(rate).toBeGreaterThan(0);
    }
  });
});
