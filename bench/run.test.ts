// The benchmark runner (`npm run bench`, built to dist/bench/run.js) as the child process users
// run, for what a process's lifetime decides: against a server that cannot be reached it must
// still finish its scenarios, write its report and exit 0 — not exit 13 ('unsettled top-level
// await') because the client's unref'd retry timers were all that was left (regression). Also
// its report's destinations (--out, the temp dir by default, --json on stdout) and --peers on a
// machine without Redis or PostgreSQL (simulated by pointing the lookups at nothing): it says so
// and runs the rest; --tls runs its TLS rows against a TLS server it spawns, with certificates
// it makes (openssl), and compares each with its plaintext twin. Nothing here needs
// redis-server or postgres.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPENSSL_AVAILABLE } from '../drivers/node/tls-test-pki.js';
import { REPO_ROOT } from '../runners/test-support.js';

const BENCH_PATH = join(REPO_ROOT, 'dist', 'bench', 'run.js');
const RUN_BOUND_MS = 60_000;

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function runBench(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  onStdout: (stdout: string, child: ChildProcess) => void = () => undefined,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  if (!existsSync(BENCH_PATH)) throw new Error(`${BENCH_PATH} is missing: run \`npm run build\` first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      onStdout(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench ${args.join(' ')} did not end within ${RUN_BOUND_MS} ms:\n${stderr}`));
    }, RUN_BOUND_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('bench runner process lifetime', () => {
  it(
    'finishes, writes its report and exits 0 when the server cannot be reached (regression: exit 13)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-test-'));
      try {
        const out = join(dir, 'results.json');
        const port = await closedPort();
        const run = await runBench(['--endpoint', `127.0.0.1:${port}`, '--only', 'getTs@1', '--warmup-ms', '50', '--window-ms', '200', '--out', out]);
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
        const report = JSON.parse(await readFile(out, 'utf8')) as { results: Array<{ calls: number; errors: Record<string, number> }> };
        expect(report.results).toHaveLength(1);
        expect(report.results[0]?.calls).toBe(0);
        expect(Object.keys(report.results[0]?.errors ?? {})).not.toHaveLength(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    RUN_BOUND_MS + 10_000,
  );

  it(
    'writes its report to the temp dir by default, never into the tree',
    async () => {
      const port = await closedPort();
      // bench/results.json was where it used to write (a stale one may lie there, ignored by git).
      const inTree = join(REPO_ROOT, 'bench', 'results.json');
      const inTreeBefore = existsSync(inTree) ? statSync(inTree).mtimeMs : null;
      const run = await runBench(['--endpoint', `127.0.0.1:${port}`, '--only', 'getTs@1', '--warmup-ms', '50', '--window-ms', '100']);
      expect(run.code).toBe(0);
      const written = /^wrote (.+)$/m.exec(run.stdout)?.[1];
      expect(written).toBeDefined();
      try {
        expect(resolvePath(written ?? '').startsWith(resolvePath(tmpdir()))).toBe(true);
        expect(existsSync(written ?? '')).toBe(true);
        expect(existsSync(inTree) ? statSync(inTree).mtimeMs : null).toBe(inTreeBefore);
      } finally {
        await rm(written ?? '', { force: true });
      }
    },
    RUN_BOUND_MS + 10_000,
  );

  it(
    '--peers without Redis and PostgreSQL says so and runs the rest; --json prints one JSON document',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-test-'));
      try {
        const out = join(dir, 'results.json');
        const port = await closedPort();
        const env = { ...process.env, TSORACLE_BENCH_REDIS_SERVER: join(dir, 'no-redis-server'), TSORACLE_BENCH_PG_BINDIR: join(dir, 'no-postgresql') };
        const run = await runBench(['--endpoint', `127.0.0.1:${port}`, '--only', 'getSeq@1', '--warmup-ms', '50', '--window-ms', '100', '--peers', '--json', '--out', out], env);
        expect(run.code).toBe(0);
        const report = JSON.parse(run.stdout) as {
          results: Array<{ name: string; clientCpuUsPerCall: number | null; serverCpuUsPerCall: number | null }>;
          peers: unknown[];
          peerNotes: string[];
          comparisons: unknown[];
          settle: string;
        };
        expect(report.results.map((r) => r.name)).toEqual(['getSeq@1']);
        // No call completed against a closed port, and no server pid was given: no CPU per call.
        expect(report.results[0]?.clientCpuUsPerCall).toBeNull();
        expect(report.results[0]?.serverCpuUsPerCall).toBeNull();
        // What the bench does between scenarios is part of the report, and said on stderr.
        expect(report.settle).toMatch(/^before each scenario: .*CHECKPOINT.*sync -f/);
        expect(run.stderr).toContain(report.settle);
        expect(report.peers).toEqual([]);
        expect(report.comparisons).toEqual([]);
        expect(report.peerNotes).toHaveLength(2);
        expect(report.peerNotes[0]).toMatch(/^Redis: redis-server not found .*skipping/);
        expect(report.peerNotes[1]).toMatch(/^PostgreSQL: .*skipping/);
        // The human-readable lines went to stderr; the file holds the same document.
        expect(run.stderr).toMatch(/peer: Redis: redis-server not found/);
        expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(report);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    RUN_BOUND_MS + 10_000,
  );

  it.skipIf(!OPENSSL_AVAILABLE)(
    '--tls runs tlsGetTs@1 on a TLS server right after getTs@1 on the plaintext one, and reports the comparison',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-test-'));
      try {
        const out = join(dir, 'results.json');
        const run = await runBench(['--tls', '--only', 'getTs@1,tlsGetTs@1', '--warmup-ms', '100', '--window-ms', '300', '--out', out]);
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
        expect(run.stdout).toMatch(/^TLS rows: a second child process, serve file --tls-cert\/--tls-key .* on 127\.0\.0\.1:\d+$/m);
        expect(run.stdout).toMatch(/^TLS vs plaintext /m);
        const report = JSON.parse(await readFile(out, 'utf8')) as {
          results: Array<{ name: string; calls: number; errors: Record<string, number>; serverCpuUsPerCall: number | null }>;
          tlsVsPlaintext: Array<{ tls: string; plaintext: string; callsPerSecondRatio: number }>;
        };
        expect(report.results.map((r) => r.name)).toEqual(['getTs@1', 'tlsGetTs@1']);
        for (const r of report.results) {
          expect(r.calls, r.name).toBeGreaterThan(0);
          expect(r.errors, r.name).toEqual({});
          expect(r.serverCpuUsPerCall, r.name).not.toBeNull();
        }
        expect(report.tlsVsPlaintext).toHaveLength(1);
        expect(report.tlsVsPlaintext[0]).toMatchObject({ tls: 'tlsGetTs@1', plaintext: 'getTs@1' });
        expect(report.tlsVsPlaintext[0]?.callsPerSecondRatio).toBeGreaterThan(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    RUN_BOUND_MS + 10_000,
  );

  it('--tls with --endpoint or another driver is a usage error (exit 2)', async () => {
    for (const args of [['--tls', '--endpoint', '127.0.0.1:1'], ['--tls', '--driver', 'raft']]) {
      const run = await runBench(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/^error: .*--tls/);
    }
  });

  it(
    'on SIGINT stops its server child and removes its temp data dir, then exits 130',
    async () => {
      let dataDir: string | null = null;
      let signalled = false;
      const run = await runBench(['--only', 'getTs@1', '--warmup-ms', '20000', '--window-ms', '100', '--out', join(tmpdir(), 'tsoracle-bench-test-unused.json')], process.env, (stdout, child) => {
        const dir = /file driver on (\S+?),/.exec(stdout)?.[1];
        if (dir !== undefined && !signalled) {
          signalled = true;
          dataDir = dir;
          // Only the bench gets the signal (not its process group): its server must be stopped by it.
          child.kill('SIGINT');
        }
      });
      expect({ code: run.code, signal: run.signal }).toEqual({ code: 130, signal: null });
      expect(run.stderr).toMatch(/SIGINT: stopping and cleaning up/);
      expect(dataDir).not.toBeNull();
      expect(existsSync(dataDir ?? '')).toBe(false);
      // No process is left with the data dir on its command line (the server child).
      const left = readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir ?? '');
          } catch {
            return false;
          }
        });
      expect(left).toEqual([]);
    },
    RUN_BOUND_MS + 10_000,
  );
});

describe('bench --drivers (several drivers in one run)', () => {
  it('refuses a bad driver list, --driver with --drivers, and --drivers with --peers, as usage errors (exit 2) before starting anything', async () => {
    const [unknown, both, peers, twice] = await Promise.all([
      runBench(['--drivers', 'file,nope']),
      runBench(['--driver', 'raft', '--drivers', 'file,raft']),
      runBench(['--drivers', 'file,raft', '--peers']),
      runBench(['--driver', 'file,raft']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: --drivers: unknown driver "nope"/);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: --drivers after --driver: give one of --driver and --drivers, once/);
    expect(peers.code).toBe(2);
    expect(peers.stderr).toMatch(/^error: --drivers file,raft runs its own servers one after the other: not with .*--peers/);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^error: --driver is file, raft, paxos or etcd, got file,raft \(several: --drivers/);
  });

  it(
    'runs the same scenarios on file and raft one after the other, prints one table with a column pair per driver, and reports each result with its driver',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-test-'));
      try {
        const out = join(dir, 'results.json');
        const run = await runBench(['--drivers', 'file,raft', '--only', 'getTs@1,getSeq@1', '--warmup-ms', '100', '--window-ms', '300', '--out', out]);
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
        const report = JSON.parse(await readFile(out, 'utf8')) as {
          driver: string;
          drivers: string[];
          results: Array<{ driver: string; name: string; calls: number }>;
        };
        expect(report.driver).toBe('file,raft');
        expect(report.drivers).toEqual(['file', 'raft']);
        expect(report.results.map((r) => `${r.driver} ${r.name}`)).toEqual(['file getTs@1', 'file getSeq@1', 'raft getTs@1', 'raft getSeq@1']);
        for (const r of report.results) expect(r.calls, `${r.driver} ${r.name}`).toBeGreaterThan(0);
        // Each driver's section, then the side-by-side table with the same scenarios as rows.
        expect(run.stdout).toMatch(/^== file: child process, file driver on \S+\/file \(load /m);
        expect(run.stdout).toMatch(/^== raft: 3 child processes, raft driver on \S+\/raft \(load /m);
        const side = run.stdout.slice(run.stdout.indexOf('the drivers side by side'));
        expect(side.split('\n')[1]?.split(/\s{2,}/)).toEqual(['scenario', 'file calls/s', 'file p50 / p99 ms', 'raft calls/s', 'raft p50 / p99 ms']);
        expect(side.split('\n')[3]).toMatch(/^getTs@1 /);
        expect(side.split('\n')[4]).toMatch(/^getSeq@1 /);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    RUN_BOUND_MS + 10_000,
  );
});
