// Helpers for tests that run the real `tsoracle` CLI (dist/runners/cli.js, built by
// `npm run build`) as child processes: start a server and wait for its `serving on H:P` line, run
// one-shot commands, kill with SIGKILL or SIGTERM, and clean every child up.
//
// Invariants:
//   - Every wait is bounded: readiness, exits and one-shot commands all reject (after killing the
//     child) instead of hanging a test.
//   - Every child spawned through a ChildTracker is killed and reaped by `cleanup()`, so a failed
//     test leaves no orphan server holding a port or a data directory's LOCK.
//   - Output is kept whole (these are short-lived test processes); nothing parses it but the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bound on a server's start (`serving on` printed). Node start + data-dir open take ~0.3 s. */
export const SERVER_READY_TIMEOUT_MS_DEFAULT = 15_000;
/** Bound on a child's exit after a signal. */
export const CHILD_EXIT_TIMEOUT_MS_DEFAULT = 10_000;
/** Bound on a one-shot CLI command (get-ts, init, ...). */
export const CLI_RUN_TIMEOUT_MS_DEFAULT = 20_000;

/** The repository root: the nearest ancestor holding the tsoracle package.json (works from source and from dist). */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'tsoracle') return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the tsoracle repository root above runners/test-support');
}

export const REPO_ROOT = findRepoRoot();
/** The built CLI entry point the tests run. */
export const CLI_PATH = join(REPO_ROOT, 'dist', 'runners', 'cli.js');

function requireBuiltCli(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build\` before these tests (npm test does)`);
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface CliResult extends ChildExit {
  readonly stdout: string;
  readonly stderr: string;
}

export interface ServeOptions {
  readonly dataDir: string;
  /** `host:port` (default `127.0.0.1:0`: a free port). */
  readonly listen?: string;
  /** `host:port` or `off` (default `off`). */
  readonly httpListen?: string;
  /** More flags after the defaults (e.g. `['--window-ahead', '1s']`). */
  readonly extraArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
  /** Sends this signal from the very output event that carries `serving on` (a supervisor's fastest reaction). */
  readonly signalOnReady?: NodeJS.Signals;
  /**
   * The whole command line instead of `serve file --data-dir D --listen L --http-listen H ...`
   * (e.g. a `serve raft` one; `dataDir`, `listen` and `extraArgs` are then unused); `httpListen`
   * still says whether to wait for the `http on` line (anything but `off` waits).
   */
  readonly args?: readonly string[];
}

/** A server child that printed `serving on H:P`. */
export interface ServerChild {
  readonly pid: number;
  /** The client endpoint from the `serving on` line. */
  readonly endpoint: string;
  /** The HTTP endpoint from the `http on` line, or null when HTTP is off. */
  readonly httpEndpoint: string | null;
  readonly exited: Promise<ChildExit>;
  hasExited(): boolean;
  stdout(): string;
  stderr(): string;
  /** SIGKILL, then wait for the exit. */
  kill9(): Promise<ChildExit>;
  /** SIGTERM, then wait (bounded) for the exit; rejects (after a SIGKILL) if it does not come. */
  terminate(timeoutMs?: number): Promise<ChildExit>;
}

/** A spawned child with captured output and an exit promise that never rejects. */
interface Tracked {
  readonly child: ChildProcess;
  readonly exited: Promise<ChildExit>;
  done: boolean;
  stdout: string;
  stderr: string;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Owns the children of one test file; call `cleanup()` in afterEach. */
export class ChildTracker {
  private readonly children = new Set<Tracked>();

  private spawnCli(args: readonly string[]): Tracked {
    requireBuiltCli();
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
    const tracked: Tracked = {
      child,
      done: false,
      stdout: '',
      stderr: '',
      exited: new Promise<ChildExit>((resolve) => {
        // 'close' (not 'exit'): the output pipes are drained by then.
        child.once('close', (code, signal) => {
          tracked.done = true;
          this.children.delete(tracked);
          resolve({ code, signal });
        });
        child.once('error', () => {
          tracked.done = true;
          this.children.delete(tracked);
          resolve({ code: null, signal: null });
        });
      }),
    };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      tracked.stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      tracked.stderr += chunk;
    });
    this.children.add(tracked);
    return tracked;
  }

  /** Runs one CLI command to completion (bounded); never rejects for a non-zero exit. */
  async run(args: readonly string[], timeoutMs = CLI_RUN_TIMEOUT_MS_DEFAULT): Promise<CliResult> {
    const tracked = this.spawnCli(args);
    try {
      const exit = await withTimeout(tracked.exited, timeoutMs, `tsoracle ${args.join(' ')}`);
      return { ...exit, stdout: tracked.stdout, stderr: tracked.stderr };
    } catch (e) {
      tracked.child.kill('SIGKILL');
      await tracked.exited;
      throw e;
    }
  }

  /** Spawns `tsoracle serve file ...` and resolves once it printed `serving on` (and `http on`). */
  async serve(options: ServeOptions): Promise<ServerChild> {
    const httpListen = options.httpListen ?? 'off';
    const args = options.args ?? ['serve', 'file', '--data-dir', options.dataDir, '--listen', options.listen ?? '127.0.0.1:0', '--http-listen', httpListen, ...(options.extraArgs ?? [])];
    const tracked = this.spawnCli(args);
    const signalOnReady = options.signalOnReady;
    if (signalOnReady !== undefined) {
      let signalled = false;
      tracked.child.stdout?.on('data', () => {
        if (signalled || !/^serving on /m.test(tracked.stdout)) return;
        signalled = true;
        tracked.child.kill(signalOnReady);
      });
    }
    const readyTimeoutMs = options.readyTimeoutMs ?? SERVER_READY_TIMEOUT_MS_DEFAULT;
    const startedMs = performance.now();
    let endpoint: string | null = null;
    let httpEndpoint: string | null = null;
    for (;;) {
      endpoint ??= /^serving on (\S+)$/m.exec(tracked.stdout)?.[1] ?? null;
      httpEndpoint ??= /^http on (\S+)/m.exec(tracked.stderr)?.[1] ?? null;
      if (endpoint !== null && (httpListen === 'off' || httpEndpoint !== null)) break;
      if (tracked.done) {
        const exit = await tracked.exited;
        throw new Error(`server exited before serving (code ${exit.code}, signal ${exit.signal}): ${tracked.stderr.trim()}`);
      }
      if (performance.now() - startedMs > readyTimeoutMs) {
        tracked.child.kill('SIGKILL');
        await tracked.exited;
        throw new Error(`server not serving within ${readyTimeoutMs} ms: ${tracked.stderr.trim()}`);
      }
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
    }
    const pid = tracked.child.pid;
    if (pid === undefined) throw new Error('server child has no pid');
    const signalAndWait = async (signal: NodeJS.Signals, timeoutMs: number): Promise<ChildExit> => {
      if (!tracked.done) tracked.child.kill(signal);
      try {
        return await withTimeout(tracked.exited, timeoutMs, `server ${pid} to exit after ${signal}`);
      } catch (e) {
        tracked.child.kill('SIGKILL');
        await tracked.exited;
        throw e;
      }
    };
    return {
      pid,
      endpoint,
      httpEndpoint,
      exited: tracked.exited,
      hasExited: () => tracked.done,
      stdout: () => tracked.stdout,
      stderr: () => tracked.stderr,
      kill9: () => signalAndWait('SIGKILL', CHILD_EXIT_TIMEOUT_MS_DEFAULT),
      terminate: (timeoutMs = CHILD_EXIT_TIMEOUT_MS_DEFAULT) => signalAndWait('SIGTERM', timeoutMs),
    };
  }

  /** How many children are still running. */
  get liveCount(): number {
    return this.children.size;
  }

  /** SIGKILLs every child still running and waits (bounded) until each is reaped. */
  async cleanup(): Promise<void> {
    const live = [...this.children];
    for (const t of live) if (!t.done) t.child.kill('SIGKILL');
    await withTimeout(Promise.all(live.map((t) => t.exited)), CHILD_EXIT_TIMEOUT_MS_DEFAULT, 'children to exit').catch(() => {});
  }
}

/** Polls `done` every few ms until true; rejects after `timeoutMs`. */
export async function waitFor(done: () => boolean, what: string, timeoutMs = CHILD_EXIT_TIMEOUT_MS_DEFAULT): Promise<void> {
  const startedMs = performance.now();
  while (!done()) {
    if (performance.now() - startedMs > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}

/** Real-time sleep. */
export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `n` distinct loopback ports that were free a moment ago (bound to 127.0.0.1:0, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const listeners = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = listeners.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(listeners.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
