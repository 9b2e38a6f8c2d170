// The deadline sweeper and the control-plane calls (safe points, leases): those calls count as
// pending (they hold the keep-alive) but end at their own deadline inside the retry loop, so a
// sweep that finds only them pending must not trip the "every pending call has a deadline"
// invariant. Found by the simulator's service callers (issue 16): a lease or safe-point call that
// armed the sweeper, still pending when it fired (1-node swarm seeds 5 and 6).
import { describe, expect, it } from 'vitest';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { createClientCore } from './client.js';
import { FakeCluster, InMemoryTransport, ManualClock, drive, seededRandom } from './testing.js';

const A = '10.0.0.1:50551';

async function silentServer(): Promise<{ clock: ManualClock; client: ReturnType<typeof createClientCore> }> {
  const clock = new ManualClock();
  const transport = new InMemoryTransport();
  const cluster = new FakeCluster(transport, clock, [A]);
  await cluster.start();
  cluster.server(A).hook = () => {}; // never answers
  const client = createClientCore({ endpoints: [A], transport, clock, random: seededRandom(1), clientId: 7n, retry: { attemptsMax: 3, attemptTimeoutMs: 40, overallTimeoutMs: 100 } });
  return { clock, client };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TsoError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('control-plane calls and the deadline sweeper', () => {
  it('a safe-point call alone in flight when the sweeper fires ends TIMEOUT, with no broken invariant', async () => {
    const w = await silentServer();
    expect(await drive(w.clock, codeOf(w.client.getCurrentMaxSafe()))).toBe(ErrorCode.TIMEOUT);
    await w.client.close();
  });

  it('a lease call alone in flight when the sweeper fires ends TIMEOUT, with no broken invariant', async () => {
    const w = await silentServer();
    expect(await drive(w.clock, codeOf(w.client.renewLease(5n)))).toBe(ErrorCode.TIMEOUT);
    await w.client.close();
  });
});
