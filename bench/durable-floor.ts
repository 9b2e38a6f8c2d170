// `node dist/bench/durable-floor.js [--ms N] [--rounds R] [--dir D]`: the least a Node server and
// client can spend on one durable request over loopback TCP, so getSeq@1 (and Redis INCR@1 with
// `appendfsync always`, `npm run bench -- --peers`) can be read against it. The server is a child
// process that, for each 16-byte request, pwrites a 64-byte record into a zero fill written ahead
// (as the journal does), fdatasyncs it on the event loop's thread and answers 16 bytes; the client
// sends the next request when the answer arrives (one caller). No framing, decoding, ledger or
// client library: what is left is the kernel (the sync, loopback TCP, two wake-ups a call) and
// Node's event loop. Prints calls/s and the CPU per call of each side, R rounds of N ms, and the
// median. Not a test: it asserts nothing. Its temp files are removed.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUEST_BYTES = 16;
const RECORD_BYTES = 64;
const ZERO_FILL_BYTES = 1 << 22;

function serve(file: string): void {
  const fd = fs.openSync(file, 'w+');
  fs.writeSync(fd, Buffer.alloc(ZERO_FILL_BYTES));
  fs.fsyncSync(fd);
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
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    process.send?.({ port: address.port });
  });
  process.on('message', (message: unknown) => {
    if (message === 'cpu') {
      const cpu = process.cpuUsage();
      process.send?.({ cpuUs: cpu.user + cpu.system });
    }
  });
  process.on('disconnect', () => process.exit(0));
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
    process.stderr.write('usage: durable-floor [--ms N > 0] [--rounds R > 0] [--dir D]\n');
    process.exit(2);
  }
  const dir = mkdtempSync(join(flag('--dir', tmpdir()), 'tsoracle-durable-floor-'));
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
else await main();
