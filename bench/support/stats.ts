/** Percentile summaries and the result file the bench writes. */
export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

export const round = (v: number, digits = 2): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

/** One printed line of the bench table: a figure, its baseline in the same run, and the target. */
export interface Row {
  part: string;
  figure: string;
  value: string;
  baseline?: string;
  target?: string;
  verdict?: 'meets' | 'MISSES' | '';
}

export function verdict(ok: boolean | undefined): Row['verdict'] {
  return ok === undefined ? '' : ok ? 'meets' : 'MISSES';
}

export function printTable(rows: Row[]): void {
  const cols: (keyof Row)[] = ['part', 'figure', 'value', 'baseline', 'target', 'verdict'];
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`\n${line(cols)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of rows) process.stdout.write(`${line(cols.map((c) => String(r[c] ?? '')))}\n`);
}

/** What a part returns: its figures for results.json and its rows for the table. */
export interface PartResult {
  key: string;
  figures: Record<string, unknown>;
  rows: Row[];
}
