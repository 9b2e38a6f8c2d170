// Helpers for tests that run the port conformance suites against the Node ports: real waiting
// with a bound (so a broken port fails a test instead of hanging it) and temp directories.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/** Default bound on one `waitUntil`. */
export const WAIT_UNTIL_MS_MAX_DEFAULT = 10_000;
/** Polls `done` (every ~1 ms of real time) until it is true; rejects after `timeoutMs`. */
export async function waitUntil(done, what, timeoutMs = WAIT_UNTIL_MS_MAX_DEFAULT) {
    const startMs = performance.now();
    while (!done()) {
        if (performance.now() - startMs > timeoutMs)
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
    }
}
/** Creates a fresh directory under the OS temp dir; `remove()` deletes it and its contents. */
export async function makeTempDir(prefix = 'tsoracle-') {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
//# sourceMappingURL=test-support.js.map