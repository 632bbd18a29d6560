/**
 * Group commit into etcd: submits that arrive while earlier writes are in flight are packed
 * into one etcd value (batch-group.ts), up to `maxGroupBytes` and GROUP_CAPACITY submits.
 * A submit resolves once etcd answered the write, i.e. once a quorum of members has the
 * entry in its fsynced raft log (etcd syncs its WAL before it replies).
 *
 * Retries are idempotent: the key of a group is the SHA-256 of its value and the write is a
 * transaction "create the key if it does not exist, else read it". A write whose answer was
 * lost (leader killed after committing) is retried with the same key and finds the key
 * already there, with the revision it was committed at; it is never ordered twice.
 * Identical content submitted again while its key still exists is ordered once (its
 * transactions were already ordered there); once pruned, it is ordered again, and the state
 * machine skips transaction ids it has applied (DESIGN §4: applying a tx twice is a no-op).
 */
import { createHash } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { OrderingFailedError } from '../ordering.js';
import { batchFrameSize, encodeGroup, GROUP_CAPACITY, groupSize, positionOf } from './batch-group.js';
import { isTransientEtcdError } from './etcd-client.js';
import type { EtcdKeys } from './etcd-keys.js';
import { BatchTooLargeError } from './errors.js';
import type { ClusterLogger } from './logger.js';

export interface SubmitterOptions {
  readonly client: Etcd3;
  readonly keys: EtcdKeys;
  readonly maxGroupBytes: number;
  readonly maxInFlight: number;
  readonly submitTimeoutMs: number;
  /**
   * Deadline of the first two write attempts, then doubled on each retry (up to 16x). A write sent while the
   * leader dies waits for it until the deadline (etcd answers "leader changed" only when its
   * own, much longer, request timeout fires), so this bounds the pause of a failover.
   */
  readonly writeTimeoutMs: number;
  readonly logger: ClusterLogger;
}

interface Pending {
  readonly txs: readonly Uint8Array[];
  readonly frameBytes: number;
  readonly resolve: (result: { position: number }) => void;
  readonly reject: (error: unknown) => void;
}

export interface Submitter {
  submit(txs: readonly Uint8Array[]): Promise<{ position: number }>;
  /** Resolves once every accepted submit has settled. */
  drain(): Promise<void>;
  readonly stats: { puts: number; retries: number; submits: number };
}

/** Key bytes and the transaction envelope take a few hundred bytes of the etcd request. */
const REQUEST_OVERHEAD = 512;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createSubmitter(options: SubmitterOptions): Submitter {
  const { client, keys, logger } = options;
  let pending: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;
  let idle: (() => void)[] = [];
  const stats = { puts: 0, retries: 0, submits: 0 };

  function schedule(): void {
    if (scheduled || pending.length === 0 || inFlight >= options.maxInFlight) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      while (pending.length > 0 && inFlight < options.maxInFlight) startGroup();
    });
  }

  function takeGroup(): Pending[] {
    const group: Pending[] = [];
    const sizes: number[] = [];
    while (pending.length > 0 && group.length < GROUP_CAPACITY) {
      const next = pending[0]!;
      if (group.length > 0 && groupSize([...sizes, next.frameBytes]) + REQUEST_OVERHEAD > options.maxGroupBytes) break;
      group.push(next);
      sizes.push(next.frameBytes);
      pending.shift();
    }
    return group;
  }

  function startGroup(): void {
    const group = takeGroup();
    inFlight++;
    void commit(group).finally(() => {
      inFlight--;
      schedule();
      if (inFlight === 0 && pending.length === 0) {
        const waiting = idle;
        idle = [];
        for (const done of waiting) done();
      }
    });
  }

  async function commit(group: Pending[]): Promise<void> {
    const value = Buffer.from(encodeGroup(group.map((p) => p.txs)));
    const key = Buffer.from(keys.batchKey(createHash('sha256').update(value).digest('hex')));
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const deadline = Date.now() + options.writeTimeoutMs * 2 ** Math.min(Math.max(attempt - 1, 0), 4);
        const response = await client.kv.txn({
          compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
          success: [{ request_put: { key, value } }],
          failure: [{ request_range: { key, keys_only: true } }],
        }, { deadline });
        const revision = response.succeeded ? Number(response.header.revision) : Number(response.responses[0]?.response_range.kvs[0]?.mod_revision);
        if (!Number.isSafeInteger(revision) || revision < 1) throw new OrderingFailedError(`etcd answered the batch write without a revision (key ${key.toString()})`);
        stats.puts++;
        stats.submits += group.length;
        group.forEach((p, i) => p.resolve({ position: positionOf(revision, i) }));
        return;
      } catch (error) {
        const elapsed = Date.now() - started;
        if (!isTransientEtcdError(error) || elapsed > options.submitTimeoutMs) {
          const failure = error instanceof OrderingFailedError ? error : new OrderingFailedError(
            isTransientEtcdError(error)
              ? `etcd did not confirm the batch within ${options.submitTimeoutMs} ms (${(error as Error).message}); it may still be ordered: resubmit, transactions are idempotent by id`
              : `etcd refused the batch: ${(error as Error).message}`,
            { cause: error },
          );
          for (const p of group) p.reject(failure);
          return;
        }
        stats.retries++;
        if (attempt === 0) logger.warn({ err: (error as Error).message, key: key.toString() }, 'etcd batch write failed, retrying with the same key');
        await sleep(Math.min(25 * 2 ** attempt, 500));
      }
    }
  }

  return {
    stats,
    submit(txs) {
      const frameBytes = batchFrameSize(txs);
      const bytes = groupSize([frameBytes]) + REQUEST_OVERHEAD;
      if (bytes > options.maxGroupBytes) return Promise.reject(new BatchTooLargeError(bytes, options.maxGroupBytes));
      const copies = txs.map((tx) => tx.slice());
      return new Promise((resolve, reject) => {
        pending.push({ txs: copies, frameBytes, resolve, reject });
        schedule();
      });
    },
    drain() {
      if (inFlight === 0 && pending.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}
