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
export declare function sleep(clock: Clock, delayMs: number): Promise<void>;
/** Error codes a Disk operation can fail with (carried by `DiskError.code`). */
export type DiskErrorCode = 'DISK_NOT_FOUND' | 'DISK_IO' | 'DISK_FULL' | 'DISK_LOCKED' | 'DISK_EXISTS';
export declare class DiskError extends Error {
    readonly code: DiskErrorCode;
    readonly name = "DiskError";
    constructor(code: DiskErrorCode, message: string);
}
export interface DiskLock {
    /** Releases the lock (the process's death releases it too). */
    release(): Promise<void>;
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
    onClose(reason?: {
        code: string;
        message: string;
    }): void;
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
export declare function parseHostPort(text: string): HostPort | null;
export declare function formatHostPort(address: HostPort): string;
