// The etcd half of the bench (bench/etcd.ts) against a real etcd: the CAS counter the bench
// compares tsoracle with counts right (concurrent increments commit 1..N, each once), and
// `bench --driver etcd` as the child process users run starts its etcd and its three
// `serve etcd` nodes, runs getSeq beside etcd's CAS counter in the same run, reports both, and
// leaves no process behind. Skips, saying why, without `etcd`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdHttpClient } from '../drivers/etcd/etcd-client.js';
import { ETCD_MISSING_REASON, startEtcdCluster, type EtcdTestCluster } from '../drivers/etcd/test-support.js';
import { REPO_ROOT } from '../runners/test-support.js';
import { casIncrement } from './etcd.js';

const BENCH_PATH = join(REPO_ROOT, 'dist', 'bench', 'run.js');
const BENCH_RUN_BOUND_MS = 120_000;

if (ETCD_MISSING_REASON !== null) console.warn(`skipping the etcd bench tests: ${ETCD_MISSING_REASON}`);

describe.skipIf(ETCD_MISSING_REASON !== null)("etcd's CAS counter (the bench's peer)", () => {
  let cluster: EtcdTestCluster;
  beforeAll(async () => {
    cluster = await startEtcdCluster(1);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('concurrent CAS increments commit 1..N, each value once, whatever compares they lost', async () => {
    const client = new EtcdHttpClient(cluster.endpointList, 5_000);
    const key = `/tsoracle-bench-test/${process.pid}`;
    const callers = 8;
    const perCaller = 5;
    const committed: bigint[] = [];
    await Promise.all(
      Array.from({ length: callers }, async () => {
        for (let i = 0; i < perCaller; i++) committed.push(BigInt((await casIncrement(client, key, null, performance.now() + 30_000)).value));
      }),
    );
    expect(committed.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(Array.from({ length: callers * perCaller }, (_, i) => BigInt(i + 1)));
    expect((await client.range(key)).kvs[0]?.value).toBe(String(callers * perCaller));
  }, 60_000);
});

describe.skipIf(ETCD_MISSING_REASON !== null)('bench --driver etcd (child process)', () => {
  it(
    'starts a 3-member etcd and three serve etcd nodes, runs getSeq@1 beside etcd CAS@1 in the same run, and stops them all',
    async () => {
      if (!existsSync(BENCH_PATH)) throw new Error(`${BENCH_PATH} is missing: run \`npm run build\` first (npm test does)`);
      const dir = await mkdtemp(join(tmpdir(), 'tsoracle-bench-etcd-test-'));
      try {
        const out = join(dir, 'results.json');
        const child = spawn(process.execPath, [BENCH_PATH, '--driver', 'etcd', '--only', 'getSeq@1', '--warmup-ms', '300', '--window-ms', '500', '--out', out], {
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: REPO_ROOT,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        const timer = setTimeout(() => child.kill('SIGINT'), BENCH_RUN_BOUND_MS);
        const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
        clearTimeout(timer);
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        const report = JSON.parse(await readFile(out, 'utf8')) as {
          driver: string;
          results: Array<{ name: string }>;
          peers: Array<{ op: string; description: string }>;
          comparisons: Array<{ tsoracle: string; peer: string }>;
        };
        expect(report.driver).toBe('etcd');
        expect(report.results.map((r) => r.name)).toEqual(['getSeq@1', 'etcd CAS@1']);
        expect(report.peers.map((p) => p.op)).toEqual(['etcdCas']);
        expect(report.peers[0]?.description).toMatch(/^etcd 3\.\d+\.\d+, 3 members/);
        expect(report.comparisons.map((c) => `${c.tsoracle} vs ${c.peer}`)).toEqual(['getSeq@1 vs etcd CAS@1']);
        // Nothing of the run is left: no etcd member with its data directory under the run's.
        const runDir = /etcd driver on (\S+),/.exec(stdout)?.[1];
        expect(runDir).toBeDefined();
        const leftovers = await new Promise<string>((resolve) => {
          const ps = spawn('ps', ['-eo', 'args'], { stdio: ['ignore', 'pipe', 'ignore'] });
          let text = '';
          ps.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
          ps.once('close', () => resolve(text));
        });
        expect(leftovers).not.toContain(runDir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    BENCH_RUN_BOUND_MS + 10_000,
  );
});
