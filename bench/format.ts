// Number formats the bench's tables share (bench/run.ts, bench/drivers.ts, bench/tls-rows.ts). Pure.

/** `1,234` (rounded); `-` for a value that is not finite (a row that did not run). */
export function formatRate(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}

/** `0.93×` (two decimals below 10, one above); `-` for a ratio that is unknown or not finite. */
export function formatRatio(n: number | null): string {
  return n !== null && Number.isFinite(n) ? `${n >= 10 ? n.toFixed(1) : n.toFixed(2)}×` : '-';
}

/** `0.123` ms (three decimals); `-` for a value that is not finite. */
export function formatMs(n: number): string {
  return Number.isFinite(n) ? n.toFixed(3) : '-';
}

/**
 * A plain-text table: the header, a dashed rule, then the rows; each column as wide as its widest
 * cell, two spaces apart. Columns in `leftColumns` are padded on the right (names), the others on
 * the left (numbers).
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns: readonly number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (leftColumns.includes(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
