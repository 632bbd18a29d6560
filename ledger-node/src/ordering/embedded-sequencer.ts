/**
 * Embedded single-node sequencer (DESIGN §7, the default ordering): one SQLite file in WAL
 * mode with synchronous=FULL, so a batch is on disk before `submit` resolves. Submits that
 * arrive while a commit is pending share one SQLite transaction (group commit) but keep
 * their own positions (ROWID order).
 */
import Database from 'better-sqlite3';
import { decodeBatchFrame, encodeBatchFrame } from './batch-frame.js';
import { checkPosition, checkSubmission, OrderingClosedError, OrderingFailedError, type BatchHandler, type OrderedBatch, type Ordering } from './ordering.js';

const REPLAY_PAGE = 512;

interface PendingSubmit {
  readonly frame: Uint8Array;
  readonly txs: readonly Uint8Array[];
  readonly resolve: (result: { position: number }) => void;
  readonly reject: (error: unknown) => void;
}

interface Subscriber {
  cursor: number;
  live: boolean;
  stopped: boolean;
  queue: OrderedBatch[];
  wake: (() => void) | undefined;
}

export interface EmbeddedSequencerOptions {
  /** SQLite file path (created if missing), or ':memory:' for tests that need no durability. */
  readonly path: string;
}

export function openEmbeddedSequencer(options: EmbeddedSequencerOptions): Ordering {
  const db = new Database(options.path);
  // Append-only rows of ~1 MB frames (2,000 transactions): 16 KiB pages (new files) need a
  // quarter of the overflow pages, and no random index suffers from the larger page.
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS batches (position INTEGER PRIMARY KEY AUTOINCREMENT, frame BLOB NOT NULL)');
  const insert = db.prepare<[Uint8Array]>('INSERT INTO batches (frame) VALUES (?)');
  const page = db.prepare<[number, number], { position: number; frame: Uint8Array }>('SELECT position, frame FROM batches WHERE position > ? ORDER BY position LIMIT ?');
  const commit = db.transaction((items: readonly PendingSubmit[]) => items.map((item) => Number(insert.run(item.frame).lastInsertRowid)));

  let pending: PendingSubmit[] = [];
  let flushScheduled = false;
  let closed = false;
  let flushed: Promise<void> = Promise.resolve();
  const subscribers = new Set<Subscriber>();

  function flush(): void {
    flushScheduled = false;
    const items = pending;
    pending = [];
    if (items.length === 0) return;
    let positions: number[];
    try {
      positions = commit(items);
    } catch (cause) {
      const error = new OrderingFailedError(`SQLite refused the batch: ${(cause as Error).message}`, { cause });
      for (const item of items) item.reject(error);
      return;
    }
    const batches = items.map((item, i): OrderedBatch => ({ position: positions[i]!, txs: item.txs }));
    for (const sub of subscribers) {
      if (!sub.live || sub.stopped) continue;
      for (const batch of batches) if (batch.position > sub.cursor) sub.queue.push(batch);
      sub.wake?.();
    }
    items.forEach((item, i) => item.resolve({ position: positions[i]! }));
  }

  function readPage(after: number): OrderedBatch[] {
    return page.all(after, REPLAY_PAGE).map((row) => ({ position: row.position, txs: decodeBatchFrame(new Uint8Array(row.frame)) }));
  }

  async function pump(sub: Subscriber, onBatch: BatchHandler, onError: ((error: unknown) => void) | undefined): Promise<void> {
    try {
      while (!sub.stopped && !sub.live) {
        const rows = readPage(sub.cursor);
        // Switching to live in the same synchronous step as the empty read leaves no gap.
        if (rows.length === 0) sub.live = true;
        for (const batch of rows) {
          if (sub.stopped) return;
          await onBatch(batch);
          sub.cursor = batch.position;
        }
      }
      while (!sub.stopped) {
        const batch = sub.queue.shift();
        if (batch === undefined) {
          await new Promise<void>((resolve) => (sub.wake = resolve));
          sub.wake = undefined;
          continue;
        }
        if (batch.position <= sub.cursor) continue;
        await onBatch(batch);
        sub.cursor = batch.position;
      }
    } catch (error) {
      sub.stopped = true;
      subscribers.delete(sub);
      onError?.(error);
    }
  }

  return {
    submit(txs) {
      if (closed) return Promise.reject(new OrderingClosedError());
      checkSubmission(txs);
      // The frame holds a copy; live subscribers get the submitted arrays themselves (callers
      // must not mutate them after submit), which lets a node recognise its own submissions.
      const submitted = [...txs];
      return new Promise((resolve, reject) => {
        pending.push({ frame: encodeBatchFrame(submitted), txs: submitted, resolve, reject });
        if (!flushScheduled) {
          flushScheduled = true;
          flushed = new Promise<void>((done) => setImmediate(() => {
            flush();
            done();
          }));
        }
      });
    },

    subscribe(afterPosition, onBatch, onError) {
      if (closed) throw new OrderingClosedError();
      checkPosition(afterPosition);
      const sub: Subscriber = { cursor: afterPosition, live: false, stopped: false, queue: [], wake: undefined };
      subscribers.add(sub);
      void pump(sub, onBatch, onError);
      return () => {
        sub.stopped = true;
        subscribers.delete(sub);
        sub.wake?.();
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await flushed;
      for (const sub of subscribers) {
        sub.stopped = true;
        sub.wake?.();
      }
      subscribers.clear();
      db.close();
    },
  };
}
