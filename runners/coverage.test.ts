// `npm run sim:coverage` / `fuzz:coverage` (runners/coverage.ts) as a user runs them: a child
// process over the built CLI, c8 mapping V8's coverage back to the .ts files. Small seed ranges
// and input counts, so it stays a few seconds; the unit-test comparison is skipped here (it
// would run the whole suite inside the suite).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { REPO_ROOT } from './test-support.js';

const SCRIPT = join(REPO_ROOT, 'dist', 'runners', 'coverage.js');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function runCoverage(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run npm run build first (npm test does)`);
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('coverage of the simulator swarm (c8 over plain node processes)', () => {
  it('maps the swarm back to the .ts files of core/ and drivers/ and writes the reports outside the tree', async () => {
    const { dir, remove } = await makeTempDir('tsoracle-coverage-test-');
    cleanups.push(remove);
    const r = runCoverage(['sim', '--seeds-1', '1..3', '--seeds-3', '1..1', '--seeds-5', '0..0', '--no-unit', '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| core\/ \| \d+\.\d% \|/);
    const summary = JSON.parse(readFileSync(join(dir, 'swarm', 'coverage-summary.json'), 'utf8')) as Record<string, { lines: { covered: number } }>;
    const allocator = Object.entries(summary).find(([file]) => file.endsWith('core/allocator.ts'));
    expect(allocator?.[1].lines.covered ?? 0).toBeGreaterThan(0); // every run serves timestamps
    expect(existsSync(join(dir, 'swarm', 'index.html'))).toBe(true);
  }, 180_000);

  it('refuses a bad option with a usage error (exit 2)', () => {
    const r = runCoverage(['sim', '--seeds-1', 'lots']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: --seeds-1 takes a range A\.\.B/);
  });
});
