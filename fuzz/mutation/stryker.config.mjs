// Mutation testing of the decoders (issue 22): how strong are the oracles? StrykerJS plants one
// small bug at a time (a flipped comparison, a removed check, an off-by-one) in the decoder files
// and runs a test set against each; a mutant no test fails on "survives", a hole in what the
// tests check. Two test sets, chosen by MUTATION_SET:
//   fuzz (default): the fuzz targets' fixed-seed smoke runs and the corpus replay only;
//   unit: the decoders' unit tests.
// MUTATE=comma,separated,globs narrows the files (default: every decoder file: the codecs, the
// records, the frame, the protocol, the Raft message and WAL codec and its peer frames, the lease
// record, the Paxos codec). MUTATION_TIMEOUT_MS (default 60,000) is the time a mutant's run may
// take beyond the unmutated run before it counts as a timeout (an endless loop): each costs that
// much, so a quick run sets it lower. Reports (HTML and JSON) go outside the tree, to MUTATION_OUT
// (default the OS temp dir). A nightly job, not part of npm test: the full set takes hours on two
// cores.
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const set = process.env.MUTATION_SET === 'unit' ? 'unit' : 'fuzz';
const out = process.env.MUTATION_OUT ?? join(tmpdir(), `tsoracle-mutation-${set}`);
const mutate = (process.env.MUTATE ?? [
  'core/codec/*.ts',
  'core/records/*.ts',
  'core/frame.ts',
  'core/protocol.ts',
  'core/raft/codec.ts',
  'drivers/raft/peer-wire.ts',
  'core/oracle/lease-record.ts',
  'core/paxos/codec.ts',
].join(','))
  .split(',')
  .map((glob) => glob.trim())
  .filter((glob) => glob.length > 0);

export default {
  testRunner: 'vitest',
  // The fuzz targets are found by the registry at run time (a dynamic import), which vitest's
  // "related files" cannot see: run the whole (small) set for every mutant instead.
  vitest: { configFile: `fuzz/mutation/vitest.${set}.config.ts`, related: false },
  mutate: [...mutate, '!**/*.test.ts', '!**/arbitraries.ts', '!**/index.ts'],
  coverageAnalysis: 'perTest',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: join(out, 'index.html') },
  jsonReporter: { fileName: join(out, 'mutation.json') },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  // Inside the project, so the sandbox resolves node_modules by walking up (a sandbox under the
  // OS temp dir cannot find it when node_modules is itself a link). Ignored by git.
  tempDirName: `.stryker-tmp-${set}`,
  concurrency: 2,
  timeoutMS: Number(process.env.MUTATION_TIMEOUT_MS ?? 60_000),
  disableTypeChecks: true,
  cleanTempDir: true,
};
