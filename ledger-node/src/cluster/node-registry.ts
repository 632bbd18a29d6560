/**
 * Registration of ledger nodes in etcd: `<prefix>nodes/<node id>` holds the etcd revision up
 * to which the node has applied every batch. Compaction (compaction.ts) prunes below the
 * minimum over all registered nodes, so a registered node that was down can always catch up
 * from etcd. A node that leaves for good must be forgotten (`ledger-node cluster forget`),
 * or etcd keeps every batch from its revision on.
 */
import type { Etcd3 } from 'etcd3';
import { prefixRangeEnd, type EtcdKeys } from '../ordering/etcd/etcd-keys.js';
import type { ClusterLogger } from '../ordering/etcd/logger.js';

export interface NodeRecord {
  readonly nodeId: string;
  readonly appliedRevision: number;
  /** ISO time of the last update, as the node's clock saw it (information only). */
  readonly updatedAt: string;
}

export function parseNodeRecord(nodeId: string, value: Buffer | string): NodeRecord | undefined {
  try {
    const parsed = JSON.parse(value.toString()) as Partial<NodeRecord>;
    if (!Number.isSafeInteger(parsed.appliedRevision) || parsed.appliedRevision! < 0) return undefined;
    return { nodeId, appliedRevision: parsed.appliedRevision!, updatedAt: String(parsed.updatedAt ?? '') };
  } catch {
    return undefined;
  }
}

/** Every registered node; a record that does not parse counts as applied revision 0. */
export async function readNodes(client: Etcd3, keys: EtcdKeys): Promise<NodeRecord[]> {
  const response = await client.kv.range({ key: Buffer.from(keys.nodes), range_end: prefixRangeEnd(keys.nodes) });
  return response.kvs.map((kv) => {
    const nodeId = kv.key.toString().slice(keys.nodes.length);
    return parseNodeRecord(nodeId, kv.value) ?? { nodeId, appliedRevision: 0, updatedAt: '' };
  });
}

export async function writeNodeRecord(client: Etcd3, keys: EtcdKeys, nodeId: string, appliedRevision: number): Promise<void> {
  const record: Omit<NodeRecord, 'nodeId'> = { appliedRevision, updatedAt: new Date().toISOString() };
  await client.kv.put({ key: Buffer.from(keys.nodeKey(nodeId)), value: Buffer.from(JSON.stringify(record)) });
}

/** Removes a node for good: compaction no longer waits for it, nor does `cluster compare`. */
export async function forgetNode(client: Etcd3, keys: EtcdKeys, nodeId: string): Promise<boolean> {
  const response = await client.kv.txn({
    compare: [],
    success: [{ request_delete_range: { key: Buffer.from(keys.nodeKey(nodeId)) } }, { request_delete_range: { key: Buffer.from(keys.rootKey(nodeId)) } }],
    failure: [],
  });
  return Number(response.responses[0]?.response_delete_range.deleted ?? 0) > 0;
}

export interface AppliedRecorder {
  /** Notes that every batch up to `revision` is applied; written at most every interval. */
  record(revision: number): void;
  readonly latest: number;
  /** Writes the latest revision now (if it changed since the last write). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createAppliedRecorder(options: { client: Etcd3; keys: EtcdKeys; nodeId: string; intervalMs: number; logger: ClusterLogger; initial: number }): AppliedRecorder {
  let latest = options.initial;
  let written = -1;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  function flush(): Promise<void> {
    timer = undefined;
    writing = writing.then(async () => {
      if (latest === written) return;
      const value = latest;
      try {
        await writeNodeRecord(options.client, options.keys, options.nodeId, value);
        written = value;
      } catch (error) {
        options.logger.warn({ err: (error as Error).message, nodeId: options.nodeId, appliedRevision: value }, 'could not record the applied revision in etcd; retrying');
        if (!closed) arm();
      }
    });
    return writing;
  }

  function arm(): void {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => void flush(), options.intervalMs);
    timer.unref();
  }

  void flush();
  return {
    get latest() {
      return latest;
    },
    record(revision) {
      if (revision <= latest) return;
      latest = revision;
      arm();
    },
    flush,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await flush();
    },
  };
}
