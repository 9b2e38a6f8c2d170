// Where fuzz inputs live on disk: `fuzz/corpus/<target>/<hash>.bin` (committed, replayed by
// `npm test`) and `fuzz/findings/<target>/<hash>.bin` (a reproducer per distinct finding, with a
// `.txt` beside it saying what failed and how to replay it). File names are content hashes, so
// writing the same input twice is a no-op and names never collide. Paths are resolved from the
// repository root (the folder holding package.json), whether this runs from fuzz/*.ts under
// vitest or from dist/fuzz/*.js.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
/** Corpus files read per target at start (a corpus is small; this bounds a runaway one). */
export const CORPUS_FILES_MAX = 10_000;
let cachedRoot = null;
/** The repository root: the nearest ancestor of this file holding package.json. */
export function repoRoot() {
    if (cachedRoot !== null)
        return cachedRoot;
    let dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
        if (existsSync(join(dir, 'package.json'))) {
            cachedRoot = dir;
            return dir;
        }
        const parent = dirname(dir);
        if (parent === dir)
            throw new Error('fuzz: cannot find the repository root (no package.json above fuzz/)');
        dir = parent;
    }
}
export function corpusDir(targetName) {
    return join(repoRoot(), 'fuzz', 'corpus', targetName);
}
export function findingsDir(targetName) {
    return join(repoRoot(), 'fuzz', 'findings', targetName);
}
/** Content name of an input: first 16 hex digits of its SHA-256. */
export function inputHash(bytes) {
    return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
/** The `.bin` files of `dir`, sorted by name; empty when the folder does not exist. */
export function readInputs(dir) {
    if (!existsSync(dir))
        return [];
    const names = readdirSync(dir)
        .filter((name) => name.endsWith('.bin'))
        .sort()
        .slice(0, CORPUS_FILES_MAX);
    return names.map((name) => {
        const path = join(dir, name);
        return { path, bytes: new Uint8Array(readFileSync(path)) };
    });
}
/** Writes `bytes` as `<hash>.bin` in `dir` (created if needed); returns the path. */
export function writeInput(dir, bytes, note) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${inputHash(bytes)}.bin`);
    if (!existsSync(path))
        writeFileSync(path, bytes);
    if (note !== undefined)
        writeFileSync(path.replace(/\.bin$/, '.txt'), note.endsWith('\n') ? note : `${note}\n`);
    return path;
}
/** A path relative to the repository root when it is inside it (for printed commands). */
export function displayPath(path) {
    const rel = relative(repoRoot(), path);
    return rel.startsWith('..') ? path : rel;
}
/** The one-line command that replays a saved input against its target. */
export function replayCommand(targetName, path) {
    return `npx tsoracle fuzz --target ${targetName} --replay ${displayPath(path)}`;
}
//# sourceMappingURL=store.js.map