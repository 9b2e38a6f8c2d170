// Every metric an operator scrapes passes Prometheus's own linter: the /metrics of a real file
// server and of a real one-voter Raft node (the CLI in child processes, on loopback, after they
// served getTs and getSeq so the labelled series exist) are piped through `promtool check
// metrics`, which checks names, unit suffixes, HELP and TYPE. Without promtool on the PATH the
// tests are skipped, and the skip names it (.ci/run installs Debian's `prometheus` package).
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { createClient, type TsoClient } from './client.js';
import { ChildTracker, type ServerChild } from './test-support.js';

const PROMTOOL_AVAILABLE = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const PROMTOOL_TIMEOUT_MS = 10_000;

const children = new ChildTracker();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await children.cleanup();
});

async function tempDir(): Promise<string> {
  const { dir, remove } = await makeTempDir('tsoracle-promtool-');
  cleanups.push(remove);
  return dir;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Serves one getTs and one getSeq through `server`, then returns its /metrics. */
async function exercisedMetrics(server: ServerChild): Promise<string> {
  const client: TsoClient = createClient({ endpoints: [server.endpoint] });
  cleanups.push(() => client.close());
  await client.getTs();
  await client.getSeq('orders', 5);
  const response = await fetch(`http://${server.httpEndpoint ?? 'missing'}/metrics`, { signal: AbortSignal.timeout(5_000) });
  expect(response.status).toBe(200);
  return response.text();
}

/** `promtool check metrics` on `text`: its exit code and what it printed. */
function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`promtool check metrics did not finish within ${PROMTOOL_TIMEOUT_MS} ms`));
    }, PROMTOOL_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(text);
  });
}

const SUITE_NAME = PROMTOOL_AVAILABLE
  ? '/metrics passes `promtool check metrics`'
  : "/metrics passes `promtool check metrics` (SKIPPED: promtool is not on the PATH; .ci/run installs it with Debian's prometheus package)";

describe.skipIf(!PROMTOOL_AVAILABLE)(SUITE_NAME, () => {
  it('of a file server', async () => {
    const server = await children.serve({ dataDir: join(await tempDir(), 'data'), httpListen: '127.0.0.1:0' });
    const text = await exercisedMetrics(server);
    expect(text).toContain('tsoracle_request_duration_seconds_bucket{');
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });
  });

  it('of a Raft node', async () => {
    const peers = `1=127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}`;
    const args = ['serve', 'raft', '--id', '1', '--peers', peers, '--data-dir', join(await tempDir(), 'n1'), '--http-listen', '127.0.0.1:0'];
    const server = await children.serve({ dataDir: '', httpListen: '127.0.0.1:0', args });
    const text = await exercisedMetrics(server);
    expect(text).toMatch(/^tsoracle_raft_role\{role="leader"\} 1$/m);
    expect(text).toContain('tsoracle_request_duration_seconds_bucket{');
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });
  });
});
