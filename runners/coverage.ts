// `npm run sim:coverage` and `npm run fuzz:coverage`: which lines of the product the simulator
// (or the fuzzers) reach, measured on plain `node dist/...` processes with V8's built-in coverage
// (NODE_V8_COVERAGE) and mapped back to the `.ts` files through the compiled source maps by c8.
// The test runner's transformed modules are what c8 could not map; a plain process maps cleanly.
//
//   sim:  runs `tsoracle sim swarm` for 1, 3 and 5 nodes (seed ranges as options), each under
//         its own coverage directory, then reports each node count and all of them together;
//   fuzz: runs every fuzz target for a fixed number of inputs (workers included: V8 writes a
//         coverage file per isolate), without the fuzzer's own coverage feedback (see below);
//   unit: (unless --no-unit) the unit tests' coverage of the same files, from vitest's own v8
//         provider in the same run, so the two are compared file by file: the files where the
//         swarm reaches much less than the unit tests are listed after the summary.
//
// Reports (text summary, HTML, JSON summary) go outside the tree: `--out DIR`, default a fresh
// directory under the OS temp dir, printed at the end. Exit code: 0, or 1 when a measured run
// itself failed (a failing seed still yields coverage, so the swarm's own exit code is reported,
// not hidden).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(REPO, 'dist', 'runners', 'cli.js');
const FUZZ_MAIN = join(REPO, 'dist', 'fuzz', 'main.js');
const C8 = join(REPO, 'node_modules', 'c8', 'bin', 'c8.js');
const VITEST = join(REPO, 'node_modules', 'vitest', 'vitest.mjs');

/** Product code measured: what ships (tests and test support excluded). */
const INCLUDE = ['dist/core/**', 'dist/drivers/**', 'dist/runners/**'];
const EXCLUDE = [
  '**/*.test.js',
  '**/arbitraries.js',
  '**/test-support.js',
  // Test harnesses, not product code.
  'dist/drivers/conformance/**',
  'dist/drivers/testing/**',
  'dist/drivers/client/testing.js',
  'dist/drivers/raft/sim-harness.js',
  'dist/core/raft/interaction-harness.js',
  'dist/runners/coverage.js',
];
/** Gaps the design expects: the simulator binds its own ports instead of Node's. */
const EXPECTED_GAPS: ReadonlyArray<readonly [string, string]> = [['drivers/node/', 'the Node binding of the ports; the simulator binds its own']];
/** A file is a gap when the unit tests reach this many line percentage points more than the swarm. */
const GAP_POINTS_MIN = 25;

interface Options {
  readonly mode: 'sim' | 'fuzz';
  readonly seeds: ReadonlyMap<number, string>;
  readonly fuzzExecs: number;
  readonly unit: boolean;
  readonly out: string;
}

function usage(message: string): never {
  process.stderr.write(`error: ${message}\n(usage: coverage sim [--seeds-1 A..B] [--seeds-3 A..B] [--seeds-5 A..B] [--no-unit] [--out DIR] | coverage fuzz [--execs N] [--no-unit] [--out DIR])\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const mode = argv[0];
  if (mode !== 'sim' && mode !== 'fuzz') usage('the first argument is sim or fuzz');
  const seeds = new Map<number, string>([
    [1, '1..500'],
    [3, '1..500'],
    [5, '1..100'],
  ]);
  let fuzzExecs = 20_000;
  let unit = true;
  let out: string | null = null;
  for (let i = 1; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const value = argv[i + 1];
    const seedsFlag = /^--seeds-(\d+)$/.exec(arg);
    if (seedsFlag !== null) {
      if (value === undefined || !/^\d+\.\.\d+$/.test(value)) usage(`${arg} takes a range A..B`);
      if (value === '0..0') seeds.delete(Number(seedsFlag[1]));
      else seeds.set(Number(seedsFlag[1]), value);
      i += 1;
    } else if (arg === '--execs') {
      if (value === undefined || !/^\d+$/.test(value)) usage('--execs takes a count');
      fuzzExecs = Number(value);
      i += 1;
    } else if (arg === '--out') {
      if (value === undefined) usage('--out takes a directory');
      out = value;
      i += 1;
    } else if (arg === '--no-unit') unit = false;
    else usage(`unknown option ${arg}`);
  }
  return { mode, seeds, fuzzExecs, unit, out: out ?? mkdtempSync(join(tmpdir(), `tsoracle-${mode}-coverage-`)) };
}

interface FileSummary {
  readonly lines: { readonly total: number; readonly covered: number; readonly pct: number };
  readonly branches: { readonly total: number; readonly covered: number; readonly pct: number };
}
type Summary = Record<string, FileSummary>;

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, label: string): number {
  process.stderr.write(`coverage: ${label}\n`);
  const result = spawnSync(process.execPath, [command, ...args], { cwd: REPO, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error !== undefined) throw result.error;
  return result.status ?? 1;
}

/** c8 report over the raw V8 files in `rawDir`; returns the JSON summary keyed by repo-relative path. */
function report(rawDir: string, reportsDir: string, reporters: readonly string[]): Summary {
  const args = ['report', '--temp-directory', rawDir, '--reports-dir', reportsDir, '--all', '--src', 'dist'];
  for (const r of [...reporters, 'json-summary']) args.push('--reporter', r);
  for (const i of INCLUDE) args.push('--include', i);
  for (const e of EXCLUDE) args.push('--exclude', e);
  const status = spawnSync(process.execPath, [C8, ...args], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] }).status;
  if (status !== 0) throw new Error(`c8 report failed (${String(status)})`);
  return relativeSummary(JSON.parse(readFileSync(join(reportsDir, 'coverage-summary.json'), 'utf8')) as Summary);
}

function relativeSummary(summary: Summary): Summary {
  const out: Summary = {};
  for (const [file, value] of Object.entries(summary)) out[file === 'total' ? 'total' : relative(REPO, file)] = value;
  return out;
}

function unitSummary(reportsDir: string): Summary | null {
  const args = [
    'run',
    '--coverage.enabled',
    '--coverage.provider=v8',
    '--coverage.reporter=json-summary',
    '--coverage.reporter=text-summary',
    `--coverage.reportsDirectory=${reportsDir}`,
    '--coverage.include=core/**/*.ts',
    '--coverage.include=drivers/**/*.ts',
    '--coverage.include=runners/**/*.ts',
    '--coverage.exclude=**/*.test.ts',
    '--coverage.exclude=**/arbitraries.ts',
    '--coverage.exclude=drivers/conformance/**',
    '--coverage.exclude=drivers/testing/**',
    '--coverage.exclude=**/test-support.ts',
    'core',
    'drivers',
    'runners',
  ];
  const status = run(VITEST, args, { ...process.env, CI: 'true' }, 'unit tests (vitest, v8 provider) over core/, drivers/, runners/');
  const file = join(reportsDir, 'coverage-summary.json');
  if (!existsSync(file)) return null;
  if (status !== 0) process.stderr.write(`coverage: the unit tests exited ${status}; their coverage is still reported\n`);
  return relativeSummary(JSON.parse(readFileSync(file, 'utf8')) as Summary);
}

function pct(n: { readonly pct: number } | undefined): string {
  return n === undefined ? '—' : `${n.pct.toFixed(1)}%`;
}

function printTable(title: string, columns: ReadonlyArray<readonly [string, Summary]>): void {
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(`| files | ${columns.map(([name]) => `${name} lines | ${name} branches`).join(' | ')} |\n`);
  process.stdout.write(`|---|${columns.map(() => '---|---').join('|')}|\n`);
  for (const folder of ['core/', 'drivers/', 'runners/']) {
    const cells = columns.map(([, summary]) => {
      let lines = 0;
      let linesCovered = 0;
      let branches = 0;
      let branchesCovered = 0;
      for (const [file, value] of Object.entries(summary)) {
        if (!file.startsWith(folder)) continue;
        lines += value.lines.total;
        linesCovered += value.lines.covered;
        branches += value.branches.total;
        branchesCovered += value.branches.covered;
      }
      const ratio = (a: number, b: number): string => (b === 0 ? '—' : `${((100 * a) / b).toFixed(1)}%`);
      return `${ratio(linesCovered, lines)} | ${ratio(branchesCovered, branches)}`;
    });
    process.stdout.write(`| ${folder} | ${cells.join(' | ')} |\n`);
  }
}

function printGaps(measured: Summary, unit: Summary, name: string): void {
  const gaps: Array<{ file: string; measured: number; unit: number }> = [];
  for (const [file, value] of Object.entries(unit)) {
    if (file === 'total' || !(file.startsWith('core/') || file.startsWith('drivers/'))) continue;
    const reached = measured[file]?.lines.pct ?? 0;
    if (value.lines.total >= 20 && value.lines.pct - reached >= GAP_POINTS_MIN) gaps.push({ file, measured: reached, unit: value.lines.pct });
  }
  gaps.sort((a, b) => b.unit - b.measured - (a.unit - a.measured));
  process.stdout.write(`\nwhere the ${name} reaches much less than the unit tests (line %, ≥ ${GAP_POINTS_MIN} points apart, core/ and drivers/):\n`);
  if (gaps.length === 0) process.stdout.write('  none\n');
  for (const g of gaps) {
    const expected = EXPECTED_GAPS.find(([prefix]) => g.file.startsWith(prefix));
    const note = expected === undefined || name !== 'swarm' ? '' : `   (expected: ${expected[1]})`;
    process.stdout.write(`  ${g.file.padEnd(44)} ${name} ${g.measured.toFixed(1).padStart(5)}%   unit ${g.unit.toFixed(1).padStart(5)}%${note}\n`);
  }
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  for (const [what, path] of [
    ['the build (npm run build)', CLI],
    ['c8 (npm ci)', C8],
  ] as const) {
    if (!existsSync(path)) usage(`${what} is missing: ${path}`);
  }
  mkdirSync(options.out, { recursive: true });
  let failed = false;
  const columns: Array<readonly [string, Summary]> = [];
  let combined: Summary;
  const combinedRaw = join(options.out, 'raw', 'all');
  mkdirSync(combinedRaw, { recursive: true });
  if (options.mode === 'sim') {
    for (const [nodes, seeds] of options.seeds) {
      const raw = join(options.out, 'raw', `nodes-${nodes}`);
      mkdirSync(raw, { recursive: true });
      const status = run(CLI, ['sim', 'swarm', '--nodes', String(nodes), '--seeds', seeds], { ...process.env, NODE_V8_COVERAGE: raw }, `sim swarm --nodes ${nodes} --seeds ${seeds}`);
      if (status !== 0) {
        failed = true;
        process.stderr.write(`coverage: the swarm (--nodes ${nodes}) exited ${status}; its coverage is still reported\n`);
      }
      for (const f of readdirSync(raw)) copyFileSync(join(raw, f), join(combinedRaw, `${nodes}-${f}`));
      columns.push([`swarm ${nodes} node${nodes === 1 ? '' : 's'}`, report(raw, join(options.out, `nodes-${nodes}`), ['text-summary'])]);
    }
    process.stdout.write('\nthe swarm, all node counts together:\n');
    combined = report(combinedRaw, join(options.out, 'swarm'), ['text-summary', 'html']);
    columns.push(['swarm', combined]);
  } else {
    // --no-coverage: the fuzzer's own feedback takes V8's precise coverage through the inspector,
    // and every take resets the counts the process would write at exit. So this measures the
    // fuzzers' structure-aware generation and mutation without coverage feedback (a lower bound
    // on what a feedback-guided run of the same length reaches).
    const status = run(FUZZ_MAIN, ['--all', '--execs', String(options.fuzzExecs), '--time', '1h', '--seed', '1', '--no-coverage'], { ...process.env, NODE_V8_COVERAGE: combinedRaw }, `fuzz --all --execs ${options.fuzzExecs} --no-coverage`);
    if (status !== 0) {
      failed = true;
      process.stderr.write(`coverage: the fuzzers exited ${status}; their coverage is still reported\n`);
    }
    process.stdout.write('\nthe fuzzers, all targets together:\n');
    combined = report(combinedRaw, join(options.out, 'fuzz'), ['text-summary', 'html']);
    columns.push(['fuzz', combined]);
  }
  const unit = options.unit ? unitSummary(join(options.out, 'unit')) : null;
  if (unit !== null) columns.push(['unit', unit]);
  printTable(`line and branch coverage (${options.mode === 'sim' ? 'simulator swarm' : 'fuzzers'}${unit === null ? '' : ' against the unit tests'}):`, columns);
  if (unit !== null) printGaps(combined, unit, options.mode === 'sim' ? 'swarm' : 'fuzzers');
  process.stdout.write(`\nreports (HTML in ${options.mode === 'sim' ? 'swarm' : 'fuzz'}/index.html${unit === null ? '' : ', unit/'}): ${options.out}\n`);
  process.exit(failed ? 1 : 0);
}

main();
