// `tsoracle serve paxos`: its configuration checks, and a real 3-process cluster on loopback (the
// built CLI, dist/runners/cli.js): a client with every endpoint gets timestamps and sequence
// blocks; after SIGKILL of the leader it keeps getting strictly increasing timestamps and
// gapless blocks from a new leader; the killed node restarts from its data directory and follows;
// /readyz answers 200 only on the serving node; SIGTERM stops every node with exit 0. Every wait
// is bounded and every child is killed in afterEach (no orphans).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsoError } from '../core/errors.js';
import { makeTempDir } from '../drivers/node/test-support.js';
import { createClient, type TsoClient } from './client.js';
import { checkPaxosConfig } from './paxos.js';
import { parseRaftPeers } from './raft.js';
import { CLI_PATH, freePorts, REPO_ROOT, waitFor } from './test-support.js';

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TsoError);
    expect((e as TsoError).code).toBe('INVALID_CONFIG');
    return (e as TsoError).message;
  }
  throw new Error('expected INVALID_CONFIG');
}

describe('serve paxos configuration', () => {
  const peers = parseRaftPeers('1=127.0.0.1:7001/127.0.0.1:8001,2=127.0.0.1:7002/127.0.0.1:8002,3=127.0.0.1:7003/127.0.0.1:8003');

  it("takes serve raft's checks: an id not in the list, a heartbeat not below the election timeout", () => {
    expect(configError(() => checkPaxosConfig(4, peers, 300, 50, 0.01))).toMatch(/--id 4 is not in --peers/);
    expect(configError(() => checkPaxosConfig(1, peers, 300, 300, 0.01))).toMatch(/--heartbeat-interval must be below --election-timeout/);
  });

  it('refuses a node id above 65535 (the epoch packs it in 16 bits)', () => {
    const big = parseRaftPeers('1=127.0.0.1:7001/127.0.0.1:8001,70000=127.0.0.1:7002/127.0.0.1:8002,3=127.0.0.1:7003/127.0.0.1:8003');
    expect(configError(() => checkPaxosConfig(1, big, 300, 50, 0.01))).toMatch(/id 70000 is above 65535/);
  });

  it('accepts the defaults of serve raft', () => {
    expect(checkPaxosConfig(2, peers, 300, 50, 0.01)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Real processes.

const START_TIMEOUT_MS = 15_000;
const CLUSTER_TEST_TIMEOUT_MS = 60_000;

interface NodeProcess {
  readonly id: number;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: string;
  stderr: string;
  done: boolean;
}

const children = new Set<NodeProcess>();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const node of children) if (!node.done) node.child.kill('SIGKILL');
  await Promise.race([Promise.all([...children].map((n) => n.exited)), new Promise((r) => setTimeout(r, 10_000))]);
  children.clear();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function spawnNode(id: number, args: readonly string[]): NodeProcess {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
  const node: NodeProcess = {
    id,
    child,
    stdout: '',
    stderr: '',
    done: false,
    exited: new Promise((resolve) => {
      child.once('close', (code, signal) => {
        node.done = true;
        resolve({ code, signal });
      });
    }),
  };
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (node.stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (node.stderr += c));
  children.add(node);
  return node;
}

async function untilServing(node: NodeProcess): Promise<void> {
  await waitFor(() => /^serving on /m.test(node.stdout) || node.done, `node ${node.id} to print 'serving on'`, START_TIMEOUT_MS);
  if (!/^serving on /m.test(node.stdout)) throw new Error(`node ${node.id} exited before serving: ${node.stderr}`);
}

async function readyz(address: string): Promise<number> {
  const response = await fetch(`http://${address}/readyz`, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status;
}

describe('serve paxos, three processes on loopback', () => {
  it(
    'serves getTs, getSeq and getSeqBatch through SIGKILL of the leader with increasing timestamps and gapless blocks; the killed node rejoins; /readyz only on the leader; SIGTERM stops all',
    async () => {
      const { dir, remove } = await makeTempDir('tsoracle-paxos-cluster-');
      cleanups.push(remove);
      const ports = await freePorts(9);
      const peer = (id: number) => `127.0.0.1:${ports[id - 1] as number}`;
      const service = (id: number) => `127.0.0.1:${ports[id + 2] as number}`;
      const http = (id: number) => `127.0.0.1:${ports[id + 5] as number}`;
      const peers = [1, 2, 3].map((id) => `${id}=${peer(id)}/${service(id)}`).join(',');
      const argsOf = (id: number) => ['serve', 'paxos', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', http(id), '--seq-batch-keys-max', '2'];
      const nodes = new Map<number, NodeProcess>([1, 2, 3].map((id) => [id, spawnNode(id, argsOf(id))]));
      for (const node of nodes.values()) await untilServing(node);

      const client: TsoClient = createClient({ endpoints: [1, 2, 3].map(service), retry: { attemptsMax: 1_000, overallTimeoutMs: 15_000 } });
      cleanups.push(() => client.close());
      const timestamps: bigint[] = [];
      const blocks: Array<{ start: bigint; count: number }> = [];
      const batchStarts: Array<readonly bigint[]> = [];
      const take = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          timestamps.push(await client.getTs());
          const block = await client.getSeq('orders', 3);
          blocks.push({ start: block.start, count: block.count });
          // Both keys move together in one entry, exactly once across the kill's retries.
          const batch = await client.getSeqBatch([{ key: 'left', count: 2 }, { key: 'right', count: 2 }]);
          batchStarts.push(batch.blocks.map((b) => b.start));
        }
      };
      await take(20);
      // --seq-batch-keys-max reaches the paxos server (it was accepted and ignored before).
      await expect(client.getSeqBatch([{ key: 'a', count: 1 }, { key: 'b', count: 1 }, { key: 'c', count: 1 }])).rejects.toThrow(/INVALID_SEQ_BATCH/);

      const leaderEndpoint = client.cachedLeader()?.endpoint;
      const leaderId = [1, 2, 3].find((id) => service(id) === leaderEndpoint);
      expect(leaderId).toBeDefined();
      // Ready only while serving: the leader answers 200, the followers 503.
      let leaderReady = 0;
      for (let tries = 0; tries < 50 && leaderReady !== 200; tries++) {
        leaderReady = await readyz(http(leaderId as number));
        if (leaderReady !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(leaderReady).toBe(200);
      for (const id of [1, 2, 3].filter((x) => x !== leaderId)) expect(await readyz(http(id))).not.toBe(200);
      expect(nodes.get(leaderId as number)?.stderr).toMatch(/paxos: leading epoch \d+/);

      const leader = nodes.get(leaderId as number) as NodeProcess;
      const maxBefore = timestamps[timestamps.length - 1] as bigint;
      leader.child.kill('SIGKILL');
      expect((await leader.exited).signal).toBe('SIGKILL');

      const countAtKill = timestamps.length;
      await take(20);
      expect(client.cachedLeader()?.endpoint).not.toBe(leaderEndpoint);
      for (const ts of timestamps.slice(countAtKill)) expect(ts).toBeGreaterThan(maxBefore);

      const restarted = spawnNode(leader.id, argsOf(leader.id));
      nodes.set(leader.id, restarted);
      await untilServing(restarted);
      await waitFor(() => /paxos: follower at ballot \d+\.\d+, leader \d+/.test(restarted.stderr), 'the restarted node to follow a leader', 10_000);
      expect(restarted.stderr).toMatch(/started with promise [1-9]\d*\.\d+/);
      await take(10);

      for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]).toBeGreaterThan(timestamps[i - 1] as bigint);
      const sorted = [...blocks].sort((a, b) => (a.start < b.start ? -1 : 1));
      let next = 0n;
      for (const block of sorted) {
        expect(block.start).toBe(next);
        next += BigInt(block.count);
      }
      batchStarts.forEach((starts, i) => expect(starts).toEqual([BigInt(2 * i), BigInt(2 * i)]));

      for (const node of nodes.values()) node.child.kill('SIGTERM');
      for (const node of nodes.values()) {
        const exit = await Promise.race([node.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
        expect(exit, `node ${node.id}: ${node.stderr}`).toEqual({ code: 0, signal: null });
      }
    },
    CLUSTER_TEST_TIMEOUT_MS,
  );
});
