// Bring your own driver: a SimDriverModule with no extras runs under the generic harnesses (one
// node and a cluster) with the drivers' claims as ground truth; the swarm finds the broken
// example driver; a run names its driver or refuses to start.
import { describe, expect, it } from 'vitest';
import brokenDriver from '../../examples/broken-driver.js';
import { MemoryDriver } from '../../drivers/testing/memory-driver.js';
import { runSeed } from './cluster.js';
import { builtinSimDriver, defineSimDriver, registerSimDriver, type SimDriverModule } from './drivers.js';
import { FILE_SIM_DRIVER } from './file-module.js';
import { openRaftDriver } from './raft-module.js';
import { checkDeterminism, runSwarm } from './runner.js';

/** The file driver as a user would bring it: the factory alone, no ground truth of its own. */
const bareFile = defineSimDriver({ name: 'bare-file', nodeCounts: [1], createDriver: (context) => FILE_SIM_DRIVER.createDriver(context) });

/** The raft driver as a user would bring it: no Raft checkers, no role events; a fatal storage error exits. */
const bareRaft = defineSimDriver({
  name: 'bare-raft',
  nodeCounts: [3, 5],
  createDriver: (context) =>
    openRaftDriver(context, (event) => {
      if (event.kind === 'fatal') context.fatal(event.error);
    }),
});

const ref = (module: SimDriverModule) => ({ module, ref: { module: module.name } });

describe('a driver module without extras', () => {
  it('runs the whole single-node swarm (faults, checkers, liveness) on its claims and passes', async () => {
    const summary = await runSwarm({ fromSeed: 1, toSeed: 5, profile: 'swarm', planted: null, driver: ref(bareFile) });
    expect(summary.failures.map((f) => `${f.seed}: ${f.violations.map((v) => v.message).join('; ')}`)).toEqual([]);
    expect(summary.seedsRun).toBe(5);
    // The fault families struck on it: the swarm was not idle.
    expect(Object.values(summary.coverage).reduce((n, c) => n + c.struck, 0)).toBeGreaterThan(10);
  }, 60_000);

  it('runs a 3-node cluster under the generic cluster harness, the election-time faults following its leadership events', async () => {
    const summary = await runSwarm({ fromSeed: 1, toSeed: 4, profile: 'swarm', planted: null, nodes: 3, driver: ref(bareRaft) });
    expect(summary.failures.map((f) => `${f.seed}: ${f.violations.map((v) => v.message).join('; ')}`)).toEqual([]);
  }, 60_000);

  it('is deterministic: the same seed twice gives the same trace, which names the driver', async () => {
    const check = await checkDeterminism({ seed: 5, profile: 'swarm', planted: null, driver: { module: 'bare-file' } }, bareFile);
    expect(check.same).toBe(true);
    const specLine = check.first.trace.lines().find((line) => line.includes('"kind":"sim.spec"'));
    expect(specLine).toContain('"driver":"bare-file"');
  });
});

describe('the swarm finds the broken example driver (examples/broken-driver.ts)', () => {
  it('a retried sequence request gets a second block: seq_request_two_blocks, a safety violation', async () => {
    const summary = await runSwarm({ fromSeed: 1, toSeed: 30, profile: 'swarm', planted: null, driver: ref(brokenDriver), stopAtFirstFailure: true });
    expect(summary.result).toBe('safety');
    const first = summary.failures[0];
    expect(first?.violations[0]?.kind).toBe('seq_request_two_blocks');
    expect(first?.violations[0]?.message).toMatch(/exactly once per request id/);
  }, 60_000);
});

describe('the claims catch a driver that is not durable', () => {
  it('a driver that keeps its state in memory loads less after a crash than it acknowledged: durable_high_water_went_back', async () => {
    const forgetful = defineSimDriver({ name: 'memory', nodeCounts: [1], createDriver: async () => new MemoryDriver() });
    const summary = await runSwarm({ fromSeed: 1, toSeed: 20, profile: 'swarm', planted: null, driver: ref(forgetful), stopAtFirstFailure: true });
    expect(summary.result).toBe('safety');
    expect(summary.failures[0]?.violations.map((v) => v.kind)).toContain('durable_high_water_went_back');
  }, 60_000);
});

describe('which driver a run uses', () => {
  it('refuses a module that is not the default unless the spec names it, and a node count the module does not run', async () => {
    await expect(runSeed({ seed: 1, profile: 'swarm', planted: null }, { driver: bareFile })).rejects.toThrow(/name it in the spec/);
    await expect(runSeed({ seed: 1, profile: 'swarm', planted: null, nodes: 3, driver: { module: 'bare-file' } }, { driver: bareFile })).rejects.toThrow(
      /runs on 1 node\(s\), not 3/,
    );
    await expect(runSeed({ seed: 1, profile: 'swarm', planted: null, driver: { module: '/nowhere/driver.js' } })).rejects.toThrow(/not built in/);
  });

  it('a registered module is a driver name like file and raft: a spec that names it runs it', async () => {
    expect(builtinSimDriver('file')?.nodeCounts).toEqual([1]);
    expect(builtinSimDriver('raft')?.nodeCounts).toEqual([3, 5]);
    registerSimDriver({ ...bareFile, name: 'registered-file' });
    const report = await runSeed({ seed: 2, profile: 'swarm', planted: null, driver: { module: 'registered-file' } });
    expect(report.result).toBe('ok');
    expect(report.spec.driver).toEqual({ module: 'registered-file' });
    expect(() => registerSimDriver({ ...bareFile, nodeCounts: [] })).toThrow(/nodeCounts/);
  });

  it('defineSimDriver rejects what is not a module, naming the field', () => {
    expect(() => defineSimDriver({ name: '', nodeCounts: [1], createDriver: bareFile.createDriver })).toThrow(/non-empty `name`/);
    expect(() => defineSimDriver({ name: 'x', nodeCounts: [2], createDriver: bareFile.createDriver })).toThrow(/each 1, 3 or 5/);
  });
});
