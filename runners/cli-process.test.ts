// The `tsoracle` command line as users meet it: the built CLI (dist/runners/cli.js, from
// `npm run build`, which `npm test` runs first) spawned as a child process, its exit code and
// stderr checked. Usage errors are one `error:` line plus one pointer to the help, exit 2, and
// are found before anything is written; failures (exit 1) name what failed: a data directory
// that cannot be one, a port in use with its flag and address, a server nobody answers on.
//
// Every child runs under execFile's own timeout (SIGKILL), on loopback only, in temp dirs that
// are removed after each test, with the ports it occupies closed again.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, REPO_ROOT } from './test-support.js';

/** Bound on one CLI run that should end at once (usage errors, bind failures: Node start ~0.3 s). */
const CLI_QUICK_TIMEOUT_MS = 15_000;
/** Bound on a client command that may retry before it gives up (the client's overall deadline is 10 s). */
const CLI_CLIENT_TIMEOUT_MS = 30_000;

interface CliRun {
  /** Exit code, or null when killed by a signal (the timeout). */
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[], timeoutMs = CLI_QUICK_TIMEOUT_MS): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_PATH, ...args], { cwd: REPO_ROOT, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: unknown; killed?: boolean }) | null;
      resolve({
        code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
        timedOut: failure?.killed === true,
        stdout,
        stderr,
      });
    });
  });
}

/** A usage error: exit 2, exactly `error: <why>` and the pointer to the command's help, no help text. */
function expectUsageError(run: CliRun, why: RegExp, command: string): void {
  const context = `stderr: ${run.stderr}`;
  expect(run.code, context).toBe(2);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, context).toHaveLength(2);
  expect(lines[0], context).toMatch(/^error: /);
  expect(lines[0], context).toMatch(why);
  expect(lines[1], context).toBe(`(run '${command} --help' for usage)`);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tsoracle-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Listens on a free loopback port until the test ends: a port in use. */
async function occupiedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

/** A loopback port nobody listens on (bound once, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(() => {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build\` before these tests (npm test does)`);
});

describe('--version and help', () => {
  it('prints the package version with --version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
  });

  it("prints a command's help with `help <command>` and exits 0", async () => {
    const [getTs, serveRaft, root] = await Promise.all([runCli(['help', 'get-ts']), runCli(['help', 'serve', 'raft']), runCli(['help'])]);
    expect(getTs.code, getTs.stderr).toBe(0);
    expect(getTs.stdout).toMatch(/^Usage: tsoracle get-ts /);
    expect(getTs.stdout).toContain('--count <n>');
    expect(serveRaft.code, serveRaft.stderr).toBe(0);
    expect(serveRaft.stdout).toMatch(/^Usage: tsoracle serve raft /);
    expect(serveRaft.stdout).toContain('--peers <list>');
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toMatch(/^Usage: tsoracle /);
    expectUsageError(await runCli(['help', 'no-such-command']), /unknown command 'no-such-command'/, 'tsoracle');
  });
});

describe('usage errors', () => {
  it('are one error line and one pointer to the help, exit 2, never silent and never the whole help', async () => {
    const cases: Array<[readonly string[], RegExp, string]> = [
      [['fuzz', '--time', 'abc', '--target', 'frame'], /--time.*'abc'.*not a positive duration/, 'tsoracle fuzz'],
      [['fuzz', '--time', '0s', '--target', 'frame'], /--time.*'0s'.*not a positive duration/, 'tsoracle fuzz'],
      [['fuzz', '--target', 'no-such-target'], /no such target/, 'tsoracle fuzz'],
      [['fuzz'], /give --target NAME, --all or --replay FILE/, 'tsoracle fuzz'],
      [['--no-such-flag'], /unknown option '--no-such-flag'/, 'tsoracle'],
      [['no-such-command'], /unknown command 'no-such-command'/, 'tsoracle'],
      [['serve'], /serve needs a driver/, 'tsoracle serve'],
      [['get-ts', '--count', 'abc'], /--count.*not a positive integer: abc/, 'tsoracle get-ts'],
      [['get-ts', '--endpoints', 'nowhere'], /--endpoints.*not host:port/, 'tsoracle get-ts'],
      [['get-seq', 'k'.repeat(129)], /1 to 128 UTF-8 bytes/, 'tsoracle get-seq'],
      [['init', '--data-dir', join(tmpdir(), 'tsoracle-cli-never-made')], /required option '--seed-physical-ms/, 'tsoracle init'],
      [['init', '--data-dir', join(tmpdir(), 'tsoracle-cli-never-made'), '--seed-physical-ms', String(2 ** 46)], /at most 70368744177663/, 'tsoracle init'],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(args)));
    for (const [i, [args, why, command]] of cases.entries()) {
      const run = runs[i] as CliRun;
      expect(run.stderr, args.join(' ')).not.toMatch(/Usage:/);
      expectUsageError(run, why, command);
    }
  });

  it('get-ts and get-seq refuse a count outside 1..max per call as a usage error (exit 2)', async () => {
    const endpoint = `127.0.0.1:${await closedPort()}`;
    const cases: Array<[readonly string[], RegExp, string]> = [
      [['get-ts', '--endpoints', endpoint, '--count', '0'], /not a positive integer: 0/, 'tsoracle get-ts'],
      [['get-ts', '--endpoints', endpoint, '--count', '262145'], /at most 262144 timestamps per call/, 'tsoracle get-ts'],
      [['get-seq', 'k', '--endpoints', endpoint, '--count', '0'], /not a positive integer: 0/, 'tsoracle get-seq'],
      [['get-seq', 'k', '--endpoints', endpoint, '--count', '65537'], /at most 65536 values per call/, 'tsoracle get-seq'],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(args)));
    for (const [i, [, why, command]] of cases.entries()) expectUsageError(runs[i] as CliRun, why, command);
  });

  it('serve and serve raft refuse zero or out-of-range durations and counts at parse time (exit 2), before the data dir exists', async () => {
    const dataDir = join(await tempDir(), 'data');
    const peers = `1=127.0.0.1:${await closedPort()}/127.0.0.1:${await closedPort()}`;
    const file = ['serve', 'file', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--http-listen', 'off'];
    const raft = ['serve', 'raft', '--id', '1', '--peers', peers, '--data-dir', dataDir, '--http-listen', 'off'];
    const cases: Array<[readonly string[], RegExp, string]> = [
      [[...file, '--window-ahead', '0s'], /--window-ahead.*'0s'.*must be from 1ms to 24h/, 'tsoracle serve file'],
      [[...file, '--window-ahead', '25h'], /--window-ahead.*must be from 1ms to 24h/, 'tsoracle serve file'],
      [[...file, '--failover-advance', '25h'], /--failover-advance.*must be from 0ms to 24h/, 'tsoracle serve file'],
      [['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--http-listen', 'off', '--window-ahead', '0'], /--window-ahead/, 'tsoracle'],
      [[...raft, '--window-ahead', '0s'], /--window-ahead.*must be from 1ms/, 'tsoracle serve raft'],
      [[...raft, '--election-timeout', '0ms'], /--election-timeout.*must be from 1ms/, 'tsoracle serve raft'],
      [[...raft, '--heartbeat-interval', '0'], /--heartbeat-interval.*must be from 1ms/, 'tsoracle serve raft'],
      [[...raft, '--heartbeat-interval', '300ms'], /--heartbeat-interval must be below --election-timeout/, 'tsoracle serve raft'],
      [[...raft, '--clock-drift', '0.25'], /--clock-drift.*\[0, 0\.25\)/, 'tsoracle serve raft'],
      [[...raft, '--snapshot-entries', '0'], /--snapshot-entries.*not a positive integer/, 'tsoracle serve raft'],
      [['serve', 'raft', '--id', '2', '--peers', peers, '--data-dir', dataDir], /--id 2 is not in --peers/, 'tsoracle serve raft'],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(args)));
    for (const [i, [, why, command]] of cases.entries()) expectUsageError(runs[i] as CliRun, why, command);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('serve raft refuses a bad --http-listen or --listen before it writes LOCK or meta (exit 2, data dir untouched)', async () => {
    const base = await tempDir();
    const peers = `1=127.0.0.1:${await closedPort()}/127.0.0.1:${await closedPort()}`;
    const absent = join(base, 'absent');
    const empty = join(base, 'empty');
    await mkdir(empty);
    const [badHttp, badListen, badHttpFile] = await Promise.all([
      runCli(['serve', 'raft', '--id', '1', '--peers', peers, '--data-dir', absent, '--http-listen', '127.0.0.1:notaport']),
      runCli(['serve', 'raft', '--id', '1', '--peers', peers, '--data-dir', empty, '--listen', 'nowhere']),
      runCli(['serve', 'file', '--data-dir', absent, '--http-listen', 'nowhere']),
    ]);
    expectUsageError(badHttp, /--http-listen.*'127\.0\.0\.1:notaport'.*not host:port/, 'tsoracle serve raft');
    expectUsageError(badListen, /--listen.*'nowhere'.*not host:port/, 'tsoracle serve raft');
    expectUsageError(badHttpFile, /--http-listen.*'nowhere'.*not host:port/, 'tsoracle serve file');
    expect(existsSync(absent)).toBe(false);
    expect(await readdir(empty)).toEqual([]);
  });
});

describe('failures name what failed (exit 1)', () => {
  it('says a --data-dir that is a regular file is not a directory', async () => {
    const base = await tempDir();
    const file = join(base, 'a-file');
    await writeFile(file, 'not a directory');
    const [serve, raft, init] = await Promise.all([
      runCli(['serve', 'file', '--data-dir', file, '--listen', '127.0.0.1:0', '--http-listen', 'off']),
      runCli(['serve', 'raft', '--id', '1', '--peers', `1=127.0.0.1:${await closedPort()}/127.0.0.1:${await closedPort()}`, '--data-dir', file, '--http-listen', 'off']),
      runCli(['init', '--data-dir', file, '--seed-physical-ms', '1']),
    ]);
    for (const run of [serve, raft, init]) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toBe(`error: DISK_EXISTS: data dir ${file} is not a directory\n`);
    }
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it.skipIf(!existsSync('/proc/self'))('fails fast on a --data-dir the file system refuses to create (/proc/x), where a recursive mkdir loops forever', async () => {
    const dataDir = `/proc/tsoracle-cli-test-${process.pid}`;
    const [serve, init] = await Promise.all([
      runCli(['serve', 'file', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--http-listen', 'off'], 10_000),
      runCli(['init', '--data-dir', `${dataDir}/deeper`, '--seed-physical-ms', '1'], 10_000),
    ]);
    for (const run of [serve, init]) {
      expect(run.timedOut, 'the command hung').toBe(false);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^error: DISK_IO: mkdirp ${dataDir}.*: its parent exists but the file system refuses to create it`));
    }
  });

  it('names the flag and the address of a port in use: --listen, --http-listen, a Raft address', async () => {
    const busy = await occupiedPort();
    const free = await closedPort();
    const base = await tempDir();
    const [listen, http, raftPeer, raftService] = await Promise.all([
      runCli(['serve', 'file', '--data-dir', join(base, 'a'), '--listen', `127.0.0.1:${busy}`, '--http-listen', 'off']),
      runCli(['serve', 'file', '--data-dir', join(base, 'b'), '--listen', '127.0.0.1:0', '--http-listen', `127.0.0.1:${busy}`]),
      runCli(['serve', 'raft', '--id', '1', '--peers', `1=127.0.0.1:${busy}/127.0.0.1:${free}`, '--data-dir', join(base, 'c'), '--http-listen', 'off']),
      runCli(['serve', 'raft', '--id', '1', '--peers', `1=127.0.0.1:${free}/127.0.0.1:${busy}`, '--data-dir', join(base, 'd'), '--http-listen', 'off']),
    ]);
    const cases: Array<[CliRun, string]> = [
      [listen, `--listen 127.0.0.1:${busy}: address in use`],
      [http, `--http-listen 127.0.0.1:${busy}: address in use`],
      [raftPeer, `--peers: node 1's Raft address 127.0.0.1:${busy}: address in use`],
      [raftService, `--listen 127.0.0.1:${busy}: address in use`],
    ];
    for (const [run, what] of cases) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`error: TRANSPORT: ${what}`);
    }
  });

  it('get-ts and get-seq against a port nobody listens on print an error line and exit 1', async () => {
    const endpoint = `127.0.0.1:${await closedPort()}`;
    const runs = await Promise.all([
      runCli(['get-ts', '--endpoints', endpoint], CLI_CLIENT_TIMEOUT_MS),
      runCli(['get-seq', 'k', '--endpoints', endpoint], CLI_CLIENT_TIMEOUT_MS),
    ]);
    for (const run of runs) {
      expect(run.timedOut).toBe(false);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/^error: /m);
    }
  });
});
