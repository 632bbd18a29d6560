/** Allocation order of pending usage (src/core/usage-order.ts) equals the comparator sort by (interval, consumer). */
import t from 'tap';
import fc from 'fast-check';
import { sortPendingUsage } from '../src/core/usage-order.js';
import type { PendingUsage } from '../src/core/types.js';

const reference = (list: PendingUsage[]): PendingUsage[] => list.slice().sort((a, b) => a.intervalStart - b.intervalStart || (a.consumer < b.consumer ? -1 : a.consumer > b.consumer ? 1 : 0));

const usage = (consumer: string, intervalStart: number): PendingUsage => ({ key: `d|${intervalStart}|${consumer}`, intermediary: 'd', consumer, intervalStart, wh: 1 });

const hex16 = fc.stringMatching(/^[0-9a-f]{16}$/);
/** Ids that often share their first 8 digits (the tie-break path). */
const nearIds = fc.tuple(fc.constantFrom('00000000', 'ffffffff', '7fffffff', '12345678'), fc.stringMatching(/^[0-9a-f]{8}$/)).map(([a, b]) => a + b);

t.test('same order as the comparator sort (hex ids, shared prefixes, several intervals)', async () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.oneof(hex16, nearIds), { minLength: 70, maxLength: 400 }), fc.array(fc.constantFrom(0, 1800, 3600, 1_800_000_000), { minLength: 400, maxLength: 400 }), (ids, intervals) => {
      const list = ids.map((id, i) => usage(id, intervals[i]!));
      const expected = reference(list);
      const actual = sortPendingUsage(list.slice());
      return actual.length === expected.length && actual.every((u, i) => u === expected[i]);
    }),
    { numRuns: 300, seed: 61 },
  );
});

t.test('ids that are not 16 lowercase hex digits fall back to the comparator sort', async (t) => {
  const ids = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `ABC${i}` : (i * 2654435761 >>> 0).toString(16).padStart(16, '0')));
  ids.push('é'.repeat(16), '0123456789ABCDEF', '0123');
  const list = ids.map((id, i) => usage(id, (i % 2) * 1800));
  t.same(sortPendingUsage(list.slice()).map((u) => u.key), reference(list).map((u) => u.key));
});

t.test('a large list with one interval (the close-interval case)', async (t) => {
  const list = Array.from({ length: 5000 }, (_, i) => usage(((Math.imul(i, 2654435761) >>> 0) * 4096 + (i % 4096)).toString(16).padStart(16, '0').slice(-16), 3600));
  t.same(sortPendingUsage(list.slice()).map((u) => u.key), reference(list).map((u) => u.key));
});
