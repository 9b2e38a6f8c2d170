// `node dist/bench/disk-sync.js [--commits N] [--rounds R] [--dir D]`: what one durable commit of a
// small record costs on this machine's file system, by the ways a log can be written, so the
// journal's design (docs/formats.md 6.1) rests on numbers. Each way writes N 64-byte records,
// each made durable before the next, R rounds interleaved; prints the median and the range of
// µs per commit. Not a test: it asserts nothing. Its temp files are removed.
//
//   grow, 2 hops      write (thread pool) + fdatasync (thread pool), the file grows each commit
//   grow, 1 hop       writeSync + fdatasync (thread pool)
//   in place, 1 hop   the same over a zero fill written (and synced) ahead: what the journal does
//   in place, 0 hops  writeSync + fdatasyncSync: blocks the event loop for the device's time
import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const commits = flag('--commits', 2000);
const rounds = flag('--rounds', 5);
const dirFlag = args.indexOf('--dir');
const dir = mkdtempSync(join(dirFlag === -1 ? tmpdir() : (args[dirFlag + 1] as string), 'tsoracle-disk-sync-'));
const record = Buffer.alloc(64, 7);
const { O_WRONLY, O_CREAT, O_TRUNC } = fs.constants;

const writeAsync = (fd: number, at: number): Promise<void> => new Promise((res, rej) => fs.write(fd, record, 0, record.length, at, (e) => (e ? rej(e) : res())));
const fdatasyncAsync = (fd: number): Promise<void> => new Promise((res, rej) => fs.fdatasync(fd, (e) => (e ? rej(e) : res())));

type Way = { readonly name: string; readonly zeroFill: boolean; readonly commit: (fd: number, at: number) => Promise<void> | void };
const ways: readonly Way[] = [
  { name: 'grow, 2 hops', zeroFill: false, commit: async (fd, at) => (await writeAsync(fd, at), await fdatasyncAsync(fd)) },
  { name: 'grow, 1 hop', zeroFill: false, commit: (fd, at) => (fs.writeSync(fd, record, 0, record.length, at), fdatasyncAsync(fd)) },
  { name: 'in place, 1 hop', zeroFill: true, commit: (fd, at) => (fs.writeSync(fd, record, 0, record.length, at), fdatasyncAsync(fd)) },
  { name: 'in place, 0 hops', zeroFill: true, commit: (fd, at) => (fs.writeSync(fd, record, 0, record.length, at), fs.fdatasyncSync(fd)) },
];

const results = new Map<string, number[]>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const way of ways) {
      const path = join(dir, 'log');
      const fd = fs.openSync(path, O_WRONLY | O_CREAT | O_TRUNC);
      if (way.zeroFill) {
        fs.writeSync(fd, Buffer.alloc(commits * record.length + 4096), 0, commits * record.length + 4096, 0);
        fs.fsyncSync(fd);
      }
      const start = process.hrtime.bigint();
      for (let i = 0; i < commits; i++) await way.commit(fd, i * record.length);
      const usPerCommit = Number(process.hrtime.bigint() - start) / commits / 1000;
      fs.closeSync(fd);
      rmSync(path);
      results.set(way.name, [...(results.get(way.name) ?? []), usPerCommit]);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${commits} commits of ${record.length} bytes × ${rounds} rounds, interleaved (µs per commit: median [min … max])`);
for (const [name, us] of results) {
  const sorted = [...us].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  console.log(`  ${name.padEnd(18)} ${median.toFixed(0).padStart(5)}  [${(sorted[0] as number).toFixed(0)} … ${(sorted[sorted.length - 1] as number).toFixed(0)}]`);
}
