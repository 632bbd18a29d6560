/**
 * Key layout of one ledger in etcd (all under one prefix, default `wattledger/`):
 *
 *   <prefix>b/<sha256 hex of the value>   a group of submitted batches (write-once; deleted
 *                                        once every registered node applied it)
 *   <prefix>nodes/<node id>              JSON: the node's applied revision (registration)
 *   <prefix>roots/<node id>              JSON: the node's recent state roots per block height
 *   <prefix>meta/pruned                  highest revision whose batch keys were deleted
 *
 * Several ledgers may share one etcd cluster with different prefixes.
 */

export interface EtcdKeys {
  readonly prefix: string;
  readonly batches: string;
  readonly nodes: string;
  readonly roots: string;
  readonly pruned: string;
  batchKey(contentHashHex: string): string;
  nodeKey(nodeId: string): string;
  rootKey(nodeId: string): string;
}

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function checkNodeId(nodeId: string): void {
  if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId)) throw new RangeError(`node id ${JSON.stringify(nodeId)}: 1-64 characters of A-Z a-z 0-9 . _ - expected`);
}

export function etcdKeys(prefix = 'wattledger/'): EtcdKeys {
  if (typeof prefix !== 'string' || prefix.length === 0 || !prefix.endsWith('/')) throw new RangeError(`etcd key prefix must be non-empty and end with "/", got ${JSON.stringify(prefix)}`);
  return {
    prefix,
    batches: `${prefix}b/`,
    nodes: `${prefix}nodes/`,
    roots: `${prefix}roots/`,
    pruned: `${prefix}meta/pruned`,
    batchKey: (hash) => `${prefix}b/${hash}`,
    nodeKey: (nodeId) => {
      checkNodeId(nodeId);
      return `${prefix}nodes/${nodeId}`;
    },
    rootKey: (nodeId) => {
      checkNodeId(nodeId);
      return `${prefix}roots/${nodeId}`;
    },
  };
}

/** etcd's range_end for "every key starting with `prefix`": the prefix with its last byte + 1. */
export function prefixRangeEnd(prefix: string | Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
