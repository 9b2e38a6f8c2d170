/** Corpus files read per target at start (a corpus is small; this bounds a runaway one). */
export declare const CORPUS_FILES_MAX = 10000;
/** The repository root: the nearest ancestor of this file holding package.json. */
export declare function repoRoot(): string;
export declare function corpusDir(targetName: string): string;
export declare function findingsDir(targetName: string): string;
/** Content name of an input: first 16 hex digits of its SHA-256. */
export declare function inputHash(bytes: Uint8Array): string;
/** The `.bin` files of `dir`, sorted by name; empty when the folder does not exist. */
export declare function readInputs(dir: string): {
    path: string;
    bytes: Uint8Array;
}[];
/** Writes `bytes` as `<hash>.bin` in `dir` (created if needed); returns the path. */
export declare function writeInput(dir: string, bytes: Uint8Array, note?: string): string;
/** A path relative to the repository root when it is inside it (for printed commands). */
export declare function displayPath(path: string): string;
/** The one-line command that replays a saved input against its target. */
export declare function replayCommand(targetName: string, path: string): string;
