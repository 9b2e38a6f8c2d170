// `tsoracle serve raft`: the peer-list checks, and a real 3-process cluster on loopback (the built
// CLI, dist/runners/cli.js): a client with every endpoint gets timestamps and sequence blocks;
// after SIGKILL of the leader it keeps getting strictly increasing timestamps from a new leader;
// the killed node restarts from its data directory and rejoins; SIGTERM stops every node with
// exit 0. Every wait is bounded and every child is killed in afterEach (no orphans).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsoError } from '../core/errors.js';
import { makeTempDir } from '../drivers/node/test-support.js';
import { createClient, type TsoClient } from './client.js';
import { checkRaftConfig, parseClockDrift, parseRaftPeers } from './raft.js';
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

describe('serve raft configuration', () => {
  it('parses the peer list into Raft addresses and advertised service endpoints', () => {
    const peers = parseRaftPeers(' 1=10.0.0.1:7000/10.0.0.1:50551, 2=h2:7000/h2:50551,3=[::1]:7000/[::1]:50551 ');
    expect([...peers.keys()]).toEqual([1, 2, 3]);
    expect(peers.get(2)).toEqual({ raftAddress: { host: 'h2', port: 7000 }, serviceEndpoint: 'h2:50551' });
    expect(peers.get(3)?.serviceEndpoint).toBe('[::1]:50551');
    expect(checkRaftConfig(2, peers)).toEqual([]);
  });

  it('refuses malformed lists, duplicate ids and addresses, an unknown id and too many voters', () => {
    expect(configError(() => parseRaftPeers(''))).toMatch(/empty/);
    expect(configError(() => parseRaftPeers('1=a:1'))).toMatch(/not ID=RAFT_HOST:PORT\/SERVICE_HOST:PORT/);
    expect(configError(() => parseRaftPeers('0=a:1/a:2'))).toMatch(/not a positive integer/);
    expect(configError(() => parseRaftPeers('1=a:1/a:2,1=b:1/b:2'))).toMatch(/id 1 appears twice/);
    expect(configError(() => parseRaftPeers('1=a:1/a:2,2=a:1/b:2'))).toMatch(/a:1 is used twice/);
    expect(configError(() => parseRaftPeers('1=a:1/a:2,2=b:1/a:1'))).toMatch(/a:1 is used twice \(node 1's Raft address and node 2's service address\)/);
    expect(configError(() => parseRaftPeers('1=a:0/a:2'))).toMatch(/port from 1 to 65535/);
    const ten = Array.from({ length: 10 }, (_, i) => `${i + 1}=h${i}:1/h${i}:2`).join(',');
    expect(configError(() => parseRaftPeers(ten))).toMatch(/10 voters, at most 9/);
    expect(configError(() => checkRaftConfig(4, parseRaftPeers('1=a:1/a:2,2=b:1/b:2,3=c:1/c:2')))).toMatch(/--id 4 is not in --peers \(ids: 1, 2, 3\)/);
    expect(checkRaftConfig(1, parseRaftPeers('1=a:1/a:2,2=b:1/b:2'))[0]).toMatch(/even cluster/);
  });

  it('takes a clock-drift bound in [0, 0.25)', () => {
    expect(parseClockDrift('0.01')).toBe(0.01);
    expect(parseClockDrift('0')).toBe(0);
    expect(configError(() => parseClockDrift('0.25'))).toMatch(/\[0, 0.25\)/);
    expect(configError(() => parseClockDrift('-1'))).toMatch(/ratio/);
    expect(configError(() => parseClockDrift('1%'))).toMatch(/ratio/);
  });
});

// ---------------------------------------------------------------------------------------------
// Real processes.

/** Bound on one node's start (`serving on` printed). */
const START_TIMEOUT_MS = 15_000;
/** Bound on the whole cluster test (the brief's limit is 60 s). */
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

describe('serve raft, three processes on loopback', () => {
  it(
    'serves through SIGKILL of the leader with increasing timestamps and gapless blocks; the killed node rejoins; SIGTERM stops all',
    async () => {
      const { dir, remove } = await makeTempDir('tsoracle-raft-cluster-');
      cleanups.push(remove);
      const ports = await freePorts(6);
      const raft = (id: number) => `127.0.0.1:${ports[id - 1] as number}`;
      const service = (id: number) => `127.0.0.1:${ports[id + 2] as number}`;
      const peers = [1, 2, 3].map((id) => `${id}=${raft(id)}/${service(id)}`).join(',');
      const argsOf = (id: number) => ['serve', 'raft', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off'];
      const nodes = new Map<number, NodeProcess>([1, 2, 3].map((id) => [id, spawnNode(id, argsOf(id))]));
      for (const node of nodes.values()) await untilServing(node);

      const client: TsoClient = createClient({
        endpoints: [1, 2, 3].map(service),
        // A killed node refuses every pass while the election runs; let the deadline bound the call.
        retry: { attemptsMax: 1_000, overallTimeoutMs: 15_000 },
      });
      cleanups.push(() => client.close());
      const timestamps: bigint[] = [];
      const blocks: Array<{ start: bigint; count: number }> = [];
      const take = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          timestamps.push(await client.getTs());
          const block = await client.getSeq('orders', 3);
          blocks.push({ start: block.start, count: block.count });
        }
      };
      await take(20);

      const leaderEndpoint = client.cachedLeader()?.endpoint;
      const leaderId = [1, 2, 3].find((id) => service(id) === leaderEndpoint);
      expect(leaderId).toBeDefined();
      const leader = nodes.get(leaderId as number) as NodeProcess;
      const maxBefore = timestamps[timestamps.length - 1] as bigint;
      leader.child.kill('SIGKILL');
      expect((await leader.exited).signal).toBe('SIGKILL');

      const countAtKill = timestamps.length;
      await take(20);
      expect(client.cachedLeader()?.endpoint).not.toBe(leaderEndpoint);
      for (const ts of timestamps.slice(countAtKill)) expect(ts).toBeGreaterThan(maxBefore);

      // The killed node restarts from its data directory and follows the new leader.
      const restarted = spawnNode(leader.id, argsOf(leader.id));
      nodes.set(leader.id, restarted);
      await untilServing(restarted);
      await waitFor(() => /follower at term \d+, leader \d+/.test(restarted.stderr), 'the restarted node to follow a leader', 10_000);
      expect(restarted.stderr).toMatch(/started at term [1-9]/);
      await take(10);

      for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]).toBeGreaterThan(timestamps[i - 1] as bigint);
      const sorted = [...blocks].sort((a, b) => (a.start < b.start ? -1 : 1));
      let next = 0n;
      for (const block of sorted) {
        expect(block.start).toBe(next);
        next += BigInt(block.count);
      }

      for (const node of nodes.values()) node.child.kill('SIGTERM');
      for (const node of nodes.values()) {
        const exit = await Promise.race([node.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
        expect(exit, `node ${node.id}: ${node.stderr}`).toEqual({ code: 0, signal: null });
      }
    },
    CLUSTER_TEST_TIMEOUT_MS,
  );
});
