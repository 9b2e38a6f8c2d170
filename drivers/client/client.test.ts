// Behaviour of the client against a fake cluster speaking the real protocol over an in-memory
// transport, on a manual clock: coalescing and freshness, batch splitting, protocol violations,
// leader discovery (hints, stale hints, elections, redirect caps), timeouts, getSeq exactly-once
// retries and SEQ_UNCERTAIN, definitive errors, close.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { CLIENT_SEQ_IN_FLIGHT_MAX, CLIENT_WAITERS_MAX, GET_TS_COUNT_MAX } from '../../core/limits.js';
import { errorAnswer, type GetSeqRequest, type GetTsAnswer, isGetSeqAnswer } from '../../core/protocol.js';
import { setSometimesSink } from '../../core/sometimes.js';
import { createClientCore, type ClientEvent, type TsoClient } from './client.js';
import type { TimestampBatch } from './batch.js';
import type { RetryPolicy } from './retry.js';
import { FakeCluster, InMemoryTransport, ManualClock, drive, seededRandom, settle, type FakeRequestContext } from './testing.js';

const A = '10.0.0.1:50551';
const B = '10.0.0.2:50551';
const C = '10.0.0.3:50551';

interface World {
  /** The first request id the client uses: its creation's wall ms << 22. */
  readonly firstRequestId: bigint;
  readonly clock: ManualClock;
  readonly transport: InMemoryTransport;
  readonly cluster: FakeCluster;
  readonly client: TsoClient;
  readonly events: ClientEvent[];
}

async function world(options: { endpoints?: string[]; retry?: Partial<RetryPolicy>; seed?: number } = {}): Promise<World> {
  const clock = new ManualClock();
  const transport = new InMemoryTransport();
  const endpoints = options.endpoints ?? [A];
  const cluster = new FakeCluster(transport, clock, endpoints);
  await cluster.start();
  const events: ClientEvent[] = [];
  const client = createClientCore({
    endpoints,
    transport,
    clock,
    random: seededRandom(options.seed ?? 1),
    clientId: 7n,
    onEvent: (e) => events.push(e),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  });
  return { firstRequestId: BigInt(clock.wallMs()) << 22n, clock, transport, cluster, client, events };
}

/** A hook that holds every request until the test releases it. */
function holdAll(): { hook: (ctx: FakeRequestContext) => void; held: FakeRequestContext[] } {
  const held: FakeRequestContext[] = [];
  return { hook: (ctx) => void held.push(ctx), held };
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

describe('client coalescing', () => {
  it('sends one request for callers of the same turn and slices the grant exactly, in arrival order', async () => {
    const w = await world();
    const calls = Promise.all([w.client.getTsBatch(3), w.client.getTs(), w.client.getTsBatch(5)]);
    const [first, single, third] = await drive(w.clock, calls);
    expect(w.cluster.requests.map((r) => r.request)).toMatchObject([{ op: 'getTs', count: 9 }]);
    const grant = w.cluster.grants[0];
    expect(grant).toBeDefined();
    expect(first.first).toBe(grant?.first);
    expect(first.toArray()).toEqual([0n, 1n, 2n].map((i) => first.first + i));
    expect(single).toBe(first.last + 1n);
    expect(third.first).toBe(single + 1n);
    expect(third.count).toBe(5);
    expect(third.last).toBe(w.cluster.maxGrantedTs);
  });

  it('sends the first request after idle on the next microtask, without a timer', async () => {
    const w = await world();
    const held = holdAll();
    w.cluster.server(A).hook = held.hook;
    void w.client.getTs().catch(() => {});
    await settle();
    expect(held.held).toHaveLength(1);
    expect(w.clock.monotonicMs()).toBe(0);
    await w.client.close();
  });

  it('keeps one request in flight; callers arriving meanwhile get timestamps granted after they called', async () => {
    const w = await world();
    const held = holdAll();
    w.cluster.server(A).hook = held.hook;
    const early = w.client.getTsBatch(2);
    await settle();
    // The server grants the first batch now; its answer is still on the way back.
    const firstCtx = held.held[0];
    expect(firstCtx).toBeDefined();
    const firstAnswer = firstCtx!.serve();
    const grantedBeforeLateCallers = w.cluster.maxGrantedTs;
    const late = Promise.all([w.client.getTs(), w.client.getTsBatch(4)]);
    await settle();
    expect(held.held).toHaveLength(1); // still one in flight
    firstCtx!.reply(firstAnswer);
    await settle();
    expect(held.held).toHaveLength(2);
    expect(held.held[1]?.request).toMatchObject({ op: 'getTs', count: 5 });
    held.held[1]!.reply(held.held[1]!.serve());
    const [lateSingle, lateBatch] = await drive(w.clock, late);
    expect((await early).count).toBe(2);
    expect(lateSingle > grantedBeforeLateCallers).toBe(true);
    expect(lateBatch.first).toBe(lateSingle + 1n);
  });

  it('property: exact counts, no duplicates, freshness and one request in flight under any arrival pattern', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: GET_TS_COUNT_MAX })), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        async (waves) => {
          const w = await world();
          const held = holdAll();
          w.cluster.server(A).hook = held.hook;
          const calls: Array<{ count: number; freshAbove: bigint; result: Promise<TimestampBatch> }> = [];
          let released = 0;
          for (const wave of waves) {
            for (const count of wave) {
              calls.push({ count, freshAbove: w.cluster.maxGrantedTs, result: w.client.getTsBatch(count) });
            }
            await settle();
            // Release whatever is in flight; never more than one request is.
            expect(held.held.length - released).toBeLessThanOrEqual(1);
            const ctx = held.held[released];
            if (ctx !== undefined) {
              released += 1;
              ctx.reply(ctx.serve());
            }
          }
          // Drain: answer each round as it comes, until every call has its answer.
          let pending = calls.length;
          for (const c of calls) c.result.then(() => (pending -= 1), () => (pending -= 1));
          for (let guard = 0; guard < 100 && pending > 0; guard += 1) {
            await settle();
            expect(held.held.length - released).toBeLessThanOrEqual(1);
            const ctx = held.held[released];
            if (ctx === undefined) continue;
            released += 1;
            ctx.reply(ctx.serve());
          }
          const results = await drive(w.clock, Promise.all(calls.map((c) => c.result)));
          const ranges: Array<[bigint, bigint]> = [];
          results.forEach((batch, i) => {
            const call = calls[i]!;
            expect(batch.count).toBe(call.count);
            expect(batch.last - batch.first).toBe(BigInt(call.count - 1));
            expect(batch.first > call.freshAbove).toBe(true);
            ranges.push([batch.first, batch.last]);
          });
          // No timestamp is handed out twice: the ranges, sorted, do not overlap.
          ranges.sort((x, y) => (x[0] < y[0] ? -1 : 1));
          for (let i = 1; i < ranges.length; i += 1) expect(ranges[i]![0] > ranges[i - 1]![1]).toBe(true);
          const asked = w.cluster.requests.reduce((sum, r) => sum + (r.request.op === 'getTs' ? r.request.count : 0), 0);
          expect(asked).toBe(calls.reduce((sum, c) => sum + c.count, 0));
          await w.client.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('splits callers whose total exceeds 262,144 into rounds, in arrival order', async () => {
    const w = await world();
    const calls = Promise.all([w.client.getTsBatch(200_000), w.client.getTsBatch(200_000), w.client.getTs()]);
    const [a, b, c] = await drive(w.clock, calls);
    expect(w.cluster.requests.map((r) => (r.request.op === 'getTs' ? r.request.count : 0))).toEqual([200_000, 200_001]);
    expect(b.first > a.last).toBe(true);
    expect(c).toBe(b.last + 1n);
  });

  it('fails every caller of a batch with PROTOCOL_VIOLATION when the grant is longer or shorter than asked', async () => {
    for (const delta of [1, -1]) {
      const w = await world();
      w.cluster.server(A).hook = (ctx) => {
        const answer = ctx.serve() as GetTsAnswer;
        ctx.reply({ ...answer, count: answer.count + delta });
      };
      const outcomes = await drive(w.clock, Promise.allSettled([w.client.getTsBatch(2), w.client.getTs()]));
      for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.PROTOCOL_VIOLATION } });
      expect(w.cluster.requests).toHaveLength(1); // not retried
      w.cluster.server(A).hook = null;
      expect(typeof (await drive(w.clock, w.client.getTs()))).toBe('bigint'); // the next round works
    }
  });

  it('fails the batch with PROTOCOL_VIOLATION when the server sends undecodable bytes', async () => {
    const w = await world();
    w.cluster.server(A).hook = (ctx) => ctx.replyRaw(new Uint8Array([0xc1, 0x00]));
    expect((await rejection(drive(w.clock, w.client.getTs()))).code).toBe(ErrorCode.PROTOCOL_VIOLATION);
  });

  it('rejects counts outside 1..262,144 with INVALID_COUNT before any I/O', async () => {
    const w = await world();
    for (const count of [0, -1, GET_TS_COUNT_MAX + 1, 1.5, Number.NaN]) {
      expect((await rejection(w.client.getTsBatch(count))).code).toBe(ErrorCode.INVALID_COUNT);
    }
    expect(w.transport.connects).toBe(0);
    expect((await drive(w.clock, w.client.getTsBatch(GET_TS_COUNT_MAX))).count).toBe(GET_TS_COUNT_MAX);
  });

  it('rejects callers beyond CLIENT_WAITERS_MAX with RESOURCE_EXHAUSTED', async () => {
    const w = await world();
    w.cluster.server(A).hook = holdAll().hook;
    const waiting: Array<Promise<bigint>> = [];
    for (let i = 0; i < CLIENT_WAITERS_MAX; i += 1) waiting.push(w.client.getTs());
    for (const p of waiting) p.catch(() => {});
    expect((await rejection(w.client.getTs())).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    await w.client.close();
  });
});

describe('client leader discovery', () => {
  it('follows a NOT_LEADER hint at once: no backoff, no attempt charged, then caches the leader', async () => {
    const w = await world({ endpoints: [A, B, C] });
    w.cluster.setLeader(C, 4n);
    const ts = await drive(w.clock, w.client.getTs());
    expect(typeof ts).toBe('bigint');
    expect(w.events.some((e) => e.type === 'backoff')).toBe(false);
    expect(w.clock.monotonicMs()).toBe(0);
    expect(w.client.cachedLeader()).toEqual({ endpoint: C, epoch: 4n });
    const asked = w.cluster.requests.length;
    await drive(w.clock, w.client.getTs());
    expect(w.cluster.requests.slice(asked).map((r) => r.endpoint)).toEqual([C]);
  });

  it('ignores a hint older than the cached leader epoch', async () => {
    const w = await world({ endpoints: [A, B, C] });
    w.cluster.setLeader(A, 5n);
    await drive(w.clock, w.client.getTs());
    expect(w.client.cachedLeader()).toEqual({ endpoint: A, epoch: 5n });
    // A is deposed and points at B with an older epoch; the real leader is C at epoch 6.
    w.cluster.setLeader(C, 6n);
    w.cluster.server(A).hook = (ctx) => ctx.reply(errorAnswer(ctx.request.id, ErrorCode.NOT_LEADER, 'not leader', { leaderEndpoint: B, leaderEpoch: 4n }));
    await drive(w.clock, w.client.getTs());
    expect(w.events).toContainEqual({ type: 'hintIgnored', op: 'getTs', endpoint: A, reason: 'stale' });
    expect(w.events.some((e) => e.type === 'redirect' && e.from === A && e.to === B)).toBe(false);
    expect(w.client.cachedLeader()).toEqual({ endpoint: C, epoch: 6n });
  });

  it('on NOT_LEADER without a hint backs off and re-polls until a leader appears', async () => {
    const w = await world({ endpoints: [A, B] });
    w.cluster.setLeader(null);
    w.clock.setTimer(700, () => w.cluster.setLeader(B, 2n));
    const ts = await drive(w.clock, w.client.getTs());
    expect(typeof ts).toBe('bigint');
    expect(w.events.filter((e) => e.type === 'backoff').length).toBeGreaterThan(0);
    expect(w.events.some((e) => e.type === 'hintIgnored' && e.reason === 'none')).toBe(true);
    expect(w.clock.monotonicMs()).toBeGreaterThanOrEqual(700);
    expect(w.client.cachedLeader()?.endpoint).toBe(B);
  });

  it('rides out a failover while followers still point at the dead leader (regression: attempts ran out with TRANSPORT)', async () => {
    const w = await world({ endpoints: [A, B, C] });
    w.cluster.setLeader(A, 3n);
    await drive(w.clock, w.client.getTs());
    // A dies; B and C keep hinting at A until, 800 ms later, C wins the election.
    w.transport.setReachable(A, false);
    w.transport.dropConnections(A);
    w.clock.setTimer(800, () => w.cluster.setLeader(C, 4n));
    const ts = await drive(w.clock, w.client.getTs());
    expect(typeof ts).toBe('bigint');
    expect(w.client.cachedLeader()).toEqual({ endpoint: C, epoch: 4n });
    expect(w.clock.monotonicMs()).toBeGreaterThanOrEqual(800);
  });

  it('still gives up after attemptsMax failed dials when no endpoint can be reached at all', async () => {
    const w = await world({ endpoints: [A, B, C] });
    for (const e of [A, B, C]) w.transport.setReachable(e, false);
    expect((await rejection(drive(w.clock, w.client.getTs()))).code).toBe(ErrorCode.NO_REACHABLE_ENDPOINTS);
  });

  it('gives up with TIMEOUT at the overall deadline while no leader is elected', async () => {
    const w = await world({ endpoints: [A, B] });
    w.cluster.setLeader(null);
    const error = await rejection(drive(w.clock, w.client.getTs()));
    expect(error.code).toBe(ErrorCode.TIMEOUT);
    expect(error.details).toMatchObject({ lastCode: ErrorCode.NOT_LEADER });
    expect(w.clock.monotonicMs()).toBeLessThanOrEqual(10_000);
  });

  it('stops with NOT_LEADER when hints keep redirecting past the cap', async () => {
    const w = await world({ endpoints: [A, B] });
    w.cluster.server(A).hook = (ctx) => ctx.reply(errorAnswer(ctx.request.id, ErrorCode.NOT_LEADER, 'ask B', { leaderEndpoint: B }));
    w.cluster.server(B).hook = (ctx) => ctx.reply(errorAnswer(ctx.request.id, ErrorCode.NOT_LEADER, 'ask A', { leaderEndpoint: A }));
    const error = await rejection(drive(w.clock, w.client.getTs()));
    expect(error.code).toBe(ErrorCode.NOT_LEADER);
    expect(w.events.filter((e) => e.type === 'redirect')).toHaveLength(64);
    expect(w.events.some((e) => e.type === 'hintIgnored' && e.reason === 'redirect_cap')).toBe(true);
  });

  it('forgets the cached leader after leaderTtlMs without use', async () => {
    const w = await world({ retry: { leaderTtlMs: 1_000 } });
    await drive(w.clock, w.client.getTs());
    expect(w.client.cachedLeader()?.endpoint).toBe(A);
    w.clock.advanceBy(1_001);
    expect(w.client.cachedLeader()).toBeNull();
  });

  it('moves to the next endpoint when an attempt stalls, after the stall timeout rather than the attempt timeout', async () => {
    const w = await world({ endpoints: [A, B] });
    let dropped = 0;
    w.cluster.server(A).hook = (ctx) => {
      if (dropped === 0) {
        dropped += 1; // swallow the first request: no answer ever
        return;
      }
      ctx.reply(ctx.serve());
    };
    await drive(w.clock, w.client.getTs()); // learn the leader (A answered or B redirected)
    const before = w.clock.monotonicMs();
    dropped = 0;
    const ts = await drive(w.clock, w.client.getTs());
    expect(typeof ts).toBe('bigint');
    expect(w.events.some((e) => e.type === 'attemptFailed' && e.code === ErrorCode.TIMEOUT && e.endpoint === A)).toBe(true);
    expect(w.events.some((e) => e.type === 'stalled' && e.endpoint === A && e.waitedMs === 500)).toBe(true);
    expect(w.clock.monotonicMs() - before).toBeGreaterThanOrEqual(500);
    expect(w.clock.monotonicMs() - before).toBeLessThan(2_000);
    // A stall keeps the connection: the server may only be slow.
    expect(w.events.some((e) => e.type === 'disconnected' && e.endpoint === A)).toBe(false);
  });

  it('fails with TIMEOUT when the leader never answers', async () => {
    const w = await world();
    w.cluster.server(A).hook = () => {};
    const error = await rejection(drive(w.clock, w.client.getTs()));
    expect(error.code).toBe(ErrorCode.TIMEOUT);
    expect(w.clock.monotonicMs()).toBeLessThanOrEqual(12_000);
    expect(w.clock.pendingTimers).toBe(0);
  });

  it('fails with NO_REACHABLE_ENDPOINTS when no endpoint accepts a connection', async () => {
    const w = await world({ endpoints: [A, B] });
    w.transport.setReachable(A, false);
    w.transport.setReachable(B, false);
    const error = await rejection(drive(w.clock, w.client.getTs()));
    expect(error.code).toBe(ErrorCode.NO_REACHABLE_ENDPOINTS);
    expect(w.transport.connects).toBe(5); // attemptsMax dials, alternating
  });

  it('reconnects after the server drops the connection', async () => {
    const w = await world();
    await drive(w.clock, w.client.getTs());
    w.transport.dropConnections(A);
    await settle();
    expect(typeof (await drive(w.clock, w.client.getTs()))).toBe('bigint');
    expect(w.transport.connects).toBe(2);
  });

  it('refuses a configuration without endpoints or with a malformed one', () => {
    const base = { transport: new InMemoryTransport(), clock: new ManualClock(), random: seededRandom(1) };
    expect(() => createClientCore({ ...base, endpoints: [] })).toThrow(expect.objectContaining({ code: ErrorCode.NO_REACHABLE_ENDPOINTS }));
    expect(() => createClientCore({ ...base, endpoints: ['nope'] })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }));
    expect(() => createClientCore({ ...base, endpoints: [A], retry: { attemptsMax: 0 } })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }));
    expect(() => createClientCore({ ...base, endpoints: [A], clientId: -1n })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }));
  });
});

describe('client getSeq', () => {
  const seqRequests = (w: World): GetSeqRequest[] => w.cluster.requests.map((r) => r.request).filter((r): r is GetSeqRequest => r.op === 'getSeq');

  it('gives each call a new requestId, counting up from its creation wall ms << 22, with the client id', async () => {
    const w = await world();
    const blocks = await drive(w.clock, Promise.all([w.client.getSeq('orders', 3), w.client.getSeq('orders', 2), w.client.getSeq('users', 1)]));
    expect(blocks.map((b) => [b.key, b.start, b.count])).toEqual([
      ['orders', 0n, 3],
      ['orders', 3n, 2],
      ['users', 0n, 1],
    ]);
    expect(seqRequests(w).map((r) => [r.clientId, r.requestId])).toEqual([
      [7n, w.firstRequestId],
      [7n, w.firstRequestId + 1n],
      [7n, w.firstRequestId + 2n],
    ]);
  });

  it('retries after the connection drops post-send with the same requestId and gets the same block', async () => {
    const w = await world();
    let drops = 0;
    w.cluster.server(A).hook = (ctx) => {
      const answer = ctx.serve(); // executed: the block is granted and durable
      if (drops === 0) {
        drops += 1;
        ctx.closeConnection(); // ...but the answer is lost
        return;
      }
      ctx.reply(answer);
    };
    const block = await drive(w.clock, w.client.getSeq('orders', 10));
    expect(block).toMatchObject({ key: 'orders', start: 0n, count: 10 });
    expect(seqRequests(w).map((r) => r.requestId)).toEqual([w.firstRequestId, w.firstRequestId]);
    expect(w.cluster.seqExecutions).toBe(1);
    const next = await drive(w.clock, w.client.getSeq('orders', 5));
    expect(next.start).toBe(10n); // no gap, no overlap
  });

  it('retries UNAVAILABLE with the same requestId', async () => {
    const w = await world();
    let unavailable = 1;
    w.cluster.server(A).hook = (ctx) => {
      if (unavailable-- > 0) ctx.reply(errorAnswer(ctx.request.id, ErrorCode.UNAVAILABLE, 'persist failed'));
      else ctx.reply(ctx.serve());
    };
    const block = await drive(w.clock, w.client.getSeq('k', 1));
    expect(block.start).toBe(0n);
    expect(seqRequests(w).map((r) => r.requestId)).toEqual([w.firstRequestId, w.firstRequestId]);
  });

  it('follows a NOT_LEADER hint with the same requestId', async () => {
    const w = await world({ endpoints: [A, B] });
    w.cluster.setLeader(B, 3n);
    await drive(w.clock, w.client.getSeq('k', 1));
    const requests = seqRequests(w);
    expect(new Set(requests.map((r) => r.requestId))).toEqual(new Set([w.firstRequestId]));
    expect(w.cluster.requests.at(-1)?.endpoint).toBe(B);
  });

  it('rides out an unknown outcome until the overall deadline, then fails SEQ_UNCERTAIN carrying the pair', async () => {
    const w = await world();
    w.cluster.server(A).hook = (ctx) => {
      ctx.serve();
      ctx.closeConnection();
    };
    const error = await rejection(drive(w.clock, w.client.getSeq('orders', 1)));
    expect(error.code).toBe(ErrorCode.SEQ_UNCERTAIN);
    expect(error.details).toMatchObject({ requestId: w.firstRequestId, clientId: 7n, key: 'orders' });
    expect(new Set(seqRequests(w).map((r) => r.requestId))).toEqual(new Set([w.firstRequestId]));
    // More than attemptsMax (5): an unknown outcome is worth every retry the deadline allows.
    expect(seqRequests(w).length).toBeGreaterThan(5);
    expect(w.clock.monotonicMs()).toBeGreaterThanOrEqual(10_000 - 1);
  });

  it('fails SEQ_UNCERTAIN when an answer grants another count than asked (rare path client.seq_block_count_mismatch)', async () => {
    const w = await world();
    w.cluster.server(A).hook = (ctx) => {
      const served = ctx.serve();
      if (!isGetSeqAnswer(served)) throw new Error('expected a getSeq answer');
      ctx.reply({ ...served, count: served.count + 1 });
    };
    const marks: string[] = [];
    const previous = setSometimesSink((name) => marks.push(name));
    try {
      const error = await rejection(drive(w.clock, w.client.getSeq('orders', 2)));
      expect(error.code).toBe(ErrorCode.SEQ_UNCERTAIN);
    } finally {
      setSometimesSink(previous);
    }
    expect(marks).toContain('client.seq_block_count_mismatch');
  });

  it('fails with SEQ_UNCERTAIN when an attempt timed out after send and time ran out', async () => {
    const w = await world();
    w.cluster.server(A).hook = () => {};
    const error = await rejection(drive(w.clock, w.client.getSeq('orders', 1)));
    expect(error.code).toBe(ErrorCode.SEQ_UNCERTAIN);
    expect(error.details).toMatchObject({ requestId: w.firstRequestId });
  });

  it('fails with SEQ_UNCERTAIN when the server forgot a request that may have executed (SEQ_SESSION_EXPIRED after an unknown attempt)', async () => {
    const w = await world();
    let attempts = 0;
    w.cluster.server(A).hook = (ctx) => {
      attempts += 1;
      if (attempts === 1) {
        ctx.serve();
        ctx.closeConnection(); // executed, answer lost
        return;
      }
      ctx.reply(errorAnswer(ctx.request.id, ErrorCode.SEQ_SESSION_EXPIRED, 'forgotten'));
    };
    const error = await rejection(drive(w.clock, w.client.getSeq('orders', 1)));
    expect(error.code).toBe(ErrorCode.SEQ_UNCERTAIN);
    expect(error.details).toMatchObject({ requestId: w.firstRequestId, cause: ErrorCode.SEQ_SESSION_EXPIRED });
    expect(seqRequests(w)).toHaveLength(2);
    expect(new Set(seqRequests(w).map((r) => r.requestId)).size).toBe(1); // the pair may name a granted block
  });

  it('jumps its request ids to requestIdsFrom when a call that cannot have executed is refused as expired, and asks again', async () => {
    const w = await world();
    const from = w.firstRequestId + 1_000_000n;
    let refused = 0;
    w.cluster.server(A).hook = (ctx) => {
      if (refused === 0) {
        refused += 1;
        ctx.reply(errorAnswer(ctx.request.id, ErrorCode.SEQ_SESSION_EXPIRED, 'evicted', { requestIdsFrom: from }));
        return;
      }
      ctx.reply(ctx.serve());
    };
    const block = await drive(w.clock, w.client.getSeq('orders', 4));
    expect(block).toMatchObject({ key: 'orders', start: 0n, count: 4 });
    const [first, second] = seqRequests(w);
    expect(first).toMatchObject({ clientId: 7n, requestId: w.firstRequestId });
    expect(second).toMatchObject({ clientId: 7n, requestId: from });
    expect(w.events).toContainEqual({ type: 'requestIdsJumped', from: w.firstRequestId + 1n, to: from });
    // The call tells which request id it left for which (a history of calls follows it).
    expect(w.events).toContainEqual({ type: 'requestIdRenewed', previous: w.firstRequestId, next: from });
    expect(w.cluster.seqExecutions).toBe(1);
    // Later calls count on from there.
    await drive(w.clock, w.client.getSeq('orders', 1));
    expect(seqRequests(w).at(-1)?.requestId).toBe(from + 1n);
  });

  it('gives up with SEQ_SESSION_EXPIRED (nothing executed) when the server keeps refusing, or names no requestIdsFrom', async () => {
    const w = await world();
    w.cluster.server(A).hook = (ctx) => ctx.reply(errorAnswer(ctx.request.id, ErrorCode.SEQ_SESSION_EXPIRED, 'evicted', { requestIdsFrom: (ctx.request as GetSeqRequest).requestId + 10n }));
    const error = await rejection(drive(w.clock, w.client.getSeq('orders', 1)));
    expect(error.code).toBe(ErrorCode.SEQ_SESSION_EXPIRED);
    expect(seqRequests(w)).toHaveLength(4); // the first pair, then three jumps
    const v = await world();
    v.cluster.server(A).hook = (ctx) => ctx.reply(errorAnswer(ctx.request.id, ErrorCode.SEQ_SESSION_EXPIRED, 'forgotten'));
    expect((await rejection(drive(v.clock, v.client.getSeq('orders', 1)))).code).toBe(ErrorCode.SEQ_SESSION_EXPIRED);
    expect(seqRequests(v)).toHaveLength(1);
  });

  it('maps an INVALID_ARGUMENT named SEQ_REQUEST_REUSED to its own code, at once', async () => {
    const w = await world();
    w.cluster.server(A).hook = (ctx) => ctx.reply(errorAnswer(ctx.request.id, ErrorCode.INVALID_ARGUMENT, 'SEQ_REQUEST_REUSED: request 1 of client 7 was applied with another key or count'));
    const error = await rejection(drive(w.clock, w.client.getSeq('orders', 1)));
    expect(error.code).toBe(ErrorCode.SEQ_REQUEST_REUSED);
    expect(seqRequests(w)).toHaveLength(1);
  });

  it('does not retry definitive errors: INVALID_ARGUMENT and RESOURCE_EXHAUSTED reject at once', async () => {
    for (const code of [ErrorCode.INVALID_ARGUMENT, ErrorCode.RESOURCE_EXHAUSTED] as const) {
      const w = await world();
      w.cluster.server(A).hook = (ctx) => ctx.reply(errorAnswer(ctx.request.id, code, 'no'));
      const error = await rejection(drive(w.clock, w.client.getSeq('orders', 1)));
      expect(error.code).toBe(code);
      expect(error.details).toMatchObject({ requestId: w.firstRequestId });
      expect(seqRequests(w)).toHaveLength(1);
    }
  });

  it('validates the key and the count before any I/O', async () => {
    const w = await world();
    for (const key of ['', 'x'.repeat(129), '\uD800']) expect((await rejection(w.client.getSeq(key, 1))).code).toBe(ErrorCode.INVALID_SEQ_KEY);
    for (const count of [0, 65_537, 2.5]) expect((await rejection(w.client.getSeq('k', count))).code).toBe(ErrorCode.INVALID_SEQ_COUNT);
    expect(w.transport.connects).toBe(0);
  });

  it('fails with a plain error, not SEQ_UNCERTAIN, when the request never left the client', async () => {
    const w = await world();
    w.transport.setReachable(A, false);
    expect((await rejection(drive(w.clock, w.client.getSeq('k', 1)))).code).toBe(ErrorCode.NO_REACHABLE_ENDPOINTS);
  });

  it(`keeps at most CLIENT_SEQ_IN_FLIGHT_MAX (${CLIENT_SEQ_IN_FLIGHT_MAX}) getSeq in flight; the rest wait their turn`, async () => {
    const w = await world();
    const held = holdAll();
    w.cluster.server(A).hook = held.hook;
    const calls = Array.from({ length: CLIENT_SEQ_IN_FLIGHT_MAX + 40 }, () => w.client.getSeq('k', 1));
    await settle();
    await settle();
    expect(held.held).toHaveLength(CLIENT_SEQ_IN_FLIGHT_MAX);
    w.cluster.server(A).hook = null;
    for (const ctx of held.held) ctx.reply(ctx.serve());
    const blocks = await drive(w.clock, Promise.all(calls));
    expect(blocks.map((b) => b.start)).toEqual(blocks.map((_, i) => BigInt(i)));
    expect(seqRequests(w)).toHaveLength(CLIENT_SEQ_IN_FLIGHT_MAX + 40);
  });
});

describe('client: every call ends, and holds its process while pending', () => {
  it('holds the keep-alive exactly while calls are pending, and releases it when they settle', async () => {
    const clock = new ManualClock();
    const transport = new InMemoryTransport();
    const cluster = new FakeCluster(transport, clock, [A]);
    await cluster.start();
    const log: string[] = [];
    const client = createClientCore({
      endpoints: [A],
      transport,
      clock,
      random: seededRandom(1),
      keepAlive: { hold: () => log.push('hold'), release: () => log.push('release') },
    });
    expect(log).toEqual([]); // an idle client holds nothing
    const calls = Promise.all([client.getTs(), client.getSeq('k', 1), client.getTsBatch(3)]);
    expect(log).toEqual(['hold']);
    await drive(clock, calls);
    expect(log).toEqual(['hold', 'release']);
    await drive(clock, client.getTs());
    expect(log).toEqual(['hold', 'release', 'hold', 'release']);
    // A pending call at close is released too.
    cluster.server(A).hook = holdAll().hook;
    const pending = client.getSeq('k', 1);
    await client.close();
    await rejection(pending);
    expect(log).toEqual(['hold', 'release', 'hold', 'release', 'hold', 'release']);
  });

  it('settles a call at its overall deadline even in the middle of an attempt that would last longer', async () => {
    const w = await world({ retry: { attemptTimeoutMs: 60_000, overallTimeoutMs: 1_000 } });
    w.cluster.server(A).hook = () => {}; // swallowed: no answer, no close
    const ts = w.client.getTs();
    const seq = w.client.getSeq('k', 1);
    const [tsError, seqError] = await drive(w.clock, Promise.all([rejection(ts), rejection(seq)]));
    expect(w.clock.monotonicMs()).toBe(1_000);
    expect(tsError.code).toBe(ErrorCode.TIMEOUT);
    expect(seqError.code).toBe(ErrorCode.SEQ_UNCERTAIN); // it was sent: it may have executed
    expect(seqError.details).toMatchObject({ requestId: w.firstRequestId, cause: ErrorCode.TIMEOUT });
    await settle();
    expect(w.clock.pendingTimers).toBe(0); // the attempts were cut short, the sweeper disarmed
  });

  it('property: whatever the server does, every call settles by its overall deadline', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('swallow', 'close', 'serve', 'unavailable', 'notLeader', 'drop'), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 200, max: 5_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        async (behaviours, overallTimeoutMs, seed) => {
          const w = await world({ endpoints: [A, B], retry: { overallTimeoutMs, attemptsMax: 1_000 }, seed });
          let n = 0;
          const hook = (ctx: FakeRequestContext): void => {
            const behaviour = behaviours[n++ % behaviours.length];
            if (behaviour === 'swallow') return;
            if (behaviour === 'close') return ctx.closeConnection();
            if (behaviour === 'drop') {
              ctx.serve();
              return ctx.closeConnection();
            }
            if (behaviour === 'unavailable') return ctx.reply(errorAnswer(ctx.request.id, ErrorCode.UNAVAILABLE, 'later'));
            if (behaviour === 'notLeader') return ctx.reply(errorAnswer(ctx.request.id, ErrorCode.NOT_LEADER, 'no'));
            ctx.reply(ctx.serve());
          };
          w.cluster.server(A).hook = hook;
          w.cluster.server(B).hook = hook;
          const outcomes = await drive(
            w.clock,
            Promise.allSettled([w.client.getTs(), w.client.getSeq('k', 1), w.client.getTsBatch(2)]),
          );
          expect(w.clock.monotonicMs()).toBeLessThanOrEqual(overallTimeoutMs);
          for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(TsoError);
          await w.client.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('client: retries that fit the failure', () => {
  it('rides out a restart of an endpoint that answered before, past attemptsMax, within the deadline', async () => {
    const w = await world();
    await drive(w.clock, w.client.getTs()); // A answered this client
    w.transport.setReachable(A, false); // A restarts: refused for 1.5 s
    const ts = w.client.getTs();
    const seq = w.client.getSeq('k', 2);
    w.clock.setTimer(1_500, () => w.transport.setReachable(A, true));
    const [value, block] = await drive(w.clock, Promise.all([ts, seq]));
    expect(typeof value).toBe('bigint');
    expect(block).toMatchObject({ key: 'k', start: 0n, count: 2 });
    expect(w.events.filter((e) => e.type === 'attemptFailed').length).toBeGreaterThan(5);
    expect(w.clock.monotonicMs()).toBeGreaterThanOrEqual(1_500);
  });

  it('still gives up after attemptsMax on an endpoint that never answered this client', async () => {
    const w = await world();
    w.transport.setReachable(A, false);
    expect((await rejection(drive(w.clock, w.client.getTs()))).code).toBe(ErrorCode.NO_REACHABLE_ENDPOINTS);
    expect(w.events.filter((e) => e.type === 'attemptFailed')).toHaveLength(5);
  });

  it('with one endpoint, waits the full attempt timeout (there is nowhere else to go)', async () => {
    const w = await world();
    let swallowed = 0;
    w.cluster.server(A).hook = (ctx) => {
      if (swallowed++ === 0) return;
      ctx.reply(ctx.serve());
    };
    await drive(w.clock, w.client.getTs());
    expect(w.events.some((e) => e.type === 'stalled')).toBe(false);
    expect(w.clock.monotonicMs()).toBeGreaterThanOrEqual(2_000);
  });

  it('leaves a paused leader after the stall timeout and is served by the new leader, with the same getSeq pair', async () => {
    const w = await world({ endpoints: [A, B, C] });
    await drive(w.clock, w.client.getSeq('k', 1)); // learn the leader (A)
    expect(w.client.cachedLeader()?.endpoint).toBe(A);
    // A is paused: it swallows everything. After 300 ms B wins the election.
    w.cluster.server(A).hook = () => {};
    w.clock.setTimer(300, () => w.cluster.setLeader(B, 2n));
    const startedMs = w.clock.monotonicMs();
    const before = seqRequestsOf(w).length;
    const block = await drive(w.clock, w.client.getSeq('k', 1));
    expect(block.start).toBe(1n);
    expect(w.clock.monotonicMs() - startedMs).toBeLessThan(1_000);
    expect(w.events.some((e) => e.type === 'stalled' && e.endpoint === A)).toBe(true);
    const pairs = new Set(seqRequestsOf(w).slice(before).map((r) => `${r.clientId}/${r.requestId}`));
    expect(pairs.size).toBe(1);
  });
});

function seqRequestsOf(w: World): GetSeqRequest[] {
  return w.cluster.requests.map((r) => r.request).filter((r): r is GetSeqRequest => r.op === 'getSeq');
}

describe('client: a timed-out attempt and the connection it shares', () => {
  /**
   * One endpoint, three calls on its one connection: getSeq 'slow' (t=0) whose first request is
   * never answered, a getTs (t=0) answered at t=50 while the slow attempt waits, and getSeq
   * 'held' (t=60) answered at t=120. The slow attempt times out at t=100, while 'held' is in
   * flight well within its own attempt timeout.
   */
  async function sharedConnection(): Promise<{ w: World; slow: Promise<unknown>; held: Promise<unknown>; ts: Promise<unknown> }> {
    const w = await world({ retry: { attemptTimeoutMs: 100, overallTimeoutMs: 1_000 } });
    let slowSeen = 0;
    w.cluster.server(A).hook = (ctx) => {
      const r = ctx.request;
      if (r.op === 'getSeq' && r.key === 'slow' && slowSeen++ === 0) return;
      const delayMs = r.op === 'getSeq' && r.key === 'held' ? 60 : r.op === 'getTs' ? 50 : 0;
      const answer = ctx.serve();
      w.clock.setTimer(delayMs, () => ctx.reply(answer));
    };
    await drive(w.clock, w.client.getTs()); // the connection is open, the leader known
    w.events.length = 0;
    const connectsBefore = w.transport.connects;
    const slow = w.client.getSeq('slow', 1);
    const ts = w.client.getTs();
    const held = new Promise<unknown>((resolve) => w.clock.setTimer(60, () => resolve(w.client.getSeq('held', 1))));
    expect(connectsBefore).toBe(1);
    return { w, slow, held, ts };
  }

  it('keeps a connection that carried other answers while the attempt waited: its sibling getSeq is answered on its first request (paxos 3-node simulator seed 1535)', async () => {
    const { w, slow, held, ts } = await sharedConnection();
    await drive(w.clock, Promise.all([slow, held, ts]));
    expect(w.events.some((e) => e.type === 'attemptFailed' && e.code === ErrorCode.TIMEOUT)).toBe(true);
    // The sibling was not failed by a closed connection and re-sent: one request, one connection.
    expect(seqRequestsOf(w).filter((r) => r.key === 'held')).toHaveLength(1);
    expect(w.events.some((e) => e.type === 'disconnected')).toBe(false);
    expect(w.transport.connects).toBe(1);
  });

  it('closes and re-dials a connection that stayed silent for the whole attempt', async () => {
    const w = await world({ retry: { attemptTimeoutMs: 100, overallTimeoutMs: 1_000 } });
    await drive(w.clock, w.client.getTs());
    let first = true;
    w.cluster.server(A).hook = (ctx) => {
      if (first) {
        first = false;
        return; // no answer, and nothing else on the connection
      }
      ctx.reply(ctx.serve());
    };
    await drive(w.clock, w.client.getSeq('k', 1));
    expect(w.events.some((e) => e.type === 'disconnected' && e.endpoint === A)).toBe(true);
    expect(w.transport.connects).toBe(2);
  });
});

describe('client close', () => {
  it('rejects pending getTs and getSeq calls with CLIENT_CLOSED, and every later call', async () => {
    const w = await world();
    w.cluster.server(A).hook = holdAll().hook;
    const ts = w.client.getTs();
    const seq = w.client.getSeq('k', 1);
    await settle();
    await w.client.close();
    expect((await rejection(ts)).code).toBe(ErrorCode.CLIENT_CLOSED);
    const seqError = await rejection(seq);
    expect(seqError.code).toBe(ErrorCode.CLIENT_CLOSED);
    expect(seqError.details).toMatchObject({ requestId: w.firstRequestId, outcomeUnknown: true });
    expect((await rejection(w.client.getTs())).code).toBe(ErrorCode.CLIENT_CLOSED);
    expect((await rejection(w.client.getSeq('k', 1))).code).toBe(ErrorCode.CLIENT_CLOSED);
    await settle();
    expect(w.clock.pendingTimers).toBe(0);
    expect(w.transport.openConnections(A)).toBe(0);
    await w.client.close(); // idempotent
  });

  it('interrupts a backoff sleep', async () => {
    const w = await world();
    w.cluster.setLeader(null);
    const ts = w.client.getTs();
    for (let i = 0; i < 5 && !w.events.some((e) => e.type === 'backoff'); i += 1) await settle();
    expect(w.events.some((e) => e.type === 'backoff')).toBe(true);
    await w.client.close();
    expect((await rejection(ts)).code).toBe(ErrorCode.CLIENT_CLOSED);
    expect(w.clock.pendingTimers).toBe(0);
  });
});
