import type { AnyFuzzTarget } from './target.js';
/** Targets the registry accepts (a guard against a folder filling with junk). */
export declare const TARGETS_MAX = 256;
/** The folder holding the target files next to this module. */
export declare function targetsDir(): string;
/** Target names from the file names (no import). */
export declare function listTargetNames(): string[];
/** Imports one target by name; throws a clear error for an unknown name. */
export declare function loadTarget(name: string): Promise<AnyFuzzTarget>;
/** Imports every target, sorted by name. */
export declare function loadAllTargets(): Promise<AnyFuzzTarget[]>;
