// The harness end to end: real server, driver and client in the world, one seed at a time.
import { describe, expect, it } from 'vitest';
import { runSeed } from './cluster.js';

describe('one run of the single-node oracle', () => {
  it('runs a fault-free seed through both phases with every kind of call succeeding', async () => {
    const report = await runSeed({ seed: 4, profile: 'calm', planted: null });
    expect(report.violations).toEqual([]);
    expect(report.result).toBe('ok');
    const ops = report.stats.ops;
    const total = ops.getTs.ok + ops.getTsBatch.ok + ops.getSeq.ok;
    expect(total).toBeGreaterThan(100);
    expect(ops.getTs.failed + ops.getTsBatch.failed + ops.getSeq.failed + ops.getSeq.unknown).toBe(0);
    expect(report.stats.livenessStartMs).toBe(report.options.phases.safetyMs);
    expect(report.stats.convergedMs).not.toBeNull();
    expect(report.simMs).toBeGreaterThanOrEqual(report.options.phases.safetyMs + report.options.phases.livenessMs);
  });

  it('survives a seed with crashes, disk and network faults, and says which faults struck', async () => {
    // Seed 11 of the swarm: power losses, kills, fsync failures, resets among others.
    const report = await runSeed({ seed: 11, profile: 'swarm', planted: null });
    expect(report.violations).toEqual([]);
    expect(report.stats.serverStarts).toBeGreaterThan(1);
    const struck = Object.values(report.stats.nemesisStrikes).reduce((a, b) => a + b, 0);
    expect(struck).toBeGreaterThan(0);
  });

  it('is a function of its spec: the same seed gives the same trace, another seed another one', async () => {
    const a = await runSeed({ seed: 21, profile: 'swarm', planted: null }, { keepTrace: true });
    const b = await runSeed({ seed: 21, profile: 'swarm', planted: null }, { keepTrace: true });
    const c = await runSeed({ seed: 22, profile: 'swarm', planted: null });
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.trace.lines()).toEqual(a.trace.lines());
    expect(c.traceHash).not.toBe(a.traceHash);
    // The trace starts with the spec and the options, so a file names its own run.
    expect(JSON.parse(a.trace.lines()[1] as string)).toMatchObject({ kind: 'sim.spec', details: { seed: 21, profile: 'swarm', planted: null } });
    expect(JSON.parse(a.trace.lines()[2] as string)).toMatchObject({ kind: 'sim.options' });
  });

  it('halts at the first safety violation and reports it with the call and the values', async () => {
    const report = await runSeed({ seed: 1, profile: 'planted:fenceAtPrior', planted: 'fenceAtPrior' });
    expect(report.result).toBe('safety');
    const first = report.violations[0];
    expect(first?.class).toBe('safety');
    expect(['ts_rewind_after_restart', 'ts_real_time_order', 'ts_duplicate']).toContain(first?.kind);
    expect(first?.message).toMatch(/op \d+ c\d#\d/);
    // Halting: the run stopped well before its phases would have ended.
    expect(report.simMs).toBeLessThan(report.options.phases.safetyMs);
  });
});
