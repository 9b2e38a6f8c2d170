import type { AnyFuzzTarget } from './target.js';
export declare function seedCorpus(targets: readonly AnyFuzzTarget[], log: (line: string) => void): number;
