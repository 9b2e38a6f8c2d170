// `tsoracle serve etcd` against a real etcd (a throwaway member on loopback): the configuration
// and start errors in-process, and two tsoracle child processes on one etcd through kill -9 of
// the leader (the other takes over; timestamps strictly increase and getSeq blocks stay gapless
// across the failover; /readyz answers 200 only on the serving node), and two tsoracle children
// on a 3-member etcd through the loss of etcd's quorum (two members killed: nothing is served
// once the lease could have expired, /readyz 503, no sequence block) and its return (the same
// processes serve again, above every earlier timestamp, gapless; the whole history through the
// stress run's real-time-order and uniqueness checker). Skips, saying why, without
// `etcd`. Needs dist/ (npm test builds it).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TsoError } from '../core/errors.js';
import { ETCD_MISSING_REASON, startEtcdCluster, type EtcdTestCluster } from '../drivers/etcd/test-support.js';
import { createClient, type TsoClient } from './client.js';
import { startEtcdServer } from './etcd.js';
import { IntervalSpaceChecker, type CheckedCall, type IntervalFinding } from './stress/checkers.js';
import { ChildTracker, sleepMs, waitFor, type ServerChild } from './test-support.js';

if (ETCD_MISSING_REASON !== null) console.warn(`skipping the serve etcd tests: ${ETCD_MISSING_REASON}`);

const FAILOVER_TEST_TIMEOUT_MS = 60_000;
/** The quorum-loss test: the nodes' etcd lease, each probe's one attempt, the pause between a loop's probes, the outage's length. */
const QUORUM_LEASE_TTL_MS = 2_000;
const QUORUM_PROBE_TIMEOUT_MS = 400;
const QUORUM_PROBE_PAUSE_MS = 20;
const QUORUM_OUTAGE_MS = 4_500;
const QUORUM_TEST_TIMEOUT_MS = 120_000;

describe('serve etcd configuration', () => {
  it('refuses malformed endpoints, cluster names and prefixes before opening anything', async () => {
    const base = { etcdEndpoints: 'http://127.0.0.1:2379', cluster: 'a', httpListen: null };
    await expect(startEtcdServer({ ...base, etcdEndpoints: ' , ' })).rejects.toThrow(/INVALID_CONFIG.*--etcd-endpoints is empty/);
    await expect(startEtcdServer({ ...base, etcdEndpoints: 'https://h:1' })).rejects.toThrow(/INVALID_CONFIG.*must be http/);
    await expect(startEtcdServer({ ...base, cluster: 'a/b' })).rejects.toThrow(/INVALID_CONFIG.*--cluster/);
    await expect(startEtcdServer({ ...base, prefix: 'no-slash' })).rejects.toThrow(/INVALID_CONFIG.*--prefix/);
    await expect(startEtcdServer({ ...base, advertise: 'h:0' })).rejects.toThrow(/INVALID_CONFIG.*--advertise/);
  });

  it('fails to start, naming the endpoints, when etcd cannot be reached', async () => {
    const started = startEtcdServer({ etcdEndpoints: '127.0.0.1:1', cluster: 'a', httpListen: null });
    await expect(started).rejects.toBeInstanceOf(TsoError);
    await expect(started).rejects.toThrow(/UNAVAILABLE.*etcd at http:\/\/127\.0\.0\.1:1 cannot be reached/);
  });
});

describe('serve etcd on the command line', () => {
  const tracker = new ChildTracker();
  afterEach(async () => {
    await tracker.cleanup();
  });

  it('a missing or bad flag is a usage error (exit 2); an unreachable etcd is a failure (exit 1) naming it', async () => {
    const [missing, badCluster, unreachable] = await Promise.all([
      tracker.run(['serve', 'etcd', '--cluster', 'a']),
      tracker.run(['serve', 'etcd', '--etcd-endpoints', '127.0.0.1:1', '--cluster', 'a/b']),
      tracker.run(['serve', 'etcd', '--etcd-endpoints', '127.0.0.1:1', '--cluster', 'a', '--http-listen', 'off']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--etcd-endpoints <list>' not specified/);
    expect(badCluster.code).toBe(2);
    expect(badCluster.stderr).toMatch(/^error: .*--cluster "a\/b": 1–64 characters/m);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: UNAVAILABLE: etcd at http:\/\/127\.0\.0\.1:1 cannot be reached/m);
  });
});

describe.skipIf(ETCD_MISSING_REASON !== null)('serve etcd, two tsoracle processes on one etcd', () => {
  let cluster: EtcdTestCluster;
  const tracker = new ChildTracker();
  let client: TsoClient | null = null;

  beforeAll(async () => {
    cluster = await startEtcdCluster(1);
  });
  afterEach(async () => {
    await client?.close();
    client = null;
    await tracker.cleanup();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function readyz(node: ServerChild): Promise<number> {
    const response = await fetch(`http://${node.httpEndpoint as string}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return response.status;
  }

  it(
    'tsoracle get-seq-batch a=3 b=1 through the CLI against serve etcd, across kill -9 of the leader: the keys of every batch move together, gapless; 124 keys are refused (the etcd cap), and 3 past --seq-batch-keys-max 2, while serving on',
    async () => {
      const serve = (): Promise<ServerChild> =>
        tracker.serve({
          dataDir: '',
          args: ['serve', 'etcd', '--etcd-endpoints', cluster.endpoints, '--cluster', `batch-${process.pid}`, '--lease-ttl', '2s', '--http-listen', 'off', '--seq-batch-keys-max', '2'],
        });
      const first = await serve();
      await waitFor(() => /^serving epoch/m.test(first.stderr()), 'the first node to serve', 15_000);
      const second = await serve();
      await waitFor(() => /etcd: following/.test(second.stderr()), 'the second node to follow', 15_000);
      const endpoints = ['--endpoints', `${second.endpoint},${first.endpoint}`];
      type Grant = { key: string; start: string; count: number };
      const batch = async (): Promise<Grant[]> => {
        // --timeout 30s: the first batch after the kill rides out the takeover (the lease TTL, then
        // the client's backoff of up to 5 s), which on a loaded machine outlasts the default 10 s.
        const run = await tracker.run(['get-seq-batch', 'a=3', 'b=1', ...endpoints, '--timeout', '30s', '--json'], 45_000);
        expect(run.code, run.stderr).toBe(0);
        return (JSON.parse(run.stdout.trim().split('\n').pop() as string) as { grants: Grant[] }).grants;
      };
      const grants: Grant[][] = [];
      expect(await batch()).toEqual([
        { key: 'a', start: '0', count: 3 },
        { key: 'b', start: '0', count: 1 },
      ]);
      grants.push([{ key: 'a', start: '0', count: 3 }, { key: 'b', start: '0', count: 1 }]);
      for (let i = 0; i < 4; i++) grants.push(await batch());
      const tooMany = await tracker.run(['get-seq-batch', ...Array.from({ length: 124 }, (_, i) => `k${i}=1`), ...endpoints]);
      expect(tooMany.code).not.toBe(0);
      expect(tooMany.stderr).toMatch(/INVALID_SEQ_BATCH/);
      // --seq-batch-keys-max reaches the etcd server (it was accepted and ignored before).
      const three = await tracker.run(['get-seq-batch', 'a=1', 'b=1', 'c=1', ...endpoints]);
      expect(three.code).not.toBe(0);
      expect(three.stderr).toMatch(/INVALID_SEQ_BATCH/);
      expect((await first.kill9()).signal).toBe('SIGKILL');
      for (let i = 0; i < 5; i++) grants.push(await batch());
      expect(second.stderr()).toMatch(/^serving epoch/m);
      // Every batch's keys moved together: the i-th batch holds a's i-th block of 3 and b's i-th value.
      grants.forEach((g, i) => {
        expect(g).toEqual([
          { key: 'a', start: String(3 * i), count: 3 },
          { key: 'b', start: String(i), count: 1 },
        ]);
      });
      expect((await second.terminate()).code).toBe(0);
    },
    2 * FAILOVER_TEST_TIMEOUT_MS,
  );

  it(
    'kill -9 of the leader: the other node takes over, timestamps strictly increase and getSeq blocks stay gapless',
    async () => {
      const serve = (): Promise<ServerChild> =>
        tracker.serve({
          dataDir: '',
          httpListen: '127.0.0.1:0',
          args: ['serve', 'etcd', '--etcd-endpoints', cluster.endpoints, '--cluster', `failover-${process.pid}`, '--lease-ttl', '2s', '--http-listen', '127.0.0.1:0'],
        });
      const first = await serve();
      await waitFor(() => /etcd: leading epoch/.test(first.stderr()), 'the first node to lead', 15_000);
      const second = await serve();
      await waitFor(() => /etcd: following/.test(second.stderr()), 'the second node to follow', 15_000);
      expect(await readyz(second)).toBe(503);
      await waitFor(() => /^serving epoch/m.test(first.stderr()), 'the leader to serve', 15_000);
      expect(await readyz(first)).toBe(200);

      client = createClient({ endpoints: [second.endpoint, first.endpoint], retry: { attemptsMax: 1_000, overallTimeoutMs: 20_000 } });
      const timestamps: bigint[] = [];
      const blocks: Array<{ start: bigint; count: number }> = [];
      const take = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          timestamps.push(await (client as TsoClient).getTs());
          const block = await (client as TsoClient).getSeq('orders', 3);
          blocks.push({ start: block.start, count: block.count });
        }
      };
      await take(20);
      expect(client.cachedLeader()?.endpoint).toBe(first.endpoint);
      const maxBefore = timestamps[timestamps.length - 1] as bigint;

      expect((await first.kill9()).signal).toBe('SIGKILL');
      const countAtKill = timestamps.length;
      const killedAtMs = performance.now();
      await waitFor(() => /^serving epoch/m.test(second.stderr()), 'the second node to serve', 20_000);
      const servingAfterMs = Math.round(performance.now() - killedAtMs);
      await take(1);
      // Not asserted (timings depend on the machine): how long no timestamp could be had. The
      // client's answer also waits out its own backoff (up to 5 s between passes).
      console.log(`serve etcd: after kill -9 of the leader (lease TTL 2s) the other node serves in ${servingAfterMs} ms; the client's first answer came at ${Math.round(performance.now() - killedAtMs)} ms`);
      await take(19);
      expect(client.cachedLeader()?.endpoint).toBe(second.endpoint);
      expect(second.stderr()).toMatch(/etcd: leading epoch/);
      expect(await readyz(second)).toBe(200);
      for (const ts of timestamps.slice(countAtKill)) expect(ts).toBeGreaterThan(maxBefore);
      for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]).toBeGreaterThan(timestamps[i - 1] as bigint);
      const sorted = [...blocks].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      let next = 0n;
      for (const block of sorted) {
        expect(block.start).toBe(next);
        next += BigInt(block.count);
      }
      expect((await second.terminate()).code).toBe(0);
    },
    FAILOVER_TEST_TIMEOUT_MS,
  );

  it(
    'SIGSTOP of the leader past its lease: the other takes over, and the resumed old leader serves nothing older',
    async () => {
      const serve = (): Promise<ServerChild> =>
        tracker.serve({
          dataDir: '',
          httpListen: 'off',
          args: ['serve', 'etcd', '--etcd-endpoints', cluster.endpoints, '--cluster', `paused-${process.pid}`, '--lease-ttl', '2s', '--http-listen', 'off'],
        });
      const first = await serve();
      await waitFor(() => /^serving epoch/m.test(first.stderr()), 'the first node to serve', 15_000);
      const second = await serve();
      await waitFor(() => /etcd: following/.test(second.stderr()), 'the second node to follow', 15_000);
      client = createClient({ endpoints: [first.endpoint, second.endpoint], retry: { attemptsMax: 1_000, overallTimeoutMs: 20_000 } });
      const timestamps: bigint[] = [];
      for (let i = 0; i < 10; i++) timestamps.push(await client.getTs());

      process.kill(first.pid, 'SIGSTOP');
      try {
        await waitFor(() => /etcd: leading epoch/.test(second.stderr()), 'the second node to take over from the paused leader', 20_000);
        for (let i = 0; i < 10; i++) timestamps.push(await client.getTs());
        expect(client.cachedLeader()?.endpoint).toBe(second.endpoint);
      } finally {
        process.kill(first.pid, 'SIGCONT');
      }
      // A client that knows only the resumed old leader: whatever it gets is newer than everything before.
      const resumedClient = createClient({ endpoints: [first.endpoint], retry: { attemptsMax: 1_000, overallTimeoutMs: 20_000 } });
      try {
        for (let i = 0; i < 10; i++) timestamps.push(await resumedClient.getTs());
        expect(resumedClient.cachedLeader()?.endpoint).toBe(second.endpoint);
      } finally {
        await resumedClient.close();
      }
      for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]).toBeGreaterThan(timestamps[i - 1] as bigint);
      await waitFor(() => /etcd: stepped down|etcd: following/.test(first.stderr()), 'the resumed node to give up leadership', 15_000);
    },
    FAILOVER_TEST_TIMEOUT_MS,
  );
});

/**
 * Every call of a test through the stress run's checkers (runners/stress/checkers.ts): each value
 * space (timestamps, one sequence key) checks real-time order and uniqueness of what was
 * acknowledged, concurrent calls included.
 */
class CheckedHistory {
  private readonly spaces = new Map<string, IntervalSpaceChecker>();
  private order = 0;
  readonly findings: IntervalFinding[] = [];

  async call<T>(space: string, what: string, run: () => Promise<T>, interval: (answer: T) => [bigint, bigint]): Promise<T> {
    let checker = this.spaces.get(space);
    if (checker === undefined) {
      checker = new IntervalSpaceChecker(space);
      this.spaces.set(space, checker);
    }
    const call: CheckedCall = { id: this.order, invokeOrder: this.order++, describe: () => `${what} (call ${call.id})` };
    const token = checker.invoke(call);
    let answer: T;
    try {
      answer = await run();
    } catch (e) {
      checker.end(call);
      throw e;
    }
    const [lo, hi] = interval(answer);
    this.findings.push(...checker.acknowledge(call, token, lo, hi, this.order++));
    return answer;
  }

  acknowledged(space: string): number {
    return this.spaces.get(space)?.acknowledged ?? 0;
  }
}

/** One probe of the outage: what a one-attempt call sent at `sentMs` (relative to the quorum loss) got. */
interface Probe {
  readonly sentMs: number;
  readonly op: 'getTs@leader' | 'getTs@either' | 'getSeq@leader';
  readonly ok: boolean;
  readonly code: string | null;
  readonly ts: bigint | null;
}

describe.skipIf(ETCD_MISSING_REASON !== null)('serve etcd, two tsoracle processes on a 3-member etcd that loses its quorum', () => {
  const tracker = new ChildTracker();
  const clients: TsoClient[] = [];
  let cluster: EtcdTestCluster | null = null;
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await tracker.cleanup();
    await cluster?.stop();
    cluster = null;
  });

  async function readyz(node: ServerChild): Promise<number> {
    try {
      const response = await fetch(`http://${node.httpEndpoint as string}/readyz`, { signal: AbortSignal.timeout(2_000) });
      return response.status;
    } catch {
      return -1;
    }
  }

  /** A client that makes one attempt (a NOT_LEADER hint is followed) and gives up after QUORUM_PROBE_TIMEOUT_MS. */
  function oneShot(endpoints: string[]): TsoClient {
    const c = createClient({ endpoints, retry: { attemptsMax: 1, attemptTimeoutMs: QUORUM_PROBE_TIMEOUT_MS, stallTimeoutMs: QUORUM_PROBE_TIMEOUT_MS, overallTimeoutMs: QUORUM_PROBE_TIMEOUT_MS } });
    clients.push(c);
    return c;
  }

  it(
    'two etcd members stopped: the leader stops serving before its etcd lease could expire, nothing is handed out; restarted: serving resumes in the same processes, timestamps above all before, getSeq gapless',
    async () => {
      const etcd = await startEtcdCluster(3);
      cluster = etcd;
      const history = new CheckedHistory();
      const serve = (): Promise<ServerChild> =>
        tracker.serve({
          dataDir: '',
          httpListen: '127.0.0.1:0',
          args: ['serve', 'etcd', '--etcd-endpoints', etcd.endpoints, '--cluster', `quorum-${process.pid}`, '--lease-ttl', `${QUORUM_LEASE_TTL_MS / 1000}s`, '--http-listen', '127.0.0.1:0'],
        });
      const leader = await serve();
      await waitFor(() => /^serving epoch/m.test(leader.stderr()), 'the first node to serve', 15_000);
      const follower = await serve();
      await waitFor(() => /etcd: following/.test(follower.stderr()), 'the second node to follow', 15_000);
      expect(await readyz(leader)).toBe(200);
      expect(await readyz(follower)).toBe(503);

      // Every timestamp any call got, in the order the (sequential) calls returned.
      const timestamps: bigint[] = [];
      const orders: Array<{ start: bigint; count: number }> = [];
      const client = createClient({ endpoints: [leader.endpoint, follower.endpoint], retry: { attemptsMax: 1_000, overallTimeoutMs: 30_000 } });
      clients.push(client);
      const take = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          timestamps.push(await history.call('ts', 'getTs', () => client.getTs(), (ts) => [ts, ts]));
          const block = await history.call('orders', 'getSeq(orders, 3)', () => client.getSeq('orders', 3), (b) => [b.start, b.start + BigInt(b.count) - 1n]);
          orders.push({ start: block.start, count: block.count });
        }
      };
      await take(10);

      // Quorum lost: two of the three members die, a follower first, then etcd's leader, so the
      // member left is a follower with no leader. Counted from the moment the second is gone: every
      // keep-alive that etcd granted was sent before it. (Killing the followers instead would leave
      // etcd 3.4's leader renewing leases without a quorum until its check-quorum steps it down, up
      // to two election timeouts later: harmless, as no lease can expire without a quorum, but
      // the bound below would then have to wait for it too.)
      const askedMs = performance.now();
      let etcdLeader = await etcd.leaderIndex();
      while (etcdLeader === null) {
        if (performance.now() - askedMs > 10_000) throw new Error('the etcd members do not agree on a leader within 10 s');
        await sleepMs(50);
        etcdLeader = await etcd.leaderIndex();
      }
      const follower0 = [0, 1, 2].find((i) => i !== etcdLeader) as number;
      await etcd.killMember(follower0);
      await etcd.killMember(etcdLeader);
      const lostAtMs = performance.now();
      const probes: Probe[] = [];
      const atLeader = oneShot([leader.endpoint]);
      // Starts at the follower: while it can still read etcd it sends the call on to the leader.
      const atEither = oneShot([follower.endpoint, leader.endpoint]);
      const probe = async (op: Probe['op'], call: () => Promise<bigint>): Promise<void> => {
        const sentMs = performance.now() - lostAtMs;
        try {
          const ts = await call();
          // Only the leader's getTs loop adds to the chain: its calls are sequential, like the rest.
          if (op === 'getTs@leader') timestamps.push(ts);
          probes.push({ sentMs, op, ok: true, code: null, ts });
        } catch (e) {
          probes.push({ sentMs, op, ok: false, code: e instanceof TsoError ? e.code : String(e), ts: null });
        }
      };
      // Each probe loop is sequential; the loops run side by side so a slow getSeq does not blur
      // when the leader's getTs stopped.
      const loop = async (step: () => Promise<void>): Promise<void> => {
        while (performance.now() - lostAtMs < QUORUM_OUTAGE_MS) {
          await step();
          await sleepMs(QUORUM_PROBE_PAUSE_MS);
        }
      };
      const readiness: Array<{ sentMs: number; status: number }> = [];
      await Promise.all([
        loop(() => probe('getTs@leader', () => history.call('ts', 'getTs at the leader', () => atLeader.getTs(), (ts) => [ts, ts]))),
        loop(() => probe('getTs@either', () => history.call('ts', 'getTs at either node', () => atEither.getTs(), (ts) => [ts, ts]))),
        loop(() => probe('getSeq@leader', async () => (await history.call('outage', 'getSeq(outage, 1) at the leader', () => atLeader.getSeq('outage', 1), (b) => [b.start, b.start])).start)),
        loop(async () => {
          const sentMs = performance.now() - lostAtMs;
          readiness.push({ sentMs, status: await readyz(leader) });
        }),
      ]);
      const servedByLeader = probes.filter((p) => p.op === 'getTs@leader' && p.ok);
      const lastServedMs = servedByLeader.length === 0 ? null : Math.round(Math.max(...servedByLeader.map((p) => p.sentMs)));
      const firstRefusedMs = Math.round(Math.min(...probes.filter((p) => p.op === 'getTs@leader' && !p.ok).map((p) => p.sentMs)));
      // The lease: nothing sent once etcd could have expired it (TTL after the last keep-alive,
      // which was sent before the quorum was lost) was served, by either node.
      for (const p of probes.filter((p) => p.ok)) {
        expect(p.sentMs, `a ${p.op} served, sent ${Math.round(p.sentMs)} ms after the quorum was lost`).toBeLessThan(QUORUM_LEASE_TTL_MS);
      }
      // No sequence block without a quorum, and every refusal is a clear code (never an answer).
      expect(probes.filter((p) => p.op === 'getSeq@leader' && p.ok)).toEqual([]);
      const codes = [...new Set(probes.filter((p) => !p.ok).map((p) => p.code))].sort();
      for (const code of codes) expect(['NOT_LEADER', 'SEQ_UNCERTAIN', 'TIMEOUT', 'UNAVAILABLE']).toContain(code);
      // /readyz: 200 only while a getTs would still be granted, so never for a request sent once the lease could have expired.
      for (const r of readiness.filter((r) => r.status === 200)) expect(r.sentMs).toBeLessThan(QUORUM_LEASE_TTL_MS);
      const notReady = readiness.find((r) => r.status === 503);
      expect(notReady).toBeDefined();
      const leaderNotReadyMs = Math.round(notReady?.sentMs ?? NaN);
      expect(await readyz(leader)).toBe(503);
      expect(await readyz(follower)).toBe(503);
      // The CLI says so in bounded time.
      const cli = await tracker.run(['get-ts', '--endpoints', `${leader.endpoint},${follower.endpoint}`, '--timeout', '2s'], 15_000);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/^error: (TIMEOUT|UNAVAILABLE|NOT_LEADER): /m);
      const maxBefore = [...timestamps, ...probes.filter((p) => p.op === 'getTs@either' && p.ok).map((p) => p.ts as bigint)].reduce((a, b) => (a > b ? a : b));

      // Quorum restored: both members restart on their data; the tsoracle processes are the same.
      const servingLines = (): number => (leader.stderr().match(/^serving epoch/gm)?.length ?? 0) + (follower.stderr().match(/^serving epoch/gm)?.length ?? 0);
      const servingLinesBefore = servingLines();
      etcd.restartMember(follower0);
      etcd.restartMember(etcdLeader);
      const restoredAtMs = performance.now();
      await waitFor(() => servingLines() > servingLinesBefore, 'a tsoracle node to serve again once the quorum is back', 30_000);
      const nodeServesAgainMs = Math.round(performance.now() - restoredAtMs);
      const first = await history.call('ts', 'getTs', () => client.getTs(), (ts) => [ts, ts]);
      const servingAgainMs = Math.round(performance.now() - restoredAtMs);
      timestamps.push(first);
      await take(10);
      expect(leader.hasExited()).toBe(false);
      expect(follower.hasExited()).toBe(false);
      const serving = (await readyz(leader)) === 200 ? leader : follower;
      expect(await readyz(serving)).toBe(200);
      expect(await readyz(serving === leader ? follower : leader)).toBe(503);
      console.log(
        `serve etcd, quorum lost (2 of 3 members killed, lease TTL ${QUORUM_LEASE_TTL_MS} ms): the leader's last served getTs was sent at ${lastServedMs ?? 'none'} ms, ` +
          `its first refusal at ${firstRefusedMs} ms, /readyz 503 at ${leaderNotReadyMs} ms; refusals: ${codes.join(', ')}; ` +
          `quorum restored: a node serves again ${nodeServesAgainMs} ms after the members were restarted (the ${serving === leader ? 'same' : 'other'} node), the client's first timestamp at ${servingAgainMs} ms`,
      );
      for (const ts of timestamps.slice(timestamps.indexOf(first))) expect(ts).toBeGreaterThan(maxBefore);
      for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]).toBeGreaterThan(timestamps[i - 1] as bigint);
      let next = 0n;
      for (const block of orders) {
        expect(block.start).toBe(next);
        next += BigInt(block.count);
      }
      // The outage's getSeq calls got nothing; any that etcd committed after it came back is in the
      // ledger (the count moved past it) and was handed to no one, so a new block starts above it.
      const outageCalls = probes.filter((p) => p.op === 'getSeq@leader').length;
      const after = await history.call('outage', 'getSeq(outage, 1)', () => client.getSeq('outage', 1), (b) => [b.start, b.start]);
      expect(after.start).toBeGreaterThanOrEqual(0n);
      expect(after.start).toBeLessThanOrEqual(BigInt(outageCalls));
      // The whole history, the probes' concurrent calls included, through the stress run's checker:
      // real-time order and no value twice, per value space.
      expect(history.findings).toEqual([]);
      expect(history.acknowledged('ts')).toBe(timestamps.length + probes.filter((p) => p.op === 'getTs@either' && p.ok).length);
    },
    QUORUM_TEST_TIMEOUT_MS,
  );
});
