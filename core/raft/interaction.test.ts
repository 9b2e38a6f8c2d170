// Interaction tests in etcd-io/raft's datadriven style: each script in testdata/ runs commands
// against a deterministic cluster (virtual clocks, seeded PRNG, in-order network) and compares
// the full trace below every command. `UPDATE_TESTDATA=1 npx vitest run core/raft` rewrites the
// expected traces when behaviour changes on purpose; review the diff before committing it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript } from './interaction-harness.js';

const dir = new URL('./testdata/', import.meta.url).pathname;
const update = process.env['UPDATE_TESTDATA'] === '1';

describe('raft interaction scripts', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  it('has scripts', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file, () => {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const actual = runScript(text);
      if (update) writeFileSync(path, actual);
      else expect(actual).toBe(text);
    });
  }
});
