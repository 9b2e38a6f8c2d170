// Durable atomic replacement of a small file through the Disk port: write `path.tmp`, fsync it,
// rename it over `path`, fsync the directory. Only when all four steps succeed may a caller
// publish the new value in memory (persist before serve). A crash at any step leaves either the
// old or the new content at `path`, never a mix: the rename is atomic, and the file fsync before
// it stops the filesystem from persisting the rename ahead of the data.
//
// The planted-bug switches exist so the simulator can prove its checkers catch the classic
// mistakes; they are off unless a test turns them on.
export function dirname(path) {
    const i = path.lastIndexOf('/');
    return i <= 0 ? (i === 0 ? '/' : '.') : path.slice(0, i);
}
export async function atomicReplace(disk, path, data, faults) {
    const tmp = `${path}.tmp`;
    await disk.writeFile(tmp, data);
    await disk.fsync(tmp);
    await disk.rename(tmp, path);
    if (faults?.skipDirFsync !== true)
        await disk.fsyncDir(dirname(path));
}
//# sourceMappingURL=atomic.js.map