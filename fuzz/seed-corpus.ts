// Writes every registered target's corpus into fuzz/corpus/<target>/, named by content hash, so
// `npm test` replays it (fuzz/corpus.test.ts): the seeds (valid encodings), each seed one byte
// short, and the near-misses the target promises to refuse (its `rejections` of each seed: a
// flipped CRC, one past a limit, a non-canonical varint, ...), one file per promise name (the
// first seed that yields it). The promises go into `near-misses.json` beside the files (hash →
// name, code, offset, and for another form of the same thing the reference's hex), and the replay
// checks each file is refused (or decodes as its reference) exactly as promised.
// Near-misses above NEAR_MISS_FILE_BYTES_MAX are left out (the limits at their boundary are
// large; the replay checks them from the target's `limits()` instead).
// Run: `node dist/fuzz/main.js --seed-corpus` (existing files are left alone; the manifest is
// rewritten from the current promises).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, inputHash, readInputs, writeInput } from './store.js';
import type { AnyFuzzTarget, NearMiss } from './target.js';

/** Largest near-miss written into a corpus (keeps the committed corpus small). */
export const NEAR_MISS_FILE_BYTES_MAX = 16 * 1024;
/** The manifest of promised outcomes in each corpus folder. */
export const NEAR_MISS_MANIFEST = 'near-misses.json';

export interface NearMissPromise {
  readonly name: string;
  readonly code: string;
  readonly offset?: number;
  /** Hex of the reference bytes this file must decode as (NearMiss.sameAs). */
  readonly sameAs?: string;
}

/** The near-miss a manifest promise describes, for `bytes`. */
export function nearMissOfPromise(promise: NearMissPromise, bytes: Uint8Array): NearMiss {
  const { sameAs, ...rest } = promise;
  return sameAs === undefined ? { ...rest, bytes } : { ...rest, bytes, sameAs: Uint8Array.from(Buffer.from(sameAs, 'hex')) };
}

/** The promises recorded for a target's corpus files, by file hash (empty when none). */
export function readNearMissManifest(targetName: string): Readonly<Record<string, NearMissPromise>> {
  const path = join(corpusDir(targetName), NEAR_MISS_MANIFEST);
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, NearMissPromise>;
}

/** The near-misses of a target's seeds, one per promise name, small enough for the corpus. */
export function corpusNearMisses(target: AnyFuzzTarget): NearMiss[] {
  const byName = new Map<string, NearMiss>();
  for (const seed of target.seeds()) {
    let accepted = true;
    try {
      target.decode(seed);
    } catch {
      accepted = false;
    }
    if (!accepted) continue;
    for (const nearMiss of target.rejections?.(seed) ?? []) {
      if (!byName.has(nearMiss.name) && nearMiss.bytes.length <= NEAR_MISS_FILE_BYTES_MAX) byName.set(nearMiss.name, nearMiss);
    }
  }
  return [...byName.values()];
}

export function seedCorpus(targets: readonly AnyFuzzTarget[], log: (line: string) => void): number {
  let written = 0;
  for (const target of targets) {
    const dir = corpusDir(target.name);
    const before = readInputs(dir).length;
    for (const seed of target.seeds()) {
      writeInput(dir, seed);
      if (seed.length > 0) writeInput(dir, seed.slice(0, seed.length - 1));
    }
    const manifest: Record<string, NearMissPromise> = {};
    for (const nearMiss of corpusNearMisses(target)) {
      writeInput(dir, nearMiss.bytes);
      const promise: NearMissPromise = {
        name: nearMiss.name,
        code: nearMiss.code,
        ...(nearMiss.offset === undefined ? {} : { offset: nearMiss.offset }),
        ...(nearMiss.sameAs === undefined ? {} : { sameAs: Buffer.from(nearMiss.sameAs).toString('hex') }),
      };
      manifest[inputHash(nearMiss.bytes)] = promise;
    }
    const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (Object.keys(sorted).length > 0) writeFileSync(join(dir, NEAR_MISS_MANIFEST), `${JSON.stringify(sorted, null, 2)}\n`);
    const after = readInputs(dir).length;
    written += after - before;
    log(`${target.name}: ${after - before} new file(s), ${after} in ${dir}, ${Object.keys(sorted).length} promised refusal(s)`);
  }
  return written;
}
