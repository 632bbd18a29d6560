/**
 * Allocation on close-interval, per intermediary (DESIGN §7, after JP7803395B2):
 *  1. For each consumer with pending usage (by interval, then consumer id), rank the
 *     production methods of the providers its contract selects by how close allocating the
 *     usage to that method brings the cumulative renewable share to the contract target
 *     (ties: lower method code). The best-ranked methods are the chosen ones.
 *  2. Take open, unexpired assets of a chosen method owned by the intermediary, nearest expiry
 *     first (then by root and offset: one reading at a time), splitting the last one as needed.
 *  3. Still short: take them from other intermediaries whose transfer policy admits this one
 *     for that method (rule priority, then lender id, up to the rule's Wh per interval),
 *     recording the request, the transfer lender -> intermediary and the allocation.
 *  4. Still short: fall back to the other contract methods, in rank order, that the
 *     intermediary holds. What remains is unmatched.
 *  5. Add everything to the consumer's history.
 * Granular contracts match only assets produced in the usage interval (EnergyTag-style).
 * "Now" is the closed interval's start: an asset with expiry <= it is expired.
 */
import { isRenewable, PRODUCTION_METHODS } from '@wattledger/protocol';
import { SplitBatch } from './asset-ops.js';
import type { LedgerEvent } from './events.js';
import { RecordKind } from './record-codec.js';
import type { Lender, LedgerState } from './state.js';
import { AssetStatus, type Asset, type Contract, type History, type PendingUsage } from './types.js';
import type { AssetHeap } from './asset-heap.js';

const ALL_METHODS: readonly number[] = PRODUCTION_METHODS.map((m) => m.code);
/** isRenewable by method code, as a table (the ranking asks it for every consumer). */
const RENEWABLE: readonly boolean[] = Array.from({ length: Math.max(...ALL_METHODS) + 1 }, (_, code) => isRenewable(code));

interface CloseRun {
  readonly state: LedgerState;
  readonly intermediary: string;
  readonly closeInterval: number;
  readonly events: LedgerEvent[];
  /** Wh taken from each lender during this close (policy limit per interval). */
  readonly borrowed: Map<string, number>;
  readonly splits: SplitBatch;
}

export function allocateInterval(state: LedgerState, intermediary: string, closeInterval: number, events: LedgerEvent[]): void {
  const run: CloseRun = { state, intermediary, closeInterval, events, borrowed: new Map(), splits: new SplitBatch(state) };
  for (const usage of state.takePendingUsage(intermediary, closeInterval)) {
    state.deleteUsage(usage, false);
    allocateUsage(run, usage);
  }
  run.splits.settle();
}

/** The methods a contract accepts, ascending. */
export function contractMethods(state: LedgerState, contract: Contract): readonly number[] {
  return state.contractMethods(contract, ALL_METHODS);
}

/**
 * Methods ranked by |share after allocating `wh` to it - target|, compared exactly in
 * integers: |100 (R + r_m wh) - target (T + wh)| over the common denominator T + wh.
 */
export function rankMethods(methods: readonly number[], renewableWh: number, totalWh: number, wh: number, targetPercent: number): Array<{ method: number; score: number }> {
  const n = rankInto(methods, renewableWh, totalWh, wh, targetPercent);
  return Array.from({ length: n }, (_, i) => ({ method: rankedMethods[i]!, score: rankedScores[i]! }));
}

/** The ranking of `rankMethods`, in module scratch (one consumer at a time, no allocation). */
const rankedMethods: number[] = [];
const rankedScores: number[] = [];

function rankInto(methods: readonly number[], renewableWh: number, totalWh: number, wh: number, targetPercent: number): number {
  const denominator = targetPercent * (totalWh + wh);
  const n = methods.length;
  for (let i = 0; i < n; i++) {
    const method = methods[i]!;
    const score = Math.abs(100 * (renewableWh + (RENEWABLE[method] === true ? wh : 0)) - denominator);
    // Insertion sort by (score, method): a contract has a handful of methods.
    let j = i;
    while (j > 0 && (rankedScores[j - 1]! > score || (rankedScores[j - 1] === score && rankedMethods[j - 1]! > method))) {
      rankedScores[j] = rankedScores[j - 1]!;
      rankedMethods[j] = rankedMethods[j - 1]!;
      j--;
    }
    rankedScores[j] = score;
    rankedMethods[j] = method;
  }
  return n;
}

function allocateUsage(run: CloseRun, usage: PendingUsage): void {
  const { state } = run;
  const contract = state.contracts.get(usage.consumer);
  const valid = contract !== undefined && contract.intermediary === run.intermediary && usage.intervalStart >= contract.periodStart && usage.intervalStart < contract.periodEnd;
  if (!valid) return unmatched(run, usage, usage.wh, 'no-contract');
  const history = state.history(usage.consumer);
  const demand: Demand = { usage, contract, history };
  const n = rankInto(contractMethods(state, contract), history.renewableWh, history.totalWh, usage.wh, contract.targetPercent);
  // The best-ranked methods (equal scores), then the rest in rank order. Nothing below ranks
  // again before these loops end, so the scratch stays valid.
  let best = 0;
  while (best < n && rankedScores[best] === rankedScores[0]) best++;
  let remaining = usage.wh;
  for (let i = 0; i < best; i++) remaining = takeOwn(run, demand, rankedMethods[i]!, remaining);
  for (let i = 0; i < best; i++) remaining = takeBorrowed(run, demand, rankedMethods[i]!, remaining);
  for (let i = best; i < n; i++) remaining = takeOwn(run, demand, rankedMethods[i]!, remaining);
  if (remaining > 0) unmatched(run, usage, remaining, 'no-assets');
}

function unmatched(run: CloseRun, usage: PendingUsage, wh: number, reason: 'no-contract' | 'no-assets'): void {
  run.state.addHistory(usage.consumer, 0, wh);
  run.events.push({ kind: 'unmatched', intermediary: run.intermediary, consumer: usage.consumer, closeInterval: run.closeInterval, usageInterval: usage.intervalStart, wh, reason });
}

/** One consumer's usage being allocated, with its contract and history record. */
interface Demand {
  readonly usage: PendingUsage;
  readonly contract: Contract;
  readonly history: History;
}

function heapFor(run: CloseRun, owner: string, method: number, demand: Demand): AssetHeap {
  return demand.contract.granular ? run.state.granularHeap(owner, method, demand.usage.intervalStart) : run.state.poolHeap(owner, method);
}

function takeOwn(run: CloseRun, demand: Demand, method: number, remaining: number): number {
  if (remaining === 0) return 0;
  return takeFrom(run, heapFor(run, run.intermediary, method, demand), run.intermediary, method, demand, remaining, null);
}

function takeBorrowed(run: CloseRun, demand: Demand, method: number, remaining: number): number {
  for (const lender of run.state.lendersTo(run.intermediary)) {
    if (remaining === 0) break;
    if (lender.lender === run.intermediary || !lender.rule.methods.includes(method)) continue;
    const allowance = allowanceOf(run, lender);
    if (allowance === 0) continue;
    const want = Math.min(remaining, allowance);
    const left = takeFrom(run, heapFor(run, lender.lender, method, demand), lender.lender, method, demand, want, lender.lender);
    const taken = want - left;
    if (taken === 0) continue;
    run.borrowed.set(lender.lender, (run.borrowed.get(lender.lender) ?? 0) + taken);
    run.events.push({ kind: 'borrow', borrower: run.intermediary, lender: lender.lender, consumer: demand.usage.consumer, method, wh: taken, closeInterval: run.closeInterval });
    remaining -= taken;
  }
  return remaining;
}

function allowanceOf(run: CloseRun, lender: Lender): number {
  const max = lender.rule.maxWhPerInterval;
  if (max === undefined) return Number.MAX_SAFE_INTEGER;
  return Math.max(0, max - (run.borrowed.get(lender.lender) ?? 0));
}

/** Takes up to `wanted` Wh from a pool of `owner`; returns what is still missing. */
function takeFrom(run: CloseRun, heap: AssetHeap, owner: string, method: number, demand: Demand, wanted: number, lender: string | null): number {
  const { state } = run;
  const { usage } = demand;
  let remaining = wanted;
  while (remaining > 0) {
    // Pool entries are the asset objects; one that left the map (split) or moved is stale.
    const asset = heap.peek() as Asset | undefined;
    if (asset === undefined) break;
    if (state.assets.get(asset.id) !== asset || asset.status !== AssetStatus.OPEN || asset.owner !== owner || asset.method !== method) {
      heap.pop();
      continue;
    }
    if (asset.expiry <= run.closeInterval) {
      heap.pop();
      asset.status = AssetStatus.EXPIRED;
      state.assetChanged(asset);
      run.events.push({ kind: 'expire', assetId: asset.id, owner, wh: asset.wh });
      continue;
    }
    if (asset.wh <= remaining) heap.pop();
    const piece = run.splits.take(asset, remaining);
    if (lender !== null) {
      run.events.push({ kind: 'transfer', assetId: piece.id, root: piece.root, offset: piece.offset, wh: piece.wh, from: lender, to: run.intermediary, reason: 'borrow' });
    }
    piece.owner = usage.consumer;
    piece.status = AssetStatus.ALLOCATED;
    piece.consumer = usage.consumer;
    piece.usageInterval = usage.intervalStart;
    state.touch(RecordKind.ASSET, piece.id, piece);
    state.addToHistory(demand.history, method, piece.wh);
    run.events.push({
      kind: 'allocate', intermediary: run.intermediary, consumer: usage.consumer, closeInterval: run.closeInterval, usageInterval: usage.intervalStart,
      assetId: piece.id, root: piece.root, offset: piece.offset, wh: piece.wh, meterId: piece.meterId, method, productionInterval: piece.intervalStart, lender,
    });
    remaining -= piece.wh;
  }
  return remaining;
}
