/**
 * The etcd ordering adapter (DESIGN §7): the total order is etcd's revision order, decided by
 * etcd's raft; nothing here votes. Submits are packed into groups, one etcd write each
 * (etcd-submitter.ts); subscribers read and watch the batch prefix (etcd-subscription.ts).
 *
 * With a `nodeId`, the ordering also registers the node under `<prefix>nodes/<id>`, records
 * the revision its subscriber has applied, and runs the compactor that prunes what every
 * registered node has applied (src/cluster/). Without one (tools, submit-only clients)
 * it only submits and reads.
 */
import type { Etcd3 } from 'etcd3';
import { startCompactor, type Compactor } from '../../cluster/compaction.js';
import { createAppliedRecorder, type AppliedRecorder } from '../../cluster/node-registry.js';
import { checkPosition, checkSubmission, OrderingClosedError, type Ordering } from '../ordering.js';
import { revisionOf } from './batch-group.js';
import { createEtcdClient, type EtcdConnectionOptions } from './etcd-client.js';
import { etcdKeys, type EtcdKeys } from './etcd-keys.js';
import { startSubscription, type Subscription } from './etcd-subscription.js';
import { createSubmitter, type Submitter } from './etcd-submitter.js';
import { silentLogger, type ClusterLogger } from './logger.js';

/** etcd accepts requests up to 1.5 MiB by default (--max-request-bytes). */
export const DEFAULT_MAX_GROUP_BYTES = 1024 * 1024;

export interface EtcdOrderingOptions extends EtcdConnectionOptions {
  /** Key prefix of this ledger (default `wattledger/`). */
  readonly prefix?: string;
  /** This ledger node's id: registers it, records its applied revision, runs compaction. */
  readonly nodeId?: string;
  /** Largest etcd value written (default 1 MiB; etcd accepts requests up to 1.5 MiB by default). */
  readonly maxGroupBytes?: number;
  /** Group writes in flight at once (default 4). */
  readonly maxInFlight?: number;
  /** How long a submit keeps retrying through failovers before it rejects (default 30 s). */
  readonly submitTimeoutMs?: number;
  /** Deadline of a batch write's (and catch-up read's) first attempts, doubled on later retries (default 1000 ms). */
  readonly writeTimeoutMs?: number;
  /** Compaction period with a nodeId (default 10 s); 0 disables it. */
  readonly compactionIntervalMs?: number;
  /**
   * Where the applied revision recorded for compaction comes from: `delivery` (default)
   * counts a batch applied once the subscriber's handler resolved; `manual` only counts what
   * `recordApplied` reports, for nodes whose handler returns before the batch is committed
   * (a pipelined node must never let etcd prune a batch it could still need after a crash).
   */
  readonly appliedTracking?: 'delivery' | 'manual';
  /** Period of applied-revision writes (default 1 s). */
  readonly appliedIntervalMs?: number;
  readonly logger?: ClusterLogger;
  /** Use this client instead of opening one (it is not closed by `close()`). */
  readonly client?: Etcd3;
}

export interface EtcdOrdering extends Ordering {
  readonly client: Etcd3;
  readonly keys: EtcdKeys;
  /** Revision up to which this node's subscriber applied every batch (0 before any). */
  appliedRevision(): number;
  readonly stats: Submitter['stats'];
  /**
   * Stops delivery to every subscriber and hands them `error` through their onError (the
   * node then stops applying, e.g. on a state divergence). Submits still work.
   */
  halt(error: unknown): void;
  /** Reports that every batch up to `position` is durably applied (appliedTracking `manual`). */
  recordApplied(position: number): void;
  /** The compactor, when this ordering runs one (nodeId set and interval > 0). */
  readonly compactor: Compactor | undefined;
}

export function createEtcdOrdering(options: EtcdOrderingOptions): EtcdOrdering {
  const keys = etcdKeys(options.prefix);
  if (options.nodeId !== undefined) keys.nodeKey(options.nodeId);
  const client = options.client ?? createEtcdClient(options);
  const ownsClient = options.client === undefined;
  const logger = options.logger ?? silentLogger;
  const submitter = createSubmitter({
    client, keys, logger,
    maxGroupBytes: options.maxGroupBytes ?? DEFAULT_MAX_GROUP_BYTES,
    maxInFlight: options.maxInFlight ?? 4,
    submitTimeoutMs: options.submitTimeoutMs ?? 30_000,
    writeTimeoutMs: options.writeTimeoutMs ?? 1000,
  });
  const subscriptions = new Set<Subscription>();
  let recorder: AppliedRecorder | undefined;
  const compactionIntervalMs = options.compactionIntervalMs ?? 10_000;
  const compactor = options.nodeId !== undefined && compactionIntervalMs > 0 ? startCompactor({ client, keys, intervalMs: compactionIntervalMs, logger }) : undefined;
  let closed = false;

  /** Registers this node (on first use) with the revision before the group of `position`. */
  function ensureRecorder(position: number): AppliedRecorder {
    recorder ??= createAppliedRecorder({
      client, keys, logger, nodeId: options.nodeId!, intervalMs: options.appliedIntervalMs ?? 1000, initial: Math.max(0, revisionOf(position) - 1),
    });
    return recorder;
  }

  return {
    client,
    keys,
    compactor,
    stats: submitter.stats,
    appliedRevision: () => recorder?.latest ?? 0,

    recordApplied(position) {
      checkPosition(position);
      if (options.nodeId === undefined) return;
      // The group holding `position` may be only partly applied: count up to the one before.
      ensureRecorder(position).record(Math.max(0, revisionOf(position) - 1));
    },

    halt(error) {
      for (const subscription of [...subscriptions]) subscription.halt(error);
    },

    submit(txs) {
      if (closed) return Promise.reject(new OrderingClosedError());
      checkSubmission(txs);
      return submitter.submit(txs);
    },

    subscribe(afterPosition, onBatch, onError) {
      if (closed) throw new OrderingClosedError();
      checkPosition(afterPosition);
      let onApplied: ((revision: number) => void) | undefined;
      if (options.nodeId !== undefined) {
        const r = ensureRecorder(afterPosition);
        if (options.appliedTracking !== 'manual') onApplied = (revision) => r.record(revision);
      }
      const subscription = startSubscription({
        client, keys, logger, after: afterPosition, onBatch,
        onError: (error) => {
          subscriptions.delete(subscription);
          onError?.(error);
        },
        ...(onApplied ? { onApplied } : {}),
        watchStartTimeoutMs: Math.max(2000, options.callTimeoutMs ?? 3000),
        readTimeoutMs: options.writeTimeoutMs ?? 1000,
      });
      subscriptions.add(subscription);
      return () => {
        subscription.stop();
        subscriptions.delete(subscription);
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await submitter.drain();
      compactor?.stop();
      const ending = [...subscriptions].map((s) => {
        s.stop();
        return s.ended;
      });
      subscriptions.clear();
      // A subscriber waiting on an unreachable etcd gives up when the client closes.
      await Promise.race([Promise.all(ending), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await recorder?.close();
      if (ownsClient) client.close();
    },
  };
}
