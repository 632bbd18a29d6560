/** What every benchmark returns, and how it is printed: a table, then one JSON line (last). */

export interface BenchReport {
  /** Benchmark name, e.g. "readings". */
  name: string;
  /** The ratio or budget the run is judged by, in words. */
  judgedBy: string;
  /** Rows of the printed table. */
  rows: Array<{ metric: string; value: number | string; unit?: string; note?: string }>;
  /** The machine-readable figures; printed as the last line. */
  figures: Record<string, number | string | boolean>;
}

export function printReport(report: BenchReport): void {
  const width = Math.max(...report.rows.map((r) => r.metric.length), 6);
  const lines = [`# ${report.name}  (judged by: ${report.judgedBy})`];
  for (const r of report.rows) {
    const value = typeof r.value === 'number' ? formatNumber(r.value) : r.value;
    lines.push(`${r.metric.padEnd(width)}  ${value.padStart(14)} ${r.unit ?? ''}${r.note ? `  ${r.note}` : ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ bench: report.name, ...report.figures })}\n`);
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

/** Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
export function opsPerSecond(fn: () => void, ms = 1000, batch = 64): number {
  for (let i = 0; i < batch; i++) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
