// `npm test` replays every corpus file of every target (fuzz/corpus/<target>/*.bin): each must
// decode or be rejected with the typed decode error, round-trip when it decodes, and stay within
// its allocation and time budgets; a near-miss file (listed in the folder's near-misses.json,
// written by `--seed-corpus`) must be refused exactly as promised (code, and offset when one is
// documented). A finding that was fixed keeps its reproducer here, so the bug cannot come back
// unnoticed.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkInput, checkLimits, checkNearMiss } from './check.js';
import { toHex } from './deep-equal.js';
import { listTargetNames, loadTarget } from './registry.js';
import { nearMissOfPromise, readNearMissManifest } from './seed-corpus.js';
import { corpusDir, displayPath, inputHash, readInputs } from './store.js';

/** Generous: a corpus replay runs alongside the whole suite on a shared machine. */
const REPLAY_BUDGET_MS = 1_000;

describe('corpus replay', async () => {
  for (const name of listTargetNames()) {
    const target = await loadTarget(name);
    const files = readInputs(corpusDir(name));
    const promises = readNearMissManifest(name);
    describe(name, () => {
      it('has a corpus seeded with valid encodings', () => {
        expect(existsSync(corpusDir(name)), `missing ${displayPath(corpusDir(name))}`).toBe(true);
        expect(files.length).toBeGreaterThan(0);
        const accepted = files.filter((file) => checkInput(target, file.bytes, { inputBudgetMs: REPLAY_BUDGET_MS }).kind === 'accepted');
        expect(accepted.length).toBeGreaterThan(0);
        // Every promise in the manifest has its file (a promise without bytes checks nothing).
        const hashes = new Set(files.map((file) => inputHash(file.bytes)));
        expect(Object.keys(promises).filter((hash) => !hashes.has(hash))).toEqual([]);
      });
      it('keeps its limit promises (each limit accepted, one past it refused)', () => {
        const { outcome } = checkLimits(target);
        expect(outcome.kind, outcome.kind === 'finding' ? `${outcome.signature}\n${outcome.detail.slice(0, 400)}` : '').toBe('accepted');
      });
      for (const file of files) {
        it(`replays ${displayPath(file.path)}`, () => {
          const outcome = checkInput(target, file.bytes, { inputBudgetMs: REPLAY_BUDGET_MS });
          const detail = outcome.kind === 'finding' ? `${outcome.signature}\n${outcome.detail}` : '';
          expect(outcome.kind, `${detail}\ninput ${toHex(file.bytes.subarray(0, 64))}`).not.toBe('finding');
          const promise = promises[inputHash(file.bytes)];
          if (promise !== undefined) {
            const broken = checkNearMiss(target, nearMissOfPromise(promise, file.bytes), `corpus near-miss ${displayPath(file.path)}`);
            expect(broken, broken?.kind === 'finding' ? broken.detail.slice(0, 400) : '').toBeNull();
          }
        });
      }
    });
  }
});
