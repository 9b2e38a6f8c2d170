// `tsoracle sim shrink` and `sim replay CAPSULE`: a failing seed (or its trace) shrinks to a
// capsule file, the capsule replays to the same violation (and draws its page), a passing run
// has nothing to shrink and a broken capsule is refused with the field named.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimCommand, SIM_EXIT_OK, SIM_EXIT_SAFETY, SIM_EXIT_USAGE, type SimIo } from './sim.js';

async function sim(...argv: string[]): Promise<{ code: number; out: string; err: string; json: () => Record<string, unknown> }> {
  let out = '';
  let err = '';
  const io: SimIo = { out: (t) => (out += t), err: (t) => (err += t), progress: false };
  const code = await runSimCommand(argv, io);
  return { code, out, err, json: () => JSON.parse(out.trimEnd().split('\n').pop() as string) as Record<string, unknown> };
}

const scratch = mkdtempSync(join(tmpdir(), 'tsoracle-shrink-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('tsoracle sim shrink', () => {
  it('shrinks a failing seed to a capsule that `sim replay` runs to the same violation', async () => {
    const capsule = join(scratch, 'fence.json');
    const r = await sim('shrink', '1', '--plant', 'fenceAtPrior', '--runs', '25', '--out', capsule, '--json');
    expect(r.code, r.out + r.err).toBe(SIM_EXIT_OK);
    expect(r.out).toMatch(/original: \d+ fault strikes, \d+ calls, \d+ events, \d+ virtual ms/);
    expect(r.out).toMatch(/shrunk: {3}\d+ fault strikes, \d+ calls, \d+ events, \d+ virtual ms/);
    const summary = r.json() as { target: string; original: { ops: number; events: number }; shrunk: { ops: number; events: number }; runs: number };
    expect(summary.runs).toBeLessThanOrEqual(25);
    expect(summary.shrunk.events).toBeLessThan(summary.original.events);
    expect(summary.shrunk.ops).toBeLessThanOrEqual(summary.original.ops);
    expect(existsSync(capsule)).toBe(true);

    const page = join(scratch, 'fence.html');
    const replay = await sim('replay', capsule, '--html', page, '--json');
    expect(replay.code).toBe(SIM_EXIT_SAFETY);
    expect(replay.out).toContain(`it shows ${summary.target} (safety) as recorded (the same trace`);
    expect(replay.json()).toMatchObject({ capsule: true, shows: true, same: true });
    expect(readFileSync(page, 'utf8')).toContain('<html');
  });

  it('shrinks from a trace file too', async () => {
    const trace = join(scratch, 'seed.jsonl');
    expect((await sim('run', '--seed', '1', '--plant', 'serveBeforePersist', '--trace', trace)).code).toBe(SIM_EXIT_SAFETY);
    const capsule = join(scratch, 'from-trace.json');
    const r = await sim('shrink', trace, '--runs', '10', '--out', capsule, '--json');
    expect(r.code, r.err).toBe(SIM_EXIT_OK);
    expect(r.json()).toMatchObject({ target: 'ts_served_not_durable', spec: { seed: 1, planted: 'serveBeforePersist' } });
    expect((await sim('replay', capsule)).code).toBe(SIM_EXIT_SAFETY);
    // A capsule shrinks again (to itself or smaller).
    const again = await sim('shrink', capsule, '--runs', '5', '--out', join(scratch, 'again.json'), '--json');
    expect(again.code, again.err).toBe(SIM_EXIT_OK);
    expect(again.json()).toMatchObject({ target: 'ts_served_not_durable' });
  });

  it('shrinks the broken example driver, and the capsule names its file and replays through it', async () => {
    const capsule = join(scratch, 'broken.json');
    const r = await sim('shrink', '3', '--driver', 'examples/broken-driver', '--runs', '6', '--out', capsule, '--json');
    expect(r.code, r.err).toBe(SIM_EXIT_OK);
    expect(r.json()).toMatchObject({ target: 'seq_request_two_blocks', spec: { driver: { module: expect.stringMatching(/broken-driver\.ts$/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } } });
    const replay = await sim('replay', capsule);
    expect(replay.code, replay.err).toBe(SIM_EXIT_SAFETY);
    expect(replay.out).toContain('it shows seq_request_two_blocks (safety) as recorded');
  });

  it('has nothing to shrink in a passing run, and refuses a broken capsule naming the field', async () => {
    const passing = await sim('shrink', '1', '--profile', 'calm', '--runs', '5', '--out', join(scratch, 'none.json'));
    expect(passing.code).toBe(SIM_EXIT_USAGE);
    expect(passing.err).toMatch(/passes \(ok\): there is no failure to shrink/);
    const capsule = join(scratch, 'broken.json');
    await sim('shrink', '1', '--plant', 'serveBeforePersist', '--runs', '3', '--out', capsule);
    const parsed = JSON.parse(readFileSync(capsule, 'utf8')) as { plan: { strikes: unknown[] } };
    parsed.plan.strikes.push({ atMs: 1, family: 'slowDisk', size: 5, choices: [] });
    writeFileSync(capsule, JSON.stringify(parsed));
    const refused = await sim('replay', capsule);
    expect(refused.code).toBe(SIM_EXIT_USAGE);
    expect(refused.err).toMatch(/plan\.strikes\[\d+\]\.family: not a nemesis family of 1 node/);
  });
});
