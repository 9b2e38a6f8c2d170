// Keeps the simulator's user-facing example honest (examples/replicated-register*.ts and
// docs/sim-api.md): the clean swarm passes, the bug switch is found at a pinned seed and replays
// to the same violation, a seed gives the same trace twice, the checker catches each violation
// it names, and every code snippet of docs/sim-api.md is text of the example.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory, History, type Operation } from '../examples/replicated-register-check.js';
import { checkDeterminism, FAMILIES, runRegisterSeed, runRegisterSwarm } from '../examples/replicated-register-swarm.js';
import { REPO_ROOT } from './test-support.js';

const CLEAN_SEEDS_LAST = 100;
/** About 3 s of CPU; the bound leaves room for a loaded machine. */
const CLEAN_SWARM_TIMEOUT_MS = 180_000;
/** The first seed of the swarm that catches `ackBeforeBackup` (pinned: a change to the draws moves it). */
const ACK_BEFORE_BACKUP_FIRST_FAILING_SEED = 5;

describe('examples/replicated-register under the swarm', () => {
  it(`finds no violation in seeds 1..${CLEAN_SEEDS_LAST} without the bug, and each seed does real work under its faults`, async () => {
    const families = new Set<string>();
    let seedsRecoveringFromBackup = 0;
    for (let seed = 1; seed <= CLEAN_SEEDS_LAST; seed++) {
      const run = await runRegisterSeed(seed);
      expect(run.violations, `seed ${seed}`).toEqual([]);
      expect(run.acknowledged, `seed ${seed}`).toBeGreaterThan(50);
      for (const family of run.families) families.add(family);
      if (run.recoveriesFromBackup > 0) seedsRecoveringFromBackup++;
    }
    expect([...families].sort()).toEqual([...FAMILIES].sort());
    // The path the bug switch breaks is taken, and survived, in many seeds.
    expect(seedsRecoveringFromBackup).toBeGreaterThanOrEqual(20);
  }, CLEAN_SWARM_TIMEOUT_MS);

  it(`catches ackBeforeBackup first at seed ${ACK_BEFORE_BACKUP_FIRST_FAILING_SEED}, as a version handed out twice`, async () => {
    const { seedsRun, failing } = await runRegisterSwarm(1, 100, { bugs: { ackBeforeBackup: true }, stopAtFirst: true });
    expect(seedsRun).toBe(ACK_BEFORE_BACKUP_FIRST_FAILING_SEED);
    expect(failing.map((run) => run.seed)).toEqual([ACK_BEFORE_BACKUP_FIRST_FAILING_SEED]);
    expect(failing[0]?.families).toContain('primaryDiskReplaced');
    expect(failing[0]?.violations.map((v) => v.kind)).toContain('version_two_values');
  });

  it('gives the same trace, hash and verdict for the same seed twice, and another trace for another seed', async () => {
    const first = await runRegisterSeed(ACK_BEFORE_BACKUP_FIRST_FAILING_SEED, { bugs: { ackBeforeBackup: true }, keepTrace: true });
    const again = await runRegisterSeed(ACK_BEFORE_BACKUP_FIRST_FAILING_SEED, { bugs: { ackBeforeBackup: true }, keepTrace: true });
    expect(first.traceLines.length).toBeGreaterThan(1_000);
    expect(again.traceLines).toEqual(first.traceLines);
    expect(again.traceHash).toBe(first.traceHash);
    expect(again.violations).toEqual(first.violations);
    expect(await checkDeterminism(ACK_BEFORE_BACKUP_FIRST_FAILING_SEED + 2)).toBeNull();
    const other = await runRegisterSeed(ACK_BEFORE_BACKUP_FIRST_FAILING_SEED + 1, { bugs: { ackBeforeBackup: true } });
    expect(other.traceHash).not.toBe(first.traceHash);
  });

  it('runs as a program: a clean swarm exits 0, a failing seed replays with exit 1 and names the violation', () => {
    const path = join(REPO_ROOT, 'dist', 'examples', 'replicated-register-swarm.js');
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
    const clean = spawnSync(process.execPath, [path, '1..3'], { encoding: 'utf8', timeout: 30_000 });
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/^3 seeds, 0 failing$/m);
    const seed = String(ACK_BEFORE_BACKUP_FIRST_FAILING_SEED);
    const replay = spawnSync(process.execPath, [path, '--seed', seed, '--bug', 'ackBeforeBackup'], { encoding: 'utf8', timeout: 30_000 });
    expect(replay.status).toBe(1);
    expect(replay.stdout).toContain('version_two_values');
    const twice = spawnSync(process.execPath, [path, '--seed', '2', '--check-determinism'], { encoding: 'utf8', timeout: 30_000 });
    expect(twice.status).toBe(0);
    expect(twice.stdout).toMatch(/^seed 2 is deterministic$/m);
    const unknown = spawnSync(process.execPath, [path, '1..3', '--bug', 'noSuchBug'], { encoding: 'utf8', timeout: 30_000 });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown bug switch "noSuchBug"/);
  });
});

/** A history written by hand: [client, kind, written value, invoke, end, version, read value]. */
function historyOf(rows: ReadonlyArray<readonly [string, 'read' | 'write', string | null, number, number, number, string | null]>): History {
  let now = 0;
  const history = new History(() => now);
  for (const [client, kind, written, invokeMs, endMs, version, read] of rows) {
    now = invokeMs;
    const operation = history.invoke(client, kind, written);
    now = endMs;
    history.complete(operation, version, read);
  }
  return history;
}

const kinds = (history: History, healedMs = 0): string[] => checkHistory(history, healedMs, 100).map((v) => v.kind);

describe('the register checker', () => {
  it('accepts a linearizable history with overlapping operations', () => {
    const history = historyOf([
      ['a', 'write', 'x', 0, 10, 1, null],
      ['b', 'read', null, 5, 6, 0, null], // overlaps the write: the old value is allowed
      ['b', 'read', null, 11, 12, 1, 'x'],
      ['a', 'write', 'y', 13, 20, 2, null],
      ['b', 'read', null, 14, 15, 2, 'y'], // overlaps the write: the new value is allowed
    ]);
    expect(kinds(history)).toEqual([]);
  });

  it('reports a version handed out for two values', () => {
    expect(kinds(historyOf([['a', 'write', 'x', 0, 1, 1, null], ['b', 'write', 'y', 0, 2, 1, null]]))).toContain('version_two_values');
  });

  it('reports a read below what had already been acknowledged (a lost write)', () => {
    const history = historyOf([['a', 'write', 'x', 0, 1, 1, null], ['b', 'read', null, 2, 3, 0, null]]);
    expect(kinds(history)).toEqual(['read_stale']);
  });

  it('reports a write acknowledged with a version not above one already returned', () => {
    const history = historyOf([['a', 'write', 'x', 0, 1, 2, null], ['b', 'write', 'y', 2, 3, 1, null]]);
    expect(kinds(history)).toEqual(['write_not_newer']);
  });

  it('reports a read of a value nobody wrote', () => {
    expect(kinds(historyOf([['b', 'read', null, 0, 1, 1, 'ghost']]))).toEqual(['read_unknown_value']);
  });

  it('reports a client that completed nothing after the faults stopped, and counts an unknown outcome as nothing', () => {
    let now = 0;
    const history = new History(() => now);
    const operation = history.invoke('a', 'write', 'x');
    now = 60;
    history.fail(operation);
    expect(checkHistory(history, 50, 100).map((v) => v.kind)).toEqual(['liveness_client_stuck']);
  });

  it('accepts every history of a sequential register, and catches the same history with one read turned stale', () => {
    const step = fc.record({ client: fc.constantFrom('a', 'b', 'c'), write: fc.boolean(), gapMs: fc.integer({ min: 1, max: 5 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 2, maxLength: 40 }), (steps) => {
        const rows: Array<[string, 'read' | 'write', string | null, number, number, number, string | null]> = [];
        let version = 0;
        let value: string | null = null;
        let t = 0;
        steps.forEach((s, i) => {
          if (s.write) [version, value] = [version + 1, `v${i}`];
          rows.push([s.client, s.write ? 'write' : 'read', s.write ? `v${i}` : null, t, t + 1, version, s.write ? null : value]);
          t += 1 + s.gapMs;
        });
        expect(kinds(historyOf(rows))).toEqual([]);
        // Turn the last read after a write into a read of the initial register: stale.
        let lastRead = -1;
        rows.forEach((r, i) => (lastRead = r[1] === 'read' && r[5] > 0 ? i : lastRead));
        if (lastRead >= 0) {
          const row = rows[lastRead] as (typeof rows)[number];
          rows[lastRead] = [row[0], 'read', null, row[3], row[4], 0, null];
          expect(kinds(historyOf(rows))).toContain('read_stale');
        }
      }),
    );
  });

  it('keeps its operations as the workload left them (pending ones are not judged)', () => {
    let now = 0;
    const history = new History(() => now);
    history.invoke('a', 'read', null);
    now = 10;
    expect(history.operations.map((o: Operation) => o.outcome)).toEqual(['pending']);
    expect(checkHistory(history, 0, 10).map((v) => v.kind)).toEqual(['liveness_client_stuck']);
  });
});

describe('docs/sim-api.md', () => {
  /** Lines without their indentation, so a snippet may be dedented from its place in the code. */
  const normalize = (text: string): string =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .join('\n');

  it('shows only code that is in the tested example (pieces separated by `// ...` lines, in order)', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'sim-api.md'), 'utf8');
    const sources = ['replicated-register.ts', 'replicated-register-check.ts', 'replicated-register-swarm.ts'].map((name) =>
      normalize(readFileSync(join(REPO_ROOT, 'examples', name), 'utf8')),
    );
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const block of blocks) {
      const pieces = block.split(/^\s*\/\/ \.\.\.\s*$/m).map(normalize).filter((p) => p.length > 0);
      const home = sources.find((source) => {
        let from = 0;
        for (const piece of pieces) {
          const at = source.indexOf(piece, from);
          if (at < 0) return false;
          from = at + piece.length;
        }
        return true;
      });
      expect(home, `this snippet is not in the example:\n${block}`).toBeDefined();
    }
  });
});
