/** Default bound on one `waitUntil`. */
export declare const WAIT_UNTIL_MS_MAX_DEFAULT = 10000;
/** Polls `done` (every ~1 ms of real time) until it is true; rejects after `timeoutMs`. */
export declare function waitUntil(done: () => boolean, what: string, timeoutMs?: number): Promise<void>;
/** Creates a fresh directory under the OS temp dir; `remove()` deletes it and its contents. */
export declare function makeTempDir(prefix?: string): Promise<{
    dir: string;
    remove: () => Promise<void>;
}>;
