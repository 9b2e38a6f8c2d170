// A measurement, not a test: the connection attacks of issue 21 at the issue's scale, each against
// a fresh `tsoracle serve file` child process (so its peak RSS, VmHWM, is the attack's own):
//   idle-flood     10,000 idle connections from 20 addresses (127.0.0.2–21): the global cap
//   idle-flood-one-peer  10,000 idle connections from one address: the per-peer cap
//   slowloris      500 connections, each a header claiming 65,536 bytes, then one byte a second
//   unfinished     4,000 connections from 8 addresses, each 65,535 bytes of a 65,536-byte frame
//   pipelining     12 connections, each 650,000 getTs requests written without reading an answer
// and a baseline with no attack. During each, a well-behaved client (the real client library,
// from 127.0.0.1) asks for timestamps one after another; the script prints its p50/p99, what the
// server did (its refusal and close counters from /metrics, the buffered-bytes gauge), and the
// server's peak RSS. Nothing here asserts.
// Usage: npm run build && node dist/bench/attacks.js [--only NAME]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFrame } from '../core/frame.js';
import { encodeRequest } from '../core/protocol.js';
import { createClient } from '../runners/client.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'runners', 'cli.js');
/** How long the client is measured when an attack has no natural end. */
const ATTACK_WINDOW_MS = 15_000;
/** The idle flood runs with this idle timeout (not the 60 s default) so that it ends within the run. */
const IDLE_FLOOD_IDLE_TIMEOUT_S = 10;
/** Non-reading pipeliners are closed by the idle timeout (60 s by default): wait past it. */
const PIPELINING_WINDOW_MS = 80_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function argText(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Served {
  readonly child: ChildProcess;
  readonly port: number;
  readonly httpPort: number;
  readonly dir: string;
}

async function startServer(extraFlags: string[]): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'tsoracle-attacks-'));
  const port = await freePort();
  const httpPort = await freePort();
  const args = [CLI, 'serve', 'file', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--http-listen', `127.0.0.1:${httpPort}`, ...extraFlags];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('serving on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, port, httpPort, dir };
}

async function stopServer(s: Served): Promise<void> {
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (s.child.exitCode === null) s.child.kill('SIGKILL');
  rmSync(s.dir, { recursive: true, force: true });
}

/** The server's peak RSS (VmHWM) in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** The defence counters and the buffered-bytes gauge, from /metrics. */
async function defenceMetrics(httpPort: number): Promise<{ refused: Record<string, number>; closed: Record<string, number>; bufferedBytes: number }> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const refused: Record<string, number> = {};
  const closed: Record<string, number> = {};
  let bufferedBytes = 0;
  for (const line of text.split('\n')) {
    const r = /^tsoracle_connections_(refused|closed)_total\{reason="(\w+)"\} (\d+)/.exec(line);
    if (r) (r[1] === 'refused' ? refused : closed)[r[2] as string] = Number(r[3]);
    const b = /^tsoracle_connection_buffered_bytes (\d+)/.exec(line);
    if (b) bufferedBytes = Number(b[1]);
  }
  return { refused, closed, bufferedBytes };
}

/** The well-behaved client: one getTs after another until `stop`; latencies in ms, and failures. */
function wellBehavedClient(port: number): { stop: () => Promise<{ latenciesMs: number[]; failures: Map<string, number> }> } {
  const client = createClient({ endpoints: [`127.0.0.1:${port}`] });
  const latenciesMs: number[] = [];
  const failures = new Map<string, number>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const startMs = performance.now();
      try {
        await client.getTs();
        latenciesMs.push(performance.now() - startMs);
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'error';
        failures.set(code, (failures.get(code) ?? 0) + 1);
      }
      await sleep(2);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await client.close();
      return { latenciesMs, failures };
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Attacker sockets that received bytes (an id-0 answer saying why they were refused or closed). */
const answered = new WeakSet<net.Socket>();

/** Opens `n` raw connections from 127.0.0.(2 + i % addresses), `parallel` at a time. */
async function openSockets(port: number, n: number, addresses: number, onOpen: (s: net.Socket, i: number) => void, read = true): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  const parallel = 200;
  for (let base = 0; base < n; base += parallel) {
    await Promise.all(
      Array.from({ length: Math.min(parallel, n - base) }, (_, k) => {
        const i = base + k;
        return new Promise<void>((resolve) => {
          const s = net.connect({ host: '127.0.0.1', port, localAddress: `127.0.0.${2 + (i % addresses)}` });
          s.on('error', () => resolve());
          if (!read) s.pause();
          else s.on('data', () => void answered.add(s));
          s.once('connect', () => {
            onOpen(s, i);
            resolve();
          });
          sockets.push(s);
        });
      }),
    );
  }
  return sockets;
}

interface AttackResult {
  readonly name: string;
  readonly what: string;
}

type Attack = (s: Served) => Promise<string>;

const attacks: Record<string, Attack> = {
  baseline: async () => {
    await sleep(ATTACK_WINDOW_MS / 3);
    return 'no attack';
  },
  'idle-flood': async (s) => {
    const sockets = await openSockets(s.port, 10_000, 20, () => undefined);
    await sleep(1_000);
    const open = sockets.filter((x) => !x.destroyed && !x.readableEnded).length;
    const refusedAnswered = sockets.filter((x) => x.readableEnded && answered.has(x)).length;
    const before = await defenceMetrics(s.httpPort);
    // A new client during the flood (the slots are full of idle attackers until the idle timeout).
    const fresh = createClient({ endpoints: [`127.0.0.1:${s.port}`], retry: { overallTimeoutMs: 3_000 } });
    const freshStartMs = performance.now();
    const duringFlood = await fresh.getTs().then(
      () => `answered after ${Math.round(performance.now() - freshStartMs)} ms`,
      (e: { code?: string }) => `failed ${e.code ?? ''}`,
    );
    await fresh.close();
    const after = await defenceMetrics(s.httpPort);
    const refusedOfFresh = (after.refused['connections_max'] ?? 0) - (before.refused['connections_max'] ?? 0);
    await sleep(IDLE_FLOOD_IDLE_TIMEOUT_S * 1_000 + 3_000);
    const stillOpen = sockets.filter((x) => !x.destroyed && !x.readableEnded).length;
    const allAnswered = sockets.filter((x) => answered.has(x)).length;
    const fresh2 = createClient({ endpoints: [`127.0.0.1:${s.port}`], retry: { overallTimeoutMs: 3_000 } });
    const afterIdle = await fresh2.getTs().then(() => 'answered', (e: { code?: string }) => `failed ${e.code ?? ''}`);
    await fresh2.close();
    for (const x of sockets) x.destroy();
    return `10000 opened; ${open} open after 1 s, ${refusedAnswered} closed with an answer; a new client during the flood: ${duringFlood} (refused ${refusedOfFresh} times first); attackers open after the idle timeout: ${stillOpen}, ${allAnswered} of 10000 got an answer; a new client then: ${afterIdle}`;
  },
  'idle-flood-one-peer': async (s) => {
    const sockets = await openSockets(s.port, 10_000, 1, () => undefined);
    await sleep(1_000);
    const open = sockets.filter((x) => !x.destroyed && !x.readableEnded).length;
    const fresh = createClient({ endpoints: [`127.0.0.1:${s.port}`], retry: { overallTimeoutMs: 3_000 } });
    const freshStartMs = performance.now();
    const duringFlood = await fresh.getTs().then(
      () => `answered in ${Math.round(performance.now() - freshStartMs)} ms`,
      (e: { code?: string }) => `failed ${e.code ?? ''}`,
    );
    await fresh.close();
    const allAnswered = sockets.filter((x) => answered.has(x)).length;
    for (const x of sockets) x.destroy();
    return `10000 opened from 127.0.0.2; ${open} open after 1 s, ${allAnswered} refused with an answer; a new client from 127.0.0.1: ${duringFlood}`;
  },
  slowloris: async (s) => {
    const startMs = performance.now();
    const closedAtMs: number[] = [];
    const sockets = await openSockets(s.port, 500, 1, (x) => {
      x.write(Buffer.from([0, 1, 0, 0]));
      x.once('close', () => closedAtMs.push(performance.now() - startMs));
    });
    const trickle = setInterval(() => {
      for (const x of sockets) if (!x.destroyed) x.write(Buffer.from([1]));
    }, 1_000);
    const deadline = performance.now() + ATTACK_WINDOW_MS;
    while (closedAtMs.length < sockets.length && performance.now() < deadline) await sleep(100);
    clearInterval(trickle);
    for (const x of sockets) x.destroy();
    closedAtMs.sort((a, b) => a - b);
    return `500 opened; ${closedAtMs.length} closed by the server, the last ${Math.round((closedAtMs.at(-1) ?? NaN) / 1000)} s after the start`;
  },
  unfinished: async (s) => {
    const frame = Buffer.alloc(4 + 65_535, 9);
    frame.writeUInt32BE(65_536, 0);
    let closedCount = 0;
    let bufferedBytesMax = 0;
    const sampling = setInterval(() => {
      defenceMetrics(s.httpPort).then(
        (m) => (bufferedBytesMax = Math.max(bufferedBytesMax, m.bufferedBytes)),
        () => undefined,
      );
    }, 200);
    const sockets = await openSockets(s.port, 4_000, 8, (x) => {
      x.write(frame);
      x.once('close', () => (closedCount += 1));
    });
    const deadline = performance.now() + ATTACK_WINDOW_MS;
    while (closedCount < sockets.length && performance.now() < deadline) await sleep(100);
    clearInterval(sampling);
    for (const x of sockets) x.destroy();
    return `4000 opened; ${closedCount} closed by the server; buffered bytes sampled max ${(bufferedBytesMax / 2 ** 20).toFixed(1)} MiB`;
  },
  pipelining: async (s) => {
    const requests = Buffer.concat(Array.from({ length: 650_000 }, (_, i) => encodeFrame(encodeRequest({ id: (i % 1_000) + 1, op: 'getTs', count: 1 }))));
    const sockets = await openSockets(s.port, 12, 12, (x) => x.write(requests), false);
    const startMs = performance.now();
    const deadline = startMs + PIPELINING_WINDOW_MS;
    // Done once the server closed all twelve (the attackers never read, so count on its side).
    for (;;) {
      const m = await defenceMetrics(s.httpPort);
      const closed = Object.values(m.closed).reduce((a, b) => a + b, 0);
      if (closed >= 12 || performance.now() > deadline) break;
      await sleep(200);
    }
    const seconds = Math.round((performance.now() - startMs) / 1000);
    for (const x of sockets) x.destroy();
    return `12 × 650,000 requests (${(requests.length / 2 ** 20).toFixed(1)} MiB each) written without reading; the server had closed them all after ${seconds} s`;
  },
};

async function main(): Promise<void> {
  const only = argText('--only');
  const rows: string[] = [];
  for (const [name, attack] of Object.entries(attacks)) {
    if (only !== undefined && only !== name) continue;
    const flags = name === 'idle-flood' ? ['--idle-timeout', `${IDLE_FLOOD_IDLE_TIMEOUT_S}s`] : [];
    process.stdout.write(`${name}: tsoracle serve file with default limits${flags.length > 0 ? `, ${flags.join(' ')}` : ''}\n`);
    const s = await startServer(flags);
    try {
      const client = wellBehavedClient(s.port);
      await sleep(300);
      const what = await attack(s);
      const { latenciesMs, failures } = await client.stop();
      const m = await defenceMetrics(s.httpPort);
      const sorted = [...latenciesMs].sort((a, b) => a - b);
      const row: AttackResult = { name, what };
      const line =
        `${row.name}: ${row.what}\n` +
        `  server: refused ${JSON.stringify(m.refused)}, closed ${JSON.stringify(m.closed)}, buffered now ${m.bufferedBytes} B, peak RSS ${peakRssMb(s.child.pid as number)} MB\n` +
        `  client: ${latenciesMs.length} answers, p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms, failures ${JSON.stringify(Object.fromEntries(failures))}\n`;
      process.stdout.write(line);
      rows.push(line);
    } finally {
      await stopServer(s);
    }
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
