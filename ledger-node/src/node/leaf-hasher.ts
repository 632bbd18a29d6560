/**
 * A LeafHasher (core/hashes.ts) that hashes a block's events on a worker thread while the
 * main thread encodes the block's state changes: a close-interval of 100,000 consumers has
 * ~110,000 events, ~250 ms of SHA-256 on one core. The entries are copied into a
 * SharedArrayBuffer, the worker hashes them with node:crypto, and `wait` blocks on
 * Atomics.wait until it is done, so the core stays synchronous. Below `minEntries` the job is
 * done in place, as the core would (a thread hop costs more than a small tree). Same leaves
 * and root as the core's (test/leaf-hasher.test.ts).
 */
import { Worker } from 'node:worker_threads';
import { hashLeavesHere } from '../core/merkle.js';
import type { LeafHasher, LeafHashes } from '../core/hashes.js';

/** Byte offset of the entries in the shared buffer (after the Int32 state word); as in leaf-hash-worker.mjs. */
const ENTRIES_AT = 8;
/** A job that takes longer than this is taken for a dead worker. */
const WAIT_LIMIT_MS = 60_000;

export interface WorkerLeafHasher {
  readonly hash: LeafHasher;
  /** Stops the worker (an idle one does not keep the process alive anyway). */
  close(): Promise<void>;
}

export function workerLeafHasher(options: { minEntries?: number } = {}): WorkerLeafHasher {
  const minEntries = options.minEntries ?? 2048;
  let worker: Worker | undefined;
  let shared = new SharedArrayBuffer(1 << 20);
  let busy = false;

  const hash: LeafHasher = (entries, ends, count) => {
    if (count < minEntries || busy) return hashLeavesHere(entries, ends, count);
    const entriesLength = count === 0 ? 0 : ends[count - 1]!;
    const endsAt = align8(ENTRIES_AT + entriesLength);
    const outAt = align8(endsAt + count * 4);
    const size = outAt + (count + 1) * 32;
    // Grown to the job's size plus a quarter (the next close is about as large), not doubled.
    if (size > shared.byteLength) shared = new SharedArrayBuffer(Math.ceil(size * 1.25));
    const bytes = new Uint8Array(shared);
    bytes.set(entries.subarray(0, entriesLength), ENTRIES_AT);
    new Uint32Array(shared, endsAt, count).set(ends.subarray(0, count));
    const state = new Int32Array(shared, 0, 1);
    Atomics.store(state, 0, 0);
    if (worker === undefined) {
      worker = new Worker(new URL('./leaf-hash-worker.mjs', import.meta.url));
      worker.unref();
    }
    worker.postMessage({ buffer: shared, count, endsAt, outAt });
    busy = true;
    return {
      wait(): LeafHashes {
        const deadline = performance.now() + WAIT_LIMIT_MS;
        while (Atomics.load(state, 0) === 0) {
          if (performance.now() > deadline) throw new Error(`leaf hashing worker gave no answer in ${WAIT_LIMIT_MS} ms`);
          Atomics.wait(state, 0, 0, 1000);
        }
        busy = false;
        if (Atomics.load(state, 0) !== 1) throw new Error('leaf hashing worker failed');
        return { leaves: bytes.slice(outAt, outAt + count * 32), root: bytes.slice(outAt + count * 32, outAt + count * 32 + 32) };
      },
    };
  };

  return {
    hash,
    async close(): Promise<void> {
      await worker?.terminate();
      worker = undefined;
    },
  };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** The process's hasher, as the node shell installs it (`hashes.merkleLeaves`); its worker starts on first use. */
export const hostLeafHasher: WorkerLeafHasher = workerLeafHasher();
