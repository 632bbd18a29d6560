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
import { CborWriter } from './cbor-writer.js';
import { decodeRecord, RecordKind, writeRecord, type RecordTypes } from './record-codec.js';
import { sortPendingUsage } from './usage-order.js';
import { AssetStatus, type Asset, type CertificateRequest, type Contract, type History, type IntermediaryClock, type Meter, type Party, type PendingUsage, type TransferPolicy } from './types.js';

export interface Lender {
  readonly lender: string;
  readonly rule: TransferRule;
}

/**
 * The records a block changed, in order, serialised once into `bytes`, which is also the
 * state root's input: per change, kind NUL key NUL, u32 BE length (0xffffffff: deleted),
 * canonical record bytes. The bytes live in a buffer the state reuses for the next block (a
 * close-interval's are ~50 MB; new ArrayBuffer memory of that size each time would start a
 * full collection): they are valid until the next `takeChanges`, which the node's commit
 * precedes; reading them later throws.
 */
export class ChangeSet {
  readonly kinds: RecordKind[] = [];
  readonly keys: string[] = [];
  /** Offsets of each record's bytes in `bytes`; start -1: deleted. */
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  private written: Uint8Array = new Uint8Array(0);

  constructor(private readonly epoch: number = 0, private readonly current: () => number = () => 0) {}

  get length(): number {
    return this.kinds.length;
  }

  get bytes(): Uint8Array {
    if (this.current() !== this.epoch) throw new Error('ChangeSet bytes read after the next block reused their buffer');
    return this.written;
  }

  set bytes(bytes: Uint8Array) {
    this.written = bytes;
  }

  value(i: number): Uint8Array | null {
    const start = this.starts[i]!;
    return start < 0 ? null : this.bytes.subarray(start, this.ends[i]!);
  }
}

/** Records carry the block epoch in which they were last logged. */
interface Tracked {
  /** Epoch in which the record was last logged, and its index in that epoch's log. */
  $epoch?: number;
  $log?: number;
  /** Epoch in which the record was created (a record created and removed in one block leaves no trace). */
  $born?: number;
}

export class LedgerState {
  readonly parties = new Map<string, Party>();
  readonly meters = new Map<string, Meter>();
  readonly assets = new Map<string, Asset>();
  readonly contracts = new Map<string, Contract>();
  readonly policies = new Map<string, TransferPolicy>();
  readonly histories = new Map<string, History>();
  readonly clocks = new Map<string, IntermediaryClock>();
  readonly certificateRequests = new Map<string, CertificateRequest>();
  /** Ids of every transaction ever ordered (applied or rejected): a repeat is a duplicate. */
  readonly seenTxs = new Set<string>();

  // Derived indexes.
  private readonly pools = new Map<string, Map<number, AssetHeap>>();
  private readonly granularPools = new Map<string, AssetHeap>();
  private granularIndexed = false;
  /** Bumped whenever a producer meter is added: invalidates cached contract methods. */
  private providerVersion = 0;
  /** Methods by the contract's provider list (joined): many contracts name the same providers. */
  private readonly contractMethodCache = new Map<string, readonly number[]>();
  private contractMethodVersion = 0;
  private readonly providerMethodIndex = new Map<string, Set<number>>();
  private readonly pendingIndex = new Map<string, Map<string, PendingUsage>>();
  private lenderIndex = new Map<string, Lender[]>();
  /** Latest closed interval over all intermediaries: the ledger's notion of "now" for expiry. */
  ledgerTime = 0;

  /**
   * Changes since the last block, in order of first touch: the record object (encoded when
   * the block ends, so it carries its final value) or null for a deletion. A record object is
   * logged once per block (its `$epoch` mark); a deleted-then-recreated key is logged again,
   * so replaying the log in order gives the final state.
   */
  private logKinds: RecordKind[] = [];
  private logKeys: string[] = [];
  /** The record, null for a deletion, undefined for an entry dropped again in the same block. */
  private logRecords: Array<Tracked | null | undefined> = [];
  private epoch = 1;
  /** Where each block's changes are written (see ChangeSet), and its bytes per record in the last block. */
  private readonly changesWriter = new CborWriter(1 << 12);
  private bytesPerRecord = 160;

  constructor(readonly genesis: Genesis) {}

  /** Logs a changed record (once per block; see the log above). */
  touch<K extends RecordKind>(kind: K, key: string, record: RecordTypes[K]): void {
    const tracked = record as Tracked;
    if (tracked.$epoch === this.epoch) return;
    tracked.$epoch = this.epoch;
    tracked.$log = this.logRecords.length;
    this.logKinds.push(kind);
    this.logKeys.push(key);
    this.logRecords.push(tracked);
  }

  private born(record: object): void {
    (record as Tracked).$born = this.epoch;
  }

  /**
   * Logs a removal. An entry the record already has in this block's log is dropped (the
   * removal supersedes it, and the object may have changed since: see SplitBatch); a record
   * created in this same block leaves no trace at all.
   */
  private touchDeleted(kind: RecordKind, key: string, record: object): void {
    const tracked = record as Tracked;
    const logged = tracked.$epoch === this.epoch;
    if (logged) this.logRecords[tracked.$log!] = undefined;
    if (!(logged && tracked.$born === this.epoch)) {
      this.logKinds.push(kind);
      this.logKeys.push(key);
      this.logRecords.push(null);
    }
    tracked.$epoch = 0;
  }

  /** The changes since the last call, in the order they were first made (a function of the log). */
  takeChanges(): ChangeSet {
    const kinds = this.logKinds;
    const keys = this.logKeys;
    const records = this.logRecords;
    this.logKinds = [];
    this.logKeys = [];
    this.logRecords = [];
    const set = new ChangeSet(this.epoch, () => this.epoch - 1);
    this.epoch++;
    // Grown once to the block's size (estimated from the bytes per record of the last one):
    // growing by doubling copies and leaves ArrayBuffer memory behind.
    const w = this.changesWriter;
    w.position = 0;
    w.ensureCapacity(Math.ceil(records.length * this.bytesPerRecord * 1.05));
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      if (record === undefined) continue;
      const kind = kinds[i]!;
      const key = keys[i]!;
      set.kinds.push(kind);
      set.keys.push(key);
      w.asciiz(kind).asciiz(key);
      const lengthAt = w.skip4();
      if (record === null) {
        w.patchUint32(lengthAt, 0xffffffff);
        set.starts.push(-1);
        set.ends.push(-1);
        continue;
      }
      const start = w.position;
      writeRecord(kind, record as never, w);
      w.patchUint32(lengthAt, w.position - start);
      set.starts.push(start);
      set.ends.push(w.position);
    }
    set.bytes = w.view8();
    if (set.length > 0) this.bytesPerRecord = Math.max(16, Math.ceil(set.bytes.length / set.length));
    return set;
  }

  hasChanges(): boolean {
    return this.logRecords.length > 0;
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
    if (mark) this.touch(RecordKind.PARTY, party.id, party);
  }

  putMeter(meter: Meter, mark = true): void {
    this.meters.set(meter.id, meter);
    if (meter.role === 'producer') {
      let methods = this.providerMethodIndex.get(meter.owner);
      if (methods === undefined) this.providerMethodIndex.set(meter.owner, (methods = new Set()));
      if (!methods.has(meter.productionMethod)) {
        methods.add(meter.productionMethod);
        this.providerVersion++;
      }
    }
    if (mark) this.touch(RecordKind.METER, meter.id, meter);
  }

  /** Production methods of the producer meters a provider owns, ascending. */
  providerMethods(provider: string): number[] {
    return [...(this.providerMethodIndex.get(provider) ?? [])].sort((a, b) => a - b);
  }

  /** The production methods a contract accepts, ascending (every method when it selects no provider). */
  contractMethods(contract: Contract, allMethods: readonly number[]): readonly number[] {
    if (contract.providers.length === 0) return allMethods;
    if (this.contractMethodVersion !== this.providerVersion) {
      this.contractMethodCache.clear();
      this.contractMethodVersion = this.providerVersion;
    }
    const key = contract.providers.length === 1 ? contract.providers[0]! : contract.providers.join(',');
    let methods = this.contractMethodCache.get(key);
    if (methods === undefined) {
      const set = new Set<number>();
      for (const provider of contract.providers) for (const m of this.providerMethodIndex.get(provider) ?? []) set.add(m);
      methods = [...set].sort((a, b) => a - b);
      this.contractMethodCache.set(key, methods);
    }
    return methods;
  }

  /** Adds or replaces an asset; open assets enter their owner's pools unless `pooled` is false. */
  putAsset(asset: Asset, mark = true, pooled = true): void {
    const before = this.assets.size;
    this.assets.set(asset.id, asset);
    // A new key (the map grew) is a record born in this block.
    if (mark && this.assets.size > before) this.born(asset);
    if (pooled && asset.status === AssetStatus.OPEN) this.pool(asset.owner, asset.method, asset.intervalStart, asset);
    if (mark) this.touch(RecordKind.ASSET, asset.id, asset);
  }

  /** Removes a split asset (its pool entries go stale). */
  removeAsset(asset: Asset): void {
    this.assets.delete(asset.id);
    this.touchDeleted(RecordKind.ASSET, asset.id, asset);
  }

  /** Marks an existing asset changed; call after mutating owner or status. */
  assetChanged(asset: Asset): void {
    if (asset.status === AssetStatus.OPEN) this.pool(asset.owner, asset.method, asset.intervalStart, asset);
    this.touch(RecordKind.ASSET, asset.id, asset);
  }

  private pool(owner: string, method: number, intervalStart: number, asset: Asset): void {
    // The asset is its own heap entry (see AssetHeap on why a split in place keeps its order).
    this.poolHeap(owner, method).push(asset);
    if (this.granularIndexed) this.granularHeap(owner, method, intervalStart).push(asset);
  }

  poolHeap(owner: string, method: number): AssetHeap {
    let byMethod = this.pools.get(owner);
    if (byMethod === undefined) this.pools.set(owner, (byMethod = new Map()));
    let heap = byMethod.get(method);
    if (heap === undefined) byMethod.set(method, (heap = new AssetHeap()));
    return heap;
  }

  /**
   * Pool of one production interval (granular matching). Built on first use from the open
   * assets, then kept up to date; pop order is the same either way (total order).
   */
  granularHeap(owner: string, method: number, intervalStart: number): AssetHeap {
    if (!this.granularIndexed) {
      this.granularIndexed = true;
      for (const asset of this.assets.values()) {
        if (asset.status === AssetStatus.OPEN) this.granularHeap(asset.owner, asset.method, asset.intervalStart).push(asset);
      }
    }
    const key = `${owner}|${method}|${intervalStart}`;
    let heap = this.granularPools.get(key);
    if (heap === undefined) this.granularPools.set(key, (heap = new AssetHeap()));
    return heap;
  }

  putContract(contract: Contract, mark = true): void {
    this.contracts.set(contract.consumer, contract);
    if (mark) this.touch(RecordKind.CONTRACT, contract.consumer, contract);
  }

  putPolicy(policy: TransferPolicy, mark = true): void {
    this.policies.set(policy.intermediary, policy);
    this.rebuildLenders();
    if (mark) this.touch(RecordKind.POLICY, policy.intermediary, policy);
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
    this.addToHistory(this.history(consumer), method, wh);
  }

  /** `addHistory` on the record itself (from `history(consumer)`). */
  addToHistory(history: History, method: number, wh: number): void {
    history.totalWh += wh;
    if (method === 0) history.unmatchedWh += wh;
    else {
      history.byMethod.set(method, (history.byMethod.get(method) ?? 0) + wh);
      if (isRenewable(method)) history.renewableWh += wh;
    }
    this.touch(RecordKind.HISTORY, history.consumer, history);
  }

  /** The pending usage of an intermediary under `key` (see PendingUsage.key). */
  usageOf(intermediary: string, key: string): PendingUsage | undefined {
    return this.pendingIndex.get(intermediary)?.get(key);
  }

  /** Every pending usage record, by intermediary (insertion order). */
  *allUsage(): IterableIterator<PendingUsage> {
    for (const pending of this.pendingIndex.values()) yield* pending.values();
  }

  putUsage(usage: PendingUsage, mark = true): void {
    let pending = this.pendingIndex.get(usage.intermediary);
    if (pending === undefined) this.pendingIndex.set(usage.intermediary, (pending = new Map()));
    if (mark && !pending.has(usage.key)) this.born(usage);
    pending.set(usage.key, usage);
    if (mark) this.touch(RecordKind.USAGE, usage.key, usage);
  }

  /**
   * Deletes pending usage. A close-interval's usage has already left the index
   * (`takePendingUsage`): it passes `indexed` false and only the removal is logged.
   */
  deleteUsage(usage: PendingUsage, indexed = true): void {
    if (indexed) this.pendingIndex.get(usage.intermediary)?.delete(usage.key);
    this.touchDeleted(RecordKind.USAGE, usage.key, usage);
  }

  /** Pending usage of an intermediary with interval <= `until`, by (interval, consumer). */
  pendingUsage(intermediary: string, until: number): PendingUsage[] {
    const out: PendingUsage[] = [];
    for (const usage of this.pendingIndex.get(intermediary)?.values() ?? []) if (usage.intervalStart <= until) out.push(usage);
    return sortPendingUsage(out);
  }

  /**
   * `pendingUsage`, also dropped from the intermediary's pending index (in one step when that
   * is all of it). The caller then deletes each with `deleteUsage(usage, false)`, in order.
   */
  takePendingUsage(intermediary: string, until: number): PendingUsage[] {
    const taken = this.pendingUsage(intermediary, until);
    const pending = this.pendingIndex.get(intermediary);
    if (pending !== undefined && pending.size === taken.length) pending.clear();
    else for (const usage of taken) pending?.delete(usage.key);
    return taken;
  }

  putClock(clock: IntermediaryClock, mark = true): void {
    this.clocks.set(clock.intermediary, clock);
    if (clock.lastClosed > this.ledgerTime) this.ledgerTime = clock.lastClosed;
    if (mark) this.touch(RecordKind.CLOCK, clock.intermediary, clock);
  }

  putCertificateRequest(request: CertificateRequest): void {
    this.certificateRequests.set(request.id, request);
    this.touch(RecordKind.CERTIFICATE_REQUEST, request.id, request);
  }

  /** The intermediary a signer acts for: itself if an intermediary, its owner if a gateway. */
  actsFor(signer: Party): string | undefined {
    if (signer.role === PartyRole.INTERMEDIARY) return signer.id;
    if (signer.role === PartyRole.GATEWAY) return signer.intermediary;
    return undefined;
  }
}
