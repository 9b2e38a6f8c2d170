// The client's downgrade guard (docs/security.md): a client whose transport speaks TLS never
// follows a leader hint naming a plaintext scheme (`tcp://`, `http://`); it reports hintIgnored
// `downgrade` and keeps to its own endpoints (here only the follower, so the call fails). A `tls://` hint, a bare
// `host:port` hint, and (on a plaintext client) a `tcp://` hint are followed. Against the fake
// cluster over the in-memory transport on a manual clock.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { errorAnswer } from '../../core/protocol.js';
import { createClientCore, type ClientEvent } from './client.js';
import { FakeCluster, InMemoryTransport, ManualClock, drive, seededRandom } from './testing.js';

const A = '10.0.0.1:50551';
const B = '10.0.0.2:50551';

async function world(tls: boolean, hint: string) {
  const clock = new ManualClock();
  const transport = new InMemoryTransport();
  const cluster = new FakeCluster(transport, clock, [A, B]);
  await cluster.start();
  cluster.setLeader(B, 3n);
  cluster.server(A).hook = (ctx) => ctx.reply(errorAnswer(ctx.request.id, ErrorCode.NOT_LEADER, 'not leader', { leaderEndpoint: hint, leaderEpoch: 3n }));
  const events: ClientEvent[] = [];
  // Only the follower is configured: the leader is reachable only by following the hint.
  const client = createClientCore({ endpoints: [A], transport, clock, random: seededRandom(1), clientId: 7n, tls, retry: { overallTimeoutMs: 2_000 }, onEvent: (e) => events.push(e) });
  return { clock, client, events };
}

describe('the downgrade guard', () => {
  it.each(['tcp://10.0.0.2:50551', 'http://10.0.0.2:50551'])('a TLS client does not follow the plaintext hint %s', async (hint) => {
    const w = await world(true, hint);
    const outcome = await drive(w.clock, w.client.getTs()).then(
      () => 'served',
      (e: unknown) => (e as { code?: string }).code,
    );
    expect(outcome).not.toBe('served');
    expect(w.events).toContainEqual({ type: 'hintIgnored', op: 'getTs', endpoint: A, reason: 'downgrade' });
    expect(w.events.some((e) => e.type === 'redirect')).toBe(false);
    await w.client.close();
  });

  it.each([
    [true, 'tls://10.0.0.2:50551'],
    [true, '10.0.0.2:50551'],
    [false, 'tcp://10.0.0.2:50551'],
  ] as const)('a client with tls=%s follows the hint %s', async (tls, hint) => {
    const w = await world(tls, hint);
    expect(typeof (await drive(w.clock, w.client.getTs()))).toBe('bigint');
    expect(w.events.some((e) => e.type === 'redirect' && e.from === A && e.to === B)).toBe(true);
    expect(w.events.some((e) => e.type === 'hintIgnored' && e.reason === 'downgrade')).toBe(false);
    await w.client.close();
  });
});
