// `npm run bench`: the oracle's throughput and latency over loopback, end to end. The server runs
// as a child process (`tsoracle serve file` on a fresh temp data dir: the file driver with real
// fsync); this process is the client. Each scenario runs N concurrent callers, each looping
// `await client.getTs()` (or getTsBatch / getSeq) on one shared client, so the client's
// coalescing applies; after a warm-up, completed calls are counted over a fixed window and every
// call's latency (performance.now() around the await) goes into an HdrHistogram (bench/histogram.ts).
// Over the same window it reads the CPU the client (this process) and the server spent, and
// reports each per call (bench/cpu.ts): on a shared machine calls/s moves with the others' load,
// CPU per call much less, so an A/B of two builds compares those first.
//
// With --peers, Redis INCR and PostgreSQL's gapless counter run at the same concurrencies as the
// getTs and getSeq scenarios, interleaved with them (bench/peers.ts), and each ratio is printed.
//
// Prints a table (or, with --json, one JSON document on stdout) and writes the JSON report
// outside the tree: to os.tmpdir() unless --out says where. Not a test: it asserts nothing.
// Every process it starts and every temp dir it makes is cleaned up, also on error and on
// SIGINT/SIGTERM (bench/janitor.ts).
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
//   --server-pid <pid>    with --endpoint: the server's pid, so its CPU per call is reported too
//   --server-cpu-prof <dir>  run the server child under `node --cpu-prof` writing into <dir>
//   --out <file>          where to write the JSON report (default $TMPDIR/tsoracle-bench-<time>.json)
//   --json                print the report as one JSON document on stdout (the rest goes to stderr)
//   --peers               also run Redis INCR and PostgreSQL's counter when installed (bench/README.md)
//   --driver file|raft|paxos  the server: one `serve file` child (default), or a 3-node cluster of
//                         `serve raft` / `serve paxos` children on loopback (runners/stress/cluster.ts);
//                         the client gets every node's endpoint and follows the leader
//   --driver etcd         a 3-member etcd on loopback (bench/etcd.ts) and 3 `serve etcd` children
//                         on it; etcd's own CAS counter runs beside getTs/getSeq at the same callers
//                         (without --only: getTs@1024 and getSeq@1/16/256 only)
//   --drivers file,raft,etcd  several drivers, one after the other (each started, benched and
//                         stopped before the next), then one table with a column pair per driver
//                         (bench/drivers.ts); without --only: getTs@1/1024, getSeq@1/256 and
//                         getSeqBatch(8)@256. Not with --endpoint, --grpc, --server-cpu-prof,
//                         --peers; etcd's CAS counter only with --driver etcd alone
//   --grpc                also run getTs over the tsoracle.v1 gRPC port (grpcGetTs@1/256/1024: one
//                         grpc-js channel, one GetTs(count 1) per call, no client coalescing)
//   --tls                 also run getTs over the native protocol on TLS (tlsGetTs@1/256/1024): a
//                         second `serve file` child with --tls-cert/--tls-key (certificates made now
//                         by openssl, in the temp dir), a second client with `tls: { ca }`; each TLS
//                         row runs right after its plaintext getTs@N twin and is compared with it
//                         (bench/tls-rows.ts)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsoError } from '../core/errors.js';
import { TsoGrpcClient } from '../drivers/grpc/tso-grpc-client.js';
import { createClient } from '../runners/client.js';
import type { TsoClient } from '../runners/client.js';
import { cpuUsPerCall, ownCpuMs, processCpuMs } from './cpu.js';
import { formatMs, formatRate, formatRatio, renderTable } from './format.js';
import { besidePlaintext, TLS_GET_TS_CALLERS, tlsComparisons, tlsComparisonTable, tlsScenarioName } from './tls-rows.js';
import { makeTestPki, OPENSSL_AVAILABLE } from '../drivers/node/tls-test-pki.js';
import { LatencyHistogram } from './histogram.js';
import { Janitor } from './janitor.js';
import { Cluster } from '../runners/stress/cluster.js';
import { DRIVERS_DEFAULT_SCENARIOS, driverComparisonTable, parseDriverList, type BenchDriver } from './drivers.js';
import { etcdCasPeer, startBenchEtcd } from './etcd.js';
import { PEER_CALLERS_MAX, PEER_LABELS, peakRssBytes, startPeers, type Peer, type PeerOp } from './peers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/bench/run.js → the repository root is two levels up. */
const REPO_ROOT = resolve(HERE, '..', '..');
const CLI_PATH = join(REPO_ROOT, 'dist', 'runners', 'cli.js');
const SERVER_READY_TIMEOUT_MS = 15_000;
const SERVER_EXIT_TIMEOUT_MS = 10_000;
/** Bound on the file-system sync between scenarios. */
const SETTLE_SYNC_TIMEOUT_MS = 30_000;
/** Quiet time between scenarios, after the peers settled and the file system was synced. */
const SETTLE_PAUSE_MS = 500;
const SETTLE_DESCRIPTION =
  `before each scenario: the peers settle (PostgreSQL: CHECKPOINT, then its closed pool's backends gone), ` +
  `the file system is synced (sync -f), then ${SETTLE_PAUSE_MS} ms of quiet`;

type Op = 'getTs' | 'getTsBatch' | 'getSeq' | 'getSeqBatch' | 'renewLease' | 'grpcGetTs' | 'tlsGetTs';

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
  // One batch of 8 keys per call: calls/s is batches (entries) per second, values/s keys per second.
  { name: 'getSeqBatch(8)@256', op: 'getSeqBatch', callers: 256, valuesPerCall: 8 },
  // Renewals of one stamping lease: each is a window extension and a durable lease-set write,
  // one at a time (lease changes hold the extension slot).
  { name: 'renewLease@16', op: 'renewLease', callers: 16, valuesPerCall: 1 },
];

/** With --grpc: getTs over the gRPC port, beside the native getTs@N rows. */
const GRPC_SCENARIOS: readonly Scenario[] = [1, 256, 1024].map((callers) => ({ name: `grpcGetTs@${callers}`, op: 'grpcGetTs' as const, callers, valuesPerCall: 1 }));

/** With --tls: getTs over the native protocol on a TLS port, each beside its plaintext getTs@N. */
const TLS_SCENARIOS: readonly Scenario[] = TLS_GET_TS_CALLERS.map((callers) => ({ name: tlsScenarioName(callers), op: 'tlsGetTs' as const, callers, valuesPerCall: 1 }));

/** A peer's scenario (--peers): Redis INCR or PostgreSQL's counter at `callers` concurrent callers. */
interface PeerScenario {
  readonly name: string;
  readonly op: PeerOp;
  readonly callers: number;
  readonly valuesPerCall: 1;
}

function peerScenario(op: PeerOp, callers: number): PeerScenario {
  return { name: `${PEER_LABELS[op]}@${callers}`, op, callers, valuesPerCall: 1 };
}

interface ScenarioResult {
  readonly name: string;
  readonly op: Op | PeerOp;
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
  /** CPU µs this process (the client side) spent per call over the window. */
  readonly clientCpuUsPerCall: number | null;
  /** CPU µs the server process spent per call over the window; null when its pid is unknown. */
  readonly serverCpuUsPerCall: number | null;
  readonly errors: Readonly<Record<string, number>>;
}

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  quick: boolean;
  only: string[] | null;
  windowMs: number;
  warmupMs: number;
  endpoint: string | null;
  serverPid: number | null;
  serverCpuProfDir: string | null;
  out: string | null;
  json: boolean;
  peers: boolean;
  grpc: boolean;
  tls: boolean;
  /** The drivers to bench, one after the other (`--driver X` is `--drivers X`). */
  drivers: BenchDriver[];
}

/** Without --only, `--driver etcd` runs the scenarios issue 17 compares with etcd's CAS counter. */
const ETCD_DEFAULT_SCENARIOS = ['getTs@1024', 'getSeq@1', 'getSeq@16', 'getSeq@256'];
/** Nodes of the `--driver raft|paxos|etcd` cluster. */
const BENCH_CLUSTER_NODES = 3;

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { quick: false, only: null, windowMs: 3_000, warmupMs: 1_000, endpoint: null, serverPid: null, serverCpuProfDir: null, out: null, json: false, peers: false, grpc: false, tls: false, drivers: ['file'] };
  let driverFlag: string | null = null;
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
      case '--server-pid':
        options.serverPid = positive(value());
        break;
      case '--server-cpu-prof':
        options.serverCpuProfDir = resolve(value());
        break;
      case '--out':
        options.out = resolve(value());
        break;
      case '--json':
        options.json = true;
        break;
      case '--peers':
        options.peers = true;
        break;
      case '--grpc':
        options.grpc = true;
        break;
      case '--tls':
        options.tls = true;
        break;
      case '--driver': {
        if (driverFlag !== null) usage(`${arg} after ${driverFlag}: give one of --driver and --drivers, once`);
        driverFlag = arg;
        const driver = value();
        const parsed = parseDriverList(driver);
        if (!parsed.ok || parsed.drivers.length !== 1) usage(`--driver is file, raft, paxos or etcd, got ${driver} (several: --drivers file,raft,etcd)`);
        options.drivers = [...parsed.drivers];
        break;
      }
      case '--drivers': {
        if (driverFlag !== null) usage(`${arg} after ${driverFlag}: give one of --driver and --drivers, once`);
        driverFlag = arg;
        const parsed = parseDriverList(value());
        if (!parsed.ok) usage(parsed.problem);
        options.drivers = [...parsed.drivers];
        break;
      }
      case '--help':
      case '-h':
        usage(null);
        break;
      default:
        usage(`unknown option ${String(arg)}`);
    }
  }
  if (options.serverPid !== null && options.endpoint === null) usage('--server-pid names the process behind --endpoint (the spawned server is measured anyway)');
  if (options.grpc && options.endpoint !== null) usage('--grpc benches the spawned server only (not with --endpoint)');
  if (options.tls && options.endpoint !== null) usage('--tls benches a TLS server it spawns (not with --endpoint)');
  const single = options.drivers.length === 1 ? options.drivers[0] : null;
  if (single === null && (options.endpoint !== null || options.grpc || options.tls || options.serverCpuProfDir !== null || options.peers)) {
    usage(`--drivers ${options.drivers.join(',')} runs its own servers one after the other: not with --endpoint, --grpc, --tls, --server-cpu-prof or --peers`);
  }
  if (single !== null && single !== 'file' && (options.endpoint !== null || options.grpc || options.tls || options.serverCpuProfDir !== null)) {
    usage(`--driver ${single} spawns its own cluster: not with --endpoint, --grpc, --tls or --server-cpu-prof`);
  }
  if (single === 'etcd' && options.only === null) options.only = [...ETCD_DEFAULT_SCENARIOS];
  if (single === null && options.only === null) options.only = [...DRIVERS_DEFAULT_SCENARIOS];
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
      '                              [--endpoint H:P [--server-pid PID]] [--server-cpu-prof DIR] [--out FILE] [--json] [--peers] [--grpc] [--tls]\n' +
      '                              [--driver file|raft|paxos|etcd | --drivers file,raft,etcd]\n',
  );
  process.exit(problem === null ? 0 : 2);
}

function selected(options: Options): Scenario[] {
  const all = [...SCENARIOS, ...(options.grpc ? GRPC_SCENARIOS : []), ...(options.tls ? TLS_SCENARIOS : [])];
  const only = options.only;
  // `getTs` selects getTs@N only (not getTsBatch or tlsGetTs); `getTs@1024` selects exactly that scenario.
  return besidePlaintext(only === null ? all : all.filter((s) => only.some((o) => s.name === o || s.op === o)));
}

// ---------------------------------------------------------------------------------------------
// The server child

interface ServerChild {
  readonly endpoint: string;
  /** The gRPC endpoint (`grpc on` line), or null when not asked for. */
  readonly grpcEndpoint: string | null;
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  /** Stops the server (SIGTERM, SIGKILL after the bound) and takes it out of the janitor's care. */
  release(): Promise<void>;
}

/**
 * Spawns `serve file` and resolves once it serves. The child is in the janitor's care from the
 * moment it exists (a signal during its start must not leave it running); `release` stops it and
 * takes it out of the janitor's care.
 */
async function spawnServer(dataDir: string, cpuProfDir: string | null, grpc: boolean, janitor: Janitor, extraArgs: readonly string[] = []): Promise<ServerChild> {
  const nodeArgs = cpuProfDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfDir];
  const grpcArgs = grpc ? ['--grpc-listen', '127.0.0.1:0'] : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, CLI_PATH, 'serve', 'file', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--http-listen', 'off', ...grpcArgs, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolveExit) => child.once('close', (code) => resolveExit(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async (): Promise<void> => {
    if (gone) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const unregister = janitor.deferProcess('tsoracle server', child, stop);
  const startedMs = performance.now();
  let endpoint: string | null = null;
  let grpcEndpoint: string | null = null;
  while (endpoint === null || (grpc && grpcEndpoint === null)) {
    endpoint = /^serving on (\S+)$/m.exec(stdout)?.[1] ?? null;
    grpcEndpoint = /^grpc on (\S+)$/m.exec(stderr)?.[1] ?? null;
    if (endpoint !== null && (!grpc || grpcEndpoint !== null)) break;
    if (gone) throw new Error(`server exited before serving: ${stderr.trim()}`);
    if (performance.now() - startedMs > SERVER_READY_TIMEOUT_MS) {
      child.kill('SIGKILL');
      throw new Error(`server not serving within ${SERVER_READY_TIMEOUT_MS} ms: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    endpoint,
    grpcEndpoint,
    pid: child.pid,
    child,
    release: async () => {
      await stop();
      unregister();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

const BATCH_KEYS = Array.from({ length: 8 }, (_, i) => ({ key: `bench-${i}`, count: 1 }));

function operation(client: TsoClient, grpcClient: TsoGrpcClient | null, tlsClient: TsoClient | null, op: Op): () => Promise<unknown> {
  switch (op) {
    case 'tlsGetTs':
      return () => (tlsClient as TsoClient).getTs();
    case 'grpcGetTs':
      return async () => {
        const answer = await (grpcClient as TsoGrpcClient).call('GetTs', { count: 1 });
        if (!answer.ok) throw Object.assign(new Error(answer.details), { name: `grpc ${answer.code}` });
      };
    case 'getTs':
      return () => client.getTs();
    case 'getTsBatch':
      return () => client.getTsBatch(64);
    case 'getSeq':
      return () => client.getSeq('bench', 1);
    case 'getSeqBatch':
      return () => client.getSeqBatch(BATCH_KEYS);
    case 'renewLease': {
      // One lease for the scenario, acquired by the first call (a retry of the acquire is safe).
      let leaseId: Promise<bigint> | null = null;
      return async () => {
        leaseId ??= client
          .acquireLease(new TextEncoder().encode('bench'), 1n, 60_000)
          .then((lease) => lease.leaseId)
          .catch((error: unknown) => {
            leaseId = null;
            throw error;
          });
        await client.renewLease(await leaseId);
      };
    }
  }
}

/**
 * Runs one scenario. Over the window it also reads the CPU this process (the client side:
 * tsoracle's client, or the peer's client library) and the server process `serverPid` (when
 * known: not for PostgreSQL, whose work is done by one backend process per connection) spent,
 * and reports both per call.
 */
async function runScenario(
  call: () => Promise<unknown>,
  scenario: Scenario | PeerScenario,
  warmupMs: number,
  windowMs: number,
  serverPid: number | undefined,
): Promise<ScenarioResult> {
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
  const clientCpuBeforeMs = ownCpuMs();
  const serverCpuBeforeMs = processCpuMs(serverPid);
  await new Promise((r) => setTimeout(r, windowMs));
  measuring = false;
  const seconds = (performance.now() - windowStartMs) / 1_000;
  const clientCpuAfterMs = ownCpuMs();
  const serverCpuAfterMs = processCpuMs(serverPid);
  stopped = true;
  await Promise.all(callers);
  const calls = histogram.count;
  const percentiles = { p50Ms: histogram.percentileMs(0.5), p99Ms: histogram.percentileMs(0.99), p999Ms: histogram.percentileMs(0.999), maxMs: histogram.max };
  histogram.destroy();
  return {
    name: scenario.name,
    op: scenario.op,
    callers: scenario.callers,
    valuesPerCall: scenario.valuesPerCall,
    calls,
    seconds,
    callsPerSecond: calls / seconds,
    valuesPerSecond: (calls * scenario.valuesPerCall) / seconds,
    ...percentiles,
    clientCpuUsPerCall: cpuUsPerCall(clientCpuBeforeMs, clientCpuAfterMs, calls),
    serverCpuUsPerCall: cpuUsPerCall(serverCpuBeforeMs, serverCpuAfterMs, calls),
    errors,
  };
}

/**
 * Puts the machine at rest before a scenario, so that none pays for the one before it: what a peer
 * left to do in the background (a checkpoint, backends exiting), then every dirty page of the file
 * system the data directories are on (an fsync in the next scenario would otherwise wait for
 * another process's writeback: ext4 commits its journal for the whole file system), then a short
 * quiet time. Errors are ignored: a run without settling still measures something.
 */
async function settle(peers: readonly Peer[], dataDir: string): Promise<void> {
  for (const peer of peers) await peer.settle();
  await new Promise<void>((resolveSync) => {
    execFile('sync', ['-f', dataDir], { timeout: SETTLE_SYNC_TIMEOUT_MS }, () => resolveSync());
  });
  await new Promise((r) => setTimeout(r, SETTLE_PAUSE_MS));
}

// ---------------------------------------------------------------------------------------------
// Output

function formatCpu(us: number | null): string {
  return us === null ? '-' : us.toFixed(1);
}

function table(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'callers', 'calls/s', 'values/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'client CPU µs/call', 'server CPU µs/call', 'errors'];
  const rows = results.map((r) => [
    r.name,
    String(r.callers),
    formatRate(r.callsPerSecond),
    formatRate(r.valuesPerSecond),
    formatMs(r.p50Ms),
    formatMs(r.p99Ms),
    formatMs(r.p999Ms),
    formatMs(r.maxMs),
    formatCpu(r.clientCpuUsPerCall),
    formatCpu(r.serverCpuUsPerCall),
    Object.entries(r.errors)
      .map(([code, n]) => `${code}:${n}`)
      .join(' ') || '0',
  ]);
  return renderTable(header, rows, [0, header.length - 1]);
}

/**
 * The run order. Without peers, the scenarios as listed. With them, the peers' scenarios at every
 * callers count a selected getTs or getSeq scenario has (up to PEER_CALLERS_MAX), and everything
 * sorted by callers (stably): each peer runs right after the tsoracle scenarios it is compared
 * with, so a change in the machine's load moves both alike.
 */
function plan(scenarios: readonly Scenario[], peers: readonly Peer[]): Array<Scenario | PeerScenario> {
  if (peers.length === 0) return [...scenarios];
  const callers = [...new Set(scenarios.filter((s) => s.op === 'getTs' || s.op === 'getSeq').map((s) => s.callers))];
  const peerScenarios = callers.flatMap((c) => peers.filter((peer) => c <= (peer.callersMax ?? PEER_CALLERS_MAX)).map((peer) => peerScenario(peer.op, c)));
  return [...scenarios, ...peerScenarios].sort((a, b) => a.callers - b.callers);
}

function isPeerOp(op: Op | PeerOp): op is PeerOp {
  return op === 'redisIncr' || op === 'pgCounter' || op === 'etcdCas';
}

interface Comparison {
  readonly tsoracle: string;
  readonly peer: string;
  readonly callers: number;
  /** tsoracle calls/s ÷ the peer's: above 1, tsoracle does more calls per second. */
  readonly callsPerSecondRatio: number;
  /** The peer's p50 ÷ tsoracle's: above 1, tsoracle answers faster. */
  readonly p50Ratio: number;
}

/** Every getTs/getSeq result beside every peer result with as many callers. */
function compare(results: readonly ScenarioResult[]): Comparison[] {
  const comparisons: Comparison[] = [];
  for (const ours of results.filter((r) => r.op === 'getTs' || r.op === 'getSeq')) {
    for (const theirs of results.filter((r) => isPeerOp(r.op) && r.callers === ours.callers)) {
      comparisons.push({
        tsoracle: ours.name,
        peer: theirs.name,
        callers: ours.callers,
        callsPerSecondRatio: ours.callsPerSecond / theirs.callsPerSecond,
        p50Ratio: theirs.p50Ms / ours.p50Ms,
      });
    }
  }
  return comparisons;
}

function comparisonTable(comparisons: readonly Comparison[], results: readonly ScenarioResult[]): string {
  const rate = (name: string): string => formatRate(results.find((r) => r.name === name)?.callsPerSecond ?? NaN);
  const header = ['tsoracle', 'calls/s', 'vs peer', 'calls/s', 'calls/s ×', 'p50 ×'];
  const rows = comparisons.map((c) => [c.tsoracle, rate(c.tsoracle), c.peer, rate(c.peer), formatRatio(c.callsPerSecondRatio), formatRatio(c.p50Ratio)]);
  return renderTable(header, rows, [0, 2]);
}

function formatMiB(bytes: number | null): string {
  return bytes === null ? 'unknown' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function formatLoad(load: readonly number[]): string {
  return load.map((n) => n.toFixed(2)).join(' ');
}

/** Interval of the keep-alive handle (it does nothing; it only holds the event loop). */
const KEEP_ALIVE_INTERVAL_MS = 60_000;

async function main(): Promise<void> {
  const keepAlive = setInterval(() => {}, KEEP_ALIVE_INTERVAL_MS);
  const janitor = new Janitor();
  janitor.installProcessHandlers();
  try {
    await run(janitor);
  } finally {
    await janitor.releaseAll();
    clearInterval(keepAlive);
  }
}

/** One driver's run: its results, and what the report says of its server. */
interface DriverRun {
  readonly driver: BenchDriver;
  readonly results: ScenarioResult[];
  readonly server: string;
  readonly serverPeakRssBytes: number | null;
}

/**
 * Starts `driver`'s server (a `serve file` child, or a 3-node cluster; for etcd its own 3-member
 * etcd first), runs `scenarios` (with `peers` interleaved) against it, prints a line per scenario,
 * and stops what it started before returning, so the next driver runs on a machine without it.
 */
async function runDriver(driver: BenchDriver, options: Options, scenarios: readonly Scenario[], peers: Peer[], rootDir: string, janitor: Janitor, say: (text: string) => void): Promise<DriverRun> {
  const dataDir = options.drivers.length === 1 ? rootDir : join(rootDir, driver);
  if (dataDir !== rootDir) await mkdir(dataDir);
  const releases: Array<() => Promise<void>> = [];
  let server: ServerChild | null = null;
  let clusterEndpoints: string[] | null = null;
  const driverPeers = [...peers];
  try {
    // --driver etcd: the nodes keep their state in a real etcd, whose CAS counter is benched beside them (one driver only).
    const etcd = driver === 'etcd' ? await startBenchEtcd(dataDir, janitor) : null;
    if (etcd !== null) releases.push(() => etcd.stop());
    if (driver !== 'file') {
      const cluster = await Cluster.create({
        driver,
        ...(etcd === null ? {} : { etcdEndpoints: etcd.endpoints }),
        nodes: BENCH_CLUSTER_NODES,
        rootDir: dataDir,
        electionTimeoutMs: null,
        heartbeatIntervalMs: null,
        random: Math.random,
        onCrash: (node, exit) => process.stderr.write(`bench: ${driver} node ${node.id} exited by itself (${JSON.stringify(exit)}); see ${node.logPath}\n`),
        log: () => undefined,
      });
      const unregister = janitor.defer(`${driver} cluster`, async () => void (await cluster.stopAll()), () => cluster.killAllSync());
      releases.push(async () => {
        await cluster.stopAll();
        unregister();
      });
      await cluster.startAll();
      clusterEndpoints = cluster.serviceEndpoints;
    } else if (options.endpoint === null) {
      const started = await spawnServer(dataDir, options.serverCpuProfDir, options.grpc, janitor);
      server = started;
      releases.push(() => started.release());
    }
    // --tls (the file driver alone): a second server on its own data dir, serving TLS with a certificate made now.
    let tlsServer: ServerChild | null = null;
    let tlsCa: Buffer | null = null;
    if (options.tls) {
      if (!OPENSSL_AVAILABLE) throw new Error('--tls makes its certificates with openssl, which is not on the PATH');
      const pkiDir = join(dataDir, 'pki');
      await mkdir(pkiDir);
      const pki = makeTestPki(pkiDir);
      tlsCa = pki.ca;
      const started = await spawnServer(join(dataDir, 'tls-data'), null, false, janitor, ['--tls-cert', pki.node.certFile, '--tls-key', pki.node.keyFile]);
      tlsServer = started;
      releases.push(() => started.release());
    }
    if (etcd !== null && options.drivers.length === 1) driverPeers.push(await etcdCasPeer(etcd));
    const endpoint = options.endpoint ?? server?.endpoint ?? '';
    const client = createClient({ endpoints: clusterEndpoints ?? [endpoint] });
    const unregisterClient = janitor.defer('tsoracle client', () => client.close(), () => undefined);
    const tlsClient = tlsServer === null || tlsCa === null ? null : createClient({ endpoints: [tlsServer.endpoint], tls: { ca: tlsCa } });
    const unregisterTlsClient = tlsClient === null ? () => undefined : janitor.defer('tsoracle TLS client', () => tlsClient.close(), () => undefined);
    const grpcEndpoint = server?.grpcEndpoint ?? null;
    const grpcClient = grpcEndpoint === null ? null : new TsoGrpcClient(grpcEndpoint);
    const order = plan(scenarios, driverPeers);
    const serverLine = clusterEndpoints !== null ? `${BENCH_CLUSTER_NODES} child processes, ${driver} driver on ${dataDir}` : options.endpoint === null ? `child process, file driver on ${dataDir}` : endpoint;
    if (options.drivers.length > 1) say(`\n== ${driver}: ${serverLine} (load ${formatLoad(loadavg())})\n`);
    if (tlsServer !== null) say(`TLS rows: a second child process, serve file --tls-cert/--tls-key (P-256 certificate made by openssl now) on ${tlsServer.endpoint}\n`);
    const results: ScenarioResult[] = [];
    for (const scenario of order) {
      await settle(driverPeers, dataDir);
      let result: ScenarioResult;
      if (isPeerOp(scenario.op)) {
        const peer = driverPeers.find((p) => p.op === scenario.op) as Peer;
        const session = await peer.open(scenario.callers);
        const unregisterSession = janitor.defer(`${scenario.name} connections`, () => session.close(), () => undefined);
        try {
          result = await runScenario(session.call, scenario, options.warmupMs, options.windowMs, peer.op === 'redisIncr' ? peer.pid : undefined);
        } finally {
          unregisterSession();
          await session.close();
        }
      } else {
        const serverPid = scenario.op === 'tlsGetTs' ? tlsServer?.pid : (server?.pid ?? options.serverPid ?? undefined);
        result = await runScenario(operation(client, grpcClient, tlsClient, scenario.op as Op), scenario, options.warmupMs, options.windowMs, serverPid);
      }
      results.push(result);
      const beside = isPeerOp(result.op)
        ? compare(results)
            .filter((c) => c.peer === result.name)
            .map((c) => `  ${c.tsoracle} ${formatRatio(c.callsPerSecondRatio)}`)
            .join('')
        : '';
      const cpu = `  CPU µs/call client ${formatCpu(result.clientCpuUsPerCall)} server ${formatCpu(result.serverCpuUsPerCall)}`;
      say(`${result.name.padEnd(18)} ${formatRate(result.callsPerSecond).padStart(11)} calls/s  p50 ${formatMs(result.p50Ms)} ms  p99 ${formatMs(result.p99Ms)} ms${cpu}${beside}\n`);
    }
    unregisterClient();
    await client.close();
    unregisterTlsClient();
    await tlsClient?.close();
    grpcClient?.close();
    // Peak RSS: read while the server is still alive.
    const serverPeakRssBytes = server === null ? null : peakRssBytes(server.pid);
    const serverDescription =
      clusterEndpoints !== null
        ? `${BENCH_CLUSTER_NODES} child processes: tsoracle serve ${driver} (real fsync), loopback TCP; the client follows the leader`
        : options.endpoint === null
          ? 'child process: tsoracle serve file (file driver, real fsync), loopback TCP'
          : `external ${options.endpoint}`;
    // The etcd CAS peer belongs to this driver's run; the others (Redis, PostgreSQL) to the whole run.
    for (const peer of driverPeers.filter((p) => !peers.includes(p))) peers.push(peer);
    return { driver, results, server: serverDescription, serverPeakRssBytes };
  } finally {
    // Newest first: the cluster before the etcd it keeps its state in.
    for (const release of releases.reverse()) await release();
  }
}

async function run(janitor: Janitor): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const scenarios = selected(options);
  if (scenarios.length === 0) usage(`--only ${options.only?.join(',') ?? ''} selects no scenario`);
  // With --json, stdout carries the JSON document alone; what people read goes to stderr.
  const say = (text: string): void => {
    (options.json ? process.stderr : process.stdout).write(text);
  };
  // Other work on the machine moves these numbers a lot: the load is recorded with them.
  const loadAverageBefore = loadavg();
  const dataDir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-'));
  janitor.deferDir(dataDir);
  const { peers, notes } = options.peers ? await startPeers(janitor) : { peers: [], notes: [] };
  const only = options.drivers.length === 1 ? (options.drivers[0] as BenchDriver) : null;
  const serverSummary =
    only === null
      ? `the drivers ${options.drivers.join(', ')} one after the other (each started, benched and stopped before the next; file: 1 child process, raft/paxos/etcd: ${BENCH_CLUSTER_NODES}, etcd on its own 3-member etcd) on ${dataDir}`
      : only !== 'file'
        ? `${BENCH_CLUSTER_NODES} child processes, ${only} driver on ${dataDir}`
        : options.endpoint === null
          ? `child process, file driver on ${dataDir}`
          : options.endpoint;
  say(`tsoracle bench: server ${serverSummary}, node ${process.version}, ${cpus().length} CPUs (load ${formatLoad(loadAverageBefore)}), warm-up ${options.warmupMs} ms, window ${options.windowMs} ms\n`);
  for (const peer of peers) say(`peer: ${peer.description}\n`);
  for (const note of notes) say(`peer: ${note}\n`);
  say(`${SETTLE_DESCRIPTION}\n`);
  if (only === null && options.drivers.includes('etcd')) say(`etcd's own CAS counter runs only with --driver etcd alone\n`);
  say('\n');
  const runs: DriverRun[] = [];
  for (const driver of options.drivers) {
    runs.push(await runDriver(driver, options, scenarios, peers, dataDir, janitor, say));
  }
  const peersPeakRss = Object.fromEntries(peers.map((p) => [p.op, peakRssBytes(p.pid)]));
  const loadAverageAfter = loadavg();
  const results = runs.flatMap((r) => r.results);
  const comparisons = compare(results);
  const tlsVsPlaintext = tlsComparisons(results);
  for (const r of runs) {
    if (runs.length > 1) say(`\n${r.driver}:`);
    say(`\n${table(r.results)}\n`);
  }
  if (comparisons.length > 0) {
    say(`\ntsoracle vs peers (calls/s × = tsoracle ÷ peer; p50 × = peer p50 ÷ tsoracle p50; above 1× favours tsoracle)\n${comparisonTable(comparisons, results)}\n`);
  }
  if (tlsVsPlaintext.length > 0) {
    say(`\nTLS vs plaintext (× = TLS ÷ plaintext: calls/s below 1× and p50, p99, CPU above 1× are what TLS costs)\n${tlsComparisonTable(tlsVsPlaintext, results)}\n`);
  }
  if (runs.length > 1) {
    say(`\nthe drivers side by side (same scenarios, run one driver after the other; * = some calls failed)\n${driverComparisonTable(runs.map((r) => ({ driver: r.driver, results: r.results })))}\n`);
  }
  const rss = runs.map((r) => `${runs.length > 1 ? `${r.driver} ` : ''}server peak RSS ${r.serverPeakRssBytes !== null ? formatMiB(r.serverPeakRssBytes) : r.driver !== 'file' ? `not measured (${r.driver} cluster)` : 'unknown (external server)'}`);
  say(
    `\n${rss.join(', ')}` +
      (peers.some((p) => p.op === 'redisIncr') ? `, redis-server peak RSS ${formatMiB(peersPeakRss['redisIncr'] ?? null)}` : '') +
      `; load average (1 5 15 min) before ${formatLoad(loadAverageBefore)}, after ${formatLoad(loadAverageAfter)}\n`,
  );
  const report = {
    when: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage1mBefore: loadAverageBefore[0] ?? NaN,
    loadAverage1mAfter: loadAverageAfter[0] ?? NaN,
    loadAverageBefore,
    loadAverageAfter,
    server: runs.length === 1 ? (runs[0]?.server ?? '') : runs.map((r) => `${r.driver}: ${r.server}`).join('; '),
    // One driver: its name; several: the list as given (`file,raft,etcd`), with `drivers` and each result's `driver`.
    driver: options.drivers.join(','),
    drivers: options.drivers,
    serverPeakRssBytes: runs.length === 1 ? (runs[0]?.serverPeakRssBytes ?? null) : Object.fromEntries(runs.map((r) => [r.driver, r.serverPeakRssBytes])),
    client: 'one client (createClient), N concurrent callers each awaiting one call at a time',
    histogram: 'HdrHistogram (hdr-histogram-js), ns, 3 significant digits',
    peers: peers.map((p) => ({ op: p.op, description: p.description, peakRssBytes: peersPeakRss[p.op] ?? null })),
    peerNotes: notes,
    settle: SETTLE_DESCRIPTION,
    warmupMs: options.warmupMs,
    windowMs: options.windowMs,
    quick: options.quick,
    results: runs.flatMap((r) => r.results.map((result) => ({ driver: r.driver, ...result }))),
    comparisons,
    tlsVsPlaintext,
  };
  const outPath = options.out ?? join(tmpdir(), `tsoracle-bench-${report.when.replace(/[:.]/g, '-')}.json`);
  const document = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(outPath, document);
  say(`\nwrote ${outPath}\n`);
  if (options.json) process.stdout.write(document);
}

await main();
