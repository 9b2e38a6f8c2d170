// The bench's `--tls` rows (`npm run bench -- --tls`): getTs over the native protocol on a TLS
// port, beside the same scenario in plaintext. Pure: which scenarios, in which order, and how a
// TLS row compares with its plaintext twin; bench/run.ts spawns the servers and runs them.
//
// Invariants:
//   - A TLS row is named `tlsGetTs@N` and compared only with `getTs@N` (same callers, same op
//     otherwise): the one difference is the transport.
//   - The run order puts each TLS row right after its plaintext twin when both are selected, so a
//     change in the machine's load moves both alike; the relative order of every other scenario is
//     kept.
//   - Ratios are TLS ÷ plaintext: calls/s below 1× and p50 or CPU per call above 1× are what
//     TLS costs.

import { formatRate, formatRatio, renderTable } from './format.js';

/** Callers of the TLS rows (the issue asks for 1, 256 and 1024). */
export const TLS_GET_TS_CALLERS: readonly number[] = [1, 256, 1024];

export const TLS_OP = 'tlsGetTs';
export const PLAINTEXT_OP = 'getTs';

/** The name of the TLS row with `callers` callers. */
export function tlsScenarioName(callers: number): string {
  return `${TLS_OP}@${callers}`;
}

interface ScenarioLike {
  readonly op: string;
  readonly callers: number;
}

/**
 * The run order: `scenarios` as given, except that each TLS row moves right after the plaintext
 * getTs row with as many callers (when that one is there; otherwise it stays where it was).
 */
export function besidePlaintext<T extends ScenarioLike>(scenarios: readonly T[]): T[] {
  const twinOf = (tls: T): T | undefined => scenarios.find((s) => s.op === PLAINTEXT_OP && s.callers === tls.callers);
  const order: T[] = [];
  for (const scenario of scenarios) {
    if (scenario.op === TLS_OP && twinOf(scenario) !== undefined) continue; // placed after its twin
    order.push(scenario);
    if (scenario.op === PLAINTEXT_OP) order.push(...scenarios.filter((s) => s.op === TLS_OP && s.callers === scenario.callers));
  }
  return order;
}

/** What a comparison reads of a result. */
export interface ResultLike extends ScenarioLike {
  readonly name: string;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuUsPerCall: number | null;
}

export interface TlsComparison {
  readonly tls: string;
  readonly plaintext: string;
  readonly callers: number;
  /** TLS calls/s ÷ plaintext calls/s (below 1: TLS does fewer calls per second). */
  readonly callsPerSecondRatio: number;
  /** TLS p50 ÷ plaintext p50 (above 1: TLS answers slower). */
  readonly p50Ratio: number;
  /** TLS p99 ÷ plaintext p99. */
  readonly p99Ratio: number;
  /** TLS server CPU µs per call ÷ plaintext's; null when either is unknown. */
  readonly serverCpuRatio: number | null;
}

/** Every TLS row beside the plaintext row with as many callers, in the TLS rows' order. */
export function tlsComparisons(results: readonly ResultLike[]): TlsComparison[] {
  const comparisons: TlsComparison[] = [];
  for (const tls of results.filter((r) => r.op === TLS_OP)) {
    const plain = results.find((r) => r.op === PLAINTEXT_OP && r.callers === tls.callers);
    if (plain === undefined) continue;
    comparisons.push({
      tls: tls.name,
      plaintext: plain.name,
      callers: tls.callers,
      callsPerSecondRatio: tls.callsPerSecond / plain.callsPerSecond,
      p50Ratio: tls.p50Ms / plain.p50Ms,
      p99Ratio: tls.p99Ms / plain.p99Ms,
      serverCpuRatio: tls.serverCpuUsPerCall === null || plain.serverCpuUsPerCall === null ? null : tls.serverCpuUsPerCall / plain.serverCpuUsPerCall,
    });
  }
  return comparisons;
}

/** The TLS-vs-plaintext table: one line per comparison, the rates of both rows and the ratios. */
export function tlsComparisonTable(comparisons: readonly TlsComparison[], results: readonly ResultLike[]): string {
  const rate = (name: string): string => formatRate(results.find((r) => r.name === name)?.callsPerSecond ?? Number.NaN);
  const header = ['TLS', 'calls/s', 'plaintext', 'calls/s', 'calls/s ×', 'p50 ×', 'p99 ×', 'server CPU/call ×'];
  const rows = comparisons.map((c) => [
    c.tls,
    rate(c.tls),
    c.plaintext,
    rate(c.plaintext),
    formatRatio(c.callsPerSecondRatio),
    formatRatio(c.p50Ratio),
    formatRatio(c.p99Ratio),
    formatRatio(c.serverCpuRatio),
  ]);
  return renderTable(header, rows, [0, 2]);
}
