// The fuzz oracles as a test set for mutation testing (npm run mutation): every target's
// fixed-seed smoke run (fuzz/targets.test.ts) and the corpus replay (fuzz/corpus.test.ts), and
// nothing else, so a mutant they do not kill is a hole in what the fuzz targets check. (The
// engine's own tests plant bugs in private copies of decoders; they say nothing of the real ones.)
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['fuzz/targets.test.ts', 'fuzz/corpus.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    // Stryker's coverage counters allocate inside the instrumented decoders (a codec file's
    // counters run in every decoder that uses it), so the allocation budgets would fail the
    // unmutated run: the allocation property is off for mutation testing, and a mutant that only
    // allocates more is not killed by this set.
    env: { TSORACLE_FUZZ_ALLOCATION: 'off' },
  },
});
