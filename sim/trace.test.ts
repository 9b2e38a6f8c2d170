import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstDivergence, hashTraceLines, renderTraceValue, Trace, type TraceDetails } from './trace.js';

function fill(trace: Trace, n: number, tweakAt = -1): void {
  for (let i = 0; i < n; i++) trace.record(i / 4, `n${i % 3}`, 'k', { i, v: i === tweakAt ? 'x' : 'y', big: BigInt(i) << 40n });
}

describe('Trace', () => {
  it('hashes the same entries to the same value, and a single change to another', () => {
    const a = new Trace();
    const b = new Trace();
    const c = new Trace();
    fill(a, 500);
    fill(b, 500);
    fill(c, 500, 321);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives the same hash and checkpoints whether lines are kept or not', () => {
    const kept = new Trace({ checkpointEvery: 100 });
    const hashOnly = new Trace({ keep: false, checkpointEvery: 100 });
    fill(kept, 450);
    fill(hashOnly, 450);
    expect(hashOnly.hash).toBe(kept.hash);
    expect(hashOnly.checkpoints).toEqual(kept.checkpoints);
    expect(kept.checkpoints).toHaveLength(4);
    expect(hashOnly.lines()).toEqual([]);
    expect(hashTraceLines(kept.lines())).toBe(kept.hash);
  });

  it('renders bigints as decimal strings, bytes as hex or a summary, and omits undefined fields', () => {
    expect(renderTraceValue({ a: 18446744073709551615n, b: undefined, c: [1, null, true] })).toBe(
      '{"a":"18446744073709551615","c":[1,null,true]}',
    );
    expect(renderTraceValue(new Uint8Array([1, 171]))).toBe('"01ab"');
    expect(renderTraceValue(new Uint8Array(100))).toMatch(/^\{"bytes":100,"fnv1a32":"[0-9a-f]{8}"\}$/);
  });

  it('finds the first line where two traces diverge', () => {
    const a = new Trace();
    const b = new Trace();
    fill(a, 50);
    fill(b, 50, 17);
    expect(firstDivergence(a.lines(), b.lines())?.index).toBe(17);
    expect(firstDivergence(a.lines(), a.lines())).toBeNull();
  });

  it('writes JSON Lines that parse back to the entries and hash to the trace hash', () => {
    const t = new Trace();
    fill(t, 10);
    const dir = mkdtempSync(join(tmpdir(), 'sim-trace-'));
    try {
      const path = join(dir, 'trace.jsonl');
      t.writeJsonl(path);
      const text = readFileSync(path, 'utf8');
      const lines = text.trimEnd().split('\n');
      expect(lines).toHaveLength(10);
      expect(hashTraceLines(lines)).toBe(t.hash);
      expect(JSON.parse(lines[3] as string)).toEqual({ t: 0.75, node: 'n0', kind: 'k', details: { i: 3, v: 'y', big: String(3n << 40n) } });
      expect(t.entries()[3]).toEqual({ t: 0.75, node: 'n0', kind: 'k', details: { i: 3, v: 'y', big: String(3n << 40n) } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams entries to listeners (for online checkers)', () => {
    const t = new Trace({ keep: false });
    const kinds: string[] = [];
    const off = t.onEntry((e) => kinds.push(e.kind));
    t.record(0, 'w', 'one');
    off();
    t.record(1, 'w', 'two');
    expect(kinds).toEqual(['one']);
    expect(t.count).toBe(2);
  });
});

describe('the trace hash', () => {
  it('of an entry equals the hash of its JSON line parsed back, for every kind of detail', () => {
    const t = new Trace();
    t.record(0, 'w', 'none');
    t.record(1.5, 'n1', 'all', {
      s: 'text "quoted" \u00e9',
      n: -0,
      f: 0.1,
      inf: Number.POSITIVE_INFINITY,
      yes: true,
      no: false,
      nil: null,
      skipped: undefined,
      big: 18446744073709551615n,
      short: new Uint8Array([0, 15, 171, 255]),
      long: new Uint8Array(200).fill(7),
      list: [1, undefined, 'x', [2, { k: 3n }]],
      nested: { '2': 'numeric key', a: { b: [] } },
      longText: 'y'.repeat(100),
    });
    expect(hashTraceLines(t.lines())).toBe(t.hash);
  });

  it('hashes a bigint as its decimal string, digits taken from the number below 2^53 and from the string above', () => {
    const edges = [0n, 9n, 10n, 99n, 100n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n, -1n, -(2n ** 60n)];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: 0n, max: 2n ** 53n }), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n })), (v) => {
        const live = new Trace();
        live.record(0, 'n', 'k', { v, list: [v] });
        const asText = new Trace();
        asText.record(0, 'n', 'k', { v: v.toString(), list: [v.toString()] });
        expect(live.hash).toBe(asText.hash);
        expect(hashTraceLines(live.lines())).toBe(live.hash);
      }),
      { numRuns: 2_000 },
    );
  });

  it('tells apart entries whose JSON differs only in a value type or a nesting', () => {
    const hashOf = (details: TraceDetails): string => {
      const t = new Trace({ keep: false });
      t.record(0, 'n', 'k', details);
      return t.hash;
    };
    const variants: TraceDetails[] = [{ a: 1 }, { a: '1' }, { a: [1] }, { a: { b: 1 } }, { b: 1 }, { a: null }, { a: true }, { a: 1, b: undefined }, {}];
    const hashes = variants.map(hashOf);
    // `{ a: 1, b: undefined }` renders as `{"a":1}`: the same entry as `{ a: 1 }`.
    expect(hashes[7]).toBe(hashes[0]);
    expect(new Set(hashes.filter((_, i) => i !== 7)).size).toBe(variants.length - 1);
  });
});
