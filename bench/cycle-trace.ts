// Where a getSeq group-commit cycle's time goes, from outside the code: a preload that stamps, on
// the machine's monotonic clock (shared by every process), each loopback socket read and write,
// each positional writeSync and each fdatasync start and end of the process it is loaded into,
// and a report that merges the stamps of every process and prints the time spent between each
// kind of event and the next (client write → server read → journal write → fdatasync → server
// write → client read → client write ...). Nothing in the product is changed or imported.
//
//   export TSORACLE_CYCLE_TRACE_DIR=$(mktemp -d)
//   NODE_OPTIONS="--import $PWD/dist/bench/cycle-trace.js" node dist/bench/run.js --only getSeq@16 --window-ms 2000
//   node dist/bench/cycle-trace.js $TSORACLE_CYCLE_TRACE_DIR
//
// (The bench's server child inherits NODE_OPTIONS and the directory, so both sides are traced.)
// Each process keeps at most EVENTS_MAX stamps in memory and writes them at exit; the report
// reads the middle 60% of the merged run (warm-up and shutdown left out). Linux or not, any
// Node: only `process.hrtime`, `fs` and `net` are used. A bench tool: it asserts nothing.
import fs from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EVENTS_MAX = 1_000_000;
const KINDS = ['', 'read', 'write', 'fdatasync>', 'fdatasync<', 'writeSync'] as const;
const READ = 1;
const WRITE = 2;
const SYNC_START = 3;
const SYNC_END = 4;
const WRITE_SYNC = 5;

function installPreload(dir: string): void {
  // Two numbers an event: µs on the monotonic clock, kind * 1e6 + bytes.
  const events = new Float64Array(EVENTS_MAX * 2);
  let count = 0;
  const stamp = (kind: number, bytes: number): void => {
    if (count === EVENTS_MAX) return;
    events[2 * count] = Number(process.hrtime.bigint()) / 1_000;
    events[2 * count + 1] = kind * 1e6 + Math.min(bytes, 999_999);
    count += 1;
  };
  const role = process.argv.some((a) => a.endsWith('cli.js')) ? 'server' : 'client';
  const mutableFs = fs as unknown as Record<string, unknown>;
  const fdatasync = fs.fdatasync;
  mutableFs['fdatasync'] = (fd: number, callback: (e: NodeJS.ErrnoException | null) => void): void => {
    stamp(SYNC_START, 0);
    fdatasync(fd, (e) => {
      stamp(SYNC_END, 0);
      callback(e);
    });
  };
  const writeSync = fs.writeSync as (...args: unknown[]) => number;
  mutableFs['writeSync'] = (...args: unknown[]): number => {
    stamp(WRITE_SYNC, (args[1] as Uint8Array | undefined)?.length ?? 0);
    return writeSync(...args);
  };
  const socket = net.Socket.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const write = socket['write'] as (...args: unknown[]) => unknown;
  socket['write'] = function (this: net.Socket, ...args: unknown[]): unknown {
    if (this.remoteAddress === '127.0.0.1') stamp(WRITE, (args[0] as Uint8Array | undefined)?.length ?? 0);
    return write.apply(this, args);
  };
  const push = socket['push'] as (...args: unknown[]) => unknown;
  socket['push'] = function (this: net.Socket, ...args: unknown[]): unknown {
    const chunk = args[0] as Uint8Array | null;
    if (chunk !== null && this.remoteAddress === '127.0.0.1') stamp(READ, chunk.length);
    return push.apply(this, args);
  };
  process.on('exit', () => {
    fs.writeFileSync(join(dir, `${role}-${process.pid}.bin`), Buffer.from(events.buffer, 0, count * 16));
  });
}

interface TraceEvent {
  readonly us: number;
  readonly side: 'C' | 'S';
  readonly kind: number;
}

function report(dir: string): void {
  const events: TraceEvent[] = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.bin'))) {
    const bytes = fs.readFileSync(join(dir, name));
    const values = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
    const side = name.startsWith('server') ? 'S' : 'C';
    for (let i = 0; i < values.length; i += 2) events.push({ us: values[i] as number, side, kind: Math.floor((values[i + 1] as number) / 1e6) });
  }
  events.sort((a, b) => a.us - b.us);
  const segments = new Map<string, { n: number; us: number }>();
  const from = Math.floor(events.length * 0.2);
  const to = Math.floor(events.length * 0.8);
  for (let i = Math.max(1, from); i < to; i++) {
    const a = events[i - 1] as TraceEvent;
    const b = events[i] as TraceEvent;
    const key = `${a.side} ${KINDS[a.kind] ?? '?'} -> ${b.side} ${KINDS[b.kind] ?? '?'}`;
    const s = segments.get(key) ?? { n: 0, us: 0 };
    s.n += 1;
    s.us += b.us - a.us;
    segments.set(key, s);
  }
  const totalUs = [...segments.values()].reduce((sum, s) => sum + s.us, 0);
  const syncs = events.slice(from, to).filter((e) => e.kind === SYNC_START).length;
  process.stdout.write(`${events.length} events from ${dir}; middle 60%: ${(totalUs / 1_000).toFixed(0)} ms, ${syncs} fdatasyncs (C client, S server)\n`);
  process.stdout.write('share   count  mean µs  from -> to\n');
  for (const [key, s] of [...segments].sort((a, b) => b[1].us - a[1].us)) {
    process.stdout.write(`${((s.us / totalUs) * 100).toFixed(1).padStart(5)}%  ${String(s.n).padStart(6)}  ${(s.us / s.n).toFixed(0).padStart(7)}  ${key}\n`);
  }
}

const runAsMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1]);
if (runAsMain) {
  const dir = process.argv[2];
  if (dir === undefined) {
    process.stderr.write('usage: node dist/bench/cycle-trace.js DIR   (after a run preloaded with --import dist/bench/cycle-trace.js)\n');
    process.exit(2);
  }
  report(dir);
} else {
  const dir = process.env['TSORACLE_CYCLE_TRACE_DIR'];
  if (dir === undefined) throw new Error('cycle-trace preload: set TSORACLE_CYCLE_TRACE_DIR to a directory for the stamps');
  installPreload(dir);
}
