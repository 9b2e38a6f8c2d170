// The target registry: every file in fuzz/targets/ is one target, found by reading the folder
// (fuzz/targets/*.ts under vitest, dist/fuzz/targets/*.js once compiled) and importing each
// file's default export. Adding a decoder's target is therefore one new file and nothing else.
// Test-only targets (fuzz/planted/) live elsewhere and are never registered.
//
// Invariants: names are unique, equal their file names, and the list is sorted by name, so
// `--all` runs targets in a stable order.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
/** Targets the registry accepts (a guard against a folder filling with junk). */
export const TARGETS_MAX = 256;
const TARGET_FILE = /^([a-z0-9][a-z0-9-]*)\.(ts|js)$/;
/** The folder holding the target files next to this module. */
export function targetsDir() {
    return join(dirname(fileURLToPath(import.meta.url)), 'targets');
}
/** Target names from the file names (no import). */
export function listTargetNames() {
    const names = new Set();
    for (const file of readdirSync(targetsDir())) {
        if (file.endsWith('.d.ts') || file.includes('.test.'))
            continue;
        const match = TARGET_FILE.exec(file);
        if (match?.[1] !== undefined)
            names.add(match[1]);
    }
    const sorted = [...names].sort();
    if (sorted.length > TARGETS_MAX)
        throw new Error(`fuzz: more than ${TARGETS_MAX} target files in ${targetsDir()}`);
    return sorted;
}
/** Imports one target by name; throws a clear error for an unknown name. */
export async function loadTarget(name) {
    const names = listTargetNames();
    if (!names.includes(name))
        throw new Error(`fuzz: unknown target "${name}"; targets: ${names.join(', ')}`);
    const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const module = (await import(pathToFileURL(join(targetsDir(), `${name}.${extension}`)).href));
    const target = module.default;
    if (target === undefined || typeof target.decode !== 'function')
        throw new Error(`fuzz: ${name} has no default-exported target`);
    if (target.name !== name)
        throw new Error(`fuzz: file ${name} declares target "${target.name}"; they must match`);
    return target;
}
/** Imports every target, sorted by name. */
export async function loadAllTargets() {
    const targets = [];
    for (const name of listTargetNames())
        targets.push(await loadTarget(name));
    return targets;
}
//# sourceMappingURL=registry.js.map