/** Failures of the etcd ordering and the cluster layer, each with a stable `code`. */
import { CodedError } from '@wattledger/protocol';

export const ClusterErrorCode = Object.freeze({
  /** The batches after the node's position were pruned: restore a peer snapshot first. */
  HISTORY_PRUNED: 'HISTORY_PRUNED',
  /** One submit does not fit into one etcd request (etcd --max-request-bytes). */
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  /** An etcd value under the batch prefix is not a batch group. */
  BAD_BATCH_GROUP: 'BAD_BATCH_GROUP',
  /** This node's state root differs from the one the other nodes agree on. */
  STATE_DIVERGED: 'STATE_DIVERGED',
  /** A snapshot does not match the state root the nodes published for its height. */
  SNAPSHOT_MISMATCH: 'SNAPSHOT_MISMATCH',
} as const);
export type ClusterErrorCode = (typeof ClusterErrorCode)[keyof typeof ClusterErrorCode];

export class ClusterError extends CodedError<ClusterErrorCode> {}

export class HistoryPrunedError extends ClusterError {
  constructor(readonly afterRevision: number, readonly prunedRevision: number) {
    super(ClusterErrorCode.HISTORY_PRUNED, `batches up to etcd revision ${prunedRevision} were pruned but this node is at revision ${afterRevision}: restore a snapshot from a peer (docs/cluster.md, "Adding a node")`);
  }
}

export class BatchTooLargeError extends ClusterError {
  constructor(bytes: number, limit: number) {
    super(ClusterErrorCode.BATCH_TOO_LARGE, `a batch of ${bytes} bytes exceeds the ${limit} bytes one etcd write may carry: submit fewer transactions at once`);
  }
}

export class BadBatchGroupError extends ClusterError {
  constructor(key: string, revision: number, cause: unknown) {
    super(ClusterErrorCode.BAD_BATCH_GROUP, `etcd key ${key} at revision ${revision} is not a batch group (${(cause as Error).message}): something else writes under the ledger's prefix`, { cause });
  }
}

export class StateDivergedError extends ClusterError {
  constructor(readonly height: number, readonly localRoot: string, readonly agreedRoot: string | undefined, readonly peers: Readonly<Record<string, string>>) {
    super(ClusterErrorCode.STATE_DIVERGED, `state root at block ${height} is ${localRoot} here but ${agreedRoot ?? 'disputed'} on the other nodes (${Object.entries(peers).map(([id, r]) => `${id}=${r.slice(0, 12)}`).join(', ')}): applying stopped; compare with \`ledger-node cluster compare\` and restore this node from a peer snapshot`);
  }
}

export class SnapshotMismatchError extends ClusterError {
  constructor(message: string) {
    super(ClusterErrorCode.SNAPSHOT_MISMATCH, message);
  }
}
