// The trace of a run: every event of the world (a timer firing, a disk operation issued or
// completed, a frame sent or delivered, a crash, a fault) appends one entry
// `{ t: virtual ms, node, kind, details }`. Two runs of the same seed give the same trace, byte
// for byte; `hash` is a 64-bit fingerprint of the whole trace that a determinism check compares
// across runs.
//
// Each entry is rendered once as a JSON line (`{"t":…,"node":…,"kind":…,"details":{…}}`); the
// hash is taken over exactly the lines a JSONL file would hold (each followed by "\n"), so the
// hash of a written trace file can be checked later. Details are plain values: strings,
// numbers, booleans, null, bigints (written as decimal strings, the project's rule for u64 in
// JSON), byte arrays (short ones as hex, long ones as length and checksum), arrays and objects.
// Object keys keep insertion order, which is deterministic.
//
// Modes: `keep: true` keeps the lines in memory (tests, replays, short runs); `keep: false`
// keeps only the running hash and its checkpoints (swarms). Checkpoints (the running hash
// every `checkpointEvery` entries) let two runs be bisected to the first window that diverges.
// `onEntry` listeners see every entry as it is recorded: online checkers hang off it.
import { writeFileSync } from 'node:fs';
import { assert } from '../core/assert.js';
import { TRACE_ENTRIES_MAX } from './limits.js';
const HEX_BYTES_MAX = 64;
/** Distinct strings whose JSON quoting is cached (node labels, kinds, detail keys repeat). */
const QUOTE_CACHE_ENTRIES_MAX = 4_096;
const quoteCache = new Map();
/** JSON.stringify of a string, cached for the short repeated ones. */
function quote(text) {
    let quoted = quoteCache.get(text);
    if (quoted === undefined) {
        quoted = JSON.stringify(text);
        if (quoteCache.size < QUOTE_CACHE_ENTRIES_MAX && text.length <= 64)
            quoteCache.set(text, quoted);
    }
    return quoted;
}
/** FNV-1a (32-bit) of bytes: the checksum used for long byte arrays in details. */
export function fnv1a32(bytes) {
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) {
        h ^= bytes[i];
        h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
}
function hex(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i++)
        out += bytes[i].toString(16).padStart(2, '0');
    return out;
}
/** Renders a detail value as JSON text (bigints as decimal strings, bytes as hex or a summary). */
export function renderTraceValue(value) {
    switch (typeof value) {
        case 'string':
            return quote(value);
        case 'number':
            return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
        case 'boolean':
            return value ? 'true' : 'false';
        case 'bigint':
            return `"${value.toString()}"`;
        case 'undefined':
            return 'null';
        case 'object': {
            if (value === null)
                return 'null';
            if (value instanceof Uint8Array) {
                return value.length <= HEX_BYTES_MAX
                    ? `"${hex(value)}"`
                    : `{"bytes":${value.length},"fnv1a32":"${fnv1a32(value).toString(16).padStart(8, '0')}"}`;
            }
            if (Array.isArray(value))
                return `[${value.map(renderTraceValue).join(',')}]`;
            let out = '{';
            for (const key of Object.keys(value)) {
                const v = value[key];
                if (v === undefined)
                    continue;
                if (out.length > 1)
                    out += ',';
                out += quote(key);
                out += ':';
                out += renderTraceValue(v);
            }
            return `${out}}`;
        }
        default:
            return JSON.stringify(String(value));
    }
}
/** Running 64-bit hash as two independent 32-bit lanes (FNV-1a and a murmur-style multiply). */
class RollingHash {
    a = 0x811c9dc5;
    b = 0x9747b28c;
    pushString(text) {
        let a = this.a;
        let b = this.b;
        for (let i = 0; i < text.length; i++) {
            const c = text.charCodeAt(i);
            a = Math.imul(a ^ c, 0x01000193);
            b = Math.imul(b ^ c, 0x5bd1e995);
            b ^= b >>> 15;
        }
        this.a = a;
        this.b = b;
    }
    digest() {
        return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
    }
}
export class Trace {
    keep;
    checkpointEvery;
    hasher = new RollingHash();
    lineStore = [];
    listeners = [];
    entryCount = 0;
    /** The running hash after every `checkpointEvery` entries. */
    checkpoints = [];
    constructor(options = {}) {
        this.keep = options.keep ?? true;
        this.checkpointEvery = options.checkpointEvery ?? 4096;
        assert(Number.isSafeInteger(this.checkpointEvery) && this.checkpointEvery >= 1, 'trace_checkpoint_every_positive');
    }
    /** Appends one entry. */
    record(t, node, kind, details) {
        const head = `{"t":${t},"node":${quote(node)},"kind":${quote(kind)}`;
        const line = details === undefined ? `${head}}` : `${head},"details":${renderTraceValue(details)}}`;
        this.hasher.pushString(line);
        this.hasher.pushString('\n');
        this.entryCount++;
        if (this.entryCount % this.checkpointEvery === 0)
            this.checkpoints.push(this.hasher.digest());
        if (this.keep) {
            assert(this.lineStore.length < TRACE_ENTRIES_MAX, 'trace_entries_within_limit', 'use { keep: false } for long runs');
            this.lineStore.push(line);
        }
        if (this.listeners.length > 0) {
            const entry = { t, node, kind, details };
            for (const listener of this.listeners)
                listener(entry);
        }
    }
    /** Calls `listener` with every entry recorded from now on. Returns an unsubscribe function. */
    onEntry(listener) {
        this.listeners.push(listener);
        return () => {
            const i = this.listeners.indexOf(listener);
            if (i >= 0)
                this.listeners.splice(i, 1);
        };
    }
    /** Entries recorded so far. */
    get count() {
        return this.entryCount;
    }
    /** 16 hex digits fingerprinting every entry so far. */
    get hash() {
        return this.hasher.digest();
    }
    /** Whether lines are kept in memory. */
    get keepsLines() {
        return this.keep;
    }
    /** The JSON lines recorded so far (empty when `keep` is false). */
    lines() {
        return this.lineStore;
    }
    /** The kept entries, parsed back (details as JSON: bigints are strings). */
    entries() {
        return this.lineStore.map((line) => {
            const parsed = JSON.parse(line);
            return { t: parsed.t, node: parsed.node, kind: parsed.kind, details: parsed.details };
        });
    }
    /** Writes the kept lines as a JSON Lines file (one entry per line). */
    writeJsonl(path) {
        assert(this.keep, 'trace_kept_for_write', 'a hash-only trace has no lines to write');
        writeFileSync(path, this.lineStore.length === 0 ? '' : `${this.lineStore.join('\n')}\n`);
    }
}
/** The hash `Trace.hash` would give for these lines. */
export function hashTraceLines(lines) {
    const hasher = new RollingHash();
    for (const line of lines) {
        hasher.pushString(line);
        hasher.pushString('\n');
    }
    return hasher.digest();
}
/** The first index where two traces' lines differ, with both lines; null when identical. */
export function firstDivergence(a, b) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++)
        if (a[i] !== b[i])
            return { index: i, a: a[i], b: b[i] };
    return null;
}
//# sourceMappingURL=trace.js.map