#!/usr/bin/env node
import { Command } from 'commander';
/** Parses `3s`, `500ms`, `2m`, `1h` or a bare number of milliseconds. */
export declare function parseDurationMs(text: string): number;
export declare function buildProgram(): Command;
export declare function main(argv: string[]): Promise<void>;
