// The oracle benchmark runs and reports its measures (timings are reported, never asserted).
import { describe, expect, it } from 'vitest';
import { benchOracle } from './bench.js';

describe('benchOracle', () => {
  it('reports events, calls, virtual and wall time for the single-node workload', async () => {
    const bench = await benchOracle({ seeds: 1 });
    expect(bench.profile).toBe('bench');
    expect(bench.events).toBeGreaterThan(0);
    expect(bench.calls).toBeGreaterThan(0);
    expect(bench.simMs).toBeGreaterThanOrEqual(10_000);
    expect(bench.eventsPerSecond).toBeGreaterThan(0);
    expect(bench.compression).toBeGreaterThan(0);
  });
});
