// `node dist/fuzz/main.js ...`: the fuzzer's own entry point, usable before (and besides) the
// `tsoracle fuzz` subcommand. A tiny argument parser in front of `runFuzzCommand`:
//   --target NAME | --all   which targets        --time 60s        time per target
//   --seed N                PRNG seed            --execs N         also stop after N inputs
//   --no-coverage           no V8 coverage       --save-corpus     keep new-coverage inputs
//   --replay FILE           replay one input     --list            list the targets
//   --seed-corpus           write every target's seeds and near-misses into fuzz/corpus/
import { parseDuration, runFuzzCommand, type FuzzCommandOptions } from './cli.js';
import { listTargetNames, loadAllTargets } from './registry.js';
import { seedCorpus } from './seed-corpus.js';

async function main(argv: readonly string[]): Promise<number> {
  const options: { -readonly [K in keyof FuzzCommandOptions]: FuzzCommandOptions[K] } = { timeMs: 60_000 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    switch (flag) {
      case '--target':
        options.target = value();
        break;
      case '--all':
        options.all = true;
        break;
      case '--time': {
        const text = value();
        const ms = parseDuration(text);
        if (ms === null) throw new UsageError(`--time: not a duration: ${text}`);
        options.timeMs = ms;
        break;
      }
      case '--seed':
        options.seed = integer(flag, value());
        break;
      case '--execs':
        options.execsMax = integer(flag, value());
        break;
      case '--coverage':
        options.coverage = true;
        break;
      case '--no-coverage':
        options.coverage = false;
        break;
      case '--save-corpus':
        options.saveCorpus = true;
        break;
      case '--replay':
        options.replay = value();
        break;
      case '--list':
        console.log(listTargetNames().join('\n'));
        return 0;
      case '--seed-corpus':
        seedCorpus(await loadAllTargets(), (line) => console.log(line));
        return 0;
      default:
        throw new UsageError(`unknown argument ${flag}`);
    }
  }
  return runFuzzCommand(options);
}

class UsageError extends Error {}

function integer(flag: string | undefined, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag}: not a non-negative integer: ${text}`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = 2;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
