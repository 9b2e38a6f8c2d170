// Enforces rule 1 of DESIGN.md: `core/` is pure. It imports nothing from `node:*` (or a bare
// Node builtin), `sim/`, `drivers/` or `runners/`, and uses no `Date`, `Math.random`, timers,
// `process`, `crypto`, Promises or `async`. The check reads the source files, so a violation
// fails the build whoever wrote it. The same reading keeps two costly shapes off the per-event
// paths (below).
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

// Two shapes that cost far more than they look on Node 20, kept out of the code the simulator
// and the server run per event (measured in docs/simulator.md, "Allocation and shapes"):
//   - an object spread followed by more fields, `{ ...a, b }`: V8 copies it through its slow
//     path, about 1 µs a field (a plain literal: 10 ns). The follower's append answer written so
//     was 4.8% of a 3-node simulator run. (`{ b, ...a }` and a plain literal are fine.)
//   - an assertion whose detail is built eagerly from values (a template or `String(...)`): the
//     string is made on every call although it is read only when the check fails. Such details
//     go in a function (`assert(ok, 'name', () => \`...\`)`).

const root = join(coreDir, '..');

/** Files on the per-event paths, free of spread-then-fields literals. */
const SPREAD_FREE_FILES = [
  'core/raft/node.ts',
  'core/raft/log.ts',
  'core/paxos/codec.ts',
  'core/paxos/log.ts',
  'core/protocol.ts',
  'core/ledger.ts',
  'drivers/client/channel.ts',
  'drivers/server/protocol-server.ts',
  'drivers/server/serving-node.ts',
  'drivers/raft/peer-wire.ts',
  'drivers/file/file-driver.ts',
  'sim/scheduler.ts',
  'sim/network.ts',
  'sim/clock.ts',
  'sim/trace.ts',
];

/** Object literals that spread and then add fields. */
export function spreadThenFields(source: string): string[] {
  return [...stripComments(source).matchAll(/\{\s*\.\.\.[A-Za-z_$][\w$.]*(?:\([^()]*\))?\s*,\s*[A-Za-z_$[]/g)].map((m) => m[0]);
}

/** The text of each `assert(...)` call (parentheses matched outside string literals). */
function assertCalls(code: string): string[] {
  const calls: string[] = [];
  for (const m of code.matchAll(/\bassert\(/g)) {
    let depth = 0;
    let quote: string | null = null;
    for (let i = (m.index ?? 0) + 'assert'.length; i < code.length; i++) {
      const c = code[i] as string;
      if (quote !== null) {
        if (c === '\\') i++;
        else if (c === quote) quote = null;
        continue;
      }
      if (c === "'" || c === '"' || c === '`') quote = c;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        calls.push(code.slice(m.index, i + 1));
        break;
      }
    }
  }
  return calls;
}

/** Assertions whose detail (the argument after the invariant's name) is built eagerly. */
export function eagerAssertDetails(source: string): string[] {
  return assertCalls(stripComments(source)).filter((call) => /,\s*'[a-z][a-z0-9_]*',\s*(?:`[^`]*\$\{|String\(|[\w.]+\s*\+)/.test(call));
}

describe('hot-path shapes', () => {
  it('the checks flag what they name and pass what is fine', () => {
    expect(spreadThenFields('return { ...reply, success: true };')).toHaveLength(1);
    expect(spreadThenFields('x = { ...requestFields(r), token };')).toHaveLength(1);
    expect(spreadThenFields('x = { id, ...body };')).toHaveLength(0);
    expect(spreadThenFields('x = { ...body };')).toHaveLength(0);
    expect(eagerAssertDetails("assert(a < b, 'a_below_b', `${a} >= ${b}`);")).toHaveLength(1);
    expect(eagerAssertDetails("assert(ok, 'is_ok', String(x));")).toHaveLength(1);
    expect(eagerAssertDetails("assert(\n  f(a, (b)),\n  'multi_line',\n  `at ${a}`,\n);")).toHaveLength(1);
    expect(eagerAssertDetails("assert(a < b, 'a_below_b', () => `${a} >= ${b}`);")).toHaveLength(0);
    expect(eagerAssertDetails("assert(ok, 'is_ok', 'a constant detail');")).toHaveLength(0);
    expect(eagerAssertDetails("assert(s === ')', 'paren_in_string', () => String(s));")).toHaveLength(0);
  });

  it('no spread-then-fields literal in the per-event files', () => {
    const found = SPREAD_FREE_FILES.flatMap((file) => spreadThenFields(readFileSync(join(root, file), 'utf8')).map((m) => `${file}: ${m}`));
    expect(found).toEqual([]);
  });

  it('no assertion in core/, drivers/ or sim/ builds its detail eagerly', () => {
    const found: string[] = [];
    for (const dir of ['core', 'drivers', 'sim']) {
      for (const file of sourceFiles(join(root, dir))) {
        for (const call of eagerAssertDetails(readFileSync(file, 'utf8'))) found.push(`${relative(root, file)}: ${call.slice(0, 120)}`);
      }
    }
    expect(found).toEqual([]);
  });
});
