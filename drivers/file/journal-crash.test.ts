// The file driver's sequence journal under power loss, on the simulated disk: torn sectors,
// partly landed writes and vanishing directory entries at every crash, with compaction running
// often. After each restart, every block the driver answered before a crash must come back
// unchanged for its request id (nothing acknowledged is lost, nothing is granted twice), and the
// blocks answered across all incarnations must be pairwise disjoint.
import { describe, expect, it } from 'vitest';
import type { SeqAdvanceRequest } from '../../core/ledger.js';
import { decodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import type { Disk } from '../ports.js';
import type { DiskFaults } from '../../sim/disk.js';
import type { Program } from '../../sim/process.js';
import { World } from '../../sim/world.js';
import { FileDriver } from './file-driver.js';

interface Answered {
  readonly request: SeqAdvanceRequest;
  readonly start: bigint;
  readonly count: number;
}

const CRASHES: DiskFaults = {
  crashTorn: { rate: [1, 2] },
  crashPartial: { rate: [1, 2] },
  crashDirOpsVanish: { rate: [1, 2] },
};
const WORKERS = 3;
const INCARNATIONS = 4;
const KEYS = ['a', 'b'];
const SEEDS = 12;
const JOURNAL_COMPACT_BYTES = 700;

/**
 * `disk`, except that right after the first call `crashWhen` matches has taken effect, the
 * process is crashed (power loss) before it can do anything else that completes.
 */
function crashingAfter(disk: Disk, crashWhen: (op: string, path: string) => boolean, crash: () => void): Disk {
  let armed = true;
  const hook = async <T>(op: string, path: string, run: () => Promise<T>): Promise<T> => {
    const result = await run();
    if (armed && crashWhen(op, path)) {
      armed = false;
      crash();
    }
    return result;
  };
  return {
    read: (p) => disk.read(p),
    write: (p, o, d) => hook('write', p, () => disk.write(p, o, d)),
    writeFile: (p, d) => hook('writeFile', p, () => disk.writeFile(p, d)),
    append: (p, d) => hook('append', p, () => disk.append(p, d)),
    openAppend: async (p) => {
      const handle = await disk.openAppend(p);
      return {
        append: (d) => hook('append', p, () => handle.append(d)),
        sync: () => hook('fsync', p, () => handle.sync()),
        close: () => handle.close(),
      };
    },
    truncate: (p, l) => hook('truncate', p, () => disk.truncate(p, l)),
    fsync: (p) => hook('fsync', p, () => disk.fsync(p)),
    rename: (f, t) => hook('rename', t, () => disk.rename(f, t)),
    fsyncDir: (d) => hook('fsyncDir', d, () => disk.fsyncDir(d)),
    mkdirp: (d) => disk.mkdirp(d),
    remove: (p) => hook('remove', p, () => disk.remove(p)),
    list: (d) => disk.list(d),
    size: (p) => disk.size(p),
    lock: (p) => disk.lock(p),
  };
}

interface SeedRun {
  readonly answered: Answered[];
  readonly problems: string[];
  readonly incarnationsChecked: number;
  readonly denseApplySeq: bigint;
}

/**
 * Runs INCARNATIONS incarnations of a driver with WORKERS concurrent callers each. Between them
 * a power loss: at a drawn time, or (with `crashWhen`) right after that disk call of the first
 * incarnation. Each incarnation first checks every earlier answer.
 */
async function runSeed(seed: number, faults: DiskFaults, crashWhen?: (op: string, path: string) => boolean): Promise<SeedRun> {
  const world = new World({ seed, trace: { keep: false }, disk: { faults } });
  const answered: Answered[] = [];
  const problems: string[] = [];
  let incarnationsChecked = 0;
  const program: Program = async ({ disk, incarnation, rng }) => {
    const port = crashWhen === undefined || incarnation > 1 ? disk : crashingAfter(disk, crashWhen, () => world.at(world.nowMs, () => crashAndRestart()));
    const driver = await FileDriver.open(port, '/data', { journalCompactBytes: JOURNAL_COMPACT_BYTES });
    // Everything answered before the crash is there, under the same request id.
    const before = answered.slice();
    const again = await Promise.all(before.map((a) => driver.advanceSeq(a.request, 0n)));
    again.forEach((r, i) => {
      const a = before[i] as Answered;
      if (!r.ok || r.start !== a.start || r.count !== a.count) {
        const now = r.ok ? `[${r.start}, +${r.count})` : r.code;
        problems.push(`incarnation ${incarnation}: request ${a.request.clientId}/${a.request.requestId} answered [${a.start}, +${a.count}) before, now ${now}`);
      }
    });
    incarnationsChecked += 1;
    for (let w = 0; w < WORKERS; w++) {
      const clientId = BigInt(incarnation * 100 + w);
      void (async () => {
        for (let requestId = 1n; ; requestId++) {
          const request = { key: KEYS[rng.int(0, KEYS.length - 1)] as string, count: rng.int(1, 4), clientId, requestId };
          const r = await driver.advanceSeq(request, 0n);
          if (r.ok) answered.push({ request, start: r.start, count: r.count });
        }
      })();
    }
  };
  const crashAndRestart = (): void => {
    if (world.node('n').status === 'down') return;
    world.crash('n');
    world.after(5, () => world.start('n'));
  };
  world.addNode({ name: 'n', program });
  // Crash times vary with the seed, so crashes hit every step (append, fsync, compaction, open).
  for (let i = crashWhen === undefined ? 1 : 2; i < INCARNATIONS; i++) world.at(i * 60 + world.rng.int(0, 40) / 2, () => crashAndRestart());
  const report = await world.run({ untilMs: INCARNATIONS * 60 + 40 });
  expect(report.failures, `seed ${seed}`).toEqual([]);
  const dense = world.node('n').disk.inspect().durable.files.get('/data/dense');
  return { answered, problems, incarnationsChecked, denseApplySeq: dense === undefined ? -1n : decodeSeqLedgerRecord(dense).applySeq };
}

function expectDisjoint(answered: readonly Answered[], label: string): void {
  for (const key of KEYS) {
    const blocks = answered
      .filter((a) => a.request.key === key)
      .map((a) => [a.start, a.start + BigInt(a.count)] as const)
      .sort((x, y) => (x[0] < y[0] ? -1 : 1));
    for (let i = 1; i < blocks.length; i++) {
      expect((blocks[i] as readonly [bigint, bigint])[0], `${label} key ${key}`).toBeGreaterThanOrEqual((blocks[i - 1] as readonly [bigint, bigint])[1]);
    }
  }
}

describe('the sequence journal across power losses (simulated disk)', () => {
  it('loses no answered block and grants none twice, with torn, partial and vanished writes at every crash', async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { answered, problems, incarnationsChecked, denseApplySeq } = await runSeed(seed, CRASHES);
      expect(problems, `seed ${seed}`).toEqual([]);
      expect(incarnationsChecked, `seed ${seed}`).toBe(INCARNATIONS);
      expect(answered.length, `seed ${seed}`).toBeGreaterThan(50);
      // Compactions happened (the first dense of a new directory is at applySeq 0).
      expect(denseApplySeq, `seed ${seed}`).toBeGreaterThan(0n);
      expectDisjoint(answered, `seed ${seed}`);
    }
  });

  it('opens after a power loss in the middle of emptying the journal (a compaction cut short)', async () => {
    // Every sector torn: an in-place truncate of the journal cut short this way would leave
    // zeroed sectors between intact records, which recovery must refuse as corruption.
    const tearing: DiskFaults = { crashTorn: { rate: [1, 1] }, crashDirOpsVanish: { rate: [1, 2] } };
    const emptying = (op: string, path: string): boolean => path.endsWith('dense.journal') && (op === 'remove' || op === 'truncate');
    for (let seed = 1; seed <= 6; seed++) {
      const { answered, problems, incarnationsChecked } = await runSeed(seed, tearing, emptying);
      expect(problems, `seed ${seed}`).toEqual([]);
      expect(incarnationsChecked, `seed ${seed}`).toBe(INCARNATIONS);
      expectDisjoint(answered, `seed ${seed}`);
    }
  });
});
