// The ports: the only I/O contracts of the program. Every consensus driver, the serving node,
// the protocol server and the client do their I/O and read time only through these
// interfaces. `drivers/node/` binds them to Node (real files, fsync, TCP, wall clock); `sim/`
// binds them to a seeded simulated world. There is no `if (simulated)` anywhere: only the port
// implementations differ, and one conformance suite runs against both.
//
// Invariants every implementation keeps:
//   - Disk: data written is volatile until `fsync(path)` returns; a `rename` or a file creation
//     is volatile until `fsyncDir(dir)` returns. `lock` is exclusive across processes and is
//     released when the holding process dies. An `AppendHandle` keeps one file open: what it
//     appends is volatile until its `sync()` returns, with the same crash and failure semantics
//     as `append` + `fsync` on the path.
//   - Transport: a connection delivers whole frames (the bodies, without the length prefix) in
//     order or closes; it never delivers a partial frame. `send` never throws for a closed
//     connection (the frame is dropped; `onClose` has fired or will fire).
//   - Clock: `monotonicMs()` never decreases; `wallMs()` may jump in either direction. Timers
//     fire at or after their deadline on the monotonic clock, in deadline order.

// ---------------------------------------------------------------------------------------------
// Clock

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (integer). May step backwards or forwards. */
  wallMs(): number;
  /** Monotonic milliseconds (integer or fractional); never decreases. */
  monotonicMs(): number;
  /** Calls `fn` once after `delayMs` monotonic milliseconds, unless cancelled. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

/** A promise that resolves after `delayMs` on `clock`. */
export function sleep(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(delayMs, resolve);
  });
}

// ---------------------------------------------------------------------------------------------
// Disk

/** Error codes a Disk operation can fail with (carried by `DiskError.code`). */
export type DiskErrorCode =
  | 'DISK_NOT_FOUND' // the path does not exist
  | 'DISK_IO' // an I/O error (EIO, a failed fsync: the dirty pages are gone, as on Linux)
  | 'DISK_FULL' // ENOSPC
  | 'DISK_LOCKED' // the lock is held by another process
  | 'DISK_EXISTS'; // exclusive create of an existing path

export class DiskError extends Error {
  override readonly name = 'DiskError';
  constructor(
    readonly code: DiskErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface DiskLock {
  /** Releases the lock (the process's death releases it too). */
  release(): Promise<void>;
}

/**
 * An open file that is only appended to (a journal, a WAL): what a per-call `append(path)` +
 * `fsync(path)` does, without opening and closing the file on every call. The handle follows
 * the file it opened, not the name: close it before the file is removed or replaced (what is
 * appended to a file no name reaches is undefined by this port). Its calls are sequential: each
 * is awaited before the next is made.
 */
/**
 * How an append handle places what it appends. By default the log is the whole file and every
 * append makes it longer. A log may instead be kept inside a zero-filled region written ahead
 * of its end: an append then overwrites zeros instead of growing the file, so its `sync` flushes
 * data blocks only, with no file-size change for the file system to journal (on ext4 on this
 * machine an fdatasync of an in-place overwrite costs ~105 µs against ~145 µs for an append
 * that grows the file: `node dist/bench/disk-sync.js`, docs/formats.md 6.1).
 * A reader of such a log finds its end where the zeros start (every record format kept this way
 * starts with a non-zero magic).
 */
export interface AppendOptions {
  /**
   * Where the log ends: appends go there. Default: the file's size. Every byte of the file past
   * it must be zero (the caller read the file and knows); a missing file is empty, and must be
   * opened with 0.
   */
  readonly endBytes?: number;
  /**
   * Zero bytes kept written ahead of the log's end: when an append would pass the zero-filled
   * region, the region is first extended by at least this many bytes (written, so the blocks
   * are allocated and initialized, and made durable by the next `sync`). 0 (the default): none.
   */
  readonly zeroFillAheadBytes?: number;
}

/**
 * Where an append handle's writes go (AppendOptions), shared by every Disk implementation so
 * they place bytes the same way: each append is written at the log's end, after the zero-filled
 * region was extended (by at least `zeroFillAheadBytes` past the append's end) when the append
 * would pass it. State moves only after each write returned, so a failed write leaves it as it was.
 */
export class AppendPlacement {
  constructor(
    /** Where the next append lands. */
    private endBytes: number,
    /** The file's size: bytes in [endBytes, zeroFilledToBytes) are zeros. */
    private zeroFilledToBytes: number,
    private readonly zeroFillAheadBytes: number,
  ) {}

  append(data: Uint8Array, writeAt: (offset: number, bytes: Uint8Array) => void): void {
    const end = this.endBytes + data.length;
    if (this.zeroFillAheadBytes > 0 && end > this.zeroFilledToBytes) {
      const extendTo = end + this.zeroFillAheadBytes;
      writeAt(this.zeroFilledToBytes, new Uint8Array(extendTo - this.zeroFilledToBytes));
      this.zeroFilledToBytes = extendTo;
    }
    writeAt(this.endBytes, data);
    this.endBytes = end;
    this.zeroFilledToBytes = Math.max(this.zeroFilledToBytes, end);
  }
}

export interface SyncOptions {
  readonly inline?: boolean;
}

export interface AppendHandle {
  /** Appends `data` at the log's end (volatile until `sync`). */
  append(data: Uint8Array): Promise<void>;
  /**
   * Makes everything appended so far durable (the contents and the size; not the directory
   * entry of a file the open created: that takes `fsyncDir`). On failure the unsynced appends
   * are lost (Linux drops the dirty pages): the caller must treat the file's tail as unknown.
   * `inline` is a hint from a caller whose work does not need the calling thread while the sync
   * waits (requests that arrive meanwhile can wait to be read): a real disk may then wait on the
   * calling thread instead of handing the sync to another thread and back (NodeDisk does while
   * its syncs are fast). The outcome is the same either way.
   */
  sync(options?: SyncOptions): Promise<void>;
  /** Closes the file; appends not yet synced stay volatile. Idempotent. */
  close(): Promise<void>;
}

export interface Disk {
  /** Whole file contents, or `null` when the file does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  /** Writes `data` at `offset`, creating the file if needed (volatile until `fsync`). */
  write(path: string, offset: number, data: Uint8Array): Promise<void>;
  /** Creates or truncates `path` and writes `data` as its whole content (volatile until `fsync`). */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Appends `data` at the end of `path`, creating it if needed (volatile until `fsync`). */
  append(path: string, data: Uint8Array): Promise<void>;
  /**
   * Opens `path` for appending, creating it if needed (the creation is volatile until
   * `fsyncDir`), and keeps it open until the handle is closed. `options` places the log's end
   * and the zero-filled region ahead of it (AppendOptions).
   */
  openAppend(path: string, options?: AppendOptions): Promise<AppendHandle>;
  /** Truncates `path` to `length` bytes (volatile until `fsync`). */
  truncate(path: string, length: number): Promise<void>;
  /** Makes the contents of `path` durable. On failure the unsynced writes are lost. */
  fsync(path: string): Promise<void>;
  /** Atomically renames `from` to `to`, replacing `to` (volatile until `fsyncDir`). */
  rename(from: string, to: string): Promise<void>;
  /** Makes the entries of directory `dir` (creations, renames, removals) durable. */
  fsyncDir(dir: string): Promise<void>;
  /** Creates `dir` and its parents if missing. */
  mkdirp(dir: string): Promise<void>;
  /** Removes `path` if it exists (volatile until `fsyncDir`). */
  remove(path: string): Promise<void>;
  /** File names (not paths) in `dir`, sorted; empty when `dir` does not exist. */
  list(dir: string): Promise<string[]>;
  /** Size of `path` in bytes, or `null` when it does not exist. */
  size(path: string): Promise<number | null>;
  /** Takes an exclusive lock on `path` (created if missing); fails with DISK_LOCKED if held. */
  lock(path: string): Promise<DiskLock>;
}

// ---------------------------------------------------------------------------------------------
// Transport

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ConnectionHandlers {
  /** One whole frame body (the length prefix removed). */
  onFrame(body: Uint8Array): void;
  /**
   * The connection closed, by either side or by an error. `reason` is set when the transport
   * closed it because of bad input (for example FRAME_TOO_LARGE) or an I/O error.
   */
  onClose(reason?: { code: string; message: string }): void;
}

/**
 * One framed connection. When the transport itself ends it (bad frame header, I/O error, full
 * send buffer) it calls `onClose(reason)` first, sends what the handler `send`s synchronously
 * inside `onClose` (so a server can answer with an error frame), then closes.
 */
export interface Connection {
  /** The peer's address as `host:port` (informational). */
  readonly remote: string;
  /** Installs the handlers; frames that arrived before are delivered then, in order. */
  setHandlers(handlers: ConnectionHandlers): void;
  /** Sends one frame body. Dropped silently if the connection is closed. */
  send(body: Uint8Array): void;
  /** Closes the connection after flushing what was sent. Idempotent. */
  close(): void;
  /**
   * Stops handing frames (and the close) to the handlers until `resumeReading`: backpressure
   * from the receiver. What arrives meanwhile waits, in order; a transport with flow control
   * stops reading the socket, so the sender is slowed down rather than the receiver's memory
   * filled. Idempotent, as is `resumeReading`. Both transports of this package have them; a
   * transport that leaves them out gets no backpressure (its users' limits answer instead).
   */
  pauseReading?(): void;
  resumeReading?(): void;
}

export interface Listener {
  /** The bound address (the real port when 0 was asked). */
  readonly address: HostPort;
  close(): Promise<void>;
}

export interface Transport {
  /** Listens on `address`; each accepted connection is handed to `onConnection`. */
  listen(address: HostPort, onConnection: (connection: Connection) => void): Promise<Listener>;
  /** Connects to `address`; rejects with a TsoError(TRANSPORT) when it cannot. */
  connect(address: HostPort): Promise<Connection>;
}

/** Parses `host:port` (IPv4 or a name; `[v6]:port` too). Returns null when malformed. */
export function parseHostPort(text: string): HostPort | null {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (host === undefined || !Number.isInteger(port) || port < 0 || port > 65_535) return null;
  return { host, port };
}

export function formatHostPort(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
