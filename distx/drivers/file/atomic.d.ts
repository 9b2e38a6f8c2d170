import type { Disk } from '../ports.js';
export interface AtomicReplaceFaults {
    /** Planted bug: skip the directory fsync after the rename. */
    skipDirFsync?: boolean;
}
export declare function dirname(path: string): string;
export declare function atomicReplace(disk: Disk, path: string, data: Uint8Array, faults?: AtomicReplaceFaults): Promise<void>;
