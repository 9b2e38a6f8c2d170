// Keeps the examples under examples/ from rotting: each is imported and exercised in-process,
// and run as a built program (dist/examples/*.js, as its header says) that serves until SIGINT
// and then exits 0 having released its data directory.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWithCustomDriver } from '../examples/custom-driver.js';
import { startEmbedded } from '../examples/embedded-server.js';
import { FileDriver } from '../drivers/file/file-driver.js';
import { NodeDisk } from '../drivers/node/disk.js';
import { makeTempDir } from '../drivers/node/test-support.js';
import { createClient } from './client.js';
import { REPO_ROOT, sleepMs, waitFor } from './test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const { dir, remove } = await makeTempDir('tsoracle-example-');
  cleanups.push(remove);
  return dir;
}

/** The data directory can be opened again: whoever held its LOCK let go. */
async function expectReleased(dataDir: string): Promise<void> {
  const driver = await FileDriver.open(new NodeDisk(), dataDir);
  await driver.close();
}

/** Runs a built example until its output matches `ready`, sends SIGINT, and returns its exit and output. */
async function runBuiltExample(name: string, args: readonly string[], ready: RegExp): Promise<{ code: number | null; stdout: string }> {
  const path = join(REPO_ROOT, 'dist', 'examples', `${name}.js`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  cleanups.push(async () => {
    if (!done) child.kill('SIGKILL');
    await exited;
  });
  await waitFor(() => ready.test(stdout) || done, `${name} to print ${String(ready)}`, 15_000);
  child.kill('SIGINT');
  const code = await Promise.race([exited, sleepMs(10_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') throw new Error(`${name} did not exit within 10 s of SIGINT`);
  return { code, stdout };
}

describe('examples/embedded-server', () => {
  it('hosts a server in-process that serves timestamps and blocks, and closes releasing the data directory', async () => {
    const dataDir = await tempDir();
    const oracle = await startEmbedded(dataDir, '127.0.0.1:0');
    const first = await oracle.client.getTs();
    expect(await oracle.client.getTs()).toBeGreaterThan(first);
    expect((await oracle.client.getSeq('orders', 3)).start).toBe(0n);
    await oracle.close();
    await expectReleased(dataDir);
  });

  it('runs as a program, prints what it got, and exits 0 on SIGINT', async () => {
    const dataDir = await tempDir();
    const { code, stdout } = await runBuiltExample('embedded-server', [dataDir, '127.0.0.1:0'], /^orders block/m);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^timestamp \d+$/m);
    expect(stdout).toMatch(/^orders block \[0, 10\)$/m);
    expect(stdout).toMatch(/^SIGINT: closing$/m);
    await expectReleased(dataDir);
  });
});

describe('examples/custom-driver', () => {
  it('serves through the driver it was given, which sees the durable writes', async () => {
    const dataDir = await tempDir();
    const { server, driver } = await startWithCustomDriver(dataDir, '127.0.0.1:0', 1);
    const client = createClient({ endpoints: [`${server.address.host}:${server.address.port}`] });
    try {
      await client.getTs();
      expect((await client.getSeq('only-key', 2)).start).toBe(0n);
      // The key cap of 1 chosen at open is in force.
      await expect(client.getSeq('second-key', 1)).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
      expect(driver.highWaterPersists).toBeGreaterThanOrEqual(1);
      expect(driver.seqAdvances).toBe(2);
    } finally {
      await client.close();
      await server.close();
    }
    await expectReleased(dataDir);
  });

  it('runs as a program and exits 0 on SIGINT', async () => {
    const dataDir = await tempDir();
    const { code, stdout } = await runBuiltExample('custom-driver', [dataDir, '127.0.0.1:0'], /^serving on /m);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^closing after \d+ high-water persists and 0 sequence advances$/m);
    await expectReleased(dataDir);
  });
});
