// `npm run bench`: the oracle's throughput and latency over loopback, end to end. The server runs
// as a child process (`tsoracle serve file` on a fresh temp data dir: the file driver with real
// fsync); this process is the client. Each scenario runs N concurrent callers, each looping
// `await client.getTs()` (or getTsBatch / getSeq) on one shared client, so the client's
// coalescing applies; after a warm-up, completed calls are counted over a fixed window and every
// call's latency (performance.now() around the await) goes into a fixed-bucket histogram.
//
// Prints a table and writes bench/results.json. Not a test: it asserts nothing.
//
// Process lifetime: the client library's timers are unref'd (a library must not keep its user's
// process alive), so while a call waits between attempts nothing of the client holds the event
// loop. A ref'd keep-alive handle is held for the whole run, so every await here ends by its
// own bound (the client's overall deadline, the server's exit timeout) instead of the process
// exiting 13 ('unsettled top-level await') with no report and its temp directory left behind
// — which is what a server that was unreachable or died mid-run used to do.
//
// Options:
//   --quick               short warm-up and window (a smoke run)
//   --only <names>        comma-separated scenario prefixes: getTs, getTsBatch, getSeq, getTs@1024, ...
//   --window-ms <ms>      measurement window per scenario (default 3000; quick 800)
//   --warmup-ms <ms>      warm-up per scenario (default 1000; quick 300)
//   --endpoint <H:P>      bench a server that is already running instead of spawning one
//   --server-cpu-prof <dir>  run the server child under `node --cpu-prof` writing into <dir>
//   --out <file>          where to write the JSON (default bench/results.json)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsoError } from '../core/errors.js';
import { createClient } from '../runners/client.js';
import type { TsoClient } from '../runners/client.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/bench/run.js → the repository root is two levels up. */
const REPO_ROOT = resolve(HERE, '..', '..');
const CLI_PATH = join(REPO_ROOT, 'dist', 'runners', 'cli.js');
const SERVER_READY_TIMEOUT_MS = 15_000;
const SERVER_EXIT_TIMEOUT_MS = 10_000;

type Op = 'getTs' | 'getTsBatch' | 'getSeq';

interface Scenario {
  readonly name: string;
  readonly op: Op;
  readonly callers: number;
  /** Values per call: 1 for getTs and getSeq(key, 1), 64 for getTsBatch(64). */
  readonly valuesPerCall: number;
}

const SCENARIOS: readonly Scenario[] = [
  ...[1, 16, 256, 1024].map((callers) => ({ name: `getTs@${callers}`, op: 'getTs' as const, callers, valuesPerCall: 1 })),
  { name: 'getTsBatch(64)@64', op: 'getTsBatch', callers: 64, valuesPerCall: 64 },
  ...[1, 16, 256].map((callers) => ({ name: `getSeq@${callers}`, op: 'getSeq' as const, callers, valuesPerCall: 1 })),
];

interface ScenarioResult {
  readonly name: string;
  readonly op: Op;
  readonly callers: number;
  readonly valuesPerCall: number;
  readonly calls: number;
  readonly seconds: number;
  readonly callsPerSecond: number;
  readonly valuesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly errors: Readonly<Record<string, number>>;
}

/**
 * Latency histogram with fixed logarithmic buckets: bucket i holds latencies in
 * (GROWTH^(i-1), GROWTH^i] microseconds, so a reported percentile is at most 1% above the truth.
 * Recording is O(1) with no allocation, which matters at a million calls per second.
 */
class LatencyHistogram {
  private static readonly GROWTH = 1.01;
  private static readonly LOG_GROWTH = Math.log(LatencyHistogram.GROWTH);
  /** Buckets up to 1.01^2000 µs ≈ 440 s. */
  private static readonly BUCKETS = 2_000;
  private readonly counts = new Float64Array(LatencyHistogram.BUCKETS + 1);
  private total = 0;
  private maxMs = 0;

  record(latencyMs: number): void {
    const us = latencyMs * 1_000;
    const index = us <= 1 ? 0 : Math.min(LatencyHistogram.BUCKETS, Math.ceil(Math.log(us) / LatencyHistogram.LOG_GROWTH));
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total += 1;
    if (latencyMs > this.maxMs) this.maxMs = latencyMs;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxMs;
  }

  /** The upper bound of the bucket holding the q-quantile, in ms. */
  percentileMs(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(LatencyHistogram.GROWTH ** i / 1_000, this.maxMs);
    }
    return this.maxMs;
  }
}

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  quick: boolean;
  only: string[] | null;
  windowMs: number;
  warmupMs: number;
  endpoint: string | null;
  serverCpuProfDir: string | null;
  out: string;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { quick: false, only: null, windowMs: 3_000, warmupMs: 1_000, endpoint: null, serverCpuProfDir: null, out: join(REPO_ROOT, 'bench', 'results.json') };
  let windowSet = false;
  let warmupSet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${arg} needs a value`);
      return v;
    };
    const positive = (text: string): number => {
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < 1) usage(`${arg} needs a positive integer, got ${text}`);
      return n;
    };
    switch (arg) {
      case '--quick':
        options.quick = true;
        break;
      case '--only':
        options.only = value()
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        break;
      case '--window-ms':
        options.windowMs = positive(value());
        windowSet = true;
        break;
      case '--warmup-ms':
        options.warmupMs = positive(value());
        warmupSet = true;
        break;
      case '--endpoint':
        options.endpoint = value();
        break;
      case '--server-cpu-prof':
        options.serverCpuProfDir = resolve(value());
        break;
      case '--out':
        options.out = resolve(value());
        break;
      case '--help':
      case '-h':
        usage(null);
        break;
      default:
        usage(`unknown option ${String(arg)}`);
    }
  }
  if (options.quick) {
    if (!windowSet) options.windowMs = 800;
    if (!warmupSet) options.warmupMs = 300;
  }
  return options;
}

function usage(problem: string | null): never {
  if (problem !== null) process.stderr.write(`error: ${problem}\n`);
  process.stderr.write(
    'usage: node dist/bench/run.js [--quick] [--only getTs,getTsBatch,getSeq,getTs@1024] [--window-ms N] [--warmup-ms N]\n' +
      '                              [--endpoint H:P] [--server-cpu-prof DIR] [--out FILE]\n',
  );
  process.exit(problem === null ? 0 : 2);
}

function selected(options: Options): Scenario[] {
  if (options.only === null) return [...SCENARIOS];
  const only = options.only;
  // `getTs` selects getTs@N only (not getTsBatch); `getTs@1024` selects exactly that scenario.
  return SCENARIOS.filter((s) => only.some((o) => s.name === o || s.op === o));
}

// ---------------------------------------------------------------------------------------------
// The server child

interface ServerChild {
  readonly endpoint: string;
  stop(): Promise<void>;
}

async function spawnServer(dataDir: string, cpuProfDir: string | null): Promise<ServerChild> {
  const nodeArgs = cpuProfDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfDir];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, CLI_PATH, 'serve', 'file', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--http-listen', 'off'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolveExit) => child.once('close', (code) => resolveExit(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const startedMs = performance.now();
  let endpoint: string | null = null;
  while (endpoint === null) {
    endpoint = /^serving on (\S+)$/m.exec(stdout)?.[1] ?? null;
    if (endpoint !== null) break;
    if (gone) throw new Error(`server exited before serving: ${stderr.trim()}`);
    if (performance.now() - startedMs > SERVER_READY_TIMEOUT_MS) {
      child.kill('SIGKILL');
      throw new Error(`server not serving within ${SERVER_READY_TIMEOUT_MS} ms: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    endpoint,
    stop: async () => {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_EXIT_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

function operation(client: TsoClient, op: Op): () => Promise<unknown> {
  switch (op) {
    case 'getTs':
      return () => client.getTs();
    case 'getTsBatch':
      return () => client.getTsBatch(64);
    case 'getSeq':
      return () => client.getSeq('bench', 1);
  }
}

async function runScenario(client: TsoClient, scenario: Scenario, warmupMs: number, windowMs: number): Promise<ScenarioResult> {
  const call = operation(client, scenario.op);
  const histogram = new LatencyHistogram();
  const errors: Record<string, number> = {};
  let measuring = false;
  let stopped = false;
  const caller = async (): Promise<void> => {
    while (!stopped) {
      const startMs = performance.now();
      try {
        await call();
      } catch (e) {
        const code = e instanceof TsoError ? e.code : e instanceof Error ? e.name : 'unknown';
        errors[code] = (errors[code] ?? 0) + 1;
        // Do not spin on a failing server.
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      if (measuring) histogram.record(performance.now() - startMs);
    }
  };
  const callers = Array.from({ length: scenario.callers }, () => caller());
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const windowStartMs = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  measuring = false;
  const seconds = (performance.now() - windowStartMs) / 1_000;
  stopped = true;
  await Promise.all(callers);
  const calls = histogram.count;
  return {
    name: scenario.name,
    op: scenario.op,
    callers: scenario.callers,
    valuesPerCall: scenario.valuesPerCall,
    calls,
    seconds,
    callsPerSecond: calls / seconds,
    valuesPerSecond: (calls * scenario.valuesPerCall) / seconds,
    p50Ms: histogram.percentileMs(0.5),
    p99Ms: histogram.percentileMs(0.99),
    p999Ms: histogram.percentileMs(0.999),
    maxMs: histogram.max,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

function formatRate(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function formatMs(n: number): string {
  return Number.isFinite(n) ? n.toFixed(3) : '-';
}

function table(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'callers', 'calls/s', 'values/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors'];
  const rows = results.map((r) => [
    r.name,
    String(r.callers),
    formatRate(r.callsPerSecond),
    formatRate(r.valuesPerSecond),
    formatMs(r.p50Ms),
    formatMs(r.p99Ms),
    formatMs(r.p999Ms),
    formatMs(r.maxMs),
    Object.entries(r.errors)
      .map(([code, n]) => `${code}:${n}`)
      .join(' ') || '0',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Interval of the keep-alive handle (it does nothing; it only holds the event loop). */
const KEEP_ALIVE_INTERVAL_MS = 60_000;

async function main(): Promise<void> {
  const keepAlive = setInterval(() => {}, KEEP_ALIVE_INTERVAL_MS);
  try {
    await run();
  } finally {
    clearInterval(keepAlive);
  }
}

async function run(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const scenarios = selected(options);
  if (scenarios.length === 0) usage(`--only ${options.only?.join(',') ?? ''} selects no scenario`);
  // Other work on the machine moves these numbers a lot: the load is recorded with them.
  const loadAverageBefore = loadavg()[0] ?? NaN;
  const dataDir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-'));
  let server: ServerChild | null = null;
  try {
    if (options.endpoint === null) server = await spawnServer(dataDir, options.serverCpuProfDir);
    const endpoint = options.endpoint ?? server?.endpoint ?? '';
    const client = createClient({ endpoints: [endpoint] });
    process.stdout.write(
      `tsoracle bench: server ${options.endpoint === null ? `child process, file driver on ${dataDir}` : endpoint}, ` +
        `node ${process.version}, ${cpus().length} CPUs (1-min load ${loadAverageBefore.toFixed(2)}), warm-up ${options.warmupMs} ms, window ${options.windowMs} ms\n\n`,
    );
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      const result = await runScenario(client, scenario, options.warmupMs, options.windowMs);
      results.push(result);
      process.stdout.write(
        `${result.name.padEnd(18)} ${formatRate(result.callsPerSecond).padStart(11)} calls/s  p50 ${formatMs(result.p50Ms)} ms  p99 ${formatMs(result.p99Ms)} ms\n`,
      );
    }
    await client.close();
    process.stdout.write(`\n${table(results)}\n`);
    const report = {
      when: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAverage1mBefore: loadAverageBefore,
      loadAverage1mAfter: loadavg()[0] ?? NaN,
      server: options.endpoint === null ? 'child process: tsoracle serve file (file driver, real fsync), loopback TCP' : `external ${options.endpoint}`,
      client: 'one client (createClient), N concurrent callers each awaiting one call at a time',
      warmupMs: options.warmupMs,
      windowMs: options.windowMs,
      quick: options.quick,
      results,
    };
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nwrote ${options.out}\n`);
  } finally {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
