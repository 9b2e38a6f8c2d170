// The HTTP address of `tsoracle serve raft` without --http-listen, run as the real CLI in child
// processes on loopback: it is fixed per node (the service host, the service port + 2), so a
// scrape configuration can name it; a default that lands on an address of --peers is refused
// before anything is written (exit 2), and one already in use says it was the default and how to
// choose another (exit 1).
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../drivers/node/test-support.js';
import { ChildTracker } from './test-support.js';

const children = new ChildTracker();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await children.cleanup();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Listens on `port` of loopback; resolves to the server, or null when the port is taken. */
function occupy(port: number): Promise<net.Server | null> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function release(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A loopback port P such that P and P + 2 were both free just now. */
async function freePortWithFreePlusTwo(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await occupy(0);
    if (first === null) continue;
    const port = (first.address() as net.AddressInfo).port;
    const plusTwo = port + 2 <= 65_535 ? await occupy(port + 2) : null;
    await release(first);
    if (plusTwo !== null) {
      await release(plusTwo);
      return port;
    }
  }
  throw new Error('no free loopback port P with P + 2 free');
}

async function dataDir(): Promise<string> {
  const { dir, remove } = await makeTempDir('tsoracle-raft-http-');
  cleanups.push(remove);
  return join(dir, 'n1');
}

describe('serve raft without --http-listen', () => {
  it('serves HTTP on the service host at the service port + 2', async () => {
    const [service, raft] = [await freePortWithFreePlusTwo(), await freePortWithFreePlusTwo()];
    const peers = `1=127.0.0.1:${raft}/127.0.0.1:${service}`;
    const node = await children.serve({ dataDir: '', httpListen: 'default', args: ['serve', 'raft', '--id', '1', '--peers', peers, '--data-dir', await dataDir()] });
    expect(node.httpEndpoint).toBe(`127.0.0.1:${service + 2}`);
    const health = await fetch(`http://127.0.0.1:${service + 2}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
  });

  it("refuses a default that is another node's address in --peers, before writing the data directory (exit 2)", async () => {
    const dir = await dataDir();
    // Node 1's service port + 2 is node 2's service port: ports one apart on one host.
    const peers = '1=127.0.0.1:20652/127.0.0.1:20551,2=127.0.0.1:20662/127.0.0.1:20553,3=127.0.0.1:20672/127.0.0.1:20555';
    const run = await children.run(['serve', 'raft', '--id', '1', '--peers', peers, '--data-dir', dir]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      "error: INVALID_CONFIG: the default HTTP address 127.0.0.1:20553 (node 1's service port + 2) is node 2's service address in --peers: pass --http-listen HOST:PORT (or off)",
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('names the default and the way out when its port is in use (exit 1)', async () => {
    const service = await freePortWithFreePlusTwo();
    const raft = await freePortWithFreePlusTwo();
    const busy = await occupy(service + 2);
    if (busy === null) throw new Error(`port ${service + 2} was taken meanwhile`);
    cleanups.push(() => release(busy));
    const run = await children.run(['serve', 'raft', '--id', '1', '--peers', `1=127.0.0.1:${raft}/127.0.0.1:${service}`, '--data-dir', await dataDir()]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(
      `error: TRANSPORT: --http-listen 127.0.0.1:${service + 2}: address in use (another process listens there; pick another port or stop it); it is the default (node 1's service port + 2): pass --http-listen HOST:PORT (or off)`,
    );
  });
});
