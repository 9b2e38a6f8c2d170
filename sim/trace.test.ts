import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstDivergence, hashTraceLines, renderTraceValue, Trace } from './trace.js';

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
