// The durable floor (bench/durable-floor.ts) as a user runs it: a child process that starts its own
// server child, prints a line per round and the median, refuses bad flags, and leaves no temp
// directory behind. Timings are printed, never asserted.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '..', 'dist', 'bench', 'durable-floor.js');
const dir = mkdtempSync(join(tmpdir(), 'tsoracle-floor-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('durable-floor', () => {
  it('prints each round and the median, and removes its temp files', async () => {
    const { stdout } = await run(process.execPath, [SCRIPT, '--ms', '150', '--rounds', '2', '--dir', dir], { timeout: 30_000 });
    expect(stdout).toMatch(/^round 1: [\d,]+ calls\/s, CPU µs\/call client [\d.]+ server [\d.]+$/m);
    expect(stdout).toMatch(/^round 2: /m);
    expect(stdout).toMatch(/^durable floor @1 \(median of 2\): [\d,]+ calls\/s$/m);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--compare alternates the floor, the floor plus the work of a getSeq, the real server raw and through the client library, and Redis (when installed), and removes its temp files', async () => {
    const { stdout } = await run(process.execPath, [SCRIPT, '--compare', '--ms', '150', '--rounds', '2', '--dir', dir], { timeout: 90_000 });
    for (const name of ['floor', 'floor\\+work', 'tsoracle', 'tso\\+client']) {
      expect(stdout).toMatch(new RegExp(`^round 1 ${name}: [\\d,]+ calls/s, CPU µs/call client [\\d.]+ server [\\d.]+$`, 'm'));
      expect(stdout).toMatch(new RegExp(`^round 2 ${name}: `, 'm'));
    }
    expect(stdout).toMatch(/^medians of 2 round\(s\), one caller/m);
    expect(stdout).toMatch(/^tsoracle +[\d,]+ calls\/s/m);
    // Redis is compared when redis-server is installed, and said to be missing otherwise.
    expect(stdout).toMatch(/^(round 1 redis: [\d,]+ calls\/s|redis: redis-server not found)/m);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a window or a round count that is not a positive integer, with exit code 2', async () => {
    for (const bad of [['--ms', '0'], ['--rounds', 'x'], ['--ms', '1.5']]) {
      const failed = await run(process.execPath, [SCRIPT, ...bad, '--dir', dir], { timeout: 30_000 }).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed?.code).toBe(2);
      expect(failed?.stderr).toMatch(/usage: durable-floor/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
