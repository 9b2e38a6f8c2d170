// The client's getSeqBatch against the fake cluster (drivers/client/testing.ts): grants in request
// order; one (clientId, requestId) for the whole batch, reused by the retry after a lost answer
// (executed once); bad batches refused before any I/O; grants that do not match the batch are an
// unknown outcome, never a success.
import { describe, expect, it } from 'vitest';
import { ErrorCode, TsoError } from '../../core/errors.js';
import type { GetSeqBatchRequest } from '../../core/protocol.js';
import { createClientCore, type TsoClient } from './client.js';
import { FakeCluster, InMemoryTransport, ManualClock, drive, seededRandom } from './testing.js';

const A = '10.0.0.1:50551';

async function world(): Promise<{ clock: ManualClock; cluster: FakeCluster; client: TsoClient }> {
  const clock = new ManualClock();
  const transport = new InMemoryTransport();
  const cluster = new FakeCluster(transport, clock, [A]);
  await cluster.start();
  const client = createClientCore({ endpoints: [A], transport, clock, random: seededRandom(1), clientId: 7n });
  return { clock, cluster, client };
}

function batchRequests(cluster: FakeCluster): GetSeqBatchRequest[] {
  return cluster.requests.map((r) => r.request).filter((r): r is GetSeqBatchRequest => r.op === 'getSeqBatch');
}

async function rejection(promise: Promise<unknown>): Promise<TsoError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TsoError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('client getSeqBatch', () => {
  it('returns one block per entry in request order, and retries a lost answer under the same pair (executed once)', async () => {
    const w = await world();
    let drops = 0;
    w.cluster.server(A).hook = (ctx) => {
      const answer = ctx.serve();
      if (drops === 0) {
        drops += 1;
        ctx.closeConnection();
        return;
      }
      ctx.reply(answer);
    };
    const batch = await drive(w.clock, w.client.getSeqBatch([{ key: 'orders', count: 3 }, { key: 'invoices', count: 1 }]));
    expect(batch.blocks.map((b) => [b.key, b.start, b.count])).toEqual([
      ['orders', 0n, 3],
      ['invoices', 0n, 1],
    ]);
    const sent = batchRequests(w.cluster);
    expect(sent.length).toBe(2);
    expect(sent[0]?.requestId).toBe(sent[1]?.requestId);
    expect(w.cluster.seqExecutions).toBe(1);
    const next = await drive(w.clock, w.client.getSeqBatch([{ key: 'invoices', count: 2 }, { key: 'orders', count: 1 }]));
    expect(next.blocks.map((b) => b.start)).toEqual([1n, 3n]);
  });

  it('refuses an empty batch, a duplicate key and 129 keys with INVALID_SEQ_BATCH before any I/O', async () => {
    const w = await world();
    const many = Array.from({ length: 129 }, (_, i) => ({ key: `k${i}`, count: 1 }));
    for (const entries of [[], [{ key: 'a', count: 1 }, { key: 'a', count: 1 }], many]) {
      expect((await rejection(w.client.getSeqBatch(entries))).code).toBe(ErrorCode.INVALID_SEQ_BATCH);
    }
    expect((await rejection(w.client.getSeqBatch([{ key: 'a', count: 0 }]))).code).toBe(ErrorCode.INVALID_SEQ_COUNT);
    expect(w.cluster.requests.length).toBe(0);
  });

  it('reports grants that do not match the batch as SEQ_UNCERTAIN, not as a success', async () => {
    const w = await world();
    w.cluster.server(A).hook = (ctx) => {
      ctx.serve();
      ctx.reply({ id: ctx.request.id, ok: true, grants: [{ key: 'other', start: 0n, count: 3 }, { key: 'invoices', start: 0n, count: 1 }], epoch: 1n });
    };
    const error = await rejection(drive(w.clock, w.client.getSeqBatch([{ key: 'orders', count: 3 }, { key: 'invoices', count: 1 }])));
    expect(error.code).toBe(ErrorCode.SEQ_UNCERTAIN);
    expect(error.details).toMatchObject({ cause: ErrorCode.PROTOCOL_VIOLATION, entries: [{ key: 'orders', count: 3 }, { key: 'invoices', count: 1 }] });
  });
});
