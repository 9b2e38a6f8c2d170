// The bench's driver comparison (`node dist/bench/run.js --drivers file,raft,etcd`): the driver
// list it takes, the scenarios it runs by default, and the one table that puts every driver's
// figures for the same scenarios side by side. Pure (no I/O): bench/run.ts runs the drivers one
// after the other and prints what this formats; bench/drivers.test.ts tests it.
//
// Invariants:
//   - A driver list names each driver at most once, only known ones, at least one.
//   - The table has one row per scenario (in the order first run), one column pair per driver (in
//     the order given); a scenario a driver did not run shows `-`, never another driver's figure.
//   - Failed calls are never hidden: a driver's cell is marked `*` when calls failed, and the
//     failures are listed under the table by driver and code.
import { formatMs, formatRate, renderTable } from './format.js';

export const BENCH_DRIVERS = ['file', 'raft', 'paxos', 'etcd'] as const;
export type BenchDriver = (typeof BENCH_DRIVERS)[number];

/** Without --only, `--drivers` (more than one) runs these: getTs and getSeq at one caller and at many, and the batch. */
export const DRIVERS_DEFAULT_SCENARIOS: readonly string[] = ['getTs@1', 'getTs@1024', 'getSeq@1', 'getSeq@256', 'getSeqBatch(8)@256'];

export type DriverListParse = { readonly ok: true; readonly drivers: readonly BenchDriver[] } | { readonly ok: false; readonly problem: string };

function isBenchDriver(name: string): name is BenchDriver {
  return (BENCH_DRIVERS as readonly string[]).includes(name);
}

/** `file,raft,etcd` → the drivers, in order; a problem naming what is wrong otherwise. */
export function parseDriverList(text: string): DriverListParse {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) return { ok: false, problem: `--drivers needs at least one of ${BENCH_DRIVERS.join(', ')}, got ${JSON.stringify(text)}` };
  const drivers: BenchDriver[] = [];
  for (const name of names) {
    if (!isBenchDriver(name)) return { ok: false, problem: `--drivers: unknown driver ${JSON.stringify(name)} (known: ${BENCH_DRIVERS.join(', ')})` };
    if (drivers.includes(name)) return { ok: false, problem: `--drivers names ${name} twice` };
    drivers.push(name);
  }
  return { ok: true, drivers };
}

/** What the comparison needs of one scenario's result. */
export interface ScenarioFigures {
  readonly name: string;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: Readonly<Record<string, number>>;
}

/** One driver's results, in the order its scenarios ran. */
export interface DriverSection {
  readonly driver: BenchDriver;
  readonly results: readonly ScenarioFigures[];
}

function errorCount(figures: ScenarioFigures): number {
  return Object.values(figures.errors).reduce((a, b) => a + b, 0);
}

/**
 * The drivers side by side: `scenario | <driver> calls/s | <driver> p50 / p99 ms | ...`, one row
 * per scenario any driver ran, then a line per driver and scenario whose calls failed.
 */
export function driverComparisonTable(sections: readonly DriverSection[]): string {
  const scenarios: string[] = [];
  for (const section of sections) for (const r of section.results) if (!scenarios.includes(r.name)) scenarios.push(r.name);
  const header = ['scenario', ...sections.flatMap((s) => [`${s.driver} calls/s`, `${s.driver} p50 / p99 ms`])];
  const rows = scenarios.map((name) => [
    name,
    ...sections.flatMap((s) => {
      const r = s.results.find((x) => x.name === name);
      if (r === undefined) return ['-', '-'];
      return [`${formatRate(r.callsPerSecond)}${errorCount(r) > 0 ? '*' : ''}`, `${formatMs(r.p50Ms)} / ${formatMs(r.p99Ms)}`];
    }),
  ]);
  const failures = sections.flatMap((s) =>
    s.results
      .filter((r) => errorCount(r) > 0)
      .map(
        (r) =>
          `* ${s.driver} ${r.name}: ${Object.entries(r.errors)
            .map(([code, n]) => `${code}:${n}`)
            .join(' ')} failed calls`,
      ),
  );
  return [renderTable(header, rows, [0]), ...failures].join('\n');
}
