/**
 * The main thread's side of the journal writer thread: one request at a time is enough (group
 * commit gathers everything that arrives meanwhile into the next request), answers in order.
 * If the writer dies, pending and later requests fail with JournalError: nothing is acknowledged.
 */
import { Worker } from 'node:worker_threads';
import { JournalError } from '../errors.js';
import { packEntries } from './entry-codec.js';
import type { ForwardOutcome, JournalEntry } from './journal.js';
import type { WriterRequest, WriterResponse } from './journal-writer.js';

const WORKER_URL = new URL('./journal-writer.mjs', import.meta.url);

export class JournalWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(dataDir: string) {
    this.worker = new Worker(WORKER_URL, { workerData: { dataDir } });
    this.worker.on('message', (message: WriterResponse | { ready: true }) => {
      if (!('id' in message)) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error === undefined) waiter?.resolve();
      else waiter?.reject(new JournalError(`journal write failed: ${message.error}`));
    });
    this.worker.on('error', (error) => this.fail(new JournalError(`journal writer crashed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => this.fail(new JournalError(`journal writer exited with code ${code}`)));
  }

  /** Starts the writer thread on the journal in `dataDir` (its schema must exist) and waits until it is ready. */
  static async start(dataDir: string): Promise<JournalWriter> {
    const writer = new JournalWriter(dataDir);
    await new Promise<void>((resolve, reject) => {
      writer.worker.once('message', () => resolve());
      writer.worker.once('error', reject);
    });
    return writer;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  private request(make: (id: number) => WriterRequest, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(make(id), transfer);
    });
  }

  /** Appends a group in one durable transaction; resolves once it is on disk. */
  append(entries: readonly JournalEntry[]): Promise<void> {
    const packed = packEntries(entries);
    return this.request((id) => ({ id, kind: 'append', packed }), [packed.buffer as ArrayBuffer]);
  }

  recordForwarded(outcomes: readonly ForwardOutcome[]): Promise<void> {
    return this.request((id) => ({ id, kind: 'forwarded', outcomes }));
  }

  /** Closes the writer's connection after the requests already sent, then stops the thread. */
  async close(): Promise<void> {
    if (this.failure === undefined) await this.request((id) => ({ id, kind: 'close' })).catch(() => undefined);
    this.failure ??= new JournalError('journal writer is closed');
    await this.worker.terminate();
  }
}
