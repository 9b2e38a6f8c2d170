// The client's process lifetime, tested where it can fail: in child processes. Inside the test
// runner the event loop is kept alive by the runner itself, so a client that lets a pending call's
// process exit (Node's exit 13, "unsettled top-level await", with nothing printed) passes every
// in-process test. Here the real CLI and a plain `node` script run as children:
//   - against an unreachable endpoint, they end with the transport error and exit 1 within the
//     client's overall deadline, never 13 and never silently;
//   - a script that got its answers and never closed its client exits by itself (an idle client
//     holds nothing);
//   - against a healthy 3-node Raft cluster right after its leader is SIGKILLed, 20 CLI calls
//     out of 20 answer (before the keep-alive, 16 of 40 exited 13 while the new leader served).
// Loopback only; every child is bounded in time and killed in afterEach.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { createClient } from './client.js';
import { ChildTracker, CLI_PATH, freePorts, REPO_ROOT, waitFor } from './test-support.js';

const tracker = new ChildTracker();
const servers = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const child of servers) child.kill('SIGKILL');
  servers.clear();
  await tracker.cleanup();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** Runs `node --input-type=module -e source` from the repository root (bounded). */
function runNodeScript(source: string, timeoutMs: number): Promise<ScriptResult> {
  const startedMs = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`script did not end within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: performance.now() - startedMs });
    });
  });
}

const EXIT_UNSETTLED_TOP_LEVEL_AWAIT = 13;

describe('a pending call keeps its process alive and always ends', () => {
  it('tsoracle get-ts against an unreachable endpoint prints the transport error and exits 1 within the deadline', async () => {
    const [port] = await freePorts(1);
    const startedMs = performance.now();
    const result = await tracker.run(['get-ts', '--endpoints', `127.0.0.1:${port as number}`], 30_000);
    const elapsedMs = performance.now() - startedMs;
    expect(result.code, result.stderr).not.toBe(EXIT_UNSETTLED_TOP_LEVEL_AWAIT);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: NO_REACHABLE_ENDPOINTS: /m);
    expect(result.stdout).toBe('');
    expect(elapsedMs).toBeLessThan(10_000 + 5_000); // the overall deadline, plus Node's start-up
  });

  it('tsoracle get-ts --timeout 1s against a server that accepts and never answers ends with TIMEOUT naming its 1000 ms; a --timeout out of bounds is a usage error', async () => {
    // Reads and drops whatever arrives, answers nothing; closes its sockets when done.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {}).on('close', () => sockets.delete(socket)).resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const endpoint = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const [timedOut, tooShort, notADuration] = await Promise.all([
      tracker.run(['get-ts', '--endpoints', endpoint, '--timeout', '1s'], 30_000),
      tracker.run(['get-seq', 'k', '--endpoints', endpoint, '--timeout', '50ms'], 30_000),
      tracker.run(['get-seq-batch', 'k=1', '--endpoints', endpoint, '--timeout', 'soon'], 30_000),
    ]);
    expect(timedOut.code, timedOut.stderr).toBe(1);
    expect(timedOut.stderr).toMatch(/^error: TIMEOUT: .*no answer within 1000 ms/m);
    expect(tooShort.code).toBe(2);
    expect(tooShort.stderr).toMatch(/--timeout.*must be from 100ms to 1h/);
    expect(notADuration.code).toBe(2);
    expect(notADuration.stderr).toMatch(/--timeout.*not a duration: soon/);
  });

  it('tsoracle get-seq against an unreachable endpoint prints the transport error and exits 1', async () => {
    const [port] = await freePorts(1);
    const result = await tracker.run(['get-seq', 'orders', '--endpoints', `127.0.0.1:${port as number}`], 30_000);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^error: NO_REACHABLE_ENDPOINTS: /m);
  });

  it("a plain node script that awaits getTs() at top level gets the typed error, not Node's exit 13", async () => {
    const [port] = await freePorts(1);
    const source = `
      import { createClient } from './dist/runners/index.js';
      const client = createClient({ endpoints: ['127.0.0.1:${port as number}'] });
      try {
        await client.getTs();
        console.log('answered');
      } catch (e) {
        console.log('rejected ' + e.code);
      }
      // No close(): an idle client must not hold the process open either.
    `;
    const result = await runNodeScript(source, 30_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('rejected NO_REACHABLE_ENDPOINTS');
    expect(result.elapsedMs).toBeLessThan(15_000);
  });

  it('a plain node script whose call waits out a long backoff still settles at its overall deadline, then exits by itself', async () => {
    // Nothing listens, and the retry policy makes the client wait in a backoff with no socket
    // open: exactly the window in which the process used to exit 13.
    const [port] = await freePorts(1);
    const source = `
      import { createClient } from './dist/runners/index.js';
      const client = createClient({
        endpoints: ['127.0.0.1:${port as number}'],
        retry: { attemptsMax: 1000, backoffBaseMs: 400, backoffCapMs: 400, overallTimeoutMs: 1500 },
      });
      const started = performance.now();
      try {
        await client.getSeq('orders', 1);
        console.log('answered');
      } catch (e) {
        console.log('rejected ' + e.code + ' after ' + Math.round(performance.now() - started));
      }
    `;
    const result = await runNodeScript(source, 30_000);
    expect(result.code, result.stderr).toBe(0);
    const match = /^rejected (\w+) after (\d+)$/.exec(result.stdout.trim());
    expect(match, result.stdout).not.toBeNull();
    expect(['NO_REACHABLE_ENDPOINTS', 'TIMEOUT']).toContain(match?.[1]);
    expect(Number(match?.[2])).toBeLessThanOrEqual(1_500 + 250);
  });
});

describe('an idle client does not hold its process', () => {
  it('a script that got its answers and never closed its client exits by itself', async () => {
    const { dir, remove } = await makeTempDir('tsoracle-client-idle-');
    cleanups.push(remove);
    const server = await tracker.serve({ dataDir: dir });
    const source = `
      import { createClient } from './dist/runners/index.js';
      const client = createClient({ endpoints: ['${server.endpoint}'] });
      const ts = await client.getTs();
      const block = await client.getSeq('orders', 2);
      console.log(typeof ts, block.count);
    `;
    const result = await runNodeScript(source, 20_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('bigint 2');
    await server.terminate();
  });
});

describe('a 3-node cluster right after its leader is killed', () => {
  it(
    'answers 20 CLI get-ts calls out of 20, none exiting 13',
    async () => {
      const { dir, remove } = await makeTempDir('tsoracle-client-process-');
      cleanups.push(remove);
      const ports = await freePorts(6);
      const raft = (id: number): string => `127.0.0.1:${ports[id - 1] as number}`;
      const service = (id: number): string => `127.0.0.1:${ports[id + 2] as number}`;
      const peers = [1, 2, 3].map((id) => `${id}=${raft(id)}/${service(id)}`).join(',');
      const outputs = new Map<number, { stdout: string; stderr: string; child: ChildProcess }>();
      for (const id of [1, 2, 3]) {
        const child = spawn(process.execPath, [CLI_PATH, 'serve', 'raft', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off'], {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        servers.add(child);
        const output = { stdout: '', stderr: '', child };
        child.stdout?.setEncoding('utf8').on('data', (c: string) => (output.stdout += c));
        child.stderr?.setEncoding('utf8').on('data', (c: string) => (output.stderr += c));
        outputs.set(id, output);
      }
      for (const [id, output] of outputs) await waitFor(() => /^serving on /m.test(output.stdout), `node ${id} to serve`, 15_000);
      const endpoints = [1, 2, 3].map(service).join(',');
      // Find the leader: the endpoint that answers a call.
      const probe = createClient({ endpoints: [1, 2, 3].map(service), retry: { overallTimeoutMs: 15_000 } });
      await probe.getTs();
      const leaderId = [1, 2, 3].find((id) => service(id) === probe.cachedLeader()?.endpoint);
      await probe.close();
      expect(leaderId).toBeDefined();
      const first = await tracker.run(['get-ts', '--endpoints', endpoints], 30_000);
      expect(first.code, first.stderr).toBe(0);

      outputs.get(leaderId as number)?.child.kill('SIGKILL');
      const results = [];
      for (let i = 0; i < 20; i += 1) results.push(await tracker.run(['get-ts', '--endpoints', endpoints], 30_000));
      const codes = results.map((r) => r.code);
      expect(codes.filter((c) => c === EXIT_UNSETTLED_TOP_LEVEL_AWAIT)).toHaveLength(0);
      expect(codes, results.map((r) => r.stderr).join('\n')).toEqual(Array.from({ length: 20 }, () => 0));
      for (const r of results) expect(r.stdout.trim()).toMatch(/^\d+$/);
      const values = results.map((r) => BigInt(r.stdout.trim()));
      for (let i = 1; i < values.length; i += 1) expect(values[i]).toBeGreaterThan(values[i - 1] as bigint);
    },
    240_000,
  );
});
