// /readyz of the embeddable server as a load balancer reads it: 200 exactly while a getTs arriving
// now would be granted. A replicated driver's leader lease can lapse before the driver steps down
// (an etcd leader's keep-alive loop may sit in a request to an etcd without quorum for its whole
// deadline); from that instant the serving node refuses every grant, and /readyz must say 503 too,
// not wait for the step-down (regression: it answered 200 until the driver stepped down).
import { afterEach, describe, expect, it } from 'vitest';
import { TsoError } from '../core/errors.js';
import { formatHostPort } from '../drivers/ports.js';
import { MemoryDriver } from '../drivers/testing/memory-driver.js';
import { createClient, type TsoClient } from './client.js';
import { startServer, type TsoServer } from './server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function readyz(server: TsoServer): Promise<[number, string]> {
  const response = await fetch(`http://${formatHostPort(server.httpAddress as NonNullable<TsoServer['httpAddress']>)}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return [response.status, await response.text()];
}

describe('/readyz', () => {
  it('answers 503 while the leader lease is not held, though the driver still leads, and 200 again once it is', async () => {
    const driver = new MemoryDriver();
    const server = await startServer({ driver, listen: '127.0.0.1:0', httpListen: '127.0.0.1:0' });
    cleanups.push(() => server.close());
    const client: TsoClient = createClient({ endpoints: [formatHostPort(server.address)], retry: { attemptsMax: 1, overallTimeoutMs: 1_000 } });
    cleanups.push(() => client.close());
    expect(await readyz(server)).toEqual([200, 'serving\n']);
    const before = await client.getTs();

    driver.leaseHeld = false;
    expect(server.node.isServing).toBe(true);
    expect(await readyz(server)).toEqual([503, 'not serving\n']);
    const refused = await client.getTs().then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TsoError);

    driver.leaseHeld = true;
    expect(await readyz(server)).toEqual([200, 'serving\n']);
    expect(await client.getTs()).toBeGreaterThan(before);
  });
});
