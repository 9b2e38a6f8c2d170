// The etcd driver's contract (drivers/driver.ts) against a real etcd (a throwaway 1-member
// cluster on loopback): leadership and epochs, linearized load, persist "at least", refusal above
// PHYSICAL_MS_MAX, fencing of a deposed leader's writes, exactly-once sequence advances stored in
// etcd, and stepping down before the lease can expire. Skips, saying why, without `etcd`.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqLedger, type SeqAdvanceRequest } from '../../core/ledger.js';
import { PHYSICAL_MS_MAX, SEQ_SESSION_CLIENTS_MAX, SEQ_SESSION_RESULTS_PER_CLIENT_MAX } from '../../core/limits.js';
import type { LeaseRecord } from '../../core/oracle/leases.js';
import type { LeaderState } from '../driver.js';
import { NodeClock } from '../node/clock.js';
import { waitUntil } from '../node/test-support.js';
import { EtcdHttpClient, EtcdUnavailableError, type EtcdOp } from './etcd-client.js';
import { ETCD_SEQ_BATCH_KEYS_MAX, ETCD_SEQ_BATCH_MAX, ETCD_TXN_OPS_MAX_DEFAULT, EtcdDriver, type EtcdDriverOptions } from './etcd-driver.js';
import { ETCD_MISSING_REASON, startEtcdCluster, type EtcdTestCluster } from './test-support.js';

/** A stamping-lease record (core/oracle/leases.ts) with fixed times. */
function leaseRecord(leaseId: bigint, holder: string): LeaseRecord {
  return { leaseId, holder: new TextEncoder().encode(holder), holderEpoch: 1n, ttlMs: 5_000, tsUpperBoundMs: 1_700_000_000_000 + Number(leaseId), expiresAtMs: 1_700_000_005_000, superseded: false };
}

if (ETCD_MISSING_REASON !== null) console.warn(`skipping the etcd driver tests: ${ETCD_MISSING_REASON}`);

describe.skipIf(ETCD_MISSING_REASON !== null)('etcd driver against a real etcd', () => {
  let cluster: EtcdTestCluster;
  let prefixCount = 0;
  const drivers: EtcdDriver[] = [];

  beforeAll(async () => {
    cluster = await startEtcdCluster(1);
  });
  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close()));
    await cluster?.stop();
  });

  const freshPrefix = (): string => `/tsoracle/test-${process.pid}-${prefixCount++}`;

  function makeDriver(prefix: string, advertise: string, options: Partial<EtcdDriverOptions> = {}): EtcdDriver {
    const driver = new EtcdDriver({
      client: new EtcdHttpClient(cluster.endpointList, 1_000),
      clock: new NodeClock(),
      prefix,
      advertise,
      // Long enough that a loaded machine's slow keep-alive does not depose a test's leader.
      leaseTtlSeconds: 5,
      tickMs: 100,
      leaseMarginMs: 300,
      ...options,
    });
    drivers.push(driver);
    driver.start();
    return driver;
  }

  async function leaderOf(driver: EtcdDriver): Promise<bigint> {
    await waitUntil(() => driver.leaderState.kind === 'leader', 'the driver leads');
    return (driver.leaderState as { epoch: bigint }).epoch;
  }

  it('elects one leader whose epoch is the leader key create revision; another node follows it with that hint', async () => {
    const prefix = freshPrefix();
    const a = makeDriver(prefix, '127.0.0.1:7001');
    const epoch = await leaderOf(a);
    const stored = await new EtcdHttpClient(cluster.endpointList).range(`${prefix}/leader`);
    expect(stored.kvs[0]?.createRevision).toBe(epoch);
    expect(stored.kvs[0]?.value).toBe('127.0.0.1:7001');
    expect(a.hasLease()).toBe(true);

    const b = makeDriver(prefix, '127.0.0.1:7002');
    await waitUntil(() => b.leaderState.kind === 'follower', 'the second driver follows');
    const seen: LeaderState[] = [];
    b.subscribeLeadership((s) => seen.push(s));
    expect(seen).toEqual([{ kind: 'follower', leaderEndpoint: '127.0.0.1:7001', leaderEpoch: epoch }]);
    expect(b.hasLease()).toBe(false);
    const refused = await b.persistHighWater(10, epoch);
    expect(refused).toMatchObject({ ok: false, code: 'DRIVER_NOT_LEADER', leaderEndpoint: '127.0.0.1:7001', leaderEpoch: epoch });

    // The leader gives up (close revokes its lease): the follower takes over at a larger epoch.
    await a.close();
    const next = await leaderOf(b);
    expect(next).toBeGreaterThan(epoch);
  });

  it('persists "at least": never lowers, returns the durable value, loads it linearized, refuses above 2^46-1 before writing', async () => {
    const a = makeDriver(freshPrefix(), '127.0.0.1:7003');
    const epoch = await leaderOf(a);
    expect(await a.loadHighWater()).toEqual({ ok: true, highWaterMs: 0 });
    expect(await a.persistHighWater(1_000, epoch)).toEqual({ ok: true, highWaterMs: 1_000 });
    expect(await a.persistHighWater(500, epoch)).toEqual({ ok: true, highWaterMs: 1_000 });
    expect(await a.loadHighWater()).toEqual({ ok: true, highWaterMs: 1_000 });
    expect(await a.persistHighWater(PHYSICAL_MS_MAX, epoch)).toEqual({ ok: true, highWaterMs: PHYSICAL_MS_MAX });
    const refused = await a.persistHighWater(PHYSICAL_MS_MAX + 1, epoch);
    expect(refused).toMatchObject({ ok: false, code: 'DRIVER_OUT_OF_RANGE' });
    expect(await a.persistHighWater(-1, epoch)).toMatchObject({ ok: false, code: 'DRIVER_OUT_OF_RANGE' });
    expect(await a.loadHighWater()).toEqual({ ok: true, highWaterMs: PHYSICAL_MS_MAX });
    expect(await a.persistHighWater(2_000, epoch + 1n)).toMatchObject({ ok: false, code: 'DRIVER_FENCED' });
  });

  it('fences a deposed leader that has not noticed yet: its high-water and sequence writes fail, and nothing changes', async () => {
    for (const planted of [false, true]) {
      const prefix = freshPrefix();
      // A slow ticker: the old leader will not notice it was deposed before it writes.
      const old = makeDriver(prefix, '127.0.0.1:7004', { leaseTtlSeconds: 30, tickMs: 10_000, faults: { writeWithoutLeaderCompare: planted } });
      const oldEpoch = await leaderOf(old);
      expect(await old.persistHighWater(5_000, oldEpoch)).toEqual({ ok: true, highWaterMs: 5_000 });
      // Depose it behind its back: delete its leader key, as an expired lease would.
      const raw = new EtcdHttpClient(cluster.endpointList);
      await raw.txn([], [{ deleteRange: { key: `${prefix}/leader` } }], []);
      const next = makeDriver(prefix, '127.0.0.1:7005');
      const newEpoch = await leaderOf(next);
      expect(old.leaderState).toEqual({ kind: 'leader', epoch: oldEpoch });

      // Both calls pass its in-memory leader check (made together, before any answer comes back).
      const [write, seq] = await Promise.all([old.persistHighWater(9_000, oldEpoch), old.advanceSeq({ key: 'k', count: 3, clientId: 1n, requestId: 1n }, oldEpoch)]);
      if (planted) {
        // The planted bug (no leader compare) lets the deposed leader write: the fence is what stops it.
        expect(write).toEqual({ ok: true, highWaterMs: 9_000 });
        expect(seq.ok).toBe(true);
      } else {
        expect(write).toMatchObject({ ok: false, code: 'DRIVER_FENCED', leaderEndpoint: '127.0.0.1:7005', leaderEpoch: newEpoch });
        expect(seq).toMatchObject({ ok: false, code: 'DRIVER_FENCED' });
        expect(await next.loadHighWater()).toEqual({ ok: true, highWaterMs: 5_000 });
        expect(await next.loadSeq('k')).toEqual({ ok: true, next: 0n });
        expect(old.leaderState.kind).not.toBe('leader');
        expect(old.hasLease()).toBe(false);
      }
      await old.close();
      await next.close();
    }
  });

  it('keeps the stamping-lease set in etcd: empty at first, replaced whole and read back exactly, a deposed leader refused and nothing changed', async () => {
    const prefix = freshPrefix();
    const old = makeDriver(prefix, '127.0.0.1:7012', { leaseTtlSeconds: 30, tickMs: 10_000 });
    const oldEpoch = await leaderOf(old);
    expect(await old.loadLeases()).toEqual({ ok: true, leases: [] });
    const first = [leaseRecord(1n, 'holder-a'), leaseRecord(2n, 'holder-b')];
    expect(await old.persistLeases(first, oldEpoch)).toEqual({ ok: true });
    expect(await old.loadLeases()).toEqual({ ok: true, leases: first });
    const second = [leaseRecord(2n, 'holder-b'), leaseRecord(3n, 'holder-c')];
    expect(await old.persistLeases(second, oldEpoch)).toEqual({ ok: true });
    expect(await old.loadLeases()).toEqual({ ok: true, leases: second });
    // Depose it behind its back; its next set is refused, and the stored one stays.
    await new EtcdHttpClient(cluster.endpointList).txn([], [{ deleteRange: { key: `${prefix}/leader` } }], []);
    const next = makeDriver(prefix, '127.0.0.1:7013');
    const newEpoch = await leaderOf(next);
    expect(await old.persistLeases([], oldEpoch)).toMatchObject({ ok: false, code: 'DRIVER_FENCED', leaderEndpoint: '127.0.0.1:7013', leaderEpoch: newEpoch });
    expect(await next.loadLeases()).toEqual({ ok: true, leases: second });
    expect(await next.persistLeases([], oldEpoch)).toMatchObject({ ok: false, code: 'DRIVER_FENCED' });
    await old.close();
    await next.close();
  });

  it('advances exactly once per (clientId, requestId): a retry gets the same block, blocks are gapless, and a new leader answers retries from etcd', async () => {
    const prefix = freshPrefix();
    const a = makeDriver(prefix, '127.0.0.1:7006');
    const epoch = await leaderOf(a);
    const first = await a.advanceSeq({ key: 'orders', count: 10, clientId: 7n, requestId: 100n }, epoch);
    expect(first).toEqual({ ok: true, start: 0n, count: 10 });
    expect(await a.advanceSeq({ key: 'orders', count: 10, clientId: 7n, requestId: 100n }, epoch)).toEqual(first);
    expect(await a.advanceSeq({ key: 'orders', count: 11, clientId: 7n, requestId: 100n }, epoch)).toMatchObject({ ok: false, code: 'SEQ_REQUEST_REUSED' });

    // More concurrent requests than one transaction holds: several batches, still gapless.
    const n = ETCD_SEQ_BATCH_MAX * 2 + 5;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => a.advanceSeq({ key: 'orders', count: 2, clientId: BigInt(1 + (i % 7)), requestId: 1_000n + BigInt(i) }, epoch)),
    );
    const starts = results.map((r) => (r.ok ? r.start : -1n)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(starts).toEqual(Array.from({ length: n }, (_, i) => 10n + 2n * BigInt(i)));
    expect(await a.loadSeq('orders')).toEqual({ ok: true, next: 10n + 2n * BigInt(n) });

    // Another node leads next: it answers the old requests from the sessions stored in etcd.
    await a.close();
    const b = makeDriver(prefix, '127.0.0.1:7007');
    const epochB = await leaderOf(b);
    expect(await b.advanceSeq({ key: 'orders', count: 10, clientId: 7n, requestId: 100n }, epochB)).toEqual(first);
    expect(await b.advanceSeq({ key: 'orders', count: 2, clientId: 1n, requestId: 1_000n }, epochB)).toEqual(results[0]);
    expect(await b.advanceSeq({ key: 'orders', count: 1, clientId: 9n, requestId: 5_000n }, epochB)).toEqual({ ok: true, start: 10n + 2n * BigInt(n), count: 1 });
  });

  it('getSeqBatch: grants in request order in one transaction, exactly once across leaders, a deposed leader\'s batch fails whole', async () => {
    const prefix = freshPrefix();
    const old = makeDriver(prefix, '127.0.0.1:7020', { leaseTtlSeconds: 30, tickMs: 10_000 });
    const oldEpoch = await leaderOf(old);
    const request = { clientId: 3n, requestId: 10n, entries: [{ key: 'orders', count: 3 }, { key: 'invoices', count: 1 }] };
    const grants = [{ key: 'orders', start: 0n, count: 3 }, { key: 'invoices', start: 0n, count: 1 }];
    expect(await old.advanceSeqBatch(request, oldEpoch)).toEqual({ ok: true, grants });
    expect(await old.advanceSeqBatch(request, oldEpoch)).toEqual({ ok: true, grants });
    expect(await old.advanceSeqBatch({ ...request, entries: [{ key: 'orders', count: 3 }] }, oldEpoch)).toMatchObject({ ok: false, code: 'SEQ_REQUEST_REUSED' });
    expect(await old.advanceSeqBatch({ clientId: 3n, requestId: 11n, entries: [{ key: 'a', count: 1 }, { key: 'a', count: 2 }] }, oldEpoch)).toMatchObject({ ok: false, code: 'INVALID_SEQ_BATCH' });
    // Depose it behind its back: its next batch fails its leader compare whole, and nothing moves.
    await new EtcdHttpClient(cluster.endpointList).txn([], [{ deleteRange: { key: `${prefix}/leader` } }], []);
    const next = makeDriver(prefix, '127.0.0.1:7021');
    const newEpoch = await leaderOf(next);
    expect(await old.advanceSeqBatch({ clientId: 3n, requestId: 12n, entries: [{ key: 'orders', count: 5 }, { key: 'invoices', count: 5 }] }, oldEpoch)).toMatchObject({
      ok: false,
      code: 'DRIVER_FENCED',
    });
    expect(await next.loadSeq('orders')).toEqual({ ok: true, next: 3n });
    expect(await next.loadSeq('invoices')).toEqual({ ok: true, next: 1n });
    // The new leader answers the old request from the session stored in etcd.
    expect(await next.advanceSeqBatch(request, newEpoch)).toEqual({ ok: true, grants });
    await old.close();
    await next.close();
  });

  it(`getSeqBatch: ${ETCD_SEQ_BATCH_KEYS_MAX} keys evicting ${ETCD_SEQ_BATCH_KEYS_MAX} remembered results commit within etcd's --max-txn-ops of ${ETCD_TXN_OPS_MAX_DEFAULT}; ${ETCD_SEQ_BATCH_KEYS_MAX + 1} keys are refused before writing`, async () => {
    const raw = new EtcdHttpClient(cluster.endpointList);
    // The limit the cap is computed from: this etcd refuses one op more than 128.
    const probe = freshPrefix();
    const puts = (n: number): EtcdOp[] => Array.from({ length: n }, (_, i) => ({ put: { key: `${probe}/p${i}`, value: 'x' } }));
    await expect(raw.txn([], puts(ETCD_TXN_OPS_MAX_DEFAULT + 1), [])).rejects.toThrow(/too many operations/);
    expect((await raw.txn([], puts(ETCD_TXN_OPS_MAX_DEFAULT), [])).succeeded).toBe(true);

    const prefix = freshPrefix();
    const a = makeDriver(prefix, '127.0.0.1:7022');
    const epoch = await leaderOf(a);
    const singles = await Promise.all(Array.from({ length: SEQ_SESSION_RESULTS_PER_CLIENT_MAX }, (_, i) => a.advanceSeq({ key: 'single', count: 1, clientId: 8n, requestId: BigInt(i + 1) }, epoch)));
    expect(singles.every((r) => r.ok)).toBe(true);
    const entries = Array.from({ length: ETCD_SEQ_BATCH_KEYS_MAX }, (_, i) => ({ key: `key-${i}`, count: 2 }));
    const answer = await a.advanceSeqBatch({ clientId: 8n, requestId: 9_000n, entries }, epoch);
    expect(answer).toMatchObject({ ok: true });
    expect((answer as { grants: readonly { key: string }[] }).grants.map((g) => g.key)).toEqual(entries.map((e) => e.key));
    const stored = await a.storedLedger();
    const session = stored.sessions.find((x) => x.clientId === 8n);
    expect(session?.results.length).toBe(SEQ_SESSION_RESULTS_PER_CLIENT_MAX - ETCD_SEQ_BATCH_KEYS_MAX + 1);
    const tooMany = Array.from({ length: ETCD_SEQ_BATCH_KEYS_MAX + 1 }, (_, i) => ({ key: `more-${i}`, count: 1 }));
    expect(await a.advanceSeqBatch({ clientId: 8n, requestId: 9_001n, entries: tooMany }, epoch)).toMatchObject({ ok: false, code: 'INVALID_SEQ_BATCH' });
    expect(await a.loadSeq('more-0')).toEqual({ ok: true, next: 0n });
    await a.close();
  });

  it('stores the ledger so that it reloads to exactly the ledger the requests built (property)', async () => {
    const requestArbitrary = fc.record({
      key: fc.constantFrom('a', 'b', 'ключ', 'x'.repeat(128)),
      count: fc.integer({ min: 1, max: 5 }),
      clientId: fc.bigInt({ min: 1n, max: 4n }),
      requestId: fc.bigInt({ min: 1n, max: 12n }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(requestArbitrary, { minLength: 1, maxLength: 40 }), async (requests: SeqAdvanceRequest[]) => {
        const d = makeDriver(freshPrefix(), '127.0.0.1:7008', { seqKeyCap: 3 });
        const epoch = await leaderOf(d);
        const reference = new SeqLedger({ keyCap: 3 });
        // Sent in bursts, so batches of several requests (and refusals) are committed together.
        for (let i = 0; i < requests.length; i += 7) {
          const burst = requests.slice(i, i + 7);
          const got = await Promise.all(burst.map((r) => d.advanceSeq(r, epoch)));
          burst.forEach((r, j) => {
            const expected = reference.advance(r);
            const answer = got[j];
            if (expected.ok) expect(answer).toEqual({ ok: true, start: expected.start, count: expected.count });
            else expect(answer).toMatchObject({ ok: false, code: expected.code });
          });
        }
        expect(await d.storedLedger()).toEqual(reference.snapshot());
        await d.close();
      }),
      { numRuns: 12 },
    );
  });

  it('deletes evicted results and evicted sessions from etcd, so the stored ledger stays the bounded ledger', async () => {
    const d = makeDriver(freshPrefix(), '127.0.0.1:7011');
    const epoch = await leaderOf(d);
    const reference = new SeqLedger();
    const send = async (requests: SeqAdvanceRequest[]): Promise<void> => {
      const got = await Promise.all(requests.map((r) => d.advanceSeq(r, epoch)));
      requests.forEach((r, i) => {
        const expected = reference.advance(r);
        expect(got[i]).toEqual(expected.ok ? { ok: true, start: expected.start, count: expected.count } : expect.objectContaining({ ok: false, code: expected.code }));
      });
    };
    // One client past its remembered results, then more clients than the session table holds.
    await send(Array.from({ length: SEQ_SESSION_RESULTS_PER_CLIENT_MAX + 6 }, (_, i) => ({ key: 'k', count: 1, clientId: 1n, requestId: 10n + BigInt(i) })));
    expect(await d.storedLedger()).toEqual(reference.snapshot());
    await send(Array.from({ length: SEQ_SESSION_CLIENTS_MAX + 2 }, (_, i) => ({ key: 'k', count: 1, clientId: 100n + BigInt(i), requestId: 1n << 40n })));
    const stored = await d.storedLedger();
    expect(stored.sessions.length).toBe(SEQ_SESSION_CLIENTS_MAX);
    expect(stored).toEqual(reference.snapshot());
  });

  it('stops serving before its etcd lease can expire when etcd cannot be reached, and answers in bounded time', async () => {
    const own = await startEtcdCluster(1);
    try {
      const d = new EtcdDriver({ client: new EtcdHttpClient(own.endpointList, 300), clock: new NodeClock(), prefix: freshPrefix(), advertise: '127.0.0.1:7009', leaseTtlSeconds: 2, tickMs: 100, leaseMarginMs: 300 });
      drivers.push(d);
      d.start();
      const epoch = await leaderOf(d);
      expect(d.hasLease()).toBe(true);
      await own.killMember(0);
      await waitUntil(() => !d.hasLease() && d.leaderState.kind === 'unknown', 'the leader steps down without etcd');
      expect(await d.loadHighWater()).toMatchObject({ ok: false, code: 'DRIVER_TRANSIENT' });
      expect(await d.persistHighWater(1, epoch)).toMatchObject({ ok: false, code: 'DRIVER_NOT_LEADER' });
    } finally {
      await own.stop();
    }
  });

  it('on a 3-member etcd: survives the loss of one member with its state intact, steps down without a quorum, leads again when it returns', async () => {
    const three = await startEtcdCluster(3);
    try {
      const prefix = freshPrefix();
      const d = new EtcdDriver({ client: new EtcdHttpClient(three.endpointList, 500), clock: new NodeClock(), prefix, advertise: '127.0.0.1:7010', leaseTtlSeconds: 3, tickMs: 100, leaseMarginMs: 300 });
      drivers.push(d);
      d.start();
      const epoch = await leaderOf(d);
      expect(await d.persistHighWater(42_000, epoch)).toEqual({ ok: true, highWaterMs: 42_000 });
      expect(await d.advanceSeq({ key: 'k', count: 5, clientId: 3n, requestId: 1n }, epoch)).toEqual({ ok: true, start: 0n, count: 5 });

      // The member the client talks to first dies: calls move to the others (possibly under a new
      // leader). The same request is retried until it succeeds: exactly once, so it gets 5..10.
      await three.killMember(0);
      let next: { start: bigint } | null = null;
      for (let attempt = 0; next === null; attempt++) {
        const state = d.leaderState;
        if (state.kind !== 'leader') {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        const r = await d.advanceSeq({ key: 'k', count: 5, clientId: 3n, requestId: 2n }, state.epoch);
        if (r.ok) next = r;
        else expect(['DRIVER_TRANSIENT', 'DRIVER_NOT_LEADER', 'DRIVER_FENCED']).toContain(r.code);
        if (attempt > 200) throw new Error('no sequence advance succeeded after one etcd member died');
      }
      expect(next.start).toBe(5n);
      expect(await d.loadSeq('k')).toEqual({ ok: true, next: 10n });
      expect(await d.loadHighWater()).toEqual({ ok: true, highWaterMs: 42_000 });

      // A second member dies: no quorum. The leader steps down and every call answers in bounded time.
      await three.killMember(1);
      await waitUntil(() => !d.hasLease() && d.leaderState.kind !== 'leader', 'the leader steps down without a quorum', 20_000);
      expect(await d.loadHighWater()).toMatchObject({ ok: false, code: 'DRIVER_TRANSIENT' });

      // The quorum comes back (both members restart on their data): the driver leads again under a
      // newer epoch with everything it had, and goes on exactly once.
      three.restartMember(0);
      three.restartMember(1);
      await waitUntil(() => d.leaderState.kind === 'leader', 'the driver leads again once the quorum is back', 30_000);
      const back = (d.leaderState as { epoch: bigint }).epoch;
      expect(back).toBeGreaterThan(epoch);
      expect(await d.loadHighWater()).toEqual({ ok: true, highWaterMs: 42_000 });
      expect(await d.loadSeq('k')).toEqual({ ok: true, next: 10n });
      expect(await d.advanceSeq({ key: 'k', count: 5, clientId: 3n, requestId: 3n }, back)).toEqual({ ok: true, start: 10n, count: 5 });
      expect(await d.advanceSeq({ key: 'k', count: 5, clientId: 3n, requestId: 2n }, back)).toEqual({ ok: true, start: 5n, count: 5 });
    } finally {
      await three.stop();
    }
  });

  it('answers DRIVER_PERMANENT, never hangs or throws, when what is stored under the prefix is not its own', async () => {
    const prefix = freshPrefix();
    const raw = new EtcdHttpClient(cluster.endpointList);
    await raw.txn([], [{ put: { key: `${prefix}/hw`, value: 'twelve' } }, { put: { key: `${prefix}/ledger/meta`, value: '{not json' } }], []);
    const d = makeDriver(prefix, '127.0.0.1:7012');
    const epoch = await leaderOf(d);
    expect(await d.loadHighWater()).toMatchObject({ ok: false, code: 'DRIVER_PERMANENT' });
    expect(await d.persistHighWater(5, epoch)).toMatchObject({ ok: false, code: 'DRIVER_PERMANENT' });
    expect(await d.advanceSeq({ key: 'k', count: 1, clientId: 1n, requestId: 1n }, epoch)).toMatchObject({ ok: false, code: 'DRIVER_PERMANENT' });
  });

  it('the client reports an unreachable etcd as unavailable', async () => {
    const client = new EtcdHttpClient(['http://127.0.0.1:1'], 500);
    await expect(client.version()).rejects.toBeInstanceOf(EtcdUnavailableError);
    expect(await new EtcdHttpClient(cluster.endpointList).version()).toMatch(/^3\.\d+\.\d+/);
  });
});
