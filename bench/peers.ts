// The benchmark's peers (`npm run bench -- --peers`): what a team would use instead of a timestamp
// oracle, run on this machine with durable settings, so the oracle's figures can be read against
// theirs.
//
//   - Redis: `INCR k` on one key. redis-server on 127.0.0.1, a free port, `--dir` a temp dir,
//     `appendonly yes`, `appendfsync always` (the AOF is fsync'd before replies are sent),
//     `save ""` (no RDB snapshots). One connection, commands pipelined (bench/resp.ts), like the
//     tsoracle client's one connection shared by N callers.
//   - PostgreSQL: the gapless counter `UPDATE counters SET v = v + 1 WHERE k = 'k' RETURNING v` on
//     one row, autocommit, as a named prepared statement. initdb into a temp dir, postgres on
//     127.0.0.1, a free port, its unix socket in the temp dir, `fsync=on`, `synchronous_commit=on`.
//     N callers use a pool of N connections (a connection runs one statement at a time).
//
// postgres refuses to run as root: as root, initdb and postgres run as the `postgres` user that
// Debian's package creates (spawn's uid/gid), in a temp dir chowned to it.
//
// Where they are looked for: `redis-server` on PATH (or $TSORACLE_BENCH_REDIS_SERVER), and the
// newest /usr/lib/postgresql/*/bin holding initdb and postgres (or $TSORACLE_BENCH_PG_BINDIR).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import pg from 'pg';
import type { Janitor } from './janitor.js';
import { RespClient } from './resp.js';

export type PeerOp = 'redisIncr' | 'pgCounter' | 'etcdCas';

export const PEER_LABELS: Readonly<Record<PeerOp, string>> = {
  redisIncr: 'Redis INCR',
  pgCounter: 'PG UPDATE',
  // etcd's compare-and-swap counter (`--driver etcd`, bench/etcd.ts).
  etcdCas: 'etcd CAS',
};

/** A peer opened for one scenario: `call` is shared by the scenario's callers. */
export interface PeerSession {
  readonly call: () => Promise<unknown>;
  close(): Promise<void>;
}

export interface Peer {
  readonly op: PeerOp;
  /** e.g. 'redis-server 7.0.15 (appendonly yes, appendfsync always, save "")'. */
  readonly description: string;
  readonly pid: number | undefined;
  /** Where it listens on loopback (for a bench that speaks its protocol itself). */
  readonly port?: number;
  /** The largest callers count this peer runs at (default PEER_CALLERS_MAX). */
  readonly callersMax?: number;
  open(callers: number): Promise<PeerSession>;
  /**
   * Puts the peer at rest before the next scenario (any scenario, ours or a peer's): what it
   * would otherwise do in the background after its own run (PostgreSQL: write and sync its dirty
   * buffers at a checkpoint; backends of a closed pool still exiting) is done now, so it does not
   * weigh on whoever runs next. Bounded; a failure is ignored (the next scenario runs anyway).
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** PostgreSQL's max_connections: the largest peer scenario (256) plus room. */
const PG_MAX_CONNECTIONS = 300;
export const PEER_CALLERS_MAX = 256;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findRedisServer(): string | null {
  const override = process.env['TSORACLE_BENCH_REDIS_SERVER'];
  if (override !== undefined) return executable(override) ? override : null;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, 'redis-server'))) return join(dir, 'redis-server');
  }
  return null;
}

export function findPgBindir(): string | null {
  const override = process.env['TSORACLE_BENCH_PG_BINDIR'];
  const candidates: string[] = [];
  if (override !== undefined) candidates.push(override);
  else {
    let versions: string[] = [];
    try {
      versions = readdirSync('/usr/lib/postgresql');
    } catch {
      // Not installed.
    }
    versions.sort((a, b) => Number(b) - Number(a) || b.localeCompare(a));
    candidates.push(...versions.map((v) => join('/usr/lib/postgresql', v, 'bin')));
  }
  return candidates.find((dir) => executable(join(dir, 'initdb')) && executable(join(dir, 'postgres'))) ?? null;
}

/** A free loopback port (bound, then released: another process could take it in between). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The peak resident set size of a live process (Linux: VmHWM), in bytes; null if unknown. */
export function peakRssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

interface Daemon {
  readonly child: ChildProcess;
  output(): string;
  gone(): boolean;
  /** Sends `signal`, waits up to STOP_TIMEOUT_MS, then SIGKILLs; resolves once it has exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

function startDaemon(command: string, args: readonly string[], options: { cwd: string; uid?: number; gid?: number }): Daemon {
  const child = spawn(command, args, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
    env: { ...process.env, ...(options.uid !== undefined ? { HOME: options.cwd } : {}) },
  });
  let output = '';
  const append = (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);
  child.on('error', (e) => append(`\nspawn ${command}: ${e.message}\n`));
  let exited = false;
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    child,
    output: () => output,
    gone: () => exited,
    stop: async (signal) => {
      if (exited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
    },
  };
}

async function waitUntil(what: string, daemon: Daemon, probe: () => Promise<boolean>): Promise<void> {
  const startMs = performance.now();
  for (;;) {
    if (await probe()) return;
    if (daemon.gone()) throw new Error(`${what} exited before it was ready:\n${daemon.output().trim()}`);
    if (performance.now() - startMs > READY_TIMEOUT_MS) throw new Error(`${what} not ready within ${READY_TIMEOUT_MS} ms:\n${daemon.output().trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function versionOf(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown version';
  }
}

export async function startRedis(redisServer: string, janitor: Janitor): Promise<Peer> {
  const dir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-redis-'));
  janitor.deferDir(dir);
  const port = await freePort();
  const settings = ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
  const daemon = startDaemon(redisServer, ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--daemonize', 'no', '--logfile', '', ...settings], { cwd: dir });
  janitor.deferProcess('redis-server', daemon.child, () => daemon.stop('SIGTERM'));
  await waitUntil('redis-server', daemon, async () => {
    try {
      const client = await RespClient.connect('127.0.0.1', port);
      try {
        // 'LOADING' while the AOF is read: not ready yet.
        return (await client.command('PING')) === 'PONG';
      } finally {
        client.close();
      }
    } catch {
      return false;
    }
  });
  const version = /v=(\S+)/.exec(versionOf(redisServer, ['--version']))?.[1] ?? 'unknown version';
  return {
    op: 'redisIncr',
    description: `redis-server ${version} on 127.0.0.1:${port} (appendonly yes, appendfsync always, save ""), one pipelined connection`,
    pid: daemon.child.pid,
    port,
    open: async () => {
      const client = await RespClient.connect('127.0.0.1', port);
      await client.command('PING');
      return {
        call: () => client.command('INCR', 'k'),
        close: async () => client.close(),
      };
    },
    // appendfsync always: nothing of a run is left unsynced, and no rewrite of the AOF is due
    // within a bench run (auto-aof-rewrite-min-size is 64 MB).
    settle: () => Promise.resolve(),
    stop: () => daemon.stop('SIGTERM'),
  };
}

function userIds(user: string): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isSafeInteger(uid) && Number.isSafeInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

const PG_COUNTER_SQL = "UPDATE counters SET v = v + 1 WHERE k = 'k' RETURNING v";

export async function startPostgres(bindir: string, janitor: Janitor): Promise<Peer> {
  // postgres will not run as root: then run it as the postgres user, in a directory it owns.
  let owner: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    const ids = userIds('postgres');
    if (ids === null) throw new Error('running as root and there is no postgres user to run PostgreSQL as (postgres refuses root)');
    owner = ids;
  }
  const dir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-pg-'));
  janitor.deferDir(dir);
  if (owner !== undefined) await chown(dir, owner.uid, owner.gid);
  const dataDir = join(dir, 'data');
  const asOwner = { cwd: dir, ...(owner !== undefined ? { uid: owner.uid, gid: owner.gid } : {}) };
  // --no-sync speeds up initdb only; the server below runs with fsync=on.
  const initdb = startDaemon(join(bindir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], asOwner);
  const unregisterInitdb = janitor.deferProcess('initdb', initdb.child, () => initdb.stop('SIGTERM'));
  await new Promise<void>((resolve) => initdb.child.once('close', () => resolve()));
  unregisterInitdb();
  if (initdb.child.exitCode !== 0) throw new Error(`initdb failed (exit ${String(initdb.child.exitCode)}):\n${initdb.output().trim()}`);

  const port = await freePort();
  const settings = ['fsync=on', 'synchronous_commit=on', 'full_page_writes=on', `max_connections=${PG_MAX_CONNECTIONS}`];
  const daemon = startDaemon(
    join(bindir, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, ...settings.flatMap((s) => ['-c', s])],
    asOwner,
  );
  // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for clients to leave).
  janitor.deferProcess('postgres', daemon.child, () => daemon.stop('SIGINT'));
  const connection = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
  await waitUntil('postgres', daemon, async () => {
    const client = new pg.Client(connection);
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  const setup = new pg.Client(connection);
  setup.on('error', () => undefined);
  await setup.connect();
  let version = 'unknown version';
  try {
    await setup.query('CREATE TABLE counters (k text PRIMARY KEY, v bigint NOT NULL)');
    await setup.query("INSERT INTO counters (k, v) VALUES ('k', 0)");
    version = String((await setup.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? version);
  } finally {
    await setup.end();
  }
  return {
    op: 'pgCounter',
    description: `PostgreSQL ${version} on 127.0.0.1:${port} (${settings.join(', ')}), \`${PG_COUNTER_SQL}\` autocommit, a pool of N connections`,
    pid: daemon.child.pid,
    open: async (callers) => {
      const pool = new pg.Pool({ ...connection, max: callers });
      pool.on('error', () => undefined);
      // Open every connection before the scenario starts (each is a forked backend).
      const clients = await Promise.all(Array.from({ length: callers }, () => pool.connect()));
      for (const client of clients) client.release();
      return {
        call: () => pool.query({ name: 'counter', text: PG_COUNTER_SQL }),
        close: () => pool.end(),
      };
    },
    settle: () => settlePostgres(connection),
    stop: () => daemon.stop('SIGINT'),
  };
}

/** How long settling PostgreSQL may take (a checkpoint of a bench run's few pages takes ms). */
const PG_SETTLE_TIMEOUT_MS = 10_000;

/**
 * A CHECKPOINT (PostgreSQL writes and fsyncs its dirty buffers now, not during the next
 * scenario), then waits until no client backend but this one is left (a pool's backends exit a
 * moment after `pool.end()`). Bounded by PG_SETTLE_TIMEOUT_MS.
 */
async function settlePostgres(connection: pg.ClientConfig): Promise<void> {
  const client = new pg.Client({ ...connection, statement_timeout: PG_SETTLE_TIMEOUT_MS });
  client.on('error', () => undefined);
  const deadlineMs = performance.now() + PG_SETTLE_TIMEOUT_MS;
  try {
    await client.connect();
    await client.query('CHECKPOINT');
    while (performance.now() < deadlineMs) {
      const others = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
      if (Number(others.rows[0]?.n ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch {
    // Settling is a courtesy to the next scenario; the run goes on without it.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts the peers that are installed. What is missing or fails to start is reported in `notes`
 * and skipped; the benchmark runs without it.
 */
export async function startPeers(janitor: Janitor): Promise<{ peers: Peer[]; notes: string[] }> {
  const peers: Peer[] = [];
  const notes: string[] = [];
  const redisServer = findRedisServer();
  if (redisServer === null) notes.push('Redis: redis-server not found (Debian: apt-get install redis-server); skipping the Redis scenarios');
  else {
    try {
      peers.push(await startRedis(redisServer, janitor));
    } catch (e) {
      notes.push(`Redis: could not start ${redisServer}: ${e instanceof Error ? e.message : String(e)}; skipping`);
    }
  }
  const bindir = findPgBindir();
  if (bindir === null) notes.push('PostgreSQL: no /usr/lib/postgresql/*/bin/{initdb,postgres} (Debian: apt-get install postgresql); skipping the PostgreSQL scenarios');
  else {
    try {
      peers.push(await startPostgres(bindir, janitor));
    } catch (e) {
      notes.push(`PostgreSQL: could not start from ${bindir}: ${e instanceof Error ? e.message : String(e)}; skipping`);
    }
  }
  return { peers, notes };
}
