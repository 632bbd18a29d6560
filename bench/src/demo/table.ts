/** Plain-text table of the demo's per-consumer tally. Pure. */
import { productionMethodByCode } from '@wattledger/protocol';
import type { ConsumerTally } from './tally.js';

const wh = (n: number): string => n.toLocaleString('en-US');
const percent = (n: number): string => `${n.toFixed(1)} %`;
export const methodName = (code: number): string => productionMethodByCode(code)?.name ?? `method ${code}`;

/** `names` turns party ids into scenario names (intermediaries, lenders). */
export function formatConsumerTable(rows: readonly ConsumerTally[], names: ReadonlyMap<string, string>): string {
  const methods = [...new Set(rows.flatMap((r) => r.byMethod.map((m) => m.method)))].sort((a, b) => a - b);
  const name = (id: string): string => names.get(id) ?? id;
  const header = ['consumer', 'via', 'target', 'achieved', 'metered Wh', ...methods.map((m) => `${methodName(m)} Wh`), 'unmatched Wh', 'borrowed from other intermediaries'];
  const body = rows.map((r) => [
    `${r.name} ${r.title.replace(/^\S+\s/, '')}`,
    name(r.intermediary),
    percent(r.targetPercent),
    percent(r.achievedPercent),
    wh(r.meteredWh),
    ...methods.map((m) => wh(r.byMethod.find((x) => x.method === m)?.wh ?? 0)),
    wh(r.unmatchedWh),
    r.borrowed.length === 0 ? '-' : r.borrowed.map((b) => `${wh(b.wh)} Wh ${methodName(b.method)} from ${name(b.lender)}`).join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const left = new Set([0, 1, header.length - 1]);
  const line = (cells: readonly string[]): string => cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
