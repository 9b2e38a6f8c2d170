// `tsoracle sim`: exit codes, the JSON last line, traces and replay, the determinism check in
// one process and across two processes.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../sim/oracle/runner.js';
import { runSimCommand, SIM_EXIT_LIVENESS, SIM_EXIT_OK, SIM_EXIT_SAFETY, type SimIo } from './sim.js';

interface Captured {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** The last line of stdout, parsed (with --json). */
  json(): Record<string, unknown>;
}

async function sim(...argv: string[]): Promise<Captured> {
  let out = '';
  let err = '';
  const io: SimIo = { out: (t) => (out += t), err: (t) => (err += t), progress: false };
  const code = await runSimCommand(argv, io);
  return {
    code,
    out,
    err,
    json: () => {
      const lines = out.trimEnd().split('\n');
      return JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    },
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'tsoracle-sim-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('tsoracle sim run', () => {
  it('exits 0 on a passing seed and prints the seed, the options and the measures as the last JSON line', async () => {
    const r = await sim('run', '--seed', '3', '--json');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^seed 3 \(swarm\): ok/);
    expect(r.out).toMatch(/families on: /);
    const json = r.json();
    expect(json).toMatchObject({ seed: 3, result: 'ok', profile: 'swarm', planted: null, violations: [] });
    for (const field of ['events', 'simMs', 'wallMs', 'traceHash', 'options', 'familiesOn', 'stats']) expect(json).toHaveProperty(field);
    expect(json.traceHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('runs a Raft cluster of 3 or 5 nodes: --nodes, its configuration and failovers in the output and the JSON', async () => {
    for (const nodes of ['3', '5']) {
      const r = await sim('run', '--seed', '2', '--nodes', nodes, '--json');
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(new RegExp(`^seed 2 \\(${nodes} nodes, swarm\\): ok`));
      expect(r.out).toMatch(/raft: election timeout \d+ ms/);
      const json = r.json();
      expect(json).toMatchObject({ seed: 2, nodes: Number(nodes), result: 'ok' });
      expect((json.stats as { raft?: { nodes: number } }).raft?.nodes).toBe(Number(nodes));
    }
  });

  it('replays a cluster trace event for event, and a cluster seed runs the same twice', async () => {
    const file = join(scratch, 'cluster-seed-4.jsonl');
    const run = await sim('run', '--seed', '4', '--nodes', '3', '--trace', file, '--check-determinism', '--json');
    expect(run.code, run.out).toBe(0);
    expect(run.json()).toMatchObject({ nodes: 3, deterministic: true });
    const replay = await sim('replay', file, '--json');
    expect(replay.code, replay.out).toBe(0);
    expect(replay.json()).toMatchObject({ seed: 4, nodes: 3, same: true });
  });

  it('exits 1 on a safety violation, names it and says how to reproduce it', async () => {
    const r = await sim('run', '--seed', '1', '--plant', 'skipDirFsync', '--json');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/safety violation high_water_published_not_durable/);
    expect(r.out).toMatch(/reproduce: tsoracle sim run --seed 1 --plant skipDirFsync/);
    const json = r.json();
    expect(json.result).toBe('safety');
    expect((json.violations as Array<{ kind: string }>)[0]?.kind).toBe('high_water_published_not_durable');
  });

  it('a planted bug\'s profile plants that bug: --profile planted:skipDirFsync finds it as --plant does', async () => {
    const byProfile = await sim('run', '--seed', '1', '--profile', 'planted:skipDirFsync', '--json');
    const byPlant = await sim('run', '--seed', '1', '--plant', 'skipDirFsync', '--json');
    expect(byProfile.code).toBe(1);
    expect(byProfile.json()).toMatchObject({ planted: 'skipDirFsync', result: 'safety', traceHash: byPlant.json().traceHash });
  });

  it('exits 2 on usage errors', async () => {
    expect((await sim('run')).code).toBe(2);
    expect((await sim('run', '--seed', 'x')).code).toBe(2);
    expect((await sim('run', '--seed', '1', '--nodes', '4')).code).toBe(2);
    expect((await sim('run', '--seed', '1', '--plant', 'forgetVote')).code).toBe(2); // a Raft bug needs a cluster
    expect((await sim('run', '--seed', '1', '--nodes', '3', '--plant', 'skipDirFsync')).code).toBe(2); // a file-driver bug
    expect((await sim('run', '--seed', '1', '--plant', 'nope')).code).toBe(2);
    expect((await sim('swarm', '--seeds', '5..1')).code).toBe(2);
    expect((await sim('swarm', '--seeds', '7')).code).toBe(2);
    expect((await sim('replay', join(scratch, 'missing.jsonl'))).code).toBe(2);
    expect((await sim('fly')).code).toBe(2);
  });

  it('maps results to the exit codes of DESIGN.md', () => {
    expect([exitCodeOf('ok'), exitCodeOf('safety'), exitCodeOf('liveness')]).toEqual([SIM_EXIT_OK, SIM_EXIT_SAFETY, SIM_EXIT_LIVENESS]);
    expect([SIM_EXIT_OK, SIM_EXIT_SAFETY, SIM_EXIT_LIVENESS]).toEqual([0, 1, 3]);
  });

  it('checks determinism by running the seed twice', async () => {
    const r = await sim('run', '--seed', '8', '--check-determinism', '--json');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/deterministic: two runs gave the same \d+ trace events/);
    expect(r.json()).toMatchObject({ deterministic: true, divergence: null });
  });
});

describe('tsoracle sim replay', () => {
  it('replays a trace file to the same events, and names the first event that differs from an altered file', async () => {
    const file = join(scratch, 'seed-6.jsonl');
    const run = await sim('run', '--seed', '6', '--trace', file, '--json');
    expect(run.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(run.json().traceEntries);
    for (const line of lines.slice(0, 50)) expect(Object.keys(JSON.parse(line) as object).slice(0, 3)).toEqual(['t', 'node', 'kind']);

    const replay = await sim('replay', file, '--json');
    expect(replay.code).toBe(0);
    expect(replay.json()).toMatchObject({ same: true, traceHash: run.json().traceHash, fileTraceHash: run.json().traceHash });

    const altered = join(scratch, 'seed-6-altered.jsonl');
    lines[40] = lines[40]?.replace('"t":', '"t":1') ?? '';
    writeFileSync(altered, `${lines.join('\n')}\n`);
    const diverged = await sim('replay', altered, '--json');
    expect(diverged.code).toBe(4);
    expect(diverged.out).toMatch(/NONDETERMINISM: the replay first differs from .* at event 40/);
    expect(diverged.json()).toMatchObject({ same: false, divergence: { index: 40 } });
  });

  it('replays a planted-bug trace to the same violation', async () => {
    const file = join(scratch, 'planted.jsonl');
    const run = await sim('run', '--seed', '2', '--plant', 'fenceAtPrior', '--trace', file, '--json');
    expect(run.code).toBe(1);
    const replay = await sim('replay', file, '--json');
    expect(replay.code).toBe(1);
    expect(replay.json()).toMatchObject({ same: true, planted: 'fenceAtPrior', traceHash: run.json().traceHash });
    expect((replay.json().violations as unknown[])[0]).toEqual((run.json().violations as unknown[])[0]);
  });
});

describe('tsoracle sim swarm', () => {
  it('lists the failing seeds and exits 1 when a safety property broke', async () => {
    const r = await sim('swarm', '--seeds', '1..3', '--plant', 'publishHighWaterBeforeFsync', '--json');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL seed 1: safety/);
    expect(r.out).toMatch(/failing seeds: 1, 2, 3/);
    expect(r.json()).toMatchObject({ seed: '1..3', result: 'safety', seedsRun: 3, failingSeeds: [1, 2, 3] });
  });

  it('exits 0 and prints the family coverage when every seed passes', async () => {
    const r = await sim('swarm', '--seeds', '10..13', '--json');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/swarm 10\.\.13 \(swarm\): 4 seeds, 0 failing/);
    expect(r.out).toMatch(/families \(seeds where it struck/);
    const json = r.json();
    expect(json).toMatchObject({ seed: '10..13', result: 'ok', seedsRun: 4, failingSeeds: [] });
    for (const field of ['events', 'simMs', 'wallMs', 'traceHash', 'coverage']) expect(json).toHaveProperty(field);
  });
});

describe('determinism across processes', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, '..', 'dist', 'runners', 'sim.js');

  function runInChild(seed: number): Promise<Record<string, unknown>> {
    const script = `import(${JSON.stringify(built)}).then(async (m) => { process.exitCode = await m.runSimCommand(['run', '--seed', '${seed}', '--json']); });`;
    return new Promise((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 }, (error, stdout) => {
        if (error !== null && error.code !== 0 && error.code !== 1 && error.code !== 3) return reject(error);
        const lines = stdout.trimEnd().split('\n');
        resolve(JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>);
      });
    });
  }

  it('gives the same trace hash for the same seed in two processes (and in this one)', async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
    const [a, b] = await Promise.all([runInChild(12), runInChild(12)]);
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.events).toBe(b.events);
    const here = (await sim('run', '--seed', '12', '--json')).json();
    expect(here.traceHash).toBe(a.traceHash);
  });
});

describe('tsoracle sim --driver', () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');

  it('runs the swarm on a driver module file and finds the broken example driver', async () => {
    const r = await sim('swarm', '--seeds', '1..30', '--driver', 'examples/broken-driver', '--stop-at-first', '--json');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/^FAIL seed \d+: safety seq_request_two_blocks: .*exactly once per request id/m);
    expect(r.out).toMatch(/reproduce: tsoracle sim run --seed \d+ --driver \S*broken-driver\.ts/);
    expect(r.json()).toMatchObject({ result: 'safety', driver: { module: expect.stringMatching(/broken-driver\.ts$/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
  });

  it('names the module and its sha256 in the trace; replay runs it again, and refuses another build of it', async () => {
    const moduleFile = join(scratch, 'my-driver.mjs');
    const source = `export { simDriver as default } from ${JSON.stringify(join(root, 'examples', 'custom-driver.ts'))};\n`;
    writeFileSync(moduleFile, `${source}// build 1\n`);
    const file = join(scratch, 'my-driver-seed-3.jsonl');
    const run = await sim('run', '--seed', '3', '--driver', moduleFile, '--trace', file, '--json');
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/^seed 3 \(driver .*my-driver\.mjs, swarm\): ok/);
    const specLine = readFileSync(file, 'utf8').split('\n').find((line) => line.includes('"kind":"sim.spec"')) ?? '';
    expect(JSON.parse(specLine)).toMatchObject({ details: { seed: 3, driver: moduleFile, driverSha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });

    const replay = await sim('replay', file, '--json');
    expect(replay.code, replay.out + replay.err).toBe(0);
    expect(replay.json()).toMatchObject({ same: true, traceHash: run.json().traceHash });

    writeFileSync(moduleFile, `${source}// build 2\n`);
    const refused = await sim('replay', file);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/the trace was made with driver module .*my-driver\.mjs of sha256 [0-9a-f]{64}, but .* now has sha256 [0-9a-f]{64}: a different build of the driver.*replay refuses it/);
  });

  it('exits 2 on a driver it cannot run, saying why', async () => {
    const unknown = await sim('run', '--seed', '1', '--driver', join(scratch, 'no-such-driver'));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/neither a built-in driver \(file, raft\) nor a module file/);
    const size = await sim('run', '--seed', '1', '--driver', 'raft');
    expect(size.code).toBe(2);
    expect(size.err).toMatch(/driver raft runs on 3 or 5 node\(s\), not 1/);
    const notModule = join(scratch, 'not-a-driver.mjs');
    writeFileSync(notModule, 'export const answer = 42;\n');
    const bad = await sim('run', '--seed', '1', '--driver', notModule);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/exports no SimDriverModule/);
  });
});
