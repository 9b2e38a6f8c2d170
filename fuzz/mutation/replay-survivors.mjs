// Replays the mutants a Stryker report left alive against another test set, one at a time, to
// find the ones that survive both sets without a second full Stryker run (hours for the codec
// files, whose fuzz set reruns every target per mutant). For each mutant of FILE with one of the
// given statuses, it writes the mutated source into the working tree, runs vitest, and reports
// whether a test failed (a run past five minutes counts as killed, as Stryker counts a timeout);
// FILE is restored at the end, and on any error.
//
//   node fuzz/mutation/replay-survivors.mjs REPORT.json FILE TESTS [--status Survived,NoCoverage] [--lines FIRST-LAST]
//
// TESTS is `fuzz-set` (fuzz/mutation/vitest.fuzz.config.ts), `unit-set`
// (fuzz/mutation/vitest.unit.config.ts) or comma-separated test paths. Run it in a scratch
// worktree: it rewrites FILE while it runs. FILE must be the source the report was made from.
// `--lines` keeps the mutants that start in that line range (a report of a whole file, replayed
// for part of it). vitest stops at the first failing test (`--bail 1`): one is enough to kill.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const [reportPath, file, tests] = process.argv.slice(2);
if (reportPath === undefined || file === undefined || tests === undefined) {
  console.error('usage: node fuzz/mutation/replay-survivors.mjs REPORT.json FILE TESTS [--status Survived,NoCoverage]');
  process.exit(2);
}
const statusAt = process.argv.indexOf('--status');
const statuses = (statusAt > 0 ? process.argv[statusAt + 1] : 'Survived,NoCoverage').split(',');
const linesAt = process.argv.indexOf('--lines');
const [lineFirst, lineLast] = linesAt > 0 ? process.argv[linesAt + 1].split('-').map(Number) : [1, Infinity];
if (!(lineFirst >= 1 && lineLast >= lineFirst)) {
  console.error(`--lines ${process.argv[linesAt + 1]}: expected FIRST-LAST`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const found = Object.entries(report.files).find(([path]) => path.endsWith(file));
if (found === undefined) {
  console.error(`${file} is not in ${reportPath}`);
  process.exit(2);
}
const entry = found[1];
const original = readFileSync(file, 'utf8');
if (original !== entry.source) {
  console.error(`${file} differs from the source the report was made from`);
  process.exit(2);
}
const lines = original.split('\n');
const offsetOf = ({ line, column }) => lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
const vitestArgs =
  tests === 'fuzz-set'
    ? ['vitest', 'run', '--bail', '1', '--config', 'fuzz/mutation/vitest.fuzz.config.ts']
    : tests === 'unit-set'
      ? ['vitest', 'run', '--bail', '1', '--config', 'fuzz/mutation/vitest.unit.config.ts']
      : ['vitest', 'run', '--bail', '1', ...tests.split(',')];
const inLines = (m) => m.location.start.line >= lineFirst && m.location.start.line <= lineLast;
const mutants = entry.mutants.filter((m) => statuses.includes(m.status) && inLines(m));
let survived = 0;
try {
  for (const m of mutants) {
    const from = offsetOf(m.location.start);
    const to = offsetOf(m.location.end);
    writeFileSync(file, original.slice(0, from) + m.replacement + original.slice(to));
    let killed = false;
    try {
      execFileSync('npx', vitestArgs, { stdio: 'pipe', timeout: 300_000 });
    } catch {
      killed = true;
    }
    if (!killed) survived += 1;
    const where = `${m.location.start.line}:${m.location.start.column}`;
    console.log(`${killed ? 'killed  ' : 'SURVIVED'} ${where} ${m.mutatorName} → ${JSON.stringify(m.replacement).slice(0, 60)} | ${lines[m.location.start.line - 1].trim().slice(0, 90)}`);
  }
} finally {
  writeFileSync(file, original);
}
console.log(`${survived} of ${mutants.length} survive ${tests}`);
