// Conformance suite of the Disk port. It registers vitest tests that use only the interfaces of
// drivers/ports.ts, so the Node disk and the simulator's disk are held to the same contract.
// Paths are joined with '/', the one separator both implementations accept.
//
// What the suite needs from the implementation under test (the fixture): a Disk, a fresh empty
// directory that exists, optionally a way to crash and reopen on the same storage, and a
// cleanup. Every promise the Disk returns must settle when awaited from the test (a simulated
// disk whose completions need a scheduler must drive it itself).
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskError, type Disk, type DiskErrorCode } from '../ports.js';

export interface DiskFixture {
  readonly disk: Disk;
  /** A directory that exists, is empty, and belongs to this test alone. */
  readonly dir: string;
  /**
   * Crashes the process holding `disk` (or its simulated equivalent) and returns a Disk on the
   * same storage. Only data made durable (fsync, fsyncDir) is required to survive. Locks held
   * by the crashed disk need not be released (a same-process Node "crash" cannot release them).
   */
  readonly crashAndReopen?: () => Promise<Disk>;
  /** Releases everything the fixture made (temp directories, locks). */
  readonly dispose?: () => Promise<void>;
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function diskErrorCode(promise: Promise<unknown>): Promise<DiskErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DiskError) return error.code;
    throw error;
  }
  throw new Error('expected the operation to fail with a DiskError');
}

export function diskConformance(name: string, makeDisk: () => Promise<DiskFixture>): void {
  describe(`Disk conformance: ${name}`, () => {
    let fixtures: DiskFixture[] = [];
    const setup = async (): Promise<DiskFixture> => {
      const fixture = await makeDisk();
      fixtures.push(fixture);
      return fixture;
    };
    afterEach(async () => {
      const done = fixtures;
      fixtures = [];
      for (const fixture of done) await fixture.dispose?.();
    });

    it('reads a missing file as null and sizes it as null', async () => {
      const { disk, dir } = await setup();
      expect(await disk.read(`${dir}/missing`)).toBeNull();
      expect(await disk.size(`${dir}/missing`)).toBeNull();
    });

    it('reads back what writeFile wrote, and sizes it', async () => {
      const { disk, dir } = await setup();
      await disk.writeFile(`${dir}/a`, text('hello'));
      expect(await disk.read(`${dir}/a`)).toEqual(text('hello'));
      expect(await disk.size(`${dir}/a`)).toBe(5);
    });

    it('writeFile truncates a longer previous content', async () => {
      const { disk, dir } = await setup();
      await disk.writeFile(`${dir}/a`, text('a longer first content'));
      await disk.writeFile(`${dir}/a`, text('short'));
      expect(await disk.read(`${dir}/a`)).toEqual(text('short'));
      expect(await disk.size(`${dir}/a`)).toBe(5);
    });

    it('write at an offset creates the file, overwrites in place and extends at the end', async () => {
      const { disk, dir } = await setup();
      await disk.write(`${dir}/w`, 0, bytes(1, 2, 3, 4));
      await disk.write(`${dir}/w`, 1, bytes(9, 9));
      expect(await disk.read(`${dir}/w`)).toEqual(bytes(1, 9, 9, 4));
      await disk.write(`${dir}/w`, 4, bytes(5, 6));
      expect(await disk.read(`${dir}/w`)).toEqual(bytes(1, 9, 9, 4, 5, 6));
    });

    it('append creates the file and then adds at the end', async () => {
      const { disk, dir } = await setup();
      await disk.append(`${dir}/log`, bytes(1, 2));
      await disk.append(`${dir}/log`, bytes(3));
      await disk.append(`${dir}/log`, bytes(4, 5, 6));
      expect(await disk.read(`${dir}/log`)).toEqual(bytes(1, 2, 3, 4, 5, 6));
    });

    it('openAppend creates the file; its appends land at the end, after what was there, and read back at once', async () => {
      const { disk, dir } = await setup();
      const log = await disk.openAppend(`${dir}/log`);
      expect(await disk.read(`${dir}/log`)).toEqual(bytes());
      await log.append(bytes(1, 2));
      await log.append(bytes(3));
      expect(await disk.read(`${dir}/log`)).toEqual(bytes(1, 2, 3));
      await log.sync();
      await log.sync({ inline: true }); // nothing new to sync: still fine, inline or not
      await log.close();
      await log.close(); // idempotent
      await disk.append(`${dir}/log`, bytes(4));
      const again = await disk.openAppend(`${dir}/log`);
      await again.append(bytes(5, 6));
      await again.sync({ inline: true }); // an inline sync is a sync
      await again.close();
      expect(await disk.read(`${dir}/log`)).toEqual(bytes(1, 2, 3, 4, 5, 6));
      expect(await disk.size(`${dir}/log`)).toBe(6);
    });

    it('openAppend with a zero fill: appends land at the log end over zeros written ahead, and go on at a given end after a reopen', async () => {
      const { disk, dir } = await setup();
      const log = await disk.openAppend(`${dir}/log`, { endBytes: 0, zeroFillAheadBytes: 4 });
      await log.append(bytes(1, 2));
      // The region was extended past the append by the fill: the file holds the log, then zeros.
      expect(await disk.read(`${dir}/log`)).toEqual(bytes(1, 2, 0, 0, 0, 0));
      await log.append(bytes(3, 4, 5));
      expect(await disk.read(`${dir}/log`)).toEqual(bytes(1, 2, 3, 4, 5, 0));
      await log.append(bytes(6, 7));
      // Past the zeros: extended again, by at least the fill beyond the new end.
      expect(await disk.read(`${dir}/log`)).toEqual(bytes(1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0));
      await log.sync();
      await log.close();
      // Reopened at the log's end (the caller read where the zeros start): the next append overwrites them.
      const again = await disk.openAppend(`${dir}/log`, { endBytes: 7, zeroFillAheadBytes: 4 });
      await again.append(bytes(8));
      await again.sync();
      await again.close();
      expect(await disk.read(`${dir}/log`)).toEqual(bytes(1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0));
      // Without options the end is the file's size, and nothing is filled ahead.
      const plain = await disk.openAppend(`${dir}/log`);
      await plain.append(bytes(9));
      await plain.close();
      expect(await disk.read(`${dir}/log`)).toEqual(bytes(1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9));
    });

    it('an append handle does not share memory with its caller: a buffer reused after append changes nothing', async () => {
      const { disk, dir } = await setup();
      const log = await disk.openAppend(`${dir}/log`);
      const data = bytes(1, 2, 3);
      await log.append(data);
      data[0] = 99;
      await log.append(data);
      await log.close();
      expect(await disk.read(`${dir}/log`)).toEqual(bytes(1, 2, 3, 99, 2, 3));
    });

    it('openAppend into a missing directory fails with DISK_NOT_FOUND', async () => {
      const { disk, dir } = await setup();
      expect(await diskErrorCode(disk.openAppend(`${dir}/no-such-dir/log`))).toBe('DISK_NOT_FOUND');
    });

    it('truncate shrinks a file and fails with DISK_NOT_FOUND on a missing one', async () => {
      const { disk, dir } = await setup();
      await disk.writeFile(`${dir}/t`, bytes(1, 2, 3, 4, 5));
      await disk.truncate(`${dir}/t`, 2);
      expect(await disk.read(`${dir}/t`)).toEqual(bytes(1, 2));
      await disk.truncate(`${dir}/t`, 0);
      expect(await disk.size(`${dir}/t`)).toBe(0);
      expect(await diskErrorCode(disk.truncate(`${dir}/none`, 0))).toBe('DISK_NOT_FOUND');
    });

    it('rename replaces the target with the source and removes the source', async () => {
      const { disk, dir } = await setup();
      await disk.writeFile(`${dir}/state`, text('old'));
      await disk.writeFile(`${dir}/state.tmp`, text('new'));
      await disk.rename(`${dir}/state.tmp`, `${dir}/state`);
      expect(await disk.read(`${dir}/state`)).toEqual(text('new'));
      expect(await disk.read(`${dir}/state.tmp`)).toBeNull();
      expect(await disk.list(dir)).toEqual(['state']);
      expect(await diskErrorCode(disk.rename(`${dir}/state.tmp`, `${dir}/other`))).toBe('DISK_NOT_FOUND');
    });

    it('list gives sorted names, and nothing for a missing directory', async () => {
      const { disk, dir } = await setup();
      for (const n of ['b', 'a10', 'c', 'a2', 'A']) await disk.writeFile(`${dir}/${n}`, bytes(0));
      expect(await disk.list(dir)).toEqual(['A', 'a10', 'a2', 'b', 'c']);
      expect(await disk.list(`${dir}/no-such-dir`)).toEqual([]);
    });

    it('remove deletes a file and ignores a missing one', async () => {
      const { disk, dir } = await setup();
      await disk.writeFile(`${dir}/x`, bytes(1));
      await disk.remove(`${dir}/x`);
      expect(await disk.read(`${dir}/x`)).toBeNull();
      expect(await disk.list(dir)).toEqual([]);
      await disk.remove(`${dir}/x`);
    });

    it('mkdirp creates nested directories and is idempotent', async () => {
      const { disk, dir } = await setup();
      await disk.mkdirp(`${dir}/p/q/r`);
      await disk.mkdirp(`${dir}/p/q/r`);
      await disk.writeFile(`${dir}/p/q/r/f`, bytes(7));
      expect(await disk.read(`${dir}/p/q/r/f`)).toEqual(bytes(7));
      expect(await disk.list(`${dir}/p/q`)).toEqual(['r']);
    });

    it('fsync and fsyncDir succeed on existing paths; fsync of a missing file is DISK_NOT_FOUND', async () => {
      const { disk, dir } = await setup();
      await disk.writeFile(`${dir}/f`, bytes(1));
      await disk.fsync(`${dir}/f`);
      await disk.fsyncDir(dir);
      expect(await diskErrorCode(disk.fsync(`${dir}/missing`))).toBe('DISK_NOT_FOUND');
    });

    it('does not share memory with callers: later mutation of written or read bytes changes nothing', async () => {
      const { disk, dir } = await setup();
      const data = bytes(1, 2, 3);
      await disk.writeFile(`${dir}/m`, data);
      data[0] = 99;
      const first = await disk.read(`${dir}/m`);
      expect(first).toEqual(bytes(1, 2, 3));
      if (first !== null) first[1] = 99;
      expect(await disk.read(`${dir}/m`)).toEqual(bytes(1, 2, 3));
    });

    it('lock is exclusive: a second lock fails with DISK_LOCKED until the first is released', async () => {
      const { disk, dir } = await setup();
      const lock = await disk.lock(`${dir}/LOCK`);
      expect(await diskErrorCode(disk.lock(`${dir}/LOCK`))).toBe('DISK_LOCKED');
      const other = await disk.lock(`${dir}/OTHER`); // a different path is independent
      await lock.release();
      await lock.release(); // idempotent
      const again = await disk.lock(`${dir}/LOCK`);
      await again.release();
      await other.release();
    });

    it('matches a byte-array model under any sequence of write, append and truncate', async () => {
      const { disk, dir } = await setup();
      type Op = { kind: 'write'; offset: number; data: Uint8Array } | { kind: 'append'; data: Uint8Array } | { kind: 'truncate'; length: number };
      const data = fc.uint8Array({ minLength: 1, maxLength: 16 });
      const op: fc.Arbitrary<Op> = fc.oneof(
        fc.record({ kind: fc.constant('write' as const), offset: fc.nat(24), data }),
        fc.record({ kind: fc.constant('append' as const), data }),
        fc.record({ kind: fc.constant('truncate' as const), length: fc.nat(24) }),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
          const path = `${dir}/model-${run++}`;
          let model = new Uint8Array(0);
          await disk.writeFile(path, model);
          for (const o of ops) {
            if (o.kind === 'write') {
              // Writing past the end leaves a hole that reads as zeros.
              const next = new Uint8Array(Math.max(model.length, o.offset + o.data.length));
              next.set(model);
              next.set(o.data, o.offset);
              model = next;
              await disk.write(path, o.offset, o.data);
            } else if (o.kind === 'append') {
              const next = new Uint8Array(model.length + o.data.length);
              next.set(model);
              next.set(o.data, model.length);
              model = next;
              await disk.append(path, o.data);
            } else {
              if (o.length > model.length) continue; // extension by truncate is not part of the contract
              model = model.slice(0, o.length);
              await disk.truncate(path, o.length);
            }
          }
          expect(await disk.read(path)).toEqual(model);
          expect(await disk.size(path)).toBe(model.length);
        }),
        { numRuns: 25 },
      );
    });

    it('keeps fsynced data, synced appends of a handle and an fsyncDir-ed atomic replace across a crash', async (context) => {
      const fixture = await setup();
      if (fixture.crashAndReopen === undefined) {
        context.skip();
        return;
      }
      const { disk, dir } = fixture;
      await disk.writeFile(`${dir}/state`, text('v1'));
      await disk.fsync(`${dir}/state`);
      await disk.fsyncDir(dir);
      await disk.writeFile(`${dir}/state.tmp`, text('v2'));
      await disk.fsync(`${dir}/state.tmp`);
      await disk.rename(`${dir}/state.tmp`, `${dir}/state`);
      await disk.fsyncDir(dir);
      await disk.append(`${dir}/log`, text('entry'));
      await disk.fsync(`${dir}/log`);
      await disk.fsyncDir(dir);
      const journal = await disk.openAppend(`${dir}/journal`);
      await disk.fsyncDir(dir);
      await journal.append(text('first'));
      await journal.sync();
      await journal.append(text('+second'));
      await journal.sync();
      const reopened = await fixture.crashAndReopen();
      expect(await reopened.read(`${dir}/state`)).toEqual(text('v2'));
      expect(await reopened.read(`${dir}/state.tmp`)).toBeNull();
      expect(await reopened.read(`${dir}/log`)).toEqual(text('entry'));
      expect(await reopened.read(`${dir}/journal`)).toEqual(text('first+second'));
    });
  });
}
