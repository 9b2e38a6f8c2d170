// The benchmark runner (`npm run bench`, built to dist/bench/run.js) as the child process users
// run, for what a process's lifetime decides: against a server that cannot be reached it must
// still finish its scenarios, write its report and exit 0 — not exit 13 ('unsettled top-level
// await') because the client's unref'd retry timers were all that was left (regression).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

function runBench(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(BENCH_PATH)) throw new Error(`${BENCH_PATH} is missing: run \`npm run build\` first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench ${args.join(' ')} did not end within ${RUN_BOUND_MS} ms:\n${stderr}`));
    }, RUN_BOUND_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
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
});
