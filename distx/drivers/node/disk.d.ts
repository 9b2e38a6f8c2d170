import { DiskError, type Disk, type DiskLock } from '../ports.js';
export interface NodeDiskOptions {
    /** Use the synchronous fs API (faster per call, blocks the event loop). Default false. */
    readonly blocking?: boolean;
}
/** Maps a Node fs error to a DiskError naming `operation` and `path`. */
export declare function toDiskError(error: unknown, operation: string, path: string): DiskError;
export declare class NodeDisk implements Disk {
    private readonly io;
    constructor(options?: NodeDiskOptions);
    read(path: string): Promise<Uint8Array | null>;
    write(path: string, offset: number, data: Uint8Array): Promise<void>;
    writeFile(path: string, data: Uint8Array): Promise<void>;
    append(path: string, data: Uint8Array): Promise<void>;
    truncate(path: string, length: number): Promise<void>;
    fsync(path: string): Promise<void>;
    rename(from: string, to: string): Promise<void>;
    fsyncDir(dir: string): Promise<void>;
    mkdirp(dir: string): Promise<void>;
    remove(path: string): Promise<void>;
    list(dir: string): Promise<string[]>;
    size(path: string): Promise<number | null>;
    lock(path: string): Promise<DiskLock>;
    private openOrThrow;
    /** Opens `path`, runs `body` on the descriptor, and always closes it. */
    private withFile;
    /** Writes all of `data`, looping over short writes. `position` null means "current/append". */
    private writeAll;
}
