// The trace of a run: every event of the world (a timer firing, a disk operation issued or
// completed, a frame sent or delivered, a crash, a fault) appends one entry
// `{ t: virtual ms, node, kind, details }`. Two runs of the same seed give the same trace, byte
// for byte; `hash` is a 64-bit fingerprint of the whole trace that a determinism check compares
// across runs.
//
// The hash is taken over a compact binary form of each entry (see `hashEntry`), never over
// rendered text: a run that keeps no lines builds no strings for its trace. A kept entry is
// rendered as a JSON line (`{"t":…,"node":…,"kind":…,"details":{…}}`), and a line parsed back
// hashes to what its entry hashed to, so the hash of a written trace file can be checked later
// (`hashTraceLines`). Details are plain values: strings,
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

export type TraceValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | bigint
  | Uint8Array
  | readonly TraceValue[]
  | { readonly [key: string]: TraceValue };

export type TraceDetails = { readonly [key: string]: TraceValue };

export interface TraceEntry {
  readonly t: number;
  readonly node: string;
  readonly kind: string;
  readonly details: TraceDetails | undefined;
}

export interface TraceOptions {
  /** Keep every line in memory (default true). With false only the hash and checkpoints are kept. */
  readonly keep?: boolean;
  /** Record the running hash every this many entries (default 4096). */
  readonly checkpointEvery?: number;
}

const HEX_BYTES_MAX = 64;
/** Distinct strings whose JSON quoting is cached (node labels, kinds, detail keys repeat). */
const QUOTE_CACHE_ENTRIES_MAX = 4_096;
const quoteCache = new Map<string, string>();

/** JSON.stringify of a string, cached for the short repeated ones. */
function quote(text: string): string {
  let quoted = quoteCache.get(text);
  if (quoted === undefined) {
    quoted = JSON.stringify(text);
    if (quoteCache.size < QUOTE_CACHE_ENTRIES_MAX && text.length <= 64) quoteCache.set(text, quoted);
  }
  return quoted;
}

/** FNV-1a (32-bit) of bytes: the checksum used for long byte arrays in details. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}

/** Renders a detail value as JSON text (bigints as decimal strings, bytes as hex or a summary). */
export function renderTraceValue(value: TraceValue): string {
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
      if (value === null) return 'null';
      if (value instanceof Uint8Array) {
        return value.length <= HEX_BYTES_MAX
          ? `"${hex(value)}"`
          : `{"bytes":${value.length},"fnv1a32":"${fnv1a32(value).toString(16).padStart(8, '0')}"}`;
      }
      if (Array.isArray(value)) return `[${(value as readonly TraceValue[]).map(renderTraceValue).join(',')}]`;
      let out = '{';
      for (const key of Object.keys(value)) {
        const v = (value as { readonly [key: string]: TraceValue })[key];
        if (v === undefined) continue;
        if (out.length > 1) out += ',';
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

/** Running 64-bit hash as two independent 32-bit lanes (FNV-1a and a murmur-style multiply), fed 32-bit words. */
class RollingHash {
  a = 0x811c9dc5;
  b = 0x9747b28c;

  word(w: number): void {
    this.a = Math.imul(this.a ^ w, 0x01000193);
    const b = Math.imul(this.b ^ w, 0x5bd1e995);
    this.b = b ^ (b >>> 15);
  }

  digest(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

// --- the hash's input: a compact binary form of an entry ----------------------------------------
//
// An entry is hashed as a sequence of 32-bit words, never rendered: each JSON value is a tag
// word and its content (a number's 64 IEEE bits; a string's length and its 16-bit code units,
// or, for a short repeated string, a cached 64-bit digest of them; an array or object between
// open and close tags, an object's keys as strings). A live detail is hashed as the JSON value
// it renders to (a bigint as its decimal string, bytes as their hex string or their summary
// object, an undefined field skipped, an undefined element as null, -0 as 0), so the hash of
// an entry and of its JSON line parsed back are the same (`hashTraceLines`).

const TAG_NULL = 0x6e756c6c;
const TAG_FALSE = 0x66616c73;
const TAG_TRUE = 0x74727565;
const TAG_NUMBER = 0x6e756d62;
const TAG_STRING = 0x73747269;
const TAG_ARRAY_OPEN = 0x5b5b5b5b;
const TAG_ARRAY_CLOSE = 0x5d5d5d5d;
const TAG_OBJECT_OPEN = 0x7b7b7b7b;
const TAG_OBJECT_CLOSE = 0x7d7d7d7d;
const TAG_NO_DETAILS = 0x6e6f6465;
const TAG_ENTRY_END = 0x0a0a0a0a;
/** Strings up to this long are hashed once and fed as their cached digest. */
const STRING_DIGEST_CACHED_CHARS_MAX = 64;
/** Distinct strings whose digest is cached (node labels, kinds, detail keys repeat). */
const STRING_DIGEST_CACHE_ENTRIES_MAX = 8_192;
const stringDigests = new Map<string, number>();
const HEX_CODES = Array.from({ length: 16 }, (_, i) => '0123456789abcdef'.charCodeAt(i));
const numberScratch = new Float64Array(1);
const numberWords = new Uint32Array(numberScratch.buffer);

/** A 32-bit digest of a string's code units (with its length), for the cache. */
function digestOfString(text: string): number {
  let h = Math.imul(0x9e3779b9 ^ text.length, 0x85ebca6b);
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0xcc9e2d51);
    h ^= h >>> 13;
  }
  return h;
}

function hashString(hash: RollingHash, text: string): void {
  hash.word(TAG_STRING);
  if (text.length <= STRING_DIGEST_CACHED_CHARS_MAX) {
    let digest = stringDigests.get(text);
    if (digest === undefined) {
      digest = digestOfString(text);
      if (stringDigests.size < STRING_DIGEST_CACHE_ENTRIES_MAX) stringDigests.set(text, digest);
    }
    hash.word(digest);
    return;
  }
  hash.word(digestOfString(text));
}

/** Decimal digits of a safe integer, least significant first (scratch for `digestOfDecimal`). */
const decimalScratch = new Uint8Array(16);

/**
 * `digestOfString(String(n))` for a safe non-negative integer, without making the string: the
 * digits are taken from the number. A bigint detail (ids, counters, timestamps) is a new string
 * each time, so the digest cache only ever missed on it, and filled with strings never seen again.
 */
function digestOfDecimal(n: number): number {
  let digits = 0;
  let rest = n;
  do {
    const digit = rest % 10;
    decimalScratch[digits++] = digit;
    rest = (rest - digit) / 10;
  } while (rest > 0);
  let h = Math.imul(0x9e3779b9 ^ digits, 0x85ebca6b);
  for (let i = digits - 1; i >= 0; i--) {
    h = Math.imul(h ^ (0x30 + (decimalScratch[i] as number)), 0xcc9e2d51);
    h ^= h >>> 13;
  }
  return h;
}

const SAFE_INTEGER_MAX_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint hashes as its decimal string (what it renders to), computed without the cache. */
function hashBigint(hash: RollingHash, value: bigint): void {
  hash.word(TAG_STRING);
  hash.word(value >= 0n && value <= SAFE_INTEGER_MAX_BIGINT ? digestOfDecimal(Number(value)) : digestOfString(value.toString()));
}

function hashNumber(hash: RollingHash, n: number): void {
  if (!Number.isFinite(n)) {
    hashString(hash, String(n));
    return;
  }
  hash.word(TAG_NUMBER);
  numberScratch[0] = n === 0 ? 0 : n;
  hash.word(numberWords[0] as number);
  hash.word(numberWords[1] as number);
}

/** Bytes as the hex string they render to, without building it. */
function hashHexOfBytes(hash: RollingHash, bytes: Uint8Array): void {
  hash.word(TAG_STRING);
  let h = Math.imul(0x9e3779b9 ^ (bytes.length * 2), 0x85ebca6b);
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    h = Math.imul(h ^ (HEX_CODES[byte >> 4] as number), 0xcc9e2d51);
    h ^= h >>> 13;
    h = Math.imul(h ^ (HEX_CODES[byte & 15] as number), 0xcc9e2d51);
    h ^= h >>> 13;
  }
  hash.word(h);
}

/** Feeds a live detail value, as the JSON value it renders to. */
function hashTraceValue(hash: RollingHash, value: TraceValue): void {
  switch (typeof value) {
    case 'string':
      hashString(hash, value);
      return;
    case 'number':
      hashNumber(hash, value);
      return;
    case 'boolean':
      hash.word(value ? TAG_TRUE : TAG_FALSE);
      return;
    case 'bigint':
      hashBigint(hash, value);
      return;
    case 'undefined':
      hash.word(TAG_NULL);
      return;
    case 'object': {
      if (value === null) {
        hash.word(TAG_NULL);
        return;
      }
      if (value instanceof Uint8Array) {
        if (value.length <= HEX_BYTES_MAX) {
          hashHexOfBytes(hash, value);
          return;
        }
        hash.word(TAG_OBJECT_OPEN);
        hashString(hash, 'bytes');
        hashNumber(hash, value.length);
        hashString(hash, 'fnv1a32');
        hashString(hash, fnv1a32(value).toString(16).padStart(8, '0'));
        hash.word(TAG_OBJECT_CLOSE);
        return;
      }
      if (Array.isArray(value)) {
        hash.word(TAG_ARRAY_OPEN);
        for (const element of value as readonly TraceValue[]) hashTraceValue(hash, element);
        hash.word(TAG_ARRAY_CLOSE);
        return;
      }
      hash.word(TAG_OBJECT_OPEN);
      const object = value as { readonly [key: string]: TraceValue };
      for (const key in object) {
        const v = object[key];
        if (v === undefined) continue;
        hashString(hash, key);
        hashTraceValue(hash, v);
      }
      hash.word(TAG_OBJECT_CLOSE);
      return;
    }
    default:
      hashString(hash, String(value));
  }
}

/** Feeds one entry. */
function hashEntry(hash: RollingHash, t: number, node: string, kind: string, details: TraceValue | undefined): void {
  hashNumber(hash, t);
  hashString(hash, node);
  hashString(hash, kind);
  if (details === undefined) hash.word(TAG_NO_DETAILS);
  else hashTraceValue(hash, details);
  hash.word(TAG_ENTRY_END);
}

export class Trace {
  private readonly keep: boolean;
  private readonly checkpointEvery: number;
  private readonly hasher = new RollingHash();
  private readonly lineStore: string[] = [];
  private readonly listeners: Array<(entry: TraceEntry) => void> = [];
  private entryCount = 0;
  /** The running hash after every `checkpointEvery` entries. */
  readonly checkpoints: string[] = [];

  constructor(options: TraceOptions = {}) {
    this.keep = options.keep ?? true;
    this.checkpointEvery = options.checkpointEvery ?? 4096;
    assert(Number.isSafeInteger(this.checkpointEvery) && this.checkpointEvery >= 1, 'trace_checkpoint_every_positive');
  }

  /** Appends one entry. */
  record(t: number, node: string, kind: string, details?: TraceDetails): void {
    hashEntry(this.hasher, t, node, kind, details);
    this.entryCount++;
    if (this.entryCount % this.checkpointEvery === 0) this.checkpoints.push(this.hasher.digest());
    if (this.keep) {
      assert(this.lineStore.length < TRACE_ENTRIES_MAX, 'trace_entries_within_limit', 'use { keep: false } for long runs');
      const head = `{"t":${t},"node":${quote(node)},"kind":${quote(kind)}`;
      this.lineStore.push(details === undefined ? `${head}}` : `${head},"details":${renderTraceValue(details)}}`);
    }
    if (this.listeners.length > 0) {
      const entry: TraceEntry = { t, node, kind, details };
      for (const listener of this.listeners) listener(entry);
    }
  }

  /** Calls `listener` with every entry recorded from now on. Returns an unsubscribe function. */
  onEntry(listener: (entry: TraceEntry) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Entries recorded so far. */
  get count(): number {
    return this.entryCount;
  }

  /** 16 hex digits fingerprinting every entry so far. */
  get hash(): string {
    return this.hasher.digest();
  }

  /** Whether lines are kept in memory. */
  get keepsLines(): boolean {
    return this.keep;
  }

  /** The JSON lines recorded so far (empty when `keep` is false). */
  lines(): readonly string[] {
    return this.lineStore;
  }

  /** The kept entries, parsed back (details as JSON: bigints are strings). */
  entries(): TraceEntry[] {
    return this.lineStore.map((line) => {
      const parsed = JSON.parse(line) as { t: number; node: string; kind: string; details?: TraceDetails };
      return { t: parsed.t, node: parsed.node, kind: parsed.kind, details: parsed.details };
    });
  }

  /** Writes the kept lines as a JSON Lines file (one entry per line). */
  writeJsonl(path: string): void {
    assert(this.keep, 'trace_kept_for_write', 'a hash-only trace has no lines to write');
    writeFileSync(path, this.lineStore.length === 0 ? '' : `${this.lineStore.join('\n')}\n`);
  }
}

/** The hash `Trace.hash` would give for the entries these JSON lines hold (each line parsed). */
export function hashTraceLines(lines: readonly string[]): string {
  const hasher = new RollingHash();
  for (const line of lines) {
    const parsed = JSON.parse(line) as { t: number; node: string; kind: string; details?: TraceValue };
    hashEntry(hasher, parsed.t, parsed.node, parsed.kind, parsed.details);
  }
  return hasher.digest();
}

/** A 64-bit fingerprint of lines of text (each followed by "\n"), e.g. a swarm's `seed:hash` lines. */
export function hashTexts(texts: readonly string[]): string {
  const hasher = new RollingHash();
  for (const text of texts) {
    for (let i = 0; i < text.length; i++) hasher.word(text.charCodeAt(i));
    hasher.word(0x0a);
  }
  return hasher.digest();
}

/** The first index where two traces' lines differ, with both lines; null when identical. */
export function firstDivergence(
  a: readonly string[],
  b: readonly string[],
): { readonly index: number; readonly a: string | undefined; readonly b: string | undefined } | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return { index: i, a: a[i], b: b[i] };
  return null;
}
