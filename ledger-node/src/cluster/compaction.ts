/**
 * Keeps etcd's storage bounded: batches that every registered node has applied are deleted
 * (after the pruning mark is raised, so a late reader learns it must restore a snapshot
 * instead of silently missing them), and etcd's history is compacted at the same revision.
 * Every node may run it; each step is idempotent, so concurrent runs only repeat work.
 * etcd reuses the freed pages; the file itself shrinks only with `etcdctl defrag`
 * (docs/cluster.md).
 */
import type { Etcd3 } from 'etcd3';
import { prefixRangeEnd, type EtcdKeys } from '../ordering/etcd/etcd-keys.js';
import type { ClusterLogger } from '../ordering/etcd/logger.js';
import { readNodes } from './node-registry.js';

/** etcd's default --max-txn-ops is 128. */
const DELETES_PER_TXN = 100;
const KEY_PAGE = 5000;

export interface CompactionResult {
  /** Minimum applied revision over the registered nodes (what was pruned and compacted up to). */
  readonly minApplied: number;
  readonly nodes: number;
  readonly prunedBatches: number;
  /** The revision etcd's history was compacted at, or undefined if it already was. */
  readonly compactedRevision: number | undefined;
  /** etcd refused Compact to this user (auth without the root role); batches were still pruned. */
  readonly compactionDenied?: boolean;
}

/** Raises the pruning mark to `revision` unless it is already there (optimistic, by mod_revision). */
async function raisePruned(client: Etcd3, keys: EtcdKeys, revision: number): Promise<void> {
  const key = Buffer.from(keys.pruned);
  for (;;) {
    const current = (await client.kv.range({ key })).kvs[0];
    if (current !== undefined && Number(current.value.toString()) >= revision) return;
    const response = await client.kv.txn({
      compare: [{ key, target: 'Mod', result: 'Equal', mod_revision: current?.mod_revision ?? 0 }],
      success: [{ request_put: { key, value: Buffer.from(String(revision)) } }],
      failure: [],
    });
    if (response.succeeded) return;
  }
}

/** One pass; undefined when no node is registered (nothing may be pruned then). */
export async function compactOnce(client: Etcd3, keys: EtcdKeys): Promise<CompactionResult | undefined> {
  const nodes = await readNodes(client, keys);
  if (nodes.length === 0) return undefined;
  const minApplied = Math.min(...nodes.map((n) => n.appliedRevision));
  if (minApplied < 1) return { minApplied, nodes: nodes.length, prunedBatches: 0, compactedRevision: undefined };

  await raisePruned(client, keys, minApplied);

  let prunedBatches = 0;
  let start = Buffer.from(keys.batches);
  const end = prefixRangeEnd(keys.batches);
  const doomed: Buffer[] = [];
  for (;;) {
    const page = await client.kv.range({ key: start, range_end: end, keys_only: true, limit: KEY_PAGE });
    for (const kv of page.kvs) if (Number(kv.mod_revision) <= minApplied) doomed.push(kv.key);
    const last = page.kvs[page.kvs.length - 1];
    if (!page.more || last === undefined) break;
    start = Buffer.concat([last.key, Buffer.from([0])]);
  }
  for (let i = 0; i < doomed.length; i += DELETES_PER_TXN) {
    const chunk = doomed.slice(i, i + DELETES_PER_TXN);
    // Delete only if still at or below the mark: a key re-created by an identical submit is new.
    const response = await client.kv.txn({
      compare: [],
      success: chunk.map((key) => ({ request_txn: {
        compare: [{ key, target: 'Mod', result: 'Less', mod_revision: minApplied + 1 }],
        success: [{ request_delete_range: { key } }],
        failure: [],
      } })),
      failure: [],
    });
    prunedBatches += response.responses.filter((r) => r.response_txn?.succeeded).length;
  }

  let compactedRevision: number | undefined;
  let compactionDenied = false;
  try {
    await client.kv.compact({ revision: minApplied, physical: false });
    compactedRevision = minApplied;
  } catch (error) {
    const message = (error as Error).message;
    // With etcd auth enabled, Compact needs the root role (etcd-io/etcd#8458): the pruning
    // above is what bounds the ledger's data; etcd's own auto-compaction can do the rest.
    if (/permission denied/.test(message)) compactionDenied = true;
    else if (!/compacted|future revision/.test(message)) throw error;
  }
  return { minApplied, nodes: nodes.length, prunedBatches, compactedRevision, ...(compactionDenied ? { compactionDenied } : {}) };
}

export interface Compactor {
  stop(): void;
  /** Runs one pass now (also used by tests and the operator command). */
  runOnce(): Promise<CompactionResult | undefined>;
}

export function startCompactor(options: { client: Etcd3; keys: EtcdKeys; intervalMs: number; logger: ClusterLogger }): Compactor {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<CompactionResult | undefined> | undefined;

  function runOnce(): Promise<CompactionResult | undefined> {
    running ??= compactOnce(options.client, options.keys).finally(() => {
      running = undefined;
    });
    return running;
  }

  function arm(): void {
    if (stopped) return;
    // Jitter, so that nodes started together do not compact in lockstep.
    timer = setTimeout(() => {
      runOnce().then((result) => {
        if (result && result.prunedBatches > 0) options.logger.info({ ...result }, 'etcd: pruned applied batches and compacted history');
      }, (error: unknown) => {
        options.logger.warn({ err: (error as Error).message }, 'etcd compaction failed; retrying later');
      }).finally(arm);
    }, options.intervalMs * (0.75 + Math.random() * 0.5));
    timer.unref();
  }

  arm();
  return {
    runOnce,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
