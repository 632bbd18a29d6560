/**
 * The main thread's side of the journal writer thread: one request at a time is enough (group
 * commit gathers everything that arrives meanwhile into the next request), answers in order.
 * If the writer dies, its pending requests fail with JournalError (nothing of theirs is
 * acknowledged: the meters resend) and a new writer takes over.
 */
import { Worker } from 'node:worker_threads';
import { JournalError } from '../errors.js';
import { packEntries } from './entry-codec.js';
import type { ForwardOutcome, JournalEntry } from './journal.js';
import type { WriterRequest, WriterResponse } from './journal-writer.js';

const WORKER_URL = new URL('./journal-writer.mjs', import.meta.url);

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class JournalWriter {
  private worker: Worker;
  private readonly pending = new Map<number, Waiter>();
  private nextId = 1;
  private closed = false;
  /** Writers started after a crash. */
  restarts = 0;

  private constructor(private readonly dataDir: string) {
    this.worker = this.spawn();
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

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { dataDir: this.dataDir } });
    worker.on('message', (message: WriterResponse | { ready: true }) => {
      if (!('id' in message)) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error === undefined) waiter?.resolve();
      else waiter?.reject(new JournalError(`journal write failed: ${message.error}`));
    });
    const died = (error: JournalError): void => {
      if (worker !== this.worker) return;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
      if (this.closed) return;
      this.restarts++;
      this.worker = this.spawn();
    };
    worker.on('error', (error) => died(new JournalError(`journal writer crashed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => died(new JournalError(`journal writer exited with code ${code}`)));
    return worker;
  }

  private request(make: (id: number) => WriterRequest, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.closed) return Promise.reject(new JournalError('journal writer is closed'));
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
    if (this.closed) return;
    await this.request((id) => ({ id, kind: 'close' })).catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }

  /** Test hook: kills the writer thread as a crash would. */
  async crashForTest(): Promise<void> {
    await this.worker.terminate();
  }
}
