/**
 * The ledger node shell: takes transactions, orders them (embedded sequencer by default),
 * prepares and verifies each ordered batch (worker threads), applies it to the pure state
 * machine and commits the block to SQLite, then answers the submitters. Restart: load the
 * snapshot of the last committed block and subscribe to the ordering after its position.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setSha256, toHex, txId, type Signer, type Verifier } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { genesisHash, type Genesis } from '../core/genesis.js';
import { LedgerMachine, genesisState } from '../core/machine.js';
import { hashes } from '../core/hashes.js';
import { prepareTx, type PreparedTx } from '../core/prepare.js';
import { RejectCode } from '../core/rejection.js';
import type { TxOutcome } from '../core/apply.js';
import { openEmbeddedSequencer } from '../ordering/embedded-sequencer.js';
import type { OrderedBatch, Ordering } from '../ordering/ordering.js';
import { LedgerStore } from '../store/ledger-store.js';
import { hostSha256, hostSha256Hex } from './host-sha256.js';
import { hostLeafHasher } from './leaf-hasher.js';
import { VerifyPool, type VerifyJob } from './verify-pool.js';

export interface LedgerNodeOptions {
  readonly dataDir: string;
  readonly genesis: Genesis;
  /** Defaults to the embedded SQLite sequencer in `dataDir/ordering.sqlite`. */
  readonly ordering?: Ordering;
  /** Worker threads for signature checks; 0 verifies on the main thread. Default: one per core. */
  readonly verifyWorkers?: number;
  /** Intermediary keys this node may sign certificate applications with. */
  readonly certificateSigners?: readonly Signer[];
  /** Largest number of transactions per ordered batch. */
  readonly maxBatchTxs?: number;
}

export interface SubmitResult {
  readonly id: string;
  readonly status: 'applied' | 'rejected' | 'duplicate';
  readonly code?: string;
  readonly reason?: string;
  /** Block height where the transaction (or, for a duplicate, its first copy) was ordered. */
  readonly height?: number;
}

interface Waiter {
  resolve(result: SubmitResult): void;
  reject(error: unknown): void;
  /** The submitted array (its entry in `prepared` goes when the waiter is answered). */
  readonly bytes: Uint8Array;
  /** The next submitter of the same transaction while this one is pending (answered in turn). */
  next: Waiter | undefined;
}

const MAX_PIPELINE = 3;

export class LedgerNode {
  readonly machine: LedgerMachine;
  readonly store: LedgerStore;
  readonly genesisHashHex: string;
  readonly certificateSigners: readonly Signer[];
  private readonly ordering: Ordering;
  private readonly pool: VerifyPool | undefined;
  /** By transaction id: the first pending submitter (repeats chained on `next`). */
  private readonly waiters = new Map<string, Waiter>();
  /**
   * What submit() decoded, by the submitted array, until its batch arrives (the embedded
   * sequencer delivers that same array) or its waiter is answered. A Map with explicit
   * deletion: a WeakMap's ephemerons cost every scavenge of the ~20,000 in flight.
   */
  private readonly prepared = new Map<Uint8Array, PreparedTx>();
  private outgoing: Uint8Array[] = [];
  private flushScheduled = false;
  private applyChain: Promise<void> = Promise.resolve();
  private readonly outstanding: Array<Promise<void>> = [];
  private unsubscribe: (() => void) | undefined;
  private failure: unknown;
  private readonly maxBatchTxs: number;
  private readonly heightWatchers: Array<{ height: number; resolve: () => void }> = [];
  private closed = false;

  private constructor(options: LedgerNodeOptions, store: LedgerStore, machine: LedgerMachine, ordering: Ordering) {
    this.store = store;
    this.machine = machine;
    this.ordering = ordering;
    this.genesisHashHex = toHex(genesisHash(options.genesis));
    this.certificateSigners = options.certificateSigners ?? [];
    this.maxBatchTxs = options.maxBatchTxs ?? 2048;
    const workers = options.verifyWorkers ?? undefined;
    this.pool = workers === 0 ? undefined : new VerifyPool(workers);
  }

  static async open(options: LedgerNodeOptions): Promise<LedgerNode> {
    // The core's and the protocol's SHA-256 slots (tx ids, reading hashes): the same digests as
    // the portable default, faster.
    hashes.sha256 = hostSha256;
    hashes.sha256Hex = hostSha256Hex;
    // A close-interval's events are hashed on a worker thread while the block's changes are encoded.
    hashes.merkleLeaves = hostLeafHasher.hash;
    setSha256(hostSha256, hostSha256Hex);
    mkdirSync(options.dataDir, { recursive: true });
    const store = new LedgerStore(join(options.dataDir, 'ledger.sqlite'));
    store.checkGenesis(toHex(genesisHash(options.genesis)));
    const head = store.head();
    let machine: LedgerMachine;
    if (head === undefined) machine = new LedgerMachine(options.genesis);
    else {
      const state = genesisState(options.genesis);
      state.takeChanges();
      store.loadState(state);
      machine = new LedgerMachine(options.genesis, head, state);
    }
    const ordering = options.ordering ?? openEmbeddedSequencer({ path: join(options.dataDir, 'ordering.sqlite') });
    const node = new LedgerNode(options, store, machine, ordering);
    node.unsubscribe = ordering.subscribe(machine.head.position, (batch) => node.onBatch(batch), (error) => node.fail(error));
    return node;
  }

  get state() {
    return this.machine.state;
  }

  get head() {
    return this.machine.head;
  }

  /** Orders and applies one transaction; resolves after its block is committed. */
  submit(bytes: Uint8Array): Promise<SubmitResult> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('submit: Uint8Array expected');
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the ledger node is closed'));
    const prepared = prepareTx(bytes);
    const id = prepared.id;
    // A transaction that does not decode is refused here and never ordered.
    if (prepared.decoded === undefined || prepared.ledger === undefined) return Promise.resolve({ id, status: 'rejected', code: RejectCode.BAD_TX, reason: prepared.error?.message ?? 'transaction did not decode' });
    if (this.state.seenTxs.has(id) && !this.waiters.has(id)) return Promise.resolve(this.duplicateOf(id));
    this.prepared.set(bytes, prepared);
    return new Promise<SubmitResult>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, bytes, next: undefined };
      let last = this.waiters.get(id);
      if (last === undefined) this.waiters.set(id, waiter);
      else {
        while (last.next !== undefined) last = last.next;
        last.next = waiter;
      }
      this.outgoing.push(bytes);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private duplicateOf(id: string): SubmitResult {
    const first = this.store.tx(id);
    return { id, status: 'duplicate', ...(first ? { height: first.height } : {}), ...(first?.code ? { code: first.code, reason: `first copy was rejected: ${first.reason ?? ''}` } : {}) };
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.outgoing.length > 0) {
      const txs = this.outgoing.splice(0, this.maxBatchTxs);
      this.ordering.submit(txs).catch((error) => {
        for (const tx of txs) {
          this.prepared.delete(tx);
          const id = txId(tx);
          for (let waiter = this.waiters.get(id); waiter !== undefined; waiter = waiter.next) waiter.reject(error);
          this.waiters.delete(id);
        }
      });
    }
  }

  private async onBatch(batch: OrderedBatch): Promise<void> {
    // Reuse what submit() already decoded; decode what other nodes or a replay deliver.
    const prepared = batch.txs.map((bytes) => {
      const known = this.prepared.get(bytes);
      if (known === undefined) return prepareTx(bytes);
      this.prepared.delete(bytes);
      return known;
    });
    const verified = this.pool === undefined ? Promise.resolve(undefined) : this.pool.verify(this.jobsFor(prepared));
    const step = this.applyChain.then(async () => {
      const verifier = await verified;
      this.applyBatch(batch.position, prepared, verifier);
    });
    this.applyChain = step.catch((error) => this.fail(error));
    this.outstanding.push(this.applyChain);
    if (this.outstanding.length >= MAX_PIPELINE) await this.outstanding.shift();
  }

  private jobsFor(txs: readonly PreparedTx[]): VerifyJob[] {
    const jobs: VerifyJob[] = [];
    for (const tx of txs) {
      if (tx.decoded === undefined) continue;
      const signer = this.state.parties.get(tx.decoded.signerId);
      if (signer !== undefined) jobs.push({ publicKey: signer.publicKey, sign1: tx.decoded.sign1 });
      const readings = tx.readings;
      const meter = readings === undefined ? undefined : this.state.meters.get(readings.meterId);
      if (meter !== undefined) jobs.push({ publicKey: meter.publicKey, sign1: readings!.sign1 });
    }
    return jobs;
  }

  private applyBatch(position: number, prepared: readonly PreparedTx[], verifier: Verifier | undefined): void {
    const applied = this.machine.applyBatch(position, prepared, verifier ?? nodeEd25519);
    this.store.commitBlock(applied, prepared);
    const height = applied.block.header.height;
    applied.outcomes.forEach((outcome) => this.answer(outcome, height));
    for (let i = this.heightWatchers.length - 1; i >= 0; i--) {
      const watcher = this.heightWatchers[i]!;
      if (watcher.height <= height) {
        this.heightWatchers.splice(i, 1);
        watcher.resolve();
      }
    }
  }

  private answer(outcome: TxOutcome, height: number): void {
    const waiter = this.waiters.get(outcome.id);
    if (waiter === undefined) return;
    if (waiter.next === undefined) this.waiters.delete(outcome.id);
    else this.waiters.set(outcome.id, waiter.next);
    this.prepared.delete(waiter.bytes);
    if (outcome.status === 'duplicate') return waiter.resolve(this.duplicateOf(outcome.id));
    waiter.resolve(outcome.code ? { id: outcome.id, status: outcome.status, height, code: outcome.code, reason: outcome.reason ?? '' } : { id: outcome.id, status: outcome.status, height });
  }

  /** Resolves once a block of at least `height` is committed. */
  waitForHeight(height: number): Promise<void> {
    if (this.head.height >= height) return Promise.resolve();
    return new Promise((resolve) => this.heightWatchers.push({ height, resolve }));
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const first of this.waiters.values()) for (let waiter: Waiter | undefined = first; waiter !== undefined; waiter = waiter.next) waiter.reject(error);
    this.waiters.clear();
    this.prepared.clear();
  }

  /** Internal counters, for diagnosing a stuck pipeline. */
  debugState(): Record<string, number | string> {
    return { waiters: this.waiters.size, outgoing: this.outgoing.length, outstanding: this.outstanding.length, height: this.head.height, position: this.head.position, failure: String(this.failure ?? '') };
  }

  /** The error that stopped this node, if any (e.g. the disk refused a block). */
  get error(): unknown {
    return this.failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ordering.close();
    this.unsubscribe?.();
    await this.applyChain;
    await this.pool?.close();
    this.store.close();
  }
}
