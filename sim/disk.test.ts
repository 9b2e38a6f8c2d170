import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Disk, DiskError, type DiskErrorCode } from '../drivers/ports.js';
import { allZero, type DiskOptions, normalizePath } from './disk.js';
import { drivenDisk } from './driven.js';
import { World } from './world.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | null | undefined): string | null => (b === null || b === undefined ? null : new TextDecoder().decode(b));

async function machine(seed: number | string = 1, disk: DiskOptions = {}) {
  const world = new World({ seed, disk });
  world.addNode({ name: 'n1', program: async () => ({}) });
  await world.run();
  const d = (): Disk => drivenDisk(world, world.portsOf('n1').disk);
  const crash = async (): Promise<Disk> => {
    world.restart('n1');
    await world.run();
    return d();
  };
  return { world, sim: world.node('n1').disk, disk: d(), crash };
}

async function codeOf(p: Promise<unknown>): Promise<DiskErrorCode> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DiskError) return e.code;
    throw e;
  }
  throw new Error('expected a DiskError');
}

describe('SimDisk durability', () => {
  it('loses an unsynced write on a crash', async () => {
    const { disk, crash } = await machine();
    await disk.writeFile('/d', text('durable'));
    await disk.fsync('/d');
    await disk.writeFile('/d', text('volatile'));
    expect(str(await disk.read('/d'))).toBe('volatile');
    const after = await crash();
    expect(str(await after.read('/d'))).toBe('durable');
  });

  it('keeps a write that was fsynced (and its name, fsyncDir-ed)', async () => {
    const { disk, crash } = await machine();
    await disk.mkdirp('/data');
    await disk.fsyncDir('/');
    await disk.append('/data/log', text('one'));
    await disk.append('/data/log', text('two'));
    await disk.fsync('/data/log');
    await disk.fsyncDir('/data');
    const after = await crash();
    expect(str(await after.read('/data/log'))).toBe('onetwo');
  });

  it('a rename without fsyncDir vanishes on a crash when the fault is on, and is kept with fsyncDir', async () => {
    const vanishing: DiskOptions = { faults: { crashDirOpsVanish: { rate: [1, 1] } } };
    const replace = async (disk: Disk, syncDir: boolean): Promise<void> => {
      await disk.writeFile('/state', text('v1'));
      await disk.fsync('/state');
      await disk.fsyncDir('/');
      await disk.writeFile('/state.tmp', text('v2'));
      await disk.fsync('/state.tmp');
      await disk.rename('/state.tmp', '/state');
      if (syncDir) await disk.fsyncDir('/');
    };
    // With the fault, the journal is cut at a drawn point: over a few seeds the rename is lost.
    let lost = 0;
    for (let seed = 0; seed < 6; seed++) {
      const m = await machine(seed, vanishing);
      await replace(m.disk, false);
      const after = await m.crash();
      const state = str(await after.read('/state'));
      expect(['v1', 'v2']).toContain(state);
      if (state === 'v1') {
        lost++;
        // The journal is cut at a point: the tmp's creation may have landed without the rename.
        const tmp = str(await after.read('/state.tmp'));
        expect([null, 'v2']).toContain(tmp);
      } else {
        expect(await after.read('/state.tmp')).toBeNull();
      }
    }
    expect(lost).toBeGreaterThan(0);
    for (let seed = 0; seed < 6; seed++) {
      const m = await machine(seed, vanishing);
      await replace(m.disk, true);
      const after = await m.crash();
      expect(str(await after.read('/state'))).toBe('v2');
      expect(await after.read('/state.tmp')).toBeNull();
    }
  });

  it('without the fault, unsynced directory entries land but unsynced data does not (zero-length file)', async () => {
    const { disk, crash } = await machine();
    await disk.writeFile('/fresh', text('never synced'));
    const after = await crash();
    expect(await after.read('/fresh')).toEqual(new Uint8Array(0));
  });

  it('an fsync failure returns DISK_IO and drops the dirty pages, as on Linux', async () => {
    const { disk, sim, crash } = await machine();
    await disk.writeFile('/f', text('old'));
    await disk.fsync('/f');
    sim.setFaults({ fsyncFail: { rate: [1, 1], budget: 1 } });
    await disk.writeFile('/f', text('new'));
    expect(await codeOf(disk.fsync('/f'))).toBe('DISK_IO');
    expect(str(await disk.read('/f'))).toBe('old'); // the page cache no longer holds 'new'
    await disk.fsync('/f'); // a retry "succeeds": nothing is dirty any more
    expect(sim.faultCounts().fsyncFail).toBe(1);
    const after = await crash();
    expect(str(await after.read('/f'))).toBe('old');
  });

  it('tears an unsynced write at 512-byte sector granularity on a crash', async () => {
    const sectors = 8;
    const outcomes = new Set<string>();
    for (let seed = 0; seed < 8; seed++) {
      const { disk, crash } = await machine(seed, { faults: { crashTorn: { rate: [1, 1] } } });
      await disk.writeFile('/t', new Uint8Array(sectors * 512).fill(0xaa));
      await disk.fsync('/t');
      await disk.fsyncDir('/');
      await disk.write('/t', 0, new Uint8Array(sectors * 512).fill(0xbb));
      const after = await crash();
      const got = (await after.read('/t')) as Uint8Array;
      expect(got.length).toBe(sectors * 512);
      let pattern = '';
      for (let s = 0; s < sectors; s++) {
        const sector = got.subarray(s * 512, (s + 1) * 512);
        const first = sector[0] as number;
        expect([0xaa, 0xbb]).toContain(first);
        expect(sector.every((b) => b === first)).toBe(true); // a sector is old or new, never mixed
        pattern += first === 0xbb ? 'N' : 'o';
      }
      outcomes.add(pattern);
    }
    expect([...outcomes].some((p) => p.includes('N') && p.includes('o'))).toBe(true);
  });

  it('loses the tail of an unsynced append at a power loss at sector granularity: the size cut at a sector boundary, or the new size with the new sectors zero from a point on', async () => {
    const modes = new Set<string>();
    for (let seed = 0; seed < 16; seed++) {
      const { disk, crash } = await machine(seed, { faults: { crashTailLost: { rate: [1, 1] } } });
      const old = new Uint8Array(700).fill(0xaa);
      await disk.writeFile('/wal', old);
      await disk.fsync('/wal');
      await disk.fsyncDir('/');
      const appended = new Uint8Array(1_500).fill(0xbb);
      await disk.append('/wal', appended);
      const after = await crash();
      const got = (await after.read('/wal')) as Uint8Array;
      const full = new Uint8Array([...old, ...appended]);
      // The durable bytes never change.
      expect(got.subarray(0, old.length).every((b) => b === 0xaa)).toBe(true);
      if (got.length < full.length) {
        modes.add('size_cut');
        expect(got.length % 512).toBe(0);
        expect(got.length).toBeGreaterThan(old.length);
        expect(got.every((b, i) => b === full[i])).toBe(true);
      } else {
        modes.add('sectors_zero');
        const zeroFrom = got.findIndex((b, i) => i >= old.length && b === 0);
        expect(zeroFrom === old.length || zeroFrom % 512 === 0).toBe(true);
        expect(got.subarray(zeroFrom).every((b) => b === 0)).toBe(true);
        expect(got.subarray(0, zeroFrom).every((b, i) => b === full[i])).toBe(true);
      }
    }
    expect([...modes].sort()).toEqual(['sectors_zero', 'size_cut']);
  });

  it('partly lands unsynced appends on a crash: always a prefix, in order', async () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const { disk, crash } = await machine(seed, { faults: { crashPartial: { rate: [1, 1] } } });
      await disk.writeFile('/log', text('H'));
      await disk.fsync('/log');
      for (const r of ['a', 'b', 'c']) await disk.append('/log', text(r));
      const after = await crash();
      const got = str(await after.read('/log')) as string;
      expect(['H', 'Ha', 'Hab', 'Habc']).toContain(got);
      seen.add(got);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('an append handle has the crash semantics of append + fsync: synced appends survive, unsynced ones are lost', async () => {
    const { disk, crash } = await machine();
    const log = await disk.openAppend('/log');
    await disk.fsyncDir('/');
    await log.append(text('one'));
    await log.append(text('two'));
    await log.sync();
    await log.append(text('lost'));
    expect(str(await disk.read('/log'))).toBe('onetwolost');
    const after = await crash();
    expect(str(await after.read('/log'))).toBe('onetwo');
  });

  it('traces the appends and syncs of a handle as disk.append and disk.fsync of its path, for the nemeses and checkers keyed on them', async () => {
    const { world, disk } = await machine();
    const log = await disk.openAppend('/log');
    await log.append(text('x'));
    await log.sync();
    const traced = world.trace
      .entries()
      .filter((e) => e.kind === 'disk.append' || e.kind === 'disk.fsync')
      .map((e) => [e.kind, e.details?.path, e.details?.handle]);
    expect(traced).toEqual([
      ['disk.append', '/log', true],
      ['disk.fsync', '/log', true],
    ]);
  });

  it('a failed sync of an append handle returns DISK_IO and drops the unsynced appends', async () => {
    const { disk, sim, crash } = await machine();
    const log = await disk.openAppend('/log');
    await log.append(text('kept'));
    await log.sync();
    await disk.fsyncDir('/');
    sim.setFaults({ fsyncFail: { rate: [1, 1], budget: 1 } });
    await log.append(text('dropped'));
    expect(await codeOf(log.sync())).toBe('DISK_IO');
    expect(str(await disk.read('/log'))).toBe('kept');
    await log.close();
    const after = await crash();
    expect(str(await after.read('/log'))).toBe('kept');
  });

  it('partly lands the unsynced appends of a handle on a crash: always a prefix, in order', async () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const { disk, crash } = await machine(seed, { faults: { crashPartial: { rate: [1, 1] } } });
      await disk.writeFile('/log', text('H'));
      await disk.fsync('/log');
      const log = await disk.openAppend('/log');
      for (const r of ['a', 'b', 'c']) await log.append(text(r));
      const after = await crash();
      const got = str(await after.read('/log')) as string;
      expect(['H', 'Ha', 'Hab', 'Habc']).toContain(got);
      seen.add(got);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('an append handle follows its file across a rename, and using it after its file is removed is a caller bug', async () => {
    const { disk } = await machine();
    const log = await disk.openAppend('/a');
    await log.append(text('x'));
    await disk.rename('/a', '/b');
    await log.append(text('y'));
    expect(str(await disk.read('/b'))).toBe('xy');
    await disk.remove('/b');
    await expect(log.append(text('z'))).rejects.toThrow(/disk_append_handle_file_still_named/);
  });

  it('fails writes with DISK_FULL past the capacity, and when the fault fires', async () => {
    const { disk, sim } = await machine(1, { capacityBytes: 100 });
    await disk.writeFile('/a', new Uint8Array(60));
    expect(await codeOf(disk.append('/a', new Uint8Array(50)))).toBe('DISK_FULL');
    expect(await disk.size('/a')).toBe(60);
    await disk.writeFile('/a', new Uint8Array(100)); // replacing is fine: it frees the old bytes
    await disk.remove('/a');
    await disk.writeFile('/b', new Uint8Array(90));
    sim.setCapacityBytes(undefined);
    sim.setFaults({ writeFull: { rate: [1, 1], budget: 2 } });
    expect(await codeOf(disk.append('/b', text('x')))).toBe('DISK_FULL');
    expect(await codeOf(disk.write('/b', 0, text('x')))).toBe('DISK_FULL');
    await disk.append('/b', text('x')); // budget spent
    expect(await disk.size('/b')).toBe(91);
  });

  it('returns one corrupted sector on a read when the fault fires, leaving the stored data intact', async () => {
    const { disk, sim } = await machine(3, { faults: { readCorrupt: { rate: [1, 1], budget: 1 } } });
    const data = new Uint8Array(3 * 512).map((_, i) => i & 0xff);
    await disk.writeFile('/r', data);
    const bad = (await disk.read('/r')) as Uint8Array;
    const differing = new Set<number>();
    for (let i = 0; i < data.length; i++) if (bad[i] !== data[i]) differing.add(Math.floor(i / 512));
    expect(differing.size).toBe(1);
    expect(await disk.read('/r')).toEqual(data);
    expect(sim.inspect().volatile.files.get('/r')).toEqual(data);
  });
});

describe('SimDisk bit rot at rest and misdirected writes damage only vouched bytes', () => {
  const bitsDiffering = (a: Uint8Array, b: Uint8Array): number => {
    let n = 0;
    for (let i = 0; i < a.length; i++) for (let x = (a[i] as number) ^ (b[i] as number); x !== 0; x >>= 1) n += x & 1;
    return n;
  };
  /** Non-zero records (a zero-filled write vouches for nothing). */
  const records = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }).map((r) => r.map((x) => x | 1)), { minLength: 1, maxLength: 6 });
  /** Appends each record and syncs it, as a log does; returns the offset of each record. */
  const writeLog = async (disk: Disk, path: string, log: readonly Uint8Array[]): Promise<number[]> => {
    const starts: number[] = [];
    let at = 0;
    for (const record of log) {
      starts.push(at);
      await disk.append(path, record);
      await disk.fsync(path);
      at += record.length;
    }
    await disk.fsyncDir('/');
    return starts;
  };
  const concat = (parts: readonly Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };

  it('flips one bit below the newest record of a log at a power loss, never in it (and none in a log of one record)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000 }), records, async (seed, log) => {
        const { disk, sim, world, crash } = await machine(seed, { faults: { bitRot: { rate: [1, 1], budget: 1 } } });
        const starts = await writeLog(disk, '/log', log);
        const whole = concat(log);
        const after = await crash();
        const read = (await after.read('/log')) as Uint8Array;
        expect(read.length).toBe(whole.length);
        const newest = starts[starts.length - 1] as number;
        // The newest record is intact whatever was drawn: one copy could not tell its damage from a torn write.
        expect(read.subarray(newest)).toEqual(whole.subarray(newest));
        const rotted = log.length > 1 ? 1 : 0;
        expect(bitsDiffering(read, whole)).toBe(rotted);
        expect(sim.faultCounts().bitRot).toBe(rotted);
        const traced = world.trace.entries().filter((e) => e.kind === 'fault.disk.bit_rot');
        expect(traced).toHaveLength(rotted);
        if (rotted === 1) expect((traced[0]?.details as { offset: number }).offset).toBeLessThan(newest);
      }),
      { numRuns: 40 },
    );
  });

  it('never damages a file only ever written whole or rewritten in place', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { disk, sim, crash } = await machine(seed, { faults: { bitRot: { rate: [1, 1] }, misdirectedWrite: { rate: [1, 1] } } });
      await disk.writeFile('/whole', text('first version'));
      await disk.fsync('/whole');
      await disk.writeFile('/whole', text('second version, longer'));
      await disk.fsync('/whole');
      await disk.write('/inplace', 0, text('state one'));
      await disk.fsync('/inplace');
      await disk.write('/inplace', 0, text('state two'));
      await disk.fsync('/inplace');
      await disk.fsyncDir('/');
      const after = await crash();
      expect(str(await after.read('/whole'))).toBe('second version, longer');
      expect(str(await after.read('/inplace'))).toBe('state two');
      expect(sim.damaged).toBe(false);
    }
  });

  it('counts no write as vouching that is unsynced, all zeros, or cut off by a truncate', async () => {
    const rot = { faults: { bitRot: { rate: [1, 1] as const } } };
    for (let seed = 1; seed <= 20; seed++) {
      // Unsynced: a crash loses the second record, so the first is the newest again.
      const a = await machine(seed, rot);
      await writeLog(a.disk, '/log', [text('one')]);
      await a.disk.append('/log', text('two'));
      const afterA = await a.crash();
      expect(str(await afterA.read('/log'))).toBe('one');
      expect(a.sim.damaged).toBe(false);
      // A zero fill written ahead (and synced) after the newest record vouches for nothing.
      const b = await machine(seed, rot);
      await writeLog(b.disk, '/log', [text('one')]);
      await b.disk.write('/log', 3, new Uint8Array(512));
      await b.disk.fsync('/log');
      const afterB = await b.crash();
      expect(str((await afterB.read('/log'))?.subarray(0, 3))).toBe('one');
      expect(b.sim.damaged).toBe(false);
      // Three records, the last cut off durably: only the first is vouched (by the second).
      const c = await machine(seed, rot);
      await writeLog(c.disk, '/log', [text('aaaa'), text('bbbb'), text('cccc')]);
      await c.disk.truncate('/log', 8);
      await c.disk.fsync('/log');
      const afterC = await c.crash();
      const read = (await afterC.read('/log')) as Uint8Array;
      expect(str(read.subarray(4))).toBe('bbbb');
      expect(bitsDiffering(read.subarray(0, 4), text('aaaa'))).toBe(1);
    }
  });

  it('shows a misdirected write at the next power loss, only for a write a later durable write vouches for', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000 }), records, async (seed, log) => {
        const { disk, sim, world, crash } = await machine(seed, { faults: { misdirectedWrite: { rate: [1, 1], budget: 1 } } });
        const starts = await writeLog(disk, '/log', log);
        const whole = concat(log);
        // The page cache holds what was asked until the power loss.
        expect(await disk.read('/log')).toEqual(whole);
        const after = await crash();
        const read = (await after.read('/log')) as Uint8Array;
        expect(read.length).toBe(whole.length);
        const newest = starts[starts.length - 1] as number;
        expect(read.subarray(newest)).toEqual(whole.subarray(newest));
        const entries = world.trace.entries().filter((e) => e.kind === 'fault.disk.misdirected_write');
        // A candidate needs room elsewhere below the newest record.
        const candidates = log.slice(0, -1).filter((r) => r.length < newest);
        if (candidates.length === 0) {
          expect(entries).toHaveLength(0);
          expect(read).toEqual(whole);
          expect(sim.damaged).toBe(false);
          return;
        }
        expect(entries).toHaveLength(1);
        const { asked, landedAt, bytes } = entries[0]?.details as { asked: number; landedAt: number; bytes: number };
        const index = starts.indexOf(asked);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThan(log.length - 1);
        expect(landedAt).not.toBe(asked);
        expect(landedAt + bytes).toBeLessThanOrEqual(newest);
        // The asked range never got the data (an append grew the file: zeros), the landed range did.
        const expected = whole.slice();
        expected.fill(0, asked, asked + bytes);
        expected.set(log[index] as Uint8Array, landedAt);
        expect(read).toEqual(expected);
        expect(sim.faultCounts().misdirectedWrite).toBe(1);
      }),
      { numRuns: 150 },
    );
  });
});

describe('SimDisk truncate failures', () => {
  it('fails a truncate with DISK_IO and changes nothing (fault truncateFail), within its budget', async () => {
    const { disk, sim, world } = await machine(1, { faults: { truncateFail: { rate: [1, 1], budget: 1 } } });
    await disk.writeFile('/log', text('aaaabbbb'));
    await disk.fsync('/log');
    expect(await codeOf(disk.truncate('/log', 4))).toBe('DISK_IO');
    expect(str(await disk.read('/log'))).toBe('aaaabbbb');
    expect(world.trace.entries().filter((e) => e.kind === 'fault.disk.truncate_fail')).toHaveLength(1);
    // The budget spent, the next truncate does what it says.
    await disk.truncate('/log', 4);
    expect(str(await disk.read('/log'))).toBe('aaaa');
    expect(sim.faultCounts().truncateFail).toBe(1);
  });
});

describe('SimDisk operations and locks', () => {
  it('completes operations after a latency drawn within the configured range', async () => {
    const { world } = await machine(1, { latency: { data: { minUs: 2_000, maxUs: 3_000 } } });
    const disk = world.portsOf('n1').disk;
    const started = world.nowMs;
    let doneAt = -1;
    void disk.writeFile('/x', text('x')).then(() => (doneAt = world.nowMs));
    await world.run();
    expect(doneAt - started).toBeGreaterThanOrEqual(2);
    expect(doneAt - started).toBeLessThanOrEqual(3);
  });

  it('adds a drawn extra latency when the spike fault fires', async () => {
    const { world } = await machine(1, {
      latency: { data: { minUs: 100, maxUs: 100 } },
      faults: { latencySpike: { rate: [1, 1], budget: 1, extraUs: { minUs: 50_000, maxUs: 60_000 } } },
    });
    const disk = world.portsOf('n1').disk;
    const done: number[] = [];
    const started = world.nowMs;
    void disk.writeFile('/a', text('a')).then(() => done.push(world.nowMs - started));
    await world.run();
    void disk.writeFile('/b', text('b')).then(() => done.push(world.nowMs - started));
    const second = world.nowMs - started;
    await world.run();
    expect(done[0]).toBeGreaterThanOrEqual(50.1);
    expect((done[1] as number) - second).toBeLessThan(1); // budget spent: back to 0.1 ms
  });

  it('keeps latency draws apart from fault draws: arming a fault that never fires changes no timing', async () => {
    const timings = async (disk: DiskOptions): Promise<number[]> => {
      const { world } = await machine(5, disk);
      const port = world.portsOf('n1').disk;
      const out: number[] = [];
      for (let i = 0; i < 20; i++) void port.append('/log', text(`${i}`)).then(() => out.push(world.nowMs));
      await world.run();
      return out;
    };
    const plain = await timings({});
    const armed = await timings({ faults: { readCorrupt: { rate: [1, 2] }, fsyncFail: { rate: [1, 2] } } }); // no reads, no fsyncs
    expect(armed).toEqual(plain);
  });

  it('fails a write into a missing directory with DISK_NOT_FOUND and lists files and subdirectories sorted', async () => {
    const { disk } = await machine();
    expect(await codeOf(disk.writeFile('/nope/f', text('x')))).toBe('DISK_NOT_FOUND');
    await disk.mkdirp('/a/b');
    await disk.writeFile('/a/z', text('z'));
    await disk.writeFile('/a/c', text('c'));
    expect(await disk.list('/a')).toEqual(['b', 'c', 'z']);
    expect(await codeOf(disk.fsyncDir('/missing'))).toBe('DISK_NOT_FOUND');
    expect(await codeOf(disk.read('/a'))).toBe('DISK_IO');
  });

  it('normalizes paths lexically', () => {
    expect(normalizePath('a//b/./c/')).toBe('a/b/c');
    expect(normalizePath('/x/../y')).toBe('/y');
    expect(normalizePath('./')).toBe('.');
    expect(normalizePath('/')).toBe('/');
  });

  it('holds a lock exclusively and releases it when the holder crashes', async () => {
    const { disk, sim, crash } = await machine();
    await disk.lock('/LOCK');
    expect(await codeOf(disk.lock('/LOCK'))).toBe('DISK_LOCKED');
    expect(sim.isLocked('/LOCK')).toBe(true);
    const after = await crash();
    expect(sim.isLocked('/LOCK')).toBe(false);
    const lock = await after.lock('/LOCK');
    await lock.release();
    expect(sim.isLocked('/LOCK')).toBe(false);
  });

  it('a crashed incarnation’s pending operations never complete and never take effect', async () => {
    const world = new World({ seed: 9, disk: { latency: { data: { minUs: 5_000, maxUs: 5_000 } } } });
    const events: string[] = [];
    world.addNode({
      name: 'n1',
      program: async ({ disk }) => {
        void disk.writeFile('/f', text('late')).then(
          () => events.push('write completed'),
          () => events.push('write failed'),
        );
        return {};
      },
    });
    world.at(2, () => world.crash('n1'));
    const report = await world.run();
    expect(report.reason).toBe('idle');
    expect(events).toEqual([]);
    expect(world.node('n1').disk.inspect().volatile.files.has('/f')).toBe(false);
  });

  it('after a crash with no faults, every file reads as of its last fsync (model check)', async () => {
    type Op =
      | { kind: 'writeFile'; file: number; data: string }
      | { kind: 'append'; file: number; data: string }
      | { kind: 'write'; file: number; offset: number; data: string }
      | { kind: 'fsync'; file: number }
      | { kind: 'rename'; from: number; to: number }
      | { kind: 'remove'; file: number };
    const file = fc.integer({ min: 0, max: 2 });
    const data = fc.string({ minLength: 1, maxLength: 6 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('writeFile' as const), file, data }),
      fc.record({ kind: fc.constant('append' as const), file, data }),
      // Positional, possibly past the end (the gap reads as zeros): a file that grows between
      // syncs by writes that are not appends.
      fc.record({ kind: fc.constant('write' as const), file, offset: fc.integer({ min: 0, max: 20 }), data }),
      fc.record({ kind: fc.constant('fsync' as const), file }),
      fc.record({ kind: fc.constant('fsync' as const), file }),
      fc.record({ kind: fc.constant('rename' as const), from: file, to: file }),
      fc.record({ kind: fc.constant('remove' as const), file }),
    );
    let seed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const { disk, crash } = await machine(seed++);
        // The model: name -> inode; inode -> { current, durable }.
        const names = new Map<number, { current: string; durable: string }>();
        for (const o of ops) {
          const path = (n: number): string => `/f${n}`;
          if (o.kind === 'writeFile') {
            const inode = names.get(o.file) ?? { current: '', durable: '' };
            inode.current = o.data;
            names.set(o.file, inode);
            await disk.writeFile(path(o.file), text(o.data));
          } else if (o.kind === 'append') {
            const inode = names.get(o.file) ?? { current: '', durable: '' };
            inode.current += o.data;
            names.set(o.file, inode);
            await disk.append(path(o.file), text(o.data));
          } else if (o.kind === 'write') {
            const inode = names.get(o.file) ?? { current: '', durable: '' };
            const padded = inode.current.padEnd(o.offset, '\0');
            inode.current = padded.slice(0, o.offset) + o.data + padded.slice(o.offset + o.data.length);
            names.set(o.file, inode);
            await disk.write(path(o.file), o.offset, text(o.data));
          } else if (o.kind === 'fsync') {
            const inode = names.get(o.file);
            if (inode === undefined) expect(await codeOf(disk.fsync(path(o.file)))).toBe('DISK_NOT_FOUND');
            else {
              inode.durable = inode.current;
              await disk.fsync(path(o.file));
            }
          } else if (o.kind === 'rename') {
            const inode = names.get(o.from);
            if (inode === undefined) expect(await codeOf(disk.rename(path(o.from), path(o.to)))).toBe('DISK_NOT_FOUND');
            else {
              names.delete(o.from);
              names.set(o.to, inode);
              await disk.rename(path(o.from), path(o.to));
            }
          } else {
            names.delete(o.file);
            await disk.remove(path(o.file));
          }
        }
        const after = await crash();
        for (let n = 0; n <= 2; n++) {
          const inode = names.get(n);
          expect(str(await after.read(`/f${n}`))).toBe(inode === undefined ? null : inode.durable);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('allZero', () => {
  it('agrees with a byte-by-byte check at every alignment and length', () => {
    fc.assert(
      fc.property(fc.nat(7), fc.oneof(fc.nat(70), fc.integer({ min: 250, max: 600 })), fc.option(fc.nat(599), { nil: undefined }), fc.integer({ min: 1, max: 255 }), (shift, length, nonZeroAt, value) => {
        const backing = new Uint8Array(shift + length + 8);
        const data = backing.subarray(shift, shift + length);
        if (nonZeroAt !== undefined && nonZeroAt < length) data[nonZeroAt] = value;
        backing[shift + length] = 1; // a byte just past the view must not count
        if (shift > 0) backing[shift - 1] = 1; // nor one just before it
        expect(allZero(data)).toBe(data.every((b) => b === 0));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the one non-zero byte of a megabyte of zeros, last or first', () => {
    const fill = new Uint8Array(1024 * 1024);
    expect(allZero(fill)).toBe(true);
    fill[fill.length - 1] = 1;
    expect(allZero(fill)).toBe(false);
    fill[fill.length - 1] = 0;
    fill[0] = 1;
    expect(allZero(fill)).toBe(false);
  });
});

describe('SimDisk zero writes past the end (written without a copy)', () => {
  it('read back as zeros, live and after a crash, also where a truncate cut old bytes and where the room was reused', async () => {
    const { disk, crash } = await machine();
    await disk.writeFile('/z', new Uint8Array(5000).fill(0x11));
    await disk.fsync('/z');
    await disk.fsyncDir('/');
    await disk.truncate('/z', 100); // the room past 100 held 0x11
    await disk.write('/z', 100, new Uint8Array(3000)); // zeros past the end: not copied
    await disk.write('/z', 3100, Uint8Array.of(7));
    await disk.write('/z', 10, new Uint8Array(20)); // zeros over old bytes: copied
    await disk.fsync('/z');
    await disk.write('/z', 50, new Uint8Array(10)); // and over durable ones, in a sync that also grows the file
    await disk.write('/z', 3101, Uint8Array.of(9));
    await disk.fsync('/z');
    const expected = new Uint8Array(3102);
    expected[3101] = 9;
    expected.fill(0x11, 0, 100);
    expected.fill(0, 10, 30);
    expected.fill(0, 50, 60);
    expected[3100] = 7;
    expect([...((await disk.read('/z')) as Uint8Array)]).toEqual([...expected]);
    const after = await crash();
    expect([...((await after.read('/z')) as Uint8Array)]).toEqual([...expected]);
  });

  it('a log with a zero fill ahead, appended, synced and reread over many fills, matches the bytes appended', async () => {
    const { disk, crash } = await machine(3);
    const log = await disk.openAppend('/log', { endBytes: 0, zeroFillAheadBytes: 1000 });
    const model: number[] = [];
    for (let i = 0; i < 60; i++) {
      const record = new Uint8Array(1 + (i % 90)).fill(1 + (i % 250));
      await log.append(record);
      model.push(...record);
      if (i % 7 === 0) await log.sync();
    }
    await log.sync();
    await disk.fsyncDir('/');
    const live = (await disk.read('/log')) as Uint8Array;
    expect([...live.subarray(0, model.length)]).toEqual(model);
    expect(live.subarray(model.length).every((b) => b === 0)).toBe(true);
    const after = (await (await crash()).read('/log')) as Uint8Array;
    expect([...after]).toEqual([...live]);
  });
});
