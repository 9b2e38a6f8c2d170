// The read-back of unknown getSeq outcomes against a real server (the file driver, in process):
// the same (clientId, requestId) returns the block the call got, a request never executed gets
// its block now, a forgotten one stays unresolved, and a dead endpoint in the list is skipped.
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { SEQ_SESSION_RESULTS_PER_CLIENT_MAX } from '../../core/limits.js';
import { makeTempDir } from '../../drivers/node/test-support.js';
import { createClient } from '../client.js';
import { startServer, type TsoServer } from '../server.js';
import { StressHistory } from './history.js';
import { recordedGetSeq } from './load.js';
import { SeqResolver } from './resolver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(): Promise<TsoServer> {
  const { dir, remove } = await makeTempDir('tsoracle-resolver-');
  const s = await startServer({ dataDir: dir, listen: '127.0.0.1:0', httpListen: null });
  cleanups.push(remove, () => s.close());
  return s;
}

describe('SeqResolver', () => {
  it('returns the block a call got, grants a never-executed request now, and leaves a forgotten one unresolved', async () => {
    const s = await server();
    const endpoint = `${s.address.host}:${s.address.port}`;
    const client = createClient({ endpoints: [endpoint], clientId: 77n });
    const resolver = new SeqResolver(['127.0.0.1:1', endpoint]);
    cleanups.push(() => client.close(), async () => resolver.close());
    // Request 1 of client 77, executed (the library's own ids start at its creation wall ms << 22).
    const first = await resolver.resolve({ clientId: 77n, requestId: 1n, key: 'k', count: 3 }, 10_000);
    expect(first).toEqual({ kind: 'block', start: 0n, count: 3 });
    expect(await resolver.resolve({ clientId: 77n, requestId: 1n, key: 'k', count: 3 }, 10_000)).toEqual(first);
    // A request never sent (of another session): the read-back executes it, above what was granted.
    expect(await resolver.resolve({ clientId: 78n, requestId: 9n, key: 'k', count: 3 }, 10_000)).toEqual({ kind: 'block', start: 3n, count: 3 });
    // Push request 1 out of the session's memory.
    await Promise.all(Array.from({ length: SEQ_SESSION_RESULTS_PER_CLIENT_MAX + 2 }, () => client.getSeq('k', 1)));
    expect(await resolver.resolve({ clientId: 77n, requestId: 1n, key: 'k', count: 3 }, 10_000)).toEqual({ kind: 'unresolved', code: ErrorCode.SEQ_SESSION_EXPIRED });
  });

  it('gives up at its deadline when no endpoint answers', async () => {
    const resolver = new SeqResolver(['127.0.0.1:1']);
    cleanups.push(async () => resolver.close());
    expect(await resolver.resolve({ clientId: 1n, requestId: 1n, key: 'k', count: 1 }, 200)).toMatchObject({ kind: 'unresolved' });
  });
});

describe('recordedGetSeq with read-back', () => {
  it('records an unknown outcome whose block the read-back learns as acknowledged, and counts the client error', async () => {
    const s = await server();
    const endpoint = `${s.address.host}:${s.address.port}`;
    const resolver = new SeqResolver([endpoint]);
    cleanups.push(async () => resolver.close());
    // A client whose every getSeq ends unknown after the server executed it: it stops waiting
    // right after sending (attempt timeout 1 ms) and never retries.
    const executor = new SeqResolver([endpoint]);
    cleanups.push(async () => executor.close());
    let nextRequestId = 1n;
    const flaky = {
      clientId: 5n,
      getSeq: async (key: string, count: number) => {
        const requestId = nextRequestId++;
        const outcome = await executor.resolve({ clientId: 5n, requestId, key, count }, 10_000);
        throw new TsoError(ErrorCode.SEQ_UNCERTAIN, `lost the answer for ${String(outcome.kind)}`, { requestId, clientId: 5n });
      },
    } as unknown as Parameters<typeof recordedGetSeq>[1];
    const history = new StressHistory(['k']);
    expect(await recordedGetSeq(history, flaky, 'flaky', 'k', 2, resolver)).toBe(0n);
    expect(history.outcomes.getSeq).toEqual({ ok: 0, failed: 0, unknown: 0, resolved: 1 });
    expect(history.tallyOf('k')).toEqual({ acknowledgedValues: 2n, unknownValues: 0n });
    expect(Object.fromEntries(history.errorsByKind.getSeq)).toEqual({ SEQ_UNCERTAIN: 1 });
    // Without a resolver it stays unknown.
    expect(await recordedGetSeq(history, flaky, 'flaky', 'k', 2, null)).toBeNull();
    expect(history.tallyOf('k').unknownValues).toBe(2n);
    expect(history.violations.total).toBe(0);
  });
});
