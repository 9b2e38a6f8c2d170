// A measurement, not a test: getTs unavailability after SIGKILL of the leader of a 3-node
// cluster of real processes on loopback (the built CLI), for `serve paxos` or `serve raft`, so
// the two drivers can be compared on one machine. Each round takes 50 timestamps, kills the
// leader with SIGKILL, times until the next getTs succeeds, and restarts the killed node.
//
//   npm run build && node dist/runners/paxos-failover.js [paxos|raft] [rounds]
//
// Prints one JSON line: every gap (ms), the median and the maximum. Timings depend on the
// machine's load; nothing here asserts them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from './client.js';
import { freePorts } from './test-support.js';

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), 'cli.js');
const ROUND_TIMESTAMPS = 50;
const RESTART_SETTLE_MS = 1_500;

async function main(): Promise<void> {
  const driver = process.argv[2] ?? 'paxos';
  const rounds = Number(process.argv[3] ?? '5');
  if (driver !== 'paxos' && driver !== 'raft') throw new Error(`driver must be paxos or raft, got ${driver}`);
  if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 100) throw new Error(`rounds must be 1 to 100, got ${process.argv[3]}`);
  const ports = await freePorts(6);
  const peer = (id: number): string => `127.0.0.1:${ports[id - 1] as number}`;
  const service = (id: number): string => `127.0.0.1:${ports[id + 2] as number}`;
  const peers = [1, 2, 3].map((id) => `${id}=${peer(id)}/${service(id)}`).join(',');
  const dir = mkdtempSync(join(tmpdir(), `tsoracle-${driver}-failover-`));
  const processes = new Map<number, ChildProcess>();
  const start = (id: number): void => {
    const child = spawn(process.execPath, [CLI, 'serve', driver, '--id', String(id), '--peers', peers, '--data-dir', join(dir, `n${id}`), '--http-listen', 'off'], { stdio: ['ignore', 'ignore', 'ignore'] });
    processes.set(id, child);
  };
  for (const id of [1, 2, 3]) start(id);
  const client = createClient({ endpoints: [1, 2, 3].map(service), retry: { attemptsMax: 100_000, overallTimeoutMs: 30_000 } });
  const gapsMs: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < ROUND_TIMESTAMPS; i++) await client.getTs();
      const leaderId = [1, 2, 3].find((id) => service(id) === client.cachedLeader()?.endpoint);
      if (leaderId === undefined) throw new Error('no leader known to the client');
      const killedAtMs = performance.now();
      processes.get(leaderId)?.kill('SIGKILL');
      await client.getTs();
      gapsMs.push(Math.round(performance.now() - killedAtMs));
      start(leaderId);
      await new Promise((resolve) => setTimeout(resolve, RESTART_SETTLE_MS));
    }
  } finally {
    await client.close();
    for (const child of processes.values()) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...gapsMs].sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ driver, rounds, gapsMs, p50: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
