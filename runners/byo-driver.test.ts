// Bring your own driver, from outside the repository: examples/external-driver (a consensus
// driver written against the public package only) is copied into a temporary folder whose
// node_modules/tsoracle links to this package, as a user's project would have it. In child
// processes, its own conformance check passes every clause, and `tsoracle sim swarm --driver`
// runs the whole oracle swarm on it (workload, fault families, checkers, liveness) and passes.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'runners', 'cli.js');
const example = join(root, 'examples', 'external-driver');
const SEEDS = '1..6';

function run(args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('a driver written outside the repository, against the public package only', () => {
  let project = '';

  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'runners', 'testing.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    project = mkdtempSync(join(tmpdir(), 'tsoracle-byo-'));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(root, join(project, 'node_modules', 'tsoracle'), 'dir');
    for (const file of ['snapshot-driver.mjs', 'check.mjs']) copyFileSync(join(example, file), join(project, file));
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('imports nothing but tsoracle, tsoracle/core, tsoracle/sim and tsoracle/testing', () => {
    for (const file of ['snapshot-driver.mjs', 'check.mjs']) {
      const specifiers = [...readFileSync(join(project, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      for (const specifier of specifiers) expect(specifier).toMatch(/^(tsoracle(\/(core|sim|testing))?|\.\/snapshot-driver\.mjs)$/);
    }
  });

  it('passes the conformance suite (tsoracle/testing) in its own process', async () => {
    const r = await run(['check.mjs'], project);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^driver snapshot \(1 node\): conforms/);
    for (const clause of ['leadership-first', 'linearized-load', 'persist-at-least', 'out-of-range', 'seq-exactly-once', 'error-codes']) {
      expect(r.stdout).toMatch(new RegExp(`pass ${clause}:`));
    }
  });

  it(`passes \`tsoracle sim swarm --driver ./snapshot-driver.mjs --seeds ${SEEDS}\``, async () => {
    const r = await run([cli, 'sim', 'swarm', '--driver', './snapshot-driver.mjs', '--seeds', SEEDS, '--json'], project);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const json = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    expect(json).toMatchObject({
      result: 'ok',
      seedsRun: 6,
      failingSeeds: [],
      driver: { module: join(project, 'snapshot-driver.mjs'), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    // The faults reached it: families struck on its node.
    const coverage = json.coverage as Record<string, { struck: number }>;
    expect(Object.values(coverage).reduce((n, c) => n + c.struck, 0)).toBeGreaterThan(10);
  }, 120_000);
});

describe('`tsoracle sim swarm --driver examples/broken-driver`, as the docs give it', () => {
  it('run from the repository root, finds the broken example driver (a retried request gets a second block)', async () => {
    const r = await run([cli, 'sim', 'swarm', '--driver', 'examples/broken-driver', '--seeds', '1..30', '--stop-at-first'], root);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^FAIL seed \d+: safety seq_request_two_blocks: .*exactly once per request id/m);
    expect(r.stdout).toMatch(/driver \S*dist\/examples\/broken-driver\.js/);
  }, 120_000);
});
