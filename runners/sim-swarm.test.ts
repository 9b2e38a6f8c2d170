// `tsoracle sim swarm --jobs N --shard I/N` as users run it: the built CLI (dist/runners/cli.js)
// in a child process, its seeds on worker threads. A planted bug makes some seeds of the range
// fail (serveBeforePersist under the swarm profile: seeds 1 and 6 of 1..8), so the failing
// seeds have something to agree on. Every child runs under execFile's own timeout.
import { execFile, execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, REPO_ROOT } from './test-support.js';

const CHILD_TIMEOUT_MS = 90_000;
const RANGE = ['--seeds', '1..8', '--profile', 'swarm', '--plant', 'serveBeforePersist', '--json'];

interface SwarmRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly summary: Record<string, unknown>;
}

function swarm(...args: string[]): Promise<SwarmRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI_PATH, 'sim', 'swarm', ...args], { cwd: REPO_ROOT, timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: unknown; killed?: boolean }) | null;
      if (failure?.killed === true) return reject(new Error(`sim swarm ${args.join(' ')} timed out: ${stderr}`));
      const last = stdout.trimEnd().split('\n').pop() ?? '';
      let summary: Record<string, unknown> = {};
      try {
        summary = JSON.parse(last) as Record<string, unknown>;
      } catch {
        // a usage error prints no JSON
      }
      resolve({ code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null, stdout, stderr, summary });
    });
  });
}

/** The whole range on one thread, run once and shared by the tests that compare against it. */
let wholeOnOneThread: Promise<SwarmRun> | undefined;
function whole(): Promise<SwarmRun> {
  wholeOnOneThread ??= swarm(...RANGE, '--jobs', '1');
  return wholeOnOneThread;
}

/** The summary without what differs between runs of the same seeds (wall time). */
function withoutWallTime(summary: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(summary, (key, value: unknown) => (key === 'wallMs' ? undefined : value)));
}

describe('sim swarm --jobs', () => {
  it('gives on two worker threads the summary it gives on one, failing seeds and their reports included', async () => {
    const [one, two] = await Promise.all([whole(), swarm(...RANGE, '--jobs', '2')]);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    // The service callers (drawn on seed 4) reach the unpersisted answer there too.
    expect(one.summary.failingSeeds).toEqual([1, 4, 6]);
    expect(withoutWallTime(two.summary)).toEqual(withoutWallTime(one.summary));
    // FAIL lines, in seed order, each with its replay command; no progress line off a terminal.
    expect(two.stdout.match(/^FAIL seed \d+/gm)).toEqual(['FAIL seed 1', 'FAIL seed 4', 'FAIL seed 6']);
    expect(two.stdout).toMatch(/^ {2}reproduce: tsoracle sim run --seed 6 --profile swarm --plant serveBeforePersist --trace seed-6\.jsonl$/m);
    expect(two.stderr).not.toMatch(/seeds\/s|\r/);
  }, CHILD_TIMEOUT_MS);
});

describe('sim swarm --shard', () => {
  it('runs contiguous pieces whose failing seeds and seed counts add up to the whole range', async () => {
    const [all, first, second] = await Promise.all([whole(), swarm(...RANGE, '--shard', '1/2', '--jobs', '1'), swarm(...RANGE, '--shard', '2/2', '--jobs', '1')]);
    expect(first.summary).toMatchObject({ seed: '1..4', shard: '1/2', of: '1..8', seedsRun: 4 });
    expect(second.summary).toMatchObject({ seed: '5..8', shard: '2/2', of: '1..8', seedsRun: 4 });
    expect([...(first.summary.failingSeeds as number[]), ...(second.summary.failingSeeds as number[])]).toEqual(all.summary.failingSeeds);
    expect((first.summary.events as number) + (second.summary.events as number)).toBe(all.summary.events);
  }, CHILD_TIMEOUT_MS);

  it('refuses a shard that is not I/N with 1 ≤ I ≤ N, and an empty one, with a usage error', async () => {
    const bad = await swarm('--seeds', '1..8', '--shard', '3/2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a shard I\/N/);
    const empty = await swarm('--seeds', '1..2', '--shard', '1/3');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/fewer seeds than shards/);
  }, CHILD_TIMEOUT_MS);
});

/** util-linux `script` runs a command on a pseudo-terminal (absent: the terminal test is skipped). */
function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

describe('sim swarm on a terminal', () => {
  const terminal = hasScript();
  if (!terminal) console.warn('skipped: no `script` (util-linux) to give the swarm a pseudo-terminal');
  it.skipIf(!terminal)('draws a progress line: seeds done, seeds per second, failures so far, the time left', async () => {
    const command = [process.execPath, CLI_PATH, 'sim', 'swarm', '--seeds', '1..2', '--jobs', '1'].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
    const output = await new Promise<string>((resolve, reject) => {
      execFile('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout) => (error === null ? resolve(stdout) : reject(error)));
    });
    expect(output).toMatch(/\[1\/2\] \d+\.\d seeds\/s, 0 failing, ETA \d+s/);
    expect(output).toMatch(/\[2\/2\] \d+\.\d seeds\/s, 0 failing, ETA 0s/);
  }, CHILD_TIMEOUT_MS);
});
