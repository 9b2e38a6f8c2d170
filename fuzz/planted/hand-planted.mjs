// Measures the fuzz oracles from outside (issue 22): plants one bug at a time, by hand, in a
// scratch copy of a compiled fuzz build, runs the target the bug lives behind for a bounded time,
// and reports whether a finding came out, and which. Nothing in the tree is changed.
//
//   npx tsc -p fuzz/tsconfig.fuzz-build.json          # the build under test (fuzz/.build)
//   node fuzz/planted/hand-planted.mjs [--root DIR] [--time 60s] [--seed N] [--only NAME,...]
//
// --root is the repository whose fuzz/.build and fuzz/corpus are measured (default: this one),
// so the same bugs can be measured against an older commit's oracles. One JSON line per bug on
// stdout, then a summary. Each bug is a textual edit of the compiled JavaScript (whitespace runs
// in `find` match any whitespace); a bug whose text is not found exactly once is reported as
// `not-applied`, never run.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The planted bugs: the kinds of issue 22 and a few more, each behind the target that should see it. */
export const BUGS = [
  { name: 'tsor-crc-not-compared', kind: 'CRC compare dropped (values still round-trip)', target: 'high-water-record', file: 'core/records/framed.js', find: 'if (stored !== computed)', replace: 'if (false)' },
  { name: 'frame-header-one-above-limit', kind: 'header one byte above the limit accepted', target: 'frame', file: 'core/frame.js', find: 'if (bodyBytes > this.maxBodyBytes) {', replace: 'if (bodyBytes > this.maxBodyBytes + 1) {' },
  { name: 'reader-raw-past-end', kind: 'reader runs past the end (clamped by JavaScript)', target: 'codec-primitives', file: 'core/codec/postcard.js', find: 'if (length > this.remaining) this.fail(ErrorCode.DECODE_EOF,', replace: 'if (false) this.fail(ErrorCode.DECODE_EOF,' },
  { name: 'reader-length-past-end', kind: 'length checked against its limit only, not the bytes left', target: 'envelope', file: 'core/codec/postcard.js', find: 'if (length > this.remaining) {', replace: 'if (false) {' },
  { name: 'varint-overlong-accepted', kind: 'over-long varint accepted (non-canonical form)', target: 'codec-primitives', file: 'core/codec/postcard.js', find: 'if (b & 0x80) this.fail(ErrorCode.DECODE_VARINT_OVERLONG, `varint longer than ${bytesMax} bytes`, start);', replace: ';' },
  { name: 'bool-any-nonzero', kind: 'bool accepts any non-zero byte (second spelling)', target: 'codec-primitives', file: 'core/codec/postcard.js', find: 'if (b === 1) return true;', replace: 'if (b !== 0) return true;' },
  { name: 'u64n-limit-off-by-one', kind: 'safe-integer limit one group too high', target: 'codec-primitives', file: 'core/codec/postcard.js', find: 'if (high >= 16) this.fail(', replace: 'if (high > 16) this.fail(' },
  { name: 'envelope-trailing-bytes', kind: 'trailing bytes accepted', target: 'envelope', file: 'core/codec/envelope.js', find: 'reader.expectEnd();', replace: ';' },
  { name: 'wal-crc-not-compared', kind: 'CRC compare dropped', target: 'raft-wal', file: 'core/raft/codec.js', find: 'if (readU32LeAt(bytes, offset + 4) !== walChecksum(record, payloadLength)) {', replace: 'if (false) {' },
  { name: 'wal-length-one-above-limit', kind: 'record length one above the limit accepted', target: 'raft-wal', file: 'core/raft/codec.js', find: 'if (payloadLength > RAFT_WAL_RECORD_BYTES_MAX) throw', replace: 'if (payloadLength > RAFT_WAL_RECORD_BYTES_MAX + 1) throw' },
  { name: 'peer-frame-crc-not-compared', kind: 'CRC compare dropped', target: 'raft-peer-frame', file: 'drivers/raft/peer-wire.js', find: 'if (storedCrc !== crc32c(body, 0, crcOffset)) {', replace: 'if (false) {' },
  { name: 'raft-entries-one-above-limit', kind: 'entry count one above the limit accepted', target: 'raft-message', file: 'core/raft/codec.js', find: 'r.seq(readEntry, RAFT_ENTRIES_PER_MESSAGE_MAX)', replace: 'r.seq(readEntry, RAFT_ENTRIES_PER_MESSAGE_MAX + 1)' },
  { name: 'server-count-one-above-limit', kind: 'getTs count one above the limit served', target: 'server-input', file: 'core/protocol.js', find: 'count <= GET_TS_COUNT_MAX)', replace: 'count <= GET_TS_COUNT_MAX + 1)' },
  { name: 'client-grant-spans-ms', kind: 'a grant spanning a millisecond by one accepted', target: 'client-input', file: 'core/protocol.js', find: 'if (logical + grantCount > TIMESTAMPS_PER_MS) throw', replace: 'if (logical + grantCount > TIMESTAMPS_PER_MS + 1) throw' },
];

function parseArgs(argv) {
  const args = { root: resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), time: '60s', seed: '2026', only: null };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--root') args.root = resolve(value);
    else if (flag === '--time') args.time = value;
    else if (flag === '--seed') args.seed = value;
    else if (flag === '--only') args.only = new Set(value.split(','));
    else throw new Error(`unknown argument ${flag}`);
    i += 1;
  }
  return args;
}

/** `find` as a regex in which any whitespace run matches any whitespace run. */
function looseRegex(find) {
  const escaped = find.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(escaped.replace(/\s+/g, '\\s+'), 'g');
}

function measure(bug, args) {
  const scratch = mkdtempSync(join(tmpdir(), `tsoracle-planted-${bug.name}-`));
  try {
    cpSync(join(args.root, 'fuzz', '.build'), join(scratch, 'fuzz', '.build'), { recursive: true });
    cpSync(join(args.root, 'fuzz', 'corpus', bug.target), join(scratch, 'fuzz', 'corpus', bug.target), { recursive: true });
    cpSync(join(args.root, 'package.json'), join(scratch, 'package.json'));
    symlinkSync(join(args.root, 'node_modules'), join(scratch, 'node_modules'));
    const path = join(scratch, 'fuzz', '.build', bug.file);
    if (!existsSync(path)) return { bug: bug.name, target: bug.target, result: 'not-applied', detail: `${bug.file} is not in the build` };
    const source = readFileSync(path, 'utf8');
    const matches = source.match(looseRegex(bug.find)) ?? [];
    if (matches.length !== 1) return { bug: bug.name, target: bug.target, result: 'not-applied', detail: `${matches.length} matches of the planted text` };
    writeFileSync(path, source.replace(looseRegex(bug.find), bug.replace));
    const run = spawnSync(process.execPath, [join(scratch, 'fuzz', '.build', 'fuzz', 'main.js'), '--target', bug.target, '--time', args.time, '--seed', args.seed], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (process.env.PLANTED_DEBUG) console.error(run.stdout, run.stderr);
    const findings = [...`${run.stdout}\n${run.stderr}`.matchAll(/FINDING \S+ (\S+) after (\d+) execs: (\S+)/g)].map((m) => ({ kind: m[1], execs: Number(m[2]), signature: m[3] }));
    const execs = Number(/: (\d+) execs in/.exec(run.stdout)?.[1] ?? Number.NaN);
    if (!Number.isFinite(execs)) {
      // The run did not finish (a crash, a signal): no verdict, and what it printed to say why.
      const said = `${run.error?.message ?? ''} signal ${String(run.signal)} ${run.stderr.slice(-400)} ${run.stdout.slice(-400)}`;
      return { bug: bug.name, kind: bug.kind, target: bug.target, result: 'run-failed', exit: run.status, detail: said };
    }
    return { bug: bug.name, kind: bug.kind, target: bug.target, result: findings.length > 0 ? 'found' : 'missed', exit: run.status, execs, findings };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const results = [];
  for (const bug of BUGS) {
    if (args.only !== null && !args.only.has(bug.name)) continue;
    const result = measure(bug, args);
    results.push(result);
    console.log(JSON.stringify(result));
  }
  const found = results.filter((r) => r.result === 'found').length;
  const applied = results.filter((r) => r.result === 'found' || r.result === 'missed').length;
  console.log(`found ${found} of ${applied} planted bugs (${args.time} per target, seed ${args.seed}, root ${args.root})`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
