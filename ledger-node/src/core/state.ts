/**
 * The ledger state: records by key, every change marked dirty, plus derived indexes (asset
 * pools, lenders, pending usage) that are rebuilt from the records on load and therefore
 * never hashed. Deterministic by construction: Map iteration is insertion order, which is a
 * function of the transaction log; wherever order matters to a result it is sorted.
 */
import { isRenewable, PartyRole } from '@wattledger/protocol';
import type { TransferRule } from '@wattledger/protocol';
import { AssetHeap } from './asset-heap.js';
import type { Genesis } from './genesis.js';
import { decodeRecord, encodeRecord, RecordKind, type RecordTypes } from './record-codec.js';
import { AssetStatus, type Asset, type CertificateRequest, type Contract, type History, type IntermediaryClock, type Meter, type Party, type PendingUsage, type TransferPolicy } from './types.js';

export interface Lender {
  readonly lender: string;
  readonly rule: TransferRule;
}

export interface StateChange {
  readonly kind: RecordKind;
  readonly key: string;
  /** Canonical record bytes; null when the record was deleted. */
  readonly value: Uint8Array | null;
}

const KIND_ORDER: readonly RecordKind[] = Object.values(RecordKind);

export class LedgerState {
  readonly parties = new Map<string, Party>();
  readonly meters = new Map<string, Meter>();
  readonly assets = new Map<string, Asset>();
  readonly contracts = new Map<string, Contract>();
  readonly policies = new Map<string, TransferPolicy>();
  readonly histories = new Map<string, History>();
  readonly usage = new Map<string, PendingUsage>();
  readonly clocks = new Map<string, IntermediaryClock>();
  readonly certificateRequests = new Map<string, CertificateRequest>();
  /** Ids of every transaction ever ordered (applied or rejected): a repeat is a duplicate. */
  readonly seenTxs = new Set<string>();

  // Derived indexes.
  private readonly pools = new Map<string, Map<number, AssetHeap>>();
  private readonly granularPools = new Map<string, AssetHeap>();
  private readonly providerMethodIndex = new Map<string, Set<number>>();
  private readonly pendingIndex = new Map<string, Map<string, PendingUsage>>();
  private lenderIndex = new Map<string, Lender[]>();
  /** Latest closed interval over all intermediaries: the ledger's notion of "now" for expiry. */
  ledgerTime = 0;

  private dirty = new Map<RecordKind, Set<string>>(KIND_ORDER.map((k) => [k, new Set<string>()]));

  constructor(readonly genesis: Genesis) {}

  touch(kind: RecordKind, key: string): void {
    this.dirty.get(kind)!.add(key);
  }

  /** The changes since the last call, in a deterministic order (kind, then first touch). */
  takeChanges(): StateChange[] {
    const changes: StateChange[] = [];
    for (const kind of KIND_ORDER) {
      const keys = this.dirty.get(kind)!;
      for (const key of keys) {
        const record = this.record(kind, key);
        changes.push({ kind, key, value: record === undefined ? null : encodeRecord(kind, record as never) });
      }
      keys.clear();
    }
    return changes;
  }

  hasChanges(): boolean {
    for (const keys of this.dirty.values()) if (keys.size > 0) return true;
    return false;
  }

  private record(kind: RecordKind, key: string): RecordTypes[RecordKind] | undefined {
    switch (kind) {
      case RecordKind.PARTY: return this.parties.get(key);
      case RecordKind.METER: return this.meters.get(key);
      case RecordKind.ASSET: return this.assets.get(key);
      case RecordKind.CONTRACT: return this.contracts.get(key);
      case RecordKind.POLICY: return this.policies.get(key);
      case RecordKind.HISTORY: return this.histories.get(key);
      case RecordKind.USAGE: return this.usage.get(key);
      case RecordKind.CLOCK: return this.clocks.get(key);
      case RecordKind.CERTIFICATE_REQUEST: return this.certificateRequests.get(key);
    }
  }

  /** Restores one stored record (snapshot load); indexes follow. */
  loadRecord(kind: RecordKind, bytes: Uint8Array): void {
    switch (kind) {
      case RecordKind.PARTY: return this.putParty(decodeRecord(kind, bytes), false);
      case RecordKind.METER: return this.putMeter(decodeRecord(kind, bytes), false);
      case RecordKind.ASSET: return this.putAsset(decodeRecord(kind, bytes), false);
      case RecordKind.CONTRACT: return this.putContract(decodeRecord(kind, bytes), false);
      case RecordKind.POLICY: return this.putPolicy(decodeRecord(kind, bytes), false);
      case RecordKind.HISTORY: {
        const history = decodeRecord(kind, bytes);
        this.histories.set(history.consumer, history);
        return;
      }
      case RecordKind.USAGE: return this.putUsage(decodeRecord(kind, bytes), false);
      case RecordKind.CLOCK: return this.putClock(decodeRecord(kind, bytes), false);
      case RecordKind.CERTIFICATE_REQUEST: {
        const request = decodeRecord(kind, bytes);
        this.certificateRequests.set(request.id, request);
        return;
      }
    }
  }

  putParty(party: Party, mark = true): void {
    this.parties.set(party.id, party);
    if (mark) this.touch(RecordKind.PARTY, party.id);
  }

  putMeter(meter: Meter, mark = true): void {
    this.meters.set(meter.id, meter);
    if (meter.role === 'producer') {
      let methods = this.providerMethodIndex.get(meter.owner);
      if (methods === undefined) this.providerMethodIndex.set(meter.owner, (methods = new Set()));
      methods.add(meter.productionMethod);
    }
    if (mark) this.touch(RecordKind.METER, meter.id);
  }

  /** Production methods of the producer meters a provider owns, ascending. */
  providerMethods(provider: string): number[] {
    return [...(this.providerMethodIndex.get(provider) ?? [])].sort((a, b) => a - b);
  }

  /** Adds or replaces an asset; open assets enter their owner's pools unless `pooled` is false. */
  putAsset(asset: Asset, mark = true, pooled = true): void {
    this.assets.set(asset.id, asset);
    if (pooled && asset.status === AssetStatus.OPEN) this.pool(asset.owner, asset.method, asset.intervalStart, asset);
    if (mark) this.touch(RecordKind.ASSET, asset.id);
  }

  /** Marks an existing asset changed; call after mutating owner or status. */
  assetChanged(asset: Asset): void {
    if (asset.status === AssetStatus.OPEN) this.pool(asset.owner, asset.method, asset.intervalStart, asset);
    this.touch(RecordKind.ASSET, asset.id);
  }

  private pool(owner: string, method: number, intervalStart: number, asset: Asset): void {
    const entry = { expiry: asset.expiry, id: asset.id };
    this.poolHeap(owner, method).push(entry);
    this.granularHeap(owner, method, intervalStart).push(entry);
  }

  poolHeap(owner: string, method: number): AssetHeap {
    let byMethod = this.pools.get(owner);
    if (byMethod === undefined) this.pools.set(owner, (byMethod = new Map()));
    let heap = byMethod.get(method);
    if (heap === undefined) byMethod.set(method, (heap = new AssetHeap()));
    return heap;
  }

  granularHeap(owner: string, method: number, intervalStart: number): AssetHeap {
    const key = `${owner}|${method}|${intervalStart}`;
    let heap = this.granularPools.get(key);
    if (heap === undefined) this.granularPools.set(key, (heap = new AssetHeap()));
    return heap;
  }

  putContract(contract: Contract, mark = true): void {
    this.contracts.set(contract.consumer, contract);
    if (mark) this.touch(RecordKind.CONTRACT, contract.consumer);
  }

  putPolicy(policy: TransferPolicy, mark = true): void {
    this.policies.set(policy.intermediary, policy);
    this.rebuildLenders();
    if (mark) this.touch(RecordKind.POLICY, policy.intermediary);
  }

  /** Intermediaries whose policy lets `borrower` take assets, by (priority, lender id). */
  lendersTo(borrower: string): readonly Lender[] {
    return this.lenderIndex.get(borrower) ?? [];
  }

  private rebuildLenders(): void {
    const index = new Map<string, Lender[]>();
    for (const policy of this.policies.values()) {
      for (const rule of policy.rules) {
        let list = index.get(rule.to);
        if (list === undefined) index.set(rule.to, (list = []));
        list.push({ lender: policy.intermediary, rule });
      }
    }
    for (const list of index.values()) list.sort((a, b) => a.rule.priority - b.rule.priority || (a.lender < b.lender ? -1 : a.lender > b.lender ? 1 : 0));
    this.lenderIndex = index;
  }

  history(consumer: string): History {
    let history = this.histories.get(consumer);
    if (history === undefined) {
      history = { consumer, byMethod: new Map(), renewableWh: 0, totalWh: 0, unmatchedWh: 0 };
      this.histories.set(consumer, history);
    }
    return history;
  }

  /** Adds matched (method > 0) or unmatched (method 0) usage to a consumer's history. */
  addHistory(consumer: string, method: number, wh: number): void {
    const history = this.history(consumer);
    history.totalWh += wh;
    if (method === 0) history.unmatchedWh += wh;
    else {
      history.byMethod.set(method, (history.byMethod.get(method) ?? 0) + wh);
      if (isRenewable(method)) history.renewableWh += wh;
    }
    this.touch(RecordKind.HISTORY, consumer);
  }

  putUsage(usage: PendingUsage, mark = true): void {
    this.usage.set(usage.key, usage);
    let pending = this.pendingIndex.get(usage.intermediary);
    if (pending === undefined) this.pendingIndex.set(usage.intermediary, (pending = new Map()));
    pending.set(usage.key, usage);
    if (mark) this.touch(RecordKind.USAGE, usage.key);
  }

  deleteUsage(usage: PendingUsage): void {
    this.usage.delete(usage.key);
    this.pendingIndex.get(usage.intermediary)?.delete(usage.key);
    this.touch(RecordKind.USAGE, usage.key);
  }

  /** Pending usage of an intermediary with interval <= `until`, by (interval, consumer). */
  pendingUsage(intermediary: string, until: number): PendingUsage[] {
    const out: PendingUsage[] = [];
    for (const usage of this.pendingIndex.get(intermediary)?.values() ?? []) if (usage.intervalStart <= until) out.push(usage);
    return out.sort((a, b) => a.intervalStart - b.intervalStart || (a.consumer < b.consumer ? -1 : a.consumer > b.consumer ? 1 : 0));
  }

  putClock(clock: IntermediaryClock, mark = true): void {
    this.clocks.set(clock.intermediary, clock);
    if (clock.lastClosed > this.ledgerTime) this.ledgerTime = clock.lastClosed;
    if (mark) this.touch(RecordKind.CLOCK, clock.intermediary);
  }

  putCertificateRequest(request: CertificateRequest): void {
    this.certificateRequests.set(request.id, request);
    this.touch(RecordKind.CERTIFICATE_REQUEST, request.id);
  }

  /** The intermediary a signer acts for: itself if an intermediary, its owner if a gateway. */
  actsFor(signer: Party): string | undefined {
    if (signer.role === PartyRole.INTERMEDIARY) return signer.id;
    if (signer.role === PartyRole.GATEWAY) return signer.intermediary;
    return undefined;
  }
}
