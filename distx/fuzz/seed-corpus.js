// Writes every registered target's seeds (valid encodings) into fuzz/corpus/<target>/, named by
// content hash, so the committed corpus starts from valid inputs and `npm test` replays them.
// Run: `node dist/fuzz/main.js --seed-corpus` (existing files are left alone).
import { readInputs, corpusDir, writeInput } from './store.js';
export function seedCorpus(targets, log) {
    let written = 0;
    for (const target of targets) {
        const dir = corpusDir(target.name);
        const before = readInputs(dir).length;
        for (const seed of target.seeds())
            writeInput(dir, seed);
        const after = readInputs(dir).length;
        written += after - before;
        log(`${target.name}: ${after - before} new seed file(s), ${after} in ${dir}`);
    }
    return written;
}
//# sourceMappingURL=seed-corpus.js.map