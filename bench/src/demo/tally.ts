/**
 * The demo's per-consumer numbers, computed from two sources that do not share code with the
 * ledger's own history: the consumers' meters (the Wh they signed) and the allocation events
 * of every close (`GET /v1/allocations`). The test compares them with `GET /v1/history` and
 * the certificate application. Pure.
 */
import { isRenewable, type IntervalReading } from '@wattledger/protocol';

/** An allocation event as `GET /v1/allocations` returns it (the fields the tally reads). */
export type AllocationEventView =
  | { readonly kind: 'allocate'; readonly consumer: string; readonly usageInterval: number; readonly wh: number; readonly method: number; readonly lender: string | null }
  | { readonly kind: 'unmatched'; readonly consumer: string; readonly usageInterval: number; readonly wh: number; readonly reason: string }
  | { readonly kind: 'borrow' | 'transfer' | 'expire'; readonly [field: string]: unknown };

export interface ConsumerInput {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly intermediary: string;
  readonly targetPercent: number;
  /** Every reading the consumer's meter sealed. */
  readonly readings: readonly IntervalReading[];
}

export interface ConsumerTally {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly intermediary: string;
  readonly targetPercent: number;
  /** Imported Wh the meter signed for intervals in the period. */
  readonly meteredWh: number;
  /** Allocated Wh per production method code, ascending. */
  readonly byMethod: ReadonlyArray<{ readonly method: number; readonly wh: number }>;
  readonly unmatchedWh: number;
  readonly renewableWh: number;
  /** Allocated + unmatched: the usage the ledger accounted for. */
  readonly accountedWh: number;
  readonly achievedPercent: number;
  /** Wh taken from other intermediaries' pools (the patent's inter-intermediary request), per lender and method. */
  readonly borrowed: ReadonlyArray<{ readonly lender: string; readonly method: number; readonly wh: number }>;
}

export function tallyConsumers(consumers: readonly ConsumerInput[], events: readonly AllocationEventView[], periodStartS: number, periodEndS: number): ConsumerTally[] {
  const inPeriod = (intervalStart: number): boolean => intervalStart >= periodStartS && intervalStart < periodEndS;
  return consumers.map((c) => {
    const methods = new Map<number, number>();
    const borrowed = new Map<string, { lender: string; method: number; wh: number }>();
    let unmatchedWh = 0;
    for (const e of events) {
      if ((e.kind !== 'allocate' && e.kind !== 'unmatched') || e.consumer !== c.id || !inPeriod(e.usageInterval)) continue;
      if (e.kind === 'unmatched') {
        unmatchedWh += e.wh;
        continue;
      }
      methods.set(e.method, (methods.get(e.method) ?? 0) + e.wh);
      if (e.lender !== null) {
        const key = `${e.lender}/${e.method}`;
        const entry = borrowed.get(key) ?? { lender: e.lender, method: e.method, wh: 0 };
        entry.wh += e.wh;
        borrowed.set(key, entry);
      }
    }
    const byMethod = [...methods].sort((a, b) => a[0] - b[0]).map(([method, wh]) => ({ method, wh }));
    const allocatedWh = byMethod.reduce((sum, m) => sum + m.wh, 0);
    const renewableWh = byMethod.filter((m) => isRenewable(m.method)).reduce((sum, m) => sum + m.wh, 0);
    const accountedWh = allocatedWh + unmatchedWh;
    return {
      id: c.id, name: c.name, title: c.title, intermediary: c.intermediary, targetPercent: c.targetPercent,
      meteredWh: c.readings.filter((r) => inPeriod(r.intervalStart)).reduce((sum, r) => sum + r.importedWh, 0),
      byMethod, unmatchedWh, renewableWh, accountedWh,
      achievedPercent: accountedWh === 0 ? 0 : (100 * renewableWh) / accountedWh,
      borrowed: [...borrowed.values()].sort((a, b) => (a.lender < b.lender ? -1 : a.lender > b.lender ? 1 : a.method - b.method)),
    };
  });
}
