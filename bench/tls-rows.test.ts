// The bench's --tls rows, pure parts: the run order puts each tlsGetTs@N right after its
// plaintext getTs@N (a permutation, every other scenario in its order), each TLS row is compared
// with the plaintext row of as many callers only, and the table prints the rates and the ratios.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRate, formatRatio } from './format.js';
import { besidePlaintext, TLS_GET_TS_CALLERS, tlsComparisons, tlsComparisonTable, tlsScenarioName, type ResultLike } from './tls-rows.js';

const scenario = (op: string, callers: number) => ({ name: `${op}@${callers}`, op, callers });

function result(op: string, callers: number, callsPerSecond: number, p50Ms: number, serverCpuUsPerCall: number | null = 10): ResultLike {
  return { name: `${op}@${callers}`, op, callers, callsPerSecond, p50Ms, p99Ms: p50Ms * 4, serverCpuUsPerCall };
}

describe('the TLS rows run order', () => {
  it('puts each TLS row right after its plaintext twin and leaves the rest as listed', () => {
    const listed = [
      scenario('getTs', 1),
      scenario('getTs', 16),
      scenario('getTs', 256),
      scenario('getTs', 1024),
      scenario('getSeq', 1),
      ...TLS_GET_TS_CALLERS.map((c) => scenario('tlsGetTs', c)),
    ];
    expect(besidePlaintext(listed).map((s) => s.name)).toEqual([
      'getTs@1',
      'tlsGetTs@1',
      'getTs@16',
      'getTs@256',
      'tlsGetTs@256',
      'getTs@1024',
      'tlsGetTs@1024',
      'getSeq@1',
    ]);
  });

  it('keeps a TLS row without a plaintext twin where it was (--only tlsGetTs)', () => {
    const listed = [scenario('getSeq', 1), scenario('tlsGetTs', 1), scenario('tlsGetTs', 256)];
    expect(besidePlaintext(listed)).toEqual(listed);
  });

  it('is a permutation in which every TLS row with a twin follows it at once (property)', () => {
    const ops = fc.constantFrom('getTs', 'tlsGetTs', 'getSeq', 'grpcGetTs');
    const callers = fc.constantFrom(1, 16, 256, 1024);
    // Scenario names are unique in the bench: draw unique (op, callers) pairs.
    const list = fc.uniqueArray(fc.tuple(ops, callers), { selector: ([o, c]) => `${o}@${c}`, maxLength: 16 }).map((pairs) => pairs.map(([o, c]) => scenario(o, c)));
    fc.assert(
      fc.property(list, (listed) => {
        const order = besidePlaintext(listed);
        expect([...order].map((s) => s.name).sort()).toEqual(listed.map((s) => s.name).sort());
        for (const [i, s] of order.entries()) {
          if (s.op !== 'tlsGetTs' || !listed.some((t) => t.op === 'getTs' && t.callers === s.callers)) continue;
          expect(order[i - 1]?.name).toBe(`getTs@${s.callers}`);
        }
        const others = (xs: readonly { op: string; name: string }[]) => xs.filter((s) => s.op !== 'tlsGetTs').map((s) => s.name);
        expect(others(order)).toEqual(others(listed));
      }),
    );
  });
});

describe('the TLS vs plaintext comparison', () => {
  it('compares each TLS row with the plaintext getTs row of as many callers, and nothing else', () => {
    const results = [
      result('getTs', 1, 2_000, 0.5),
      result('tlsGetTs', 1, 1_600, 0.625, 15),
      result('getTs', 256, 40_000, 6),
      result('grpcGetTs', 256, 10_000, 20),
      result('tlsGetTs', 256, 30_000, 9, null),
      result('tlsGetTs', 1024, 31_000, 30),
    ];
    expect(tlsComparisons(results)).toEqual([
      { tls: 'tlsGetTs@1', plaintext: 'getTs@1', callers: 1, callsPerSecondRatio: 0.8, p50Ratio: 1.25, p99Ratio: 1.25, serverCpuRatio: 1.5 },
      { tls: 'tlsGetTs@256', plaintext: 'getTs@256', callers: 256, callsPerSecondRatio: 0.75, p50Ratio: 1.5, p99Ratio: 1.5, serverCpuRatio: null },
    ]);
  });

  it('prints one line per comparison with both rates and the ratios, - where unknown', () => {
    const results = [result('getTs', 1, 2_000, 0.5), result('tlsGetTs', 1, 1_600, 0.625, 15), result('getTs', 256, 40_000, 6), result('tlsGetTs', 256, 30_000, 9, null)];
    const lines = tlsComparisonTable(tlsComparisons(results), results).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^TLS\s+calls\/s\s+plaintext\s+calls\/s\s+calls\/s ×\s+p50 ×\s+p99 ×\s+server CPU\/call ×$/);
    expect(lines[1]).toMatch(/^[- ]+$/);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['tlsGetTs@1', '1,600', 'getTs@1', '2,000', '0.80×', '1.25×', '1.25×', '1.50×']);
    expect(lines[3]?.split(/\s{2,}/)).toEqual(['tlsGetTs@256', '30,000', 'getTs@256', '40,000', '0.75×', '1.50×', '1.50×', '-']);
    // Columns line up: every line is as wide as the header.
    for (const line of lines) expect(line.length).toBe(lines[0]?.length);
  });

  it('names the rows tlsGetTs@N at 1, 256 and 1024 callers', () => {
    expect(TLS_GET_TS_CALLERS.map(tlsScenarioName)).toEqual(['tlsGetTs@1', 'tlsGetTs@256', 'tlsGetTs@1024']);
  });
});

describe('bench number formats', () => {
  it('rounds rates with separators and says - for a rate or ratio that is not a number', () => {
    expect(formatRate(12_345.6)).toBe('12,346');
    expect(formatRate(Number.NaN)).toBe('-');
    expect(formatRatio(0.8)).toBe('0.80×');
    expect(formatRatio(12.34)).toBe('12.3×');
    expect(formatRatio(null)).toBe('-');
    expect(formatRatio(Number.POSITIVE_INFINITY)).toBe('-');
  });
});
