// The Node implementation of the Disk port on `node:fs`, with the semantics of drivers/ports.ts.
//
// Invariants:
//   - Every failure is a DiskError: ENOENT → DISK_NOT_FOUND, ENOSPC/EDQUOT → DISK_FULL,
//     EEXIST → DISK_EXISTS, a held lock → DISK_LOCKED, anything else → DISK_IO. The message
//     names the operation and the path.
//   - `fsync(path)` opens the file read-only and fsyncs it (Linux flushes the inode's dirty
//     pages whichever descriptor wrote them); `fsyncDir(dir)` opens the directory O_RDONLY —
//     O_WRONLY would be EISDIR — and fsyncs it, which is what makes a rename or a creation
//     durable. A failed fsync is reported, never retried here: on Linux the dirty pages may be
//     gone, and the caller must treat the file as lost.
//   - `lock` takes `flock(LOCK_EX | LOCK_NB)` (fs-ext; Node core has no flock) on a descriptor
//     that stays open until `release()`: the kernel drops the lock when the process dies, even
//     by SIGKILL. flock belongs to the open file description, so a second `lock` of the same
//     path fails even inside this process. Only the non-blocking form is used: a blocking
//     flock would park a libuv threadpool thread and could starve every other fs call.
//   - Descriptors opened by an operation are closed before it settles, on success and failure;
//     the one exception is `openAppend`, whose descriptor (O_WRONLY | O_CREAT | O_APPEND) lives
//     until the handle's `close()`. Its `sync()` is fdatasync, not fsync: the file is only ever
//     appended to, and fdatasync writes the data and every piece of metadata needed to read it
//     back (the size, the block map), skipping only the timestamps, which recovery never reads.
//     A commit through a handle is one write and one fdatasync, with at most one thread-pool
//     round trip (none while the disk is fast: see NodeAppendHandle), where `append` + `fsync`
//     costs six (open, write, close, open, fsync, close).
//   - `mkdirp` creates one directory at a time, walking up only past missing parents, and makes
//     each directory at most twice: Node's `mkdir({ recursive: true })` retries forever where the
//     parent exists but refuses the child (`/proc/x` answers ENOENT under an existing `/proc`), so
//     a data directory there hung the server instead of failing.
//
// API choice (measured on this machine, atomic replace = write tmp + fsync + rename + fsyncDir,
// 17-byte record): the synchronous API costs ~1.4 ms p50 but blocks the event loop for all of
// it; the callback API costs ~2.2–2.7 ms p50 (one threadpool hop per call) and leaves the loop
// free to serve. The default is the callback API; `{ blocking: true }` selects the synchronous
// one for callers (benchmarks, tools) that have nothing else to do meanwhile. `fs/promises` is
// slower than plain callbacks (FileHandle bookkeeping), so it is not used.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { assert } from '../../core/assert.js';
import { AppendPlacement, DiskError, type AppendHandle, type AppendOptions, type Disk, type DiskErrorCode, type DiskLock, type SyncOptions } from '../ports.js';

/** The part of fs-ext used here (the package ships no types). */
interface FsExt {
  flockSync(fd: number, flags: 'exnb' | 'un'): void;
}

const requireCjs = createRequire(import.meta.url);
let fsExtModule: FsExt | null = null;
function fsExt(): FsExt {
  // Loaded on first use so that a machine where the native addon failed to build can still
  // use every other operation (and gets a DISK_IO naming the cause when it asks for a lock).
  fsExtModule ??= requireCjs('fs-ext') as FsExt;
  return fsExtModule;
}

export interface NodeDiskOptions {
  /** Use the synchronous fs API (faster per call, blocks the event loop). Default false. */
  readonly blocking?: boolean;
  /**
   * An append handle's sync asked for `inline` waits on the calling thread only while the
   * handle's previous sync took less than this (default INLINE_SYNC_SLOW_MS).
   */
  readonly inlineSyncSlowMs?: number;
  /** The clock that times syncs (default `performance.now`); tests inject one. */
  readonly monotonicNowMs?: () => number;
}

/**
 * A sync at least this slow sends the next `inline` sync of the same handle through the thread
 * pool, and so on until one is fast again. A healthy virtio disk here syncs a small append in
 * ~0.1 ms (p99 ~0.15 ms); 2 ms is far above that and still short enough that one stall blocks
 * the event loop briefly before the handle stops waiting on it.
 */
export const INLINE_SYNC_SLOW_MS = 2;

/** Maps a Node fs error to a DiskError naming `operation` and `path`. */
export function toDiskError(error: unknown, operation: string, path: string): DiskError {
  if (error instanceof DiskError) return error;
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  const code: DiskErrorCode =
    errno === 'ENOENT'
      ? 'DISK_NOT_FOUND'
      : errno === 'ENOSPC' || errno === 'EDQUOT'
        ? 'DISK_FULL'
        : errno === 'EEXIST'
          ? 'DISK_EXISTS'
          : 'DISK_IO';
  const detail = error instanceof Error ? error.message : String(error);
  return new DiskError(code, `${operation} ${path}: ${detail}`);
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  return errno !== undefined && codes.includes(errno);
}

/** The primitive fs calls, in a callback (threadpool) and a synchronous flavour. */
interface FsPrimitives {
  open(path: string, flags: number, mode?: number): Promise<number>;
  close(fd: number): Promise<void>;
  write(fd: number, data: Uint8Array, offset: number, position: number | null): Promise<number>;
  fsync(fd: number): Promise<void>;
  fdatasync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  rename(from: string, to: string): Promise<void>;
  mkdir(dir: string): Promise<void>;
  isDirectory(path: string): Promise<boolean>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  statSize(path: string): Promise<number>;
}

function settle<T>(resolve: (v: T) => void, reject: (e: unknown) => void): (error: NodeJS.ErrnoException | null, value: T) => void {
  return (error, value) => (error === null ? resolve(value) : reject(error));
}

const callbackPrimitives: FsPrimitives = {
  open: (path, flags, mode = 0o644) => new Promise((res, rej) => fs.open(path, flags, mode, settle(res, rej))),
  close: (fd) => new Promise((res, rej) => fs.close(fd, (e) => (e === null ? res() : rej(e)))),
  write: (fd, data, offset, position) =>
    new Promise((res, rej) => fs.write(fd, data, offset, data.length - offset, position, (e, written) => (e === null ? res(written) : rej(e)))),
  fsync: (fd) => new Promise((res, rej) => fs.fsync(fd, (e) => (e === null ? res() : rej(e)))),
  fdatasync: (fd) => new Promise((res, rej) => fs.fdatasync(fd, (e) => (e === null ? res() : rej(e)))),
  ftruncate: (fd, length) => new Promise((res, rej) => fs.ftruncate(fd, length, (e) => (e === null ? res() : rej(e)))),
  readFile: (path) => new Promise((res, rej) => fs.readFile(path, settle(res, rej))),
  rename: (from, to) => new Promise((res, rej) => fs.rename(from, to, (e) => (e === null ? res() : rej(e)))),
  mkdir: (dir) => new Promise((res, rej) => fs.mkdir(dir, (e) => (e === null ? res() : rej(e)))),
  isDirectory: (path) => new Promise((res, rej) => fs.stat(path, (e, st) => (e === null ? res(st.isDirectory()) : rej(e)))),
  unlink: (path) => new Promise((res, rej) => fs.unlink(path, (e) => (e === null ? res() : rej(e)))),
  rmdir: (path) => new Promise((res, rej) => fs.rmdir(path, (e) => (e === null ? res() : rej(e)))),
  readdir: (dir) => new Promise((res, rej) => fs.readdir(dir, settle(res, rej))),
  statSize: (path) => new Promise((res, rej) => fs.stat(path, (e, st) => (e === null ? res(st.size) : rej(e)))),
};

/** Runs a synchronous call as a settled promise (a throw becomes a rejection). */
function runSync<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

const blockingPrimitives: FsPrimitives = {
  open: (path, flags, mode = 0o644) => runSync(() => fs.openSync(path, flags, mode)),
  close: (fd) => runSync(() => fs.closeSync(fd)),
  write: (fd, data, offset, position) => runSync(() => fs.writeSync(fd, data, offset, data.length - offset, position)),
  fsync: (fd) => runSync(() => fs.fsyncSync(fd)),
  fdatasync: (fd) => runSync(() => fs.fdatasyncSync(fd)),
  ftruncate: (fd, length) => runSync(() => fs.ftruncateSync(fd, length)),
  readFile: (path) => runSync(() => fs.readFileSync(path)),
  rename: (from, to) => runSync(() => fs.renameSync(from, to)),
  mkdir: (dir) => runSync(() => fs.mkdirSync(dir)),
  isDirectory: (path) => runSync(() => fs.statSync(path).isDirectory()),
  unlink: (path) => runSync(() => fs.unlinkSync(path)),
  rmdir: (path) => runSync(() => fs.rmdirSync(path)),
  readdir: (dir) => runSync(() => fs.readdirSync(dir)),
  statSize: (path) => runSync(() => fs.statSync(path).size),
};

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_DIRECTORY } = fs.constants;

/** A plain Uint8Array view of a Buffer's bytes (no copy), so callers compare like with like. */
function plainBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export class NodeDisk implements Disk {
  private readonly io: FsPrimitives;
  private readonly inlineSyncSlowMs: number;
  private readonly monotonicNowMs: () => number;

  constructor(options: NodeDiskOptions = {}) {
    this.io = options.blocking === true ? blockingPrimitives : callbackPrimitives;
    this.inlineSyncSlowMs = options.inlineSyncSlowMs ?? INLINE_SYNC_SLOW_MS;
    assert(this.inlineSyncSlowMs >= 0, 'inline_sync_slow_ms_valid', () => String(this.inlineSyncSlowMs));
    this.monotonicNowMs = options.monotonicNowMs ?? (() => performance.now());
  }

  async read(path: string): Promise<Uint8Array | null> {
    try {
      return plainBytes(await this.io.readFile(path));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return null;
      throw toDiskError(error, 'read', path);
    }
  }

  async write(path: string, offset: number, data: Uint8Array): Promise<void> {
    assert(Number.isSafeInteger(offset) && offset >= 0, 'disk_write_offset_safe', () => String(offset));
    await this.withFile('write', path, O_WRONLY | O_CREAT, (fd) => this.writeAll(fd, data, offset));
  }

  async writeFile(path: string, data: Uint8Array): Promise<void> {
    await this.withFile('writeFile', path, O_WRONLY | O_CREAT | O_TRUNC, (fd) => this.writeAll(fd, data, 0));
  }

  async append(path: string, data: Uint8Array): Promise<void> {
    // O_APPEND makes every write land at the end, whatever the position argument says.
    await this.withFile('append', path, O_WRONLY | O_CREAT | O_APPEND, (fd) => this.writeAll(fd, data, null));
  }

  async openAppend(path: string, options: AppendOptions = {}): Promise<AppendHandle> {
    const zeroFillAheadBytes = options.zeroFillAheadBytes ?? 0;
    assert(Number.isSafeInteger(zeroFillAheadBytes) && zeroFillAheadBytes >= 0, 'append_zero_fill_ahead_valid', () => String(zeroFillAheadBytes));
    const fd = await this.openOrThrow('openAppend', path, O_WRONLY | O_CREAT);
    let sizeBytes: number;
    try {
      sizeBytes = fs.fstatSync(fd).size;
    } catch (error) {
      fs.closeSync(fd);
      throw toDiskError(error, 'openAppend', path);
    }
    const endBytes = options.endBytes ?? sizeBytes;
    if (!(Number.isSafeInteger(endBytes) && endBytes >= 0 && endBytes <= sizeBytes)) {
      fs.closeSync(fd);
      assert(false, 'append_end_within_file', () => `${path}: end ${endBytes}, size ${sizeBytes}`);
    }
    return new NodeAppendHandle(this.io, fd, path, new AppendPlacement(endBytes, sizeBytes, zeroFillAheadBytes), {
      inlineSyncSlowMs: this.inlineSyncSlowMs,
      monotonicNowMs: this.monotonicNowMs,
    });
  }

  async truncate(path: string, length: number): Promise<void> {
    assert(Number.isSafeInteger(length) && length >= 0, 'disk_truncate_length_safe', () => String(length));
    await this.withFile('truncate', path, O_WRONLY, (fd) => this.io.ftruncate(fd, length));
  }

  async fsync(path: string): Promise<void> {
    await this.withFile('fsync', path, O_RDONLY, (fd) => this.io.fsync(fd));
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      await this.io.rename(from, to);
    } catch (error) {
      throw toDiskError(error, 'rename', `${from} -> ${to}`);
    }
  }

  async fsyncDir(dir: string): Promise<void> {
    await this.withFile('fsyncDir', dir, O_RDONLY | O_DIRECTORY, (fd) => this.io.fsync(fd));
  }

  async mkdirp(dir: string): Promise<void> {
    try {
      await this.makeDirectory(dir);
    } catch (error) {
      throw toDiskError(error, 'mkdirp', dir);
    }
  }

  /** Creates `dir`, first its missing parents (recursively); an existing directory is success. */
  private async makeDirectory(dir: string): Promise<void> {
    try {
      await this.io.mkdir(dir);
      return;
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return this.expectDirectory(dir, error);
      const parent = dirname(dir);
      if (!isErrno(error, 'ENOENT') || parent === dir) throw error;
    }
    await this.makeDirectory(dirname(dir));
    try {
      await this.io.mkdir(dir);
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return this.expectDirectory(dir, error);
      // The parent exists now, yet the child cannot be made: a second try would fail the same way.
      if (isErrno(error, 'ENOENT')) throw new DiskError('DISK_IO', `mkdirp ${dir}: its parent exists but the file system refuses to create it (${(error as Error).message})`);
      throw error;
    }
  }

  /** `dir` already exists (EEXIST): fine when it is a directory (made by us or by a racing process). */
  private async expectDirectory(dir: string, exists: unknown): Promise<void> {
    if (await this.io.isDirectory(dir)) return;
    throw new DiskError('DISK_EXISTS', `mkdirp ${dir}: exists and is not a directory (${(exists as Error).message})`);
  }

  async remove(path: string): Promise<void> {
    try {
      await this.io.unlink(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      if (isErrno(error, 'EISDIR', 'EPERM')) {
        // An (empty) directory: unlink refuses it, rmdir removes it.
        try {
          await this.io.rmdir(path);
          return;
        } catch (inner) {
          if (isErrno(inner, 'ENOENT')) return;
          throw toDiskError(inner, 'remove', path);
        }
      }
      throw toDiskError(error, 'remove', path);
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await this.io.readdir(dir)).sort();
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw toDiskError(error, 'list', dir);
    }
  }

  async size(path: string): Promise<number | null> {
    try {
      const bytes = await this.io.statSize(path);
      assert(Number.isSafeInteger(bytes), 'disk_size_safe');
      return bytes;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return null;
      throw toDiskError(error, 'size', path);
    }
  }

  async lock(path: string): Promise<DiskLock> {
    const fd = await this.openOrThrow('lock', path, O_RDWR | O_CREAT);
    try {
      fsExt().flockSync(fd, 'exnb');
    } catch (error) {
      await this.io.close(fd).catch(() => undefined);
      if (isErrno(error, 'EAGAIN', 'EWOULDBLOCK')) {
        throw new DiskError('DISK_LOCKED', `lock ${path}: held by another process (or another open of it in this one)`);
      }
      throw toDiskError(error, 'lock', path);
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        try {
          // Closing the descriptor drops the lock anyway; unlocking first says so explicitly
          // and keeps the release correct even if the descriptor were ever duplicated.
          fsExt().flockSync(fd, 'un');
        } finally {
          await this.io.close(fd).catch(() => undefined);
        }
      },
    };
  }

  private async openOrThrow(operation: string, path: string, flags: number): Promise<number> {
    try {
      return await this.io.open(path, flags);
    } catch (error) {
      throw toDiskError(error, operation, path);
    }
  }

  /** Opens `path`, runs `body` on the descriptor, and always closes it. */
  private async withFile(operation: string, path: string, flags: number, body: (fd: number) => Promise<unknown>): Promise<void> {
    const fd = await this.openOrThrow(operation, path, flags);
    let failure: unknown = null;
    try {
      await body(fd);
    } catch (error) {
      failure = error;
    }
    try {
      await this.io.close(fd);
    } catch (error) {
      // A close error after a successful write can be a deferred write-back error (NFS, some
      // filesystems): report it rather than pretend the write happened.
      failure ??= error;
    }
    if (failure !== null) throw toDiskError(failure, operation, path);
  }

  /** Writes all of `data`, looping over short writes. `position` null means "current/append". */
  private async writeAll(fd: number, data: Uint8Array, position: number | null): Promise<void> {
    let written = 0;
    while (written < data.length) {
      const n = await this.io.write(fd, data, written, position === null ? null : position + written);
      assert(n > 0, 'disk_write_progress');
      written += n;
    }
  }
}

/**
 * An `AppendHandle` on one open descriptor. Calls on a handle are sequential (each awaited before
 * the next: asserted), so an append's short-write loop is never interleaved with another's.
 *
 * The descriptor is opened without O_APPEND and every write is positional: the handle knows the
 * log's end (Linux's pwrite ignores the position under O_APPEND, so the two cannot be mixed),
 * which is what lets a log live inside a zero-filled region ahead of its end.
 *
 * Thread-pool hops: an append is a positional write into the page cache (a copy, which does not
 * wait for the device), so on the callback API it is made synchronously (`writeSync`) rather than
 * through a thread-pool round trip that would cost more than the copy. A sync waits for the
 * device. Through the thread pool it leaves the event loop free meanwhile, but on this machine's
 * virtio disk the hand-off to the pool and back costs ~80 µs on top of a ~100 µs fdatasync (p50
 * of 3,000 100-byte pwrite + fdatasync: 96 µs inline, 176 µs through the pool). So a sync the
 * caller marks `inline` waits on the calling thread, as Redis and PostgreSQL's backends do, while
 * the disk is fast: requests that arrive meanwhile wait in the socket buffers and are read, as one
 * batch, right after. One slow sync (INLINE_SYNC_SLOW_MS or more, however it was made) sends the
 * next through the pool, and so on until a sync is fast again: a stalling disk blocks the event
 * loop for at most one sync, then the loop keeps serving (getTs from its window, health, metrics)
 * while the disk catches up. On the blocking API every call is synchronous.
 */
class NodeAppendHandle implements AppendHandle {
  private busy = false;
  private closed = false;
  /** How long the last sync took, however it was made (0 before the first). */
  private lastSyncMs = 0;
  /** Syncs made on the calling thread and through the thread pool (for tests and diagnosis). */
  syncsInline = 0;
  syncsPooled = 0;

  constructor(
    private readonly io: FsPrimitives,
    private readonly fd: number,
    private readonly path: string,
    private readonly placement: AppendPlacement,
    private readonly timing: { readonly inlineSyncSlowMs: number; readonly monotonicNowMs: () => number },
  ) {}

  append(data: Uint8Array): Promise<void> {
    return this.run('append', () => {
      this.placement.append(data, (offset, bytes) => writeAllSync(this.fd, bytes, offset));
      return Promise.resolve();
    });
  }

  sync(options?: SyncOptions): Promise<void> {
    const inline = this.io === blockingPrimitives || (options?.inline === true && this.lastSyncMs < this.timing.inlineSyncSlowMs);
    return this.run('sync', async () => {
      const startedMs = this.timing.monotonicNowMs();
      if (inline) this.syncsInline += 1;
      else this.syncsPooled += 1;
      try {
        await (inline ? blockingPrimitives : this.io).fdatasync(this.fd);
      } finally {
        this.lastSyncMs = this.timing.monotonicNowMs() - startedMs;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    assert(!this.busy, 'append_handle_calls_sequential', () => `close ${this.path}`);
    this.closed = true;
    try {
      await this.io.close(this.fd);
    } catch (error) {
      throw toDiskError(error, 'close', this.path);
    }
  }

  private async run(operation: string, body: () => Promise<void>): Promise<void> {
    assert(!this.closed, 'append_handle_used_while_open', () => `${operation} ${this.path}`);
    assert(!this.busy, 'append_handle_calls_sequential', () => `${operation} ${this.path}`);
    this.busy = true;
    try {
      await body();
    } catch (error) {
      throw toDiskError(error, operation, this.path);
    } finally {
      this.busy = false;
    }
  }
}

/** Writes all of `data` at `position` synchronously, looping over short writes. */
function writeAllSync(fd: number, data: Uint8Array, position: number): void {
  let written = 0;
  while (written < data.length) {
    const n = fs.writeSync(fd, data, written, data.length - written, position + written);
    assert(n > 0, 'disk_write_progress');
    written += n;
  }
}
