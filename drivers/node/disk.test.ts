// The Node disk against the Disk conformance suite (both fs flavours), plus what only real files
// and processes can show: the lock holds against another process and dies with it (SIGKILL), and
// errno values map to the port's DiskError codes.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { diskConformance } from '../conformance/disk.js';
import { DiskError, type AppendHandle } from '../ports.js';
import { NodeDisk } from './disk.js';
import { makeTempDir } from './test-support.js';

for (const blocking of [false, true]) {
  diskConformance(`NodeDisk (${blocking ? 'synchronous' : 'callback'} fs)`, async () => {
    const { dir, remove } = await makeTempDir('tsoracle-disk-');
    return { disk: new NodeDisk({ blocking }), dir, crashAndReopen: async () => new NodeDisk({ blocking }), dispose: remove };
  });
}

const fsExtPath = createRequire(import.meta.url).resolve('fs-ext');

/** Node code run in a child process that tries `flock(LOCK_EX|LOCK_NB)` on `path`. */
function childFlockScript(path: string, holdAfterLocking: boolean): string {
  return `
    const fsExt = require(${JSON.stringify(fsExtPath)});
    const fs = require('node:fs');
    const fd = fs.openSync(${JSON.stringify(path)}, fs.constants.O_RDWR | fs.constants.O_CREAT);
    try { fsExt.flockSync(fd, 'exnb'); process.stdout.write('acquired\\n'); }
    catch (e) { process.stdout.write(String(e.code) + '\\n'); process.exit(0); }
    if (${holdAfterLocking}) setInterval(() => {}, 1000); else process.exit(0);
  `;
}

async function diskErrorOf(promise: Promise<unknown>): Promise<DiskError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DiskError) return error;
    throw error;
  }
  throw new Error('expected a DiskError');
}

describe('NodeDisk on real files and processes', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function tempDir(): Promise<string> {
    const { dir, remove } = await makeTempDir('tsoracle-disk-');
    cleanups.push(remove);
    return dir;
  }

  it('holds the lock against another process, which gets EAGAIN', async () => {
    const dir = await tempDir();
    const disk = new NodeDisk();
    const lock = await disk.lock(`${dir}/LOCK`);
    cleanups.push(() => lock.release());
    const out = execFileSync(process.execPath, ['-e', childFlockScript(`${dir}/LOCK`, false)], { encoding: 'utf8' });
    expect(out.trim()).toBe('EAGAIN');
    await lock.release();
    const after = execFileSync(process.execPath, ['-e', childFlockScript(`${dir}/LOCK`, false)], { encoding: 'utf8' });
    expect(after.trim()).toBe('acquired');
  });

  it('refuses a lock held by another process with DISK_LOCKED naming the path, and gets it once that process is SIGKILLed', async () => {
    const dir = await tempDir();
    const path = `${dir}/LOCK`;
    const child: ChildProcess = spawn(process.execPath, ['-e', childFlockScript(path, true)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const firstLine = await new Promise<string>((resolve) => {
      let text = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('\n')) resolve(text.trim());
      });
    });
    expect(firstLine).toBe('acquired');

    const disk = new NodeDisk();
    const refused = await diskErrorOf(disk.lock(path));
    expect(refused.code).toBe('DISK_LOCKED');
    expect(refused.message).toContain(path);

    child.kill('SIGKILL');
    await exited;
    const lock = await disk.lock(path);
    await lock.release();
  });

  it('fsync and fsyncDir succeed on real files and directories', async () => {
    const dir = await tempDir();
    const disk = new NodeDisk();
    await disk.mkdirp(`${dir}/sub`);
    await disk.writeFile(`${dir}/sub/state.tmp`, new Uint8Array(17).fill(1));
    await disk.fsync(`${dir}/sub/state.tmp`);
    await disk.rename(`${dir}/sub/state.tmp`, `${dir}/sub/state`);
    await disk.fsyncDir(`${dir}/sub`);
    await disk.fsyncDir(dir);
    expect(await disk.size(`${dir}/sub/state`)).toBe(17);
  });

  it('maps errno values to DiskError codes', async () => {
    const dir = await tempDir();
    const disk = new NodeDisk();
    await disk.writeFile(`${dir}/file`, new Uint8Array([1]));
    expect((await diskErrorOf(disk.writeFile(`${dir}/no-dir/x`, new Uint8Array([1])))).code).toBe('DISK_NOT_FOUND');
    expect((await diskErrorOf(disk.fsyncDir(`${dir}/no-dir`))).code).toBe('DISK_NOT_FOUND');
    expect((await diskErrorOf(disk.mkdirp(`${dir}/file`))).code).toBe('DISK_EXISTS');
    // ENOTDIR: a path through a regular file.
    const notDir = await diskErrorOf(disk.writeFile(`${dir}/file/x`, new Uint8Array([1])));
    expect(notDir.code).toBe('DISK_IO');
    expect(notDir.message).toContain(`${dir}/file/x`);
    expect((await diskErrorOf(disk.fsyncDir(`${dir}/file`))).code).toBe('DISK_IO');
    if (existsSync('/dev/full')) {
      // /dev/full answers every write with ENOSPC.
      expect((await diskErrorOf(disk.writeFile('/dev/full', new Uint8Array(10))))).toMatchObject({ code: 'DISK_FULL' });
      expect((await diskErrorOf(new NodeDisk({ blocking: true }).append('/dev/full', new Uint8Array(10))))).toMatchObject({ code: 'DISK_FULL' });
    }
  });

  it('an append handle keeps one descriptor: it follows its file across a rename, maps errno values, and refuses overlapping calls', async () => {
    const dir = await tempDir();
    const disk = new NodeDisk();
    const log = await disk.openAppend(`${dir}/a`);
    await log.append(new Uint8Array([1]));
    await disk.rename(`${dir}/a`, `${dir}/b`);
    await log.append(new Uint8Array([2]));
    await log.sync();
    expect(await disk.read(`${dir}/b`)).toEqual(new Uint8Array([1, 2]));
    // Calls on a handle are sequential (the port's contract): an overlapping one is a caller bug.
    const pending = log.append(new Uint8Array([3]));
    await expect(log.sync()).rejects.toThrow(/append_handle_calls_sequential/);
    await pending;
    await log.close();
    await expect(log.append(new Uint8Array([4]))).rejects.toThrow(/append_handle_used_while_open/);
    if (existsSync('/dev/full')) {
      const full = await disk.openAppend('/dev/full');
      expect(await diskErrorOf(full.append(new Uint8Array(10)))).toMatchObject({ code: 'DISK_FULL' });
      await full.close();
    }
  });

  it('an inline sync waits on the calling thread while syncs are fast, and goes through the pool after a slow one until one is fast again', async () => {
    const dir = await tempDir();
    // A clock the test moves: each sync takes what `nextSyncMs` says.
    let nowMs = 0;
    let nextSyncMs = 0.1;
    let reads = 0;
    const disk = new NodeDisk({
      inlineSyncSlowMs: 2,
      monotonicNowMs: () => {
        reads += 1;
        if (reads % 2 === 0) nowMs += nextSyncMs; // the second read of a sync is its end
        return nowMs;
      },
    });
    const log = (await disk.openAppend(`${dir}/j`)) as unknown as AppendHandle & { syncsInline: number; syncsPooled: number };
    const syncOnce = async (tookMs: number): Promise<string> => {
      nextSyncMs = tookMs;
      const [inline, pooled] = [log.syncsInline, log.syncsPooled];
      await log.append(new Uint8Array([1]));
      await log.sync({ inline: true });
      return log.syncsInline > inline ? 'inline' : log.syncsPooled > pooled ? 'pool' : 'none';
    };
    expect(await syncOnce(0.1)).toBe('inline');
    expect(await syncOnce(5)).toBe('inline'); // the stall is not known until it has happened
    expect(await syncOnce(3)).toBe('pool'); // the last one was slow: this one leaves the thread
    expect(await syncOnce(0.2)).toBe('pool'); // the last one was slow too
    expect(await syncOnce(0.1)).toBe('inline'); // the disk is fast again
    // A sync not asked for inline always goes through the pool.
    nextSyncMs = 0.1;
    await log.sync();
    expect(log.syncsPooled).toBe(3);
    expect(await disk.read(`${dir}/j`)).toEqual(new Uint8Array([1, 1, 1, 1, 1]));
    await log.close();
  });

  it('removes an empty directory and lists directories among the names', async () => {
    const dir = await tempDir();
    const disk = new NodeDisk();
    await disk.mkdirp(`${dir}/d`);
    await disk.writeFile(`${dir}/f`, new Uint8Array([1]));
    expect(await disk.list(dir)).toEqual(['d', 'f']);
    await disk.remove(`${dir}/d`);
    expect(await disk.list(dir)).toEqual(['f']);
  });
});
