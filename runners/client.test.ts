// The Node binding of the client over real TCP on loopback, against a minimal in-test server
// speaking the protocol with the real codec: a smoke test that the wiring (framing, ports,
// clock) holds together. End-to-end tests against the real server process live elsewhere.
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../core/errors.js';
import { decodeRequest, encodeResponse, type Response } from '../core/protocol.js';
import { packTimestamp } from '../core/timestamp.js';
import { formatHostPort, type Listener } from '../drivers/ports.js';
import { NodeTransport } from '../drivers/node/transport.js';
import { createClient, type TsoClient } from './client.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tinyServer(): Promise<{ endpoint: string; listener: Listener }> {
  let logical = 0;
  let next = 0n;
  const listener = await new NodeTransport().listen({ host: '127.0.0.1', port: 0 }, (connection) => {
    connection.setHandlers({
      onFrame: (body) => {
        const request = decodeRequest(body);
        let answer: Response;
        if (request.op === 'getTs') {
          answer = { id: request.id, ok: true, physicalMs: 1_000, logicalStart: logical, count: request.count, epoch: 1n };
          logical += request.count;
        } else if (request.op === 'getSeq') {
          answer = { id: request.id, ok: true, start: next, count: request.count, epoch: 1n };
          next += BigInt(request.count);
        } else {
          answer = { id: request.id, ok: false, code: 'INVALID_ARGUMENT', message: 'not served by this fake' };
        }
        connection.send(encodeResponse(answer));
      },
      onClose: () => {},
    });
  });
  cleanups.push(() => listener.close());
  return { endpoint: formatHostPort(listener.address), listener };
}

function track(client: TsoClient): TsoClient {
  cleanups.push(() => client.close());
  return client;
}

describe('createClient over TCP', () => {
  it('gets coalesced timestamps and sequence blocks from a server', async () => {
    const { endpoint } = await tinyServer();
    const client = track(createClient({ endpoints: [endpoint], clientId: 9n }));
    const [a, b, batch] = await Promise.all([client.getTs(), client.getTs(), client.getTsBatch(3)]);
    expect(a).toBe(packTimestamp(1_000, 0));
    expect(b).toBe(a + 1n);
    expect(batch.toArray()).toEqual([a + 2n, a + 3n, a + 4n]);
    expect(await client.getSeq('orders', 5)).toEqual({ key: 'orders', start: 0n, count: 5, epoch: 1n });
    expect(client.cachedLeader()).toEqual({ endpoint, epoch: 1n });
  });

  it('reports NO_REACHABLE_ENDPOINTS when nothing listens', async () => {
    const { endpoint, listener } = await tinyServer();
    await listener.close();
    const client = track(createClient({ endpoints: [endpoint], retry: { attemptsMax: 2, backoffBaseMs: 1 } }));
    await expect(client.getTs()).rejects.toMatchObject({ code: ErrorCode.NO_REACHABLE_ENDPOINTS });
  });

  it('defaults to the server default address', async () => {
    const client = track(createClient());
    expect(client.cachedLeader()).toBeNull();
    expect(typeof client.clientId).toBe('bigint');
  });
});
