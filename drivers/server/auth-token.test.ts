// The native port's token (docs/protocol.md "Authentication"): a server with a token serves a
// connection whose first request carries it, answers a missing or wrong one with an id-0
// UNAUTHENTICATED and closes only that connection; the client library's `token` option sends it
// and fails a refused call UNAUTHENTICATED without retrying. The token never reaches an answer,
// a client event or a metric label.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRequestWithToken, decodeResponse, encodeRequest } from '../../core/protocol.js';
import { createClientCore, type ClientEvent } from '../client/index.js';
import { AuthToken } from '../node/auth-token.js';
import { NodeClock } from '../node/clock.js';
import { waitUntil } from '../node/test-support.js';
import { NodeTransport } from '../node/transport.js';
import type { Connection } from '../ports.js';
import { MemoryDriver } from '../testing/memory-driver.js';
import { noopMetrics, type ConnectionClosedReason, type ServerMetrics } from './metrics.js';
import { ProtocolServer } from './protocol-server.js';
import { ServingNode } from './serving-node.js';

const SECRET = 'sekret-Token-0123456789';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function server() {
  const clock = new NodeClock();
  const node = new ServingNode({ driver: new MemoryDriver(), clock });
  node.start();
  await node.waitUntilServing(5_000);
  const transport = new NodeTransport();
  const closed: ConnectionClosedReason[] = [];
  const metrics: ServerMetrics = { ...noopMetrics, connectionClosed: (reason) => closed.push(reason) };
  const s = await ProtocolServer.start({ node, transport, clock, metrics, listen: { host: '127.0.0.1', port: 0 }, authToken: AuthToken.fromText(SECRET) });
  cleanups.push(async () => {
    await s.close(0);
    await node.close();
  });
  return { s, transport, closed };
}

async function connect(transport: NodeTransport, port: number) {
  const c: Connection = await transport.connect({ host: '127.0.0.1', port });
  const answers: ReturnType<typeof decodeResponse>[] = [];
  let closed = false;
  c.setHandlers({ onFrame: (b) => answers.push(decodeResponse(b)), onClose: () => (closed = true) });
  cleanups.push(async () => c.close());
  return { c, answers, isClosed: () => closed };
}

describe('token authentication on the native port', () => {
  it('round-trips the token field and drops it from decodeRequest', () => {
    const body = encodeRequest({ id: 4, op: 'getTs', count: 2 }, SECRET);
    expect(decodeRequestWithToken(body)).toEqual({ request: { id: 4, op: 'getTs', count: 2 }, token: SECRET });
    expect(decodeRequestWithToken(encodeRequest({ id: 4, op: 'getTs', count: 2 })).token).toBeNull();
  });

  it('serves the right token, refuses a missing or wrong one with id-0 UNAUTHENTICATED and closes only that connection', async () => {
    const { s, transport, closed } = await server();
    const good = await connect(transport, s.address.port);
    good.c.send(encodeRequest({ id: 1, op: 'getTs', count: 1 }, SECRET));
    good.c.send(encodeRequest({ id: 2, op: 'getTs', count: 1 })); // later requests need no token
    await waitUntil(() => good.answers.length === 2, 'two answers');
    expect(good.answers.every((a) => a.ok)).toBe(true);

    const missing = await connect(transport, s.address.port);
    missing.c.send(encodeRequest({ id: 1, op: 'getTs', count: 1 }));
    const wrong = await connect(transport, s.address.port);
    wrong.c.send(encodeRequest({ id: 1, op: 'getTs', count: 1 }, `${SECRET}x`));
    wrong.c.send(encodeRequest({ id: 2, op: 'getTs', count: 1 }, SECRET));
    await waitUntil(() => missing.isClosed() && wrong.isClosed(), 'both refused connections to close');
    for (const refused of [missing, wrong]) {
      expect(refused.answers).toHaveLength(1);
      expect(refused.answers[0]).toMatchObject({ id: 0, ok: false, code: 'UNAUTHENTICATED' });
      expect(JSON.stringify(refused.answers[0])).not.toContain(SECRET);
    }
    // The server counts a close once its side is done (after the client's FIN, or its own bound).
    await waitUntil(() => closed.filter((r) => r === 'unauthenticated').length === 2, 'both closes counted unauthenticated');

    good.c.send(encodeRequest({ id: 3, op: 'getTs', count: 1 }));
    await waitUntil(() => good.answers.length === 3, 'the good connection still served');
    expect(good.answers[2]).toMatchObject({ id: 3, ok: true });
  });

  it('the client library sends its token; without it, or with a wrong one, the call fails UNAUTHENTICATED without retries', async () => {
    const { s } = await server();
    const events: ClientEvent[] = [];
    const make = (token?: string) => {
      const client = createClientCore({
        endpoints: [`127.0.0.1:${s.address.port}`],
        transport: new NodeTransport(),
        clock: new NodeClock(),
        random: Math.random,
        retry: { overallTimeoutMs: 5_000 },
        onEvent: (e) => events.push(e),
        ...(token === undefined ? {} : { token }),
      });
      cleanups.push(() => client.close());
      return client;
    };
    await expect(make(SECRET).getTs()).resolves.toBeTypeOf('bigint');
    await expect(make().getTs()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(make('wrong-token').getSeq('k', 1)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(events.filter((e) => e.type === 'backoff')).toHaveLength(0);
    expect(JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(SECRET);
  });
});
