// Loading the consensus driver a simulated run uses (`tsoracle sim ... --driver MODULE`): a
// built-in name (`file`, `raft`) or a JavaScript module file that exports a SimDriverModule
// (sim/oracle/drivers.ts) as its default export or as `simDriver`. The file is imported with a
// dynamic `import()` here, in the runner — never in the simulator, which stays a function of its
// inputs — and hashed: the trace names the file and the sha256 of its bytes, and a replay
// refuses a file whose bytes changed (another build may run the same seed differently).
//
// Resolution of a path, in order: as given (relative to the working directory), with `.js` or
// `.mjs` added, and the same under the package's built tree (`dist/`), so that
// `--driver examples/broken-driver` finds dist/examples/broken-driver.js from anywhere (the
// repository root included); a `.ts` file only when no JavaScript one is found.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtinSimDriver, defaultSimDriver, type SimDriverModule, simDriverModuleProblem } from '../sim/oracle/drivers.js';
import type { DriverRef } from '../sim/oracle/options.js';

/** A driver module and how a trace names it (`ref` absent: the node count's default driver). */
export interface LoadedSimDriver {
  readonly module: SimDriverModule;
  readonly ref: DriverRef | undefined;
}

/** The package's built tree (dist/), where this file runs from. */
const DIST_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** The file a `--driver` path names, or null. */
export function resolveDriverPath(text: string): string | null {
  const bases = isAbsolute(text) ? [text] : [resolve(text), join(DIST_ROOT, text)];
  // JavaScript first, here and in the built tree; TypeScript source only when nothing built is
  // there (a runner that compiles on the fly, such as the test runner, can import it).
  const candidates = [...bases.flatMap((base) => [base, `${base}.js`, `${base}.mjs`]), ...bases.map((base) => `${base}.ts`)];
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Imports a module file and takes its SimDriverModule (default export, or `simDriver`). */
async function importDriverFile(path: string): Promise<SimDriverModule | { readonly error: string }> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    return { error: `cannot import driver module ${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const candidate = namespace.default ?? namespace.simDriver;
  if (candidate === undefined) return { error: `driver module ${path} exports no SimDriverModule (a default export or \`simDriver\`: { name, nodeCounts, createDriver })` };
  const problem = simDriverModuleProblem(candidate);
  if (problem !== null) return { error: `driver module ${path}: ${problem}` };
  return candidate as SimDriverModule;
}

/** The driver `--driver text` names for a run of `nodes` nodes, or why it cannot run. */
export async function loadSimDriver(text: string, nodes: number): Promise<LoadedSimDriver | { readonly error: string }> {
  const builtin = builtinSimDriver(text);
  let loaded: LoadedSimDriver;
  if (builtin !== undefined) {
    loaded = { module: builtin, ref: builtin === defaultSimDriver(nodes) ? undefined : { module: builtin.name } };
  } else {
    const path = resolveDriverPath(text);
    if (path === null) return { error: `--driver ${text}: neither a built-in driver (file, raft) nor a module file (tried ${text}, ${text}.js, ${text}.mjs here and under ${DIST_ROOT})` };
    const sha256 = sha256OfFile(path);
    const module = await importDriverFile(path);
    if ('error' in module) return module;
    loaded = { module, ref: { module: path, sha256 } };
  }
  if (!loaded.module.nodeCounts.includes(nodes)) {
    return { error: `driver ${loaded.module.name} runs on ${loaded.module.nodeCounts.join(' or ')} node(s), not ${nodes} (--nodes)` };
  }
  return loaded;
}

/**
 * The module a trace names, for its replay: a built-in by name, or the recorded file (or
 * `override`, when the file moved) whose bytes must hash to the recorded sha256.
 */
export async function resolveTraceDriver(ref: DriverRef, override?: string): Promise<SimDriverModule | { readonly error: string }> {
  if (override === undefined) {
    const builtin = builtinSimDriver(ref.module);
    if (builtin !== undefined) return builtin;
  }
  const path = resolveDriverPath(override ?? ref.module);
  if (path === null) return { error: `the trace was made with driver module ${ref.module}, which is not there${override === undefined ? ' (name where it is now with --driver)' : ` (nor is ${override})`}` };
  const sha256 = sha256OfFile(path);
  if (ref.sha256 !== undefined && sha256 !== ref.sha256) {
    return {
      error:
        `the trace was made with driver module ${ref.module} of sha256 ${ref.sha256}, but ${path} now has sha256 ${sha256}: ` +
        'a different build of the driver, which need not run the seed the same way; replay refuses it (restore that build, or record a new trace)',
    };
  }
  return importDriverFile(path);
}
