// The catalogue of rare paths and the code agree: every mark called in core/ and drivers/ is
// declared once in core/rare-paths.ts, and every declared mark is called somewhere.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRODUCT_RARE_PATHS } from './rare-paths.js';
import { declaredSometimes, isSometimesName } from './sometimes.js';

const repo = new URL('..', import.meta.url).pathname;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

/** Names passed to `sometimes(...)` or to a helper that marks (the last quoted argument of `refuse(...)`). */
function markedNames(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of [...sources(join(repo, 'core')), ...sources(join(repo, 'drivers'))]) {
    if (file.endsWith('rare-paths.ts') || file.endsWith('sometimes.ts')) continue;
    const text = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(/sometimes\([^;]*?'([a-z0-9_.]+)'\)/g)) found.set(m[1] as string, file);
    for (const m of text.matchAll(/refuse\([^;]*?, '([a-z0-9_]+\.[a-z0-9_.]+)'\)/g)) found.set(m[1] as string, file);
  }
  return found;
}

describe('the catalogue of rare paths', () => {
  it('declares every mark the code calls, and calls every mark it declares', () => {
    const called = markedNames();
    const declared = new Set(PRODUCT_RARE_PATHS.map((m) => m.name));
    expect([...called.keys()].filter((name) => !declared.has(name))).toEqual([]);
    expect([...declared].filter((name) => !called.has(name))).toEqual([]);
  });

  it('holds each name once, well formed, and registers them all', () => {
    const names = PRODUCT_RARE_PATHS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !isSometimesName(n))).toEqual([]);
    const registered = new Set(declaredSometimes().map((m) => m.name));
    expect(names.filter((n) => !registered.has(n))).toEqual([]);
  });
});
