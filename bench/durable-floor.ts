// `node dist/bench/durable-floor.js [--ms N] [--rounds R] [--dir D]`: the least a Node server and
// client can spend on one durable request over loopback TCP, so getSeq@1 (and Redis INCR@1 with
// `appendfsync always`, `npm run bench -- --peers`) can be read against it. The server is a child
// process that, for each 16-byte request, pwrites a 64-byte record into a zero fill written ahead
// (as the journal does), fdatasyncs it on the event loop's thread and answers 16 bytes; the client
// sends the next request when the answer arrives (one caller). No framing, decoding, ledger or
// client library: what is left is the kernel (the sync, loopback TCP, two wake-ups a call) and
// Node's event loop. Prints calls/s and the CPU per call of each side, R rounds of N ms, and the
// median. Not a test: it asserts nothing. Its temp files are removed.
//
// `--compare` runs, alternated within each round (their order rotating from round to round), the
// same one-caller loop against four servers: the floor; the floor plus tsoracle's own work per
// request and nothing else (`floor+work`: the real frame decoder, request decoder, sequence
// ledger applied to a working and a durable copy, journal record and answer encoder, in one
// callback with no layers); the real server (`tsoracle serve file`) sent the same getSeq frames;
// the same server through the client library (`tso+client`, as `npm run bench` calls it); and
// Redis INCR with `appendfsync always` when redis-server is installed. It tells whether a gap to
// Redis is in Node, in the work a getSeq must do, or in tsoracle's layers around it.
import { execFileSync, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameDecoder, encodeFrame } from '../core/frame.js';
import { SeqLedger, type SeqAdvanceRequest } from '../core/ledger.js';
import { decodeRequestWithToken, encodeRequest, encodeResponse } from '../core/protocol.js';
import { encodeSeqJournalRecord } from '../core/records/seq-journal.js';
import { createClient } from '../runners/client.js';
import { Janitor } from './janitor.js';
import { findRedisServer, freePort, startRedis } from './peers.js';

const REQUEST_BYTES = 16;
const RECORD_BYTES = 64;
const ZERO_FILL_BYTES = 1 << 22;

/** A log file opened for writing, zero-filled ahead and synced, as the journal keeps its own. */
function zeroFilledLog(file: string): number {
  const fd = fs.openSync(file, 'w+');
  fs.writeSync(fd, Buffer.alloc(ZERO_FILL_BYTES));
  fs.fsyncSync(fd);
  return fd;
}

/** A server child listens on a free loopback port and tells its parent which. */
function listenAndSendPort(server: net.Server): void {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    process.send?.({ port: address.port });
  });
}

function serve(file: string): void {
  const fd = zeroFilledLog(file);
  const record = Buffer.alloc(RECORD_BYTES, 7);
  let position = 0;
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      // One record per request in the chunk, one sync for the chunk: a group commit.
      const requests = Math.max(1, Math.floor(data.length / REQUEST_BYTES));
      for (let i = 0; i < requests; i++) {
        fs.writeSync(fd, record, 0, RECORD_BYTES, position);
        position = (position + RECORD_BYTES) % ZERO_FILL_BYTES;
      }
      fs.fdatasyncSync(fd);
      socket.write(Buffer.alloc(REQUEST_BYTES * requests, 1));
    });
  });
  listenAndSendPort(server);
  process.on('message', (message: unknown) => {
    if (message === 'cpu') {
      const cpu = process.cpuUsage();
      process.send?.({ cpuUs: cpu.user + cpu.system });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * The floor plus tsoracle's own work per getSeq and nothing else: the frames of one read decoded,
 * each request applied to a working ledger, one journal record of them written and synced, the
 * same requests applied to the durable ledger, and one framed answer each, all in the data
 * callback (the file driver's group commit without its promises, ports, metrics or checks).
 */
function serveWork(file: string): void {
  const fd = zeroFilledLog(file);
  const working = new SeqLedger();
  const durable = new SeqLedger();
  let position = 0;
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      const requests: (SeqAdvanceRequest & { readonly id: number })[] = [];
      for (const body of decoder.push(chunk)) {
        const { request } = decodeRequestWithToken(body);
        if (request.op !== 'getSeq') throw new Error(`floor+work serves getSeq only, got ${request.op}`);
        requests.push(request);
      }
      if (requests.length === 0) return;
      const applySeqBefore = working.applySeq;
      const outcomes = requests.map((r) => working.apply(r));
      const record = encodeSeqJournalRecord({ applySeqBefore, requests });
      if (position + record.length > ZERO_FILL_BYTES) position = 0;
      fs.writeSync(fd, record, 0, record.length, position);
      position += record.length;
      fs.fdatasyncSync(fd);
      const answers = requests.map((r, i) => {
        durable.apply(r);
        const o = outcomes[i];
        if (o === undefined || !o.ok || 'grants' in o) throw new Error('floor+work: a getSeq failed');
        return encodeFrame(encodeResponse({ id: r.id, ok: true, start: o.start, count: o.count, epoch: 1n }));
      });
      socket.write(answers.length === 1 ? (answers[0] as Uint8Array) : Buffer.concat(answers));
    });
  });
  listenAndSendPort(server);
  process.on('disconnect', () => process.exit(0));
}

/** One server of `--compare`: where it listens, what one call sends, and when its answer is whole. */
interface Target {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** The next request's bytes. */
  request(): Uint8Array;
  /** Feeds answer bytes; true once the answer to the one outstanding request is whole. */
  answered(chunk: Buffer): boolean;
  /** A loop of its own instead of raw bytes (the client library). */
  open?(): Promise<Loop>;
}

interface Loop {
  call(): Promise<void>;
  close(): void;
}

/** A getSeq frame per call (a fresh request id each, as the client library sends them). */
function getSeqFrames(): { request: () => Uint8Array; answered: (chunk: Buffer) => boolean } {
  const clientId = BigInt(process.pid) * 1_000_003n + BigInt(Date.now());
  let requestId = 0n;
  const decoder = new FrameDecoder();
  return {
    request: () => {
      requestId += 1n;
      return encodeFrame(encodeRequest({ id: Number(requestId % 1_000_000n) + 1, op: 'getSeq', key: 'floor', count: 1, clientId, requestId }));
    },
    answered: (chunk) => decoder.push(chunk).length > 0,
  };
}

const CLOCK_TICKS_PER_S = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of a process so far, in µs (Linux /proc; clock-tick resolution). */
function processCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_S;
}

async function connectWithin(port: number, timeoutMs: number): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => resolve(socket)).once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A connected one-caller loop over `target`: `call()` sends one request and waits for its answer. */
async function openLoop(target: Target): Promise<Loop> {
  if (target.open !== undefined) return target.open();
  const socket = await connectWithin(target.port, 30_000);
  socket.setNoDelay(true);
  let answered: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    if (!target.answered(chunk)) return;
    const resolve = answered;
    answered = null;
    resolve?.();
  });
  socket.on('error', () => undefined);
  return {
    call: () =>
      new Promise((resolve) => {
        answered = resolve;
        socket.write(target.request());
      }),
    close: () => socket.destroy(),
  };
}

async function compare(windowMs: number, rounds: number, dir: string): Promise<void> {
  const janitor = new Janitor();
  janitor.installProcessHandlers();
  janitor.deferDir(dir);
  try {
    const targets: Target[] = [];
    for (const [name, mode] of [['floor', '--serve'], ['floor+work', '--serve-work']] as const) {
      const child = fork(fileURLToPath(import.meta.url), [mode, join(dir, `${name}.log`)], { stdio: 'inherit' });
      janitor.deferProcess(name, child, async () => void child.kill());
      const port = await new Promise<number>((resolve, reject) => {
        child.once('message', (m) => resolve((m as { port: number }).port));
        child.once('exit', (code) => reject(new Error(`${name} server exited with ${code}`)));
      });
      const floorAnswer = { bytes: 0 };
      const frames = getSeqFrames();
      targets.push(
        name === 'floor'
          ? {
              name,
              port,
              pid: child.pid as number,
              request: () => Buffer.alloc(REQUEST_BYTES, 2),
              answered: (chunk) => {
                floorAnswer.bytes += chunk.length;
                if (floorAnswer.bytes < REQUEST_BYTES) return false;
                floorAnswer.bytes = 0;
                return true;
              },
            }
          : { name, port, pid: child.pid as number, ...frames },
      );
    }
    const tsoPort = await freePort();
    const cli = fileURLToPath(new URL('../runners/cli.js', import.meta.url));
    const tso = spawn(process.execPath, [cli, 'serve', 'file', '--data-dir', join(dir, 'tsoracle'), '--listen', `127.0.0.1:${tsoPort}`, '--http-listen', 'off', '--heartbeat-interval', '0s'], { stdio: 'ignore' });
    janitor.deferProcess('tsoracle', tso, async () => {
      tso.kill('SIGTERM');
      if (tso.exitCode === null) await new Promise((resolve) => tso.once('exit', resolve));
    });
    targets.push({ name: 'tsoracle', port: tsoPort, pid: tso.pid as number, ...getSeqFrames() });
    // The same server through the client library (createClient), as an application calls it.
    targets.push({
      name: 'tso+client',
      port: tsoPort,
      pid: tso.pid as number,
      request: () => new Uint8Array(0),
      answered: () => true,
      open: async () => {
        await connectWithin(tsoPort, 30_000).then((socket) => socket.destroy());
        const client = createClient({ endpoints: [`127.0.0.1:${tsoPort}`] });
        return {
          call: async () => {
            await client.getSeq('floor-client', 1);
          },
          close: () => void client.close(),
        };
      },
    });
    const redisServer = findRedisServer();
    if (redisServer === null) process.stdout.write('redis: redis-server not found (Debian: apt-get install redis-server); compared without it\n');
    else {
      const redis = await startRedis(redisServer, janitor);
      const incr = Buffer.from('*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n');
      let tail = '';
      targets.push({
        name: 'redis',
        port: redis.port as number,
        pid: redis.pid as number,
        request: () => incr,
        answered: (chunk) => {
          tail = (tail + chunk.toString('latin1')).slice(-2);
          return tail === '\r\n';
        },
      });
    }
    const loops = new Map<string, Loop>();
    for (const t of targets) {
      const loop = await openLoop(t);
      loops.set(t.name, loop);
      const warmupUntil = Date.now() + 500;
      while (Date.now() < warmupUntil) await loop.call();
    }
    // Per round, not only over all rounds: this VM's speed drifts over tens of seconds, and the
    // servers of one round run seconds apart, so a ratio within a round is the steadier figure.
    const rates = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length] as Target);
      for (const t of order) {
        const loop = loops.get(t.name) as Loop;
        const clientCpu = process.cpuUsage();
        const serverCpuBefore = processCpuUs(t.pid);
        const started = process.hrtime.bigint();
        let calls = 0;
        while (Number(process.hrtime.bigint() - started) / 1e6 < windowMs) {
          await loop.call();
          calls += 1;
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const client = process.cpuUsage(clientCpu);
        const serverUs = processCpuUs(t.pid) - serverCpuBefore;
        rates.get(t.name)?.push(calls / seconds);
        process.stdout.write(
          `round ${round} ${t.name}: ${Math.round(calls / seconds).toLocaleString('en-US')} calls/s, CPU µs/call client ${((client.user + client.system) / calls).toFixed(1)} server ${(serverUs / calls).toFixed(1)}\n`,
        );
      }
    }
    for (const loop of loops.values()) loop.close();
    const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const redisRates = rates.get('redis') ?? null;
    process.stdout.write(
      `medians of ${rounds} round(s), one caller${redisRates === null ? '' : '; and the median of each round\'s ratio to Redis in that round'}:\n`,
    );
    for (const t of targets) {
      const own = rates.get(t.name) as number[];
      const ratio = redisRates === null ? '' : `  ${median(own.map((r, i) => r / (redisRates[i] as number))).toFixed(2)}× Redis`;
      process.stdout.write(`${t.name.padEnd(11)} ${Math.round(median(own)).toLocaleString('en-US').padStart(7)} calls/s${ratio}\n`);
    }
  } finally {
    await janitor.releaseAll();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string): string => {
    const i = args.indexOf(name);
    return i === -1 ? fallback : (args[i + 1] ?? fallback);
  };
  const windowMs = Number(flag('--ms', '3000'));
  const rounds = Number(flag('--rounds', '3'));
  if (!(Number.isInteger(windowMs) && windowMs > 0 && Number.isInteger(rounds) && rounds > 0)) {
    process.stderr.write('usage: durable-floor [--ms N > 0] [--rounds R > 0] [--dir D] [--compare]\n');
    process.exit(2);
  }
  const dir = mkdtempSync(join(flag('--dir', tmpdir()), 'tsoracle-durable-floor-'));
  if (args.includes('--compare')) {
    await compare(windowMs, rounds, dir);
    return;
  }
  const child = fork(fileURLToPath(import.meta.url), ['--serve', join(dir, 'floor.log')], { stdio: 'inherit' });
  const cleanup = (): void => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
    });
    const serverCpuUs = (): Promise<number> =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { cpuUs: number }).cpuUs));
        child.send('cpu');
      });
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const request = Buffer.alloc(REQUEST_BYTES, 2);
    let answered: (() => void) | null = null;
    socket.on('data', () => {
      const resolve = answered;
      answered = null;
      resolve?.();
    });
    const call = (): Promise<void> =>
      new Promise((resolve) => {
        answered = resolve;
        socket.write(request);
      });
    const warmupUntil = Date.now() + 500;
    while (Date.now() < warmupUntil) await call();
    const rates: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const clientCpu = process.cpuUsage();
      const serverCpuBefore = await serverCpuUs();
      const started = process.hrtime.bigint();
      let calls = 0;
      while (Number(process.hrtime.bigint() - started) / 1e6 < windowMs) {
        await call();
        calls += 1;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const client = process.cpuUsage(clientCpu);
      const server = (await serverCpuUs()) - serverCpuBefore;
      rates.push(calls / seconds);
      process.stdout.write(
        `round ${round}: ${Math.round(calls / seconds).toLocaleString('en-US')} calls/s, CPU µs/call client ${((client.user + client.system) / calls).toFixed(1)} server ${(server / calls).toFixed(1)}\n`,
      );
    }
    rates.sort((a, b) => a - b);
    process.stdout.write(`durable floor @1 (median of ${rounds}): ${Math.round(rates[Math.floor(rates.length / 2)] as number).toLocaleString('en-US')} calls/s\n`);
    socket.destroy();
  } finally {
    cleanup();
  }
}

if (process.argv[2] === '--serve') serve(process.argv[3] as string);
else if (process.argv[2] === '--serve-work') serveWork(process.argv[3] as string);
else await main();
