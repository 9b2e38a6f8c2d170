// A measurement, not a test: how the client and the CLI behave across a leader's failure on a
// real 3-node Raft cluster on loopback (three `tsoracle serve raft` processes).
//   1. Kill -9: after SIGKILL of the leader, N `tsoracle get-ts` CLI calls in a row, each a fresh
//      process; counts exit codes (13 is Node's "unsettled top-level await": a silent death).
//   2. Pause: a client that knows the leader sends getTs while the leader is SIGSTOPped; the time
//      until it answers, over R rounds (SIGCONT and a settle between rounds).
// Usage: npm run build && node dist/bench/client-failover.js [--calls 40] [--rounds 5]
// Prints one JSON line. Nothing here asserts: the numbers go into closing notes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../runners/client.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'runners', 'cli.js');

function argValue(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const calls = argValue('--calls', 40);
  const rounds = argValue('--rounds', 5);
  const dir = mkdtempSync(join(tmpdir(), 'tsoracle-failover-'));
  const ports = await freePorts(6);
  const raft = (id: number): string => `127.0.0.1:${ports[id - 1] as number}`;
  const service = (id: number): string => `127.0.0.1:${ports[id + 2] as number}`;
  const peers = [1, 2, 3].map((id) => `${id}=${raft(id)}/${service(id)}`).join(',');
  const nodes = new Map<number, ChildProcess>();
  const start = (id: number): void => {
    const child = spawn(process.execPath, [CLI, 'serve', 'raft', '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off'], { stdio: 'ignore' });
    nodes.set(id, child);
  };
  try {
    for (const id of [1, 2, 3]) start(id);
    const endpoints = [1, 2, 3].map(service);
    const leaderOf = async (): Promise<number> => {
      // The nodes may not listen yet: ask until one answers (bounded).
      for (let tries = 0; ; tries += 1) {
        const probe = createClient({ endpoints, retry: { overallTimeoutMs: 20_000 } });
        try {
          await probe.getTs();
          return [1, 2, 3].find((id) => service(id) === probe.cachedLeader()?.endpoint) ?? 0;
        } catch (e) {
          if (tries >= 100) throw e;
          await sleep(200);
        } finally {
          await probe.close();
        }
      }
    };

    // 1. Kill -9 of the leader, then fresh CLI processes.
    const killed = await leaderOf();
    nodes.get(killed)?.kill('SIGKILL');
    const exitCodes: Record<string, number> = {};
    const callMs: number[] = [];
    for (let i = 0; i < calls; i += 1) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [CLI, 'get-ts', '--endpoints', endpoints.join(',')], { encoding: 'utf8', timeout: 60_000 });
      callMs.push(performance.now() - t0);
      const key = String(r.status);
      exitCodes[key] = (exitCodes[key] ?? 0) + 1;
    }
    start(killed);
    await sleep(2_000);

    // 2. A client pinned to a paused leader.
    const pausedMs: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const client = createClient({ endpoints });
      await client.getTs();
      const leader = [1, 2, 3].find((id) => service(id) === client.cachedLeader()?.endpoint) ?? 0;
      const child = nodes.get(leader);
      child?.kill('SIGSTOP');
      const t0 = performance.now();
      try {
        await client.getTs();
        pausedMs.push(Math.round(performance.now() - t0));
      } catch {
        pausedMs.push(-1);
      }
      child?.kill('SIGCONT');
      await client.close();
      await sleep(1_500);
    }
    const sorted = [...callMs].sort((a, b) => a - b);
    process.stdout.write(
      `${JSON.stringify({
        killThenCli: { calls, exitCodes, p50Ms: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0), maxMs: Math.round(sorted.at(-1) ?? 0) },
        pausedLeader: { rounds, answeredAfterMs: pausedMs },
      })}\n`,
    );
  } finally {
    for (const child of nodes.values()) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
