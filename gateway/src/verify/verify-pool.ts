/**
 * A pool of worker threads verifying Ed25519 signatures on node:crypto (DESIGN §6), so that
 * verification runs on every core while the main thread keeps the broker and the journal.
 * Each call sends one packed batch to the least-loaded worker. A worker that dies fails its
 * outstanding batches with VerifyPoolError and is replaced.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ClosedError, VerifyPoolError } from '../errors.js';
import { packJobs, type VerifyJob } from './job-codec.js';
import type { VerifyResponse } from './verify-worker.js';

const WORKER_URL = new URL('./verify-worker.mjs', import.meta.url);

interface Pending {
  readonly resolve: (results: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  readonly jobs: number;
}

interface Slot {
  worker: Worker;
  outstanding: number;
  readonly pending: Map<number, Pending>;
  ready: Promise<void>;
}

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Starts `size` workers (0 = one per core) and waits until they have loaded. */
  static async start(size: number): Promise<VerifyPool> {
    const pool = new VerifyPool(size > 0 ? size : availableParallelism());
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    const slot: Slot = { worker, outstanding: 0, pending: new Map(), ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onReadyError = (error: Error): void => reject(new VerifyPoolError(`verification worker failed to start: ${error.message}`, { cause: error }));
      worker.once('error', onReadyError);
      worker.once('message', () => {
        worker.off('error', onReadyError);
        resolve();
      });
    });
    slot.ready.catch(() => undefined);
    worker.on('message', (message: VerifyResponse | { ready: true }) => {
      if (!('id' in message)) return;
      const pending = slot.pending.get(message.id);
      if (pending === undefined) return;
      slot.pending.delete(message.id);
      slot.outstanding -= pending.jobs;
      if ('error' in message) pending.reject(new VerifyPoolError(`verification worker refused a batch: ${message.error}`));
      else pending.resolve(message.results);
    });
    worker.on('error', (error) => this.fail(slot, new VerifyPoolError(`verification worker crashed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.fail(slot, new VerifyPoolError(`verification worker exited with code ${code}`)));
    return slot;
  }

  private fail(slot: Slot, error: Error): void {
    for (const pending of slot.pending.values()) pending.reject(error);
    slot.pending.clear();
    slot.outstanding = 0;
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return;
    void slot.worker.terminate();
    this.slots[index] = this.spawn();
  }

  /** Verifies `jobs`; resolves with one byte per job (1 valid). */
  verify(jobs: readonly VerifyJob[]): Promise<Uint8Array> {
    return this.verifyPacked(packJobs(jobs), jobs.length);
  }

  /**
   * Verifies `count` jobs packed by job-codec.ts (packJobs, packSign1Jobs); resolves with one
   * byte per job (1 valid). `packed` is transferred to the worker: do not use it afterwards.
   */
  verifyPacked(packed: Uint8Array, count: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new ClosedError('verification pool'));
    if (count === 0) return Promise.resolve(new Uint8Array(0));
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.outstanding < slot.outstanding) slot = s;
    const id = this.nextId++;
    slot.outstanding += count;
    return new Promise<Uint8Array>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, jobs: count });
      slot.worker.postMessage({ id, packed }, [packed.buffer as ArrayBuffer]);
    });
  }

  /** Jobs dispatched and not yet answered, over all workers. */
  get outstanding(): number {
    let n = 0;
    for (const s of this.slots) n += s.outstanding;
    return n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new ClosedError('verification pool');
    for (const slot of this.slots) {
      for (const pending of slot.pending.values()) pending.reject(error);
      slot.pending.clear();
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
