/**
 * The order in which a close-interval allocates pending usage (DESIGN §7 step 1): by usage
 * interval, then consumer id (JS string order). A comparator sort of 100,000 objects costs
 * ~200 ms; party ids are 16 lowercase hex digits, whose string order is their numeric order,
 * so each interval's consumers are sorted as numbers in a Float64Array instead (native sort,
 * no comparator): key = first 32 bits of the id x 2^21 + index, exact below 2^53. Runs that
 * share their first 32 bits are finished with a string comparison. Any id that is not 16
 * lowercase hex digits sends the whole list to the comparator sort; the result is the same.
 */
import type { PendingUsage } from './types.js';

const INDEX_BITS = 2 ** 21;

const byIntervalThenConsumer = (a: PendingUsage, b: PendingUsage): number => a.intervalStart - b.intervalStart || (a.consumer < b.consumer ? -1 : a.consumer > b.consumer ? 1 : 0);

/** Value of hex digit `c` (char code), or -1 if it is not one of 0-9 a-f. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** First 32 bits of a 16-digit lowercase hex id, or -1 for any other string. */
function highBits(id: string): number {
  if (id.length !== 16) return -1;
  let high = 0;
  for (let i = 0; i < 16; i++) {
    const d = hexDigit(id.charCodeAt(i));
    if (d < 0) return -1;
    if (i < 8) high = high * 16 + d;
  }
  return high;
}

/** Sorts `usage` in place by (intervalStart, consumer) and returns it. */
export function sortPendingUsage(usage: PendingUsage[]): PendingUsage[] {
  const n = usage.length;
  if (n < 64 || n >= INDEX_BITS) return usage.sort(byIntervalThenConsumer);
  const high = new Float64Array(n);
  const intervals = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const u = usage[i]!;
    const h = highBits(u.consumer);
    if (h < 0) return usage.sort(byIntervalThenConsumer);
    high[i] = h;
    const group = intervals.get(u.intervalStart);
    if (group === undefined) intervals.set(u.intervalStart, [i]);
    else group.push(i);
  }
  const source = usage.slice();
  let out = 0;
  for (const interval of [...intervals.keys()].sort((a, b) => a - b)) {
    const group = intervals.get(interval)!;
    const keys = new Float64Array(group.length);
    for (let k = 0; k < group.length; k++) keys[k] = high[group[k]!]! * INDEX_BITS + k;
    keys.sort();
    let k = 0;
    while (k < keys.length) {
      const runHigh = Math.floor(keys[k]! / INDEX_BITS);
      let end = k + 1;
      while (end < keys.length && Math.floor(keys[end]! / INDEX_BITS) === runHigh) end++;
      const start = out;
      for (let j = k; j < end; j++) usage[out++] = source[group[keys[j]! % INDEX_BITS]!]!;
      if (end - k > 1) {
        const run = usage.slice(start, out).sort(byIntervalThenConsumer);
        for (let j = 0; j < run.length; j++) usage[start + j] = run[j]!;
      }
      k = end;
    }
  }
  return usage;
}
