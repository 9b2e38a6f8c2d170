// Enforces rule 1 of DESIGN.md: `core/` is pure. It imports nothing from `node:*` (or a bare
// Node builtin), `sim/`, `drivers/` or `runners/`, and uses no `Date`, `Math.random`, timers,
// `process`, `crypto`, Promises or `async`. The check reads the source files, so a violation
// fails the build whoever wrote it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const coreDir = new URL('.', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1');
}

const builtins = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0] ?? m]));

const forbidden: ReadonlyArray<readonly [RegExp, string]> = [
  [/from\s+['"]node:[^'"]*['"]/, 'imports node:*'],
  [/import\s*\(\s*['"]node:/, 'imports node:*'],
  [/\brequire\s*\(/, 'uses require()'],
  [/from\s+['"](?:\.\.\/)+(?:sim|drivers|runners)(?:\/[^'"]*)?['"]/, 'imports sim/, drivers/ or runners/'],
  [/\bDate\b/, 'uses Date'],
  [/\bMath\.random\b/, 'uses Math.random'],
  [/\b(?:setTimeout|setInterval|setImmediate|queueMicrotask|clearTimeout|clearInterval)\b/, 'uses timers'],
  [/\bprocess\b/, 'uses process'],
  [/\bcrypto\b/, 'uses crypto'],
  [/\bPromise\b/, 'uses Promise'],
  [/\basync\b/, 'uses async'],
  [/\bawait\b/, 'uses await'],
];

export function purityViolations(source: string): string[] {
  const code = stripComments(source);
  const found: string[] = [];
  for (const [pattern, what] of forbidden) if (pattern.test(code)) found.push(what);
  for (const m of code.matchAll(/from\s+['"]([^'"./][^'"]*)['"]/g)) {
    const spec = m[1] ?? '';
    if (builtins.has(spec) || builtins.has(spec.split('/')[0] ?? '')) found.push(`imports Node builtin ${spec}`);
  }
  return found;
}

describe('core purity', () => {
  it('the checker flags each forbidden construct', () => {
    expect(purityViolations("import { readFileSync } from 'node:fs';")).toContain('imports node:*');
    expect(purityViolations("import { x } from '../drivers/ports.js';")).toContain('imports sim/, drivers/ or runners/');
    expect(purityViolations("import fs from 'fs';")).toContain('imports Node builtin fs');
    expect(purityViolations('const t = Date.now();')).toContain('uses Date');
    expect(purityViolations('const r = Math.random();')).toContain('uses Math.random');
    expect(purityViolations('setTimeout(f, 1);')).toContain('uses timers');
    expect(purityViolations('process.exit(1);')).toContain('uses process');
    expect(purityViolations('async function f() { await g(); }')).toEqual(['uses async', 'uses await']);
    expect(purityViolations('new Promise(() => {});')).toContain('uses Promise');
    expect(purityViolations('// Date and Math.random in a comment are fine\nconst x = 1;')).toEqual([]);
  });

  it('no file under core/ breaks the purity rule', () => {
    const problems: string[] = [];
    for (const file of sourceFiles(coreDir)) {
      for (const v of purityViolations(readFileSync(file, 'utf8'))) problems.push(`${relative(coreDir, file)}: ${v}`);
    }
    expect(problems).toEqual([]);
  });
});
