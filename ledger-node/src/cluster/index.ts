/** The etcd-ordered ledger cluster (issue 8, DESIGN §7), as other packages and tools use it. */
export { createEtcdOrdering, type EtcdOrdering, type EtcdOrderingOptions } from '../ordering/etcd/etcd-ordering.js';
export { createEtcdClient, parseEndpoints, isTransientEtcdError, type EtcdConnectionOptions } from '../ordering/etcd/etcd-client.js';
export { etcdKeys, type EtcdKeys } from '../ordering/etcd/etcd-keys.js';
export { GROUP_CAPACITY, positionOf, revisionOf } from '../ordering/etcd/batch-group.js';
export * from '../ordering/etcd/errors.js';
export type { ClusterLogger } from '../ordering/etcd/logger.js';
export { openClusterMember, clusterMetricsText, type ClusterMember, type ClusterMemberOptions, type ClusterStatus } from './cluster-member.js';
export { startDivergenceMonitor, type DivergenceMonitor, type DivergenceStatus } from './divergence-monitor.js';
export { judgeHeight, type HeightVerdict, type RootRecord } from './divergence.js';
export { compactOnce, startCompactor, type CompactionResult } from './compaction.js';
export { readNodes, forgetNode, type NodeRecord } from './node-registry.js';
export { compareRoots, formatComparison, type ClusterComparison } from './compare.js';
export { runClusterCommand, etcdOptionsFromFlags } from './cluster-command.js';
export { registerClusterRoutes } from './cluster-routes.js';
export { takeSnapshot, verifySnapshot, restoreSnapshot, type SnapshotCheck } from './snapshot.js';
export { readRootRecords } from './divergence-monitor.js';
export { startLocalEtcdCluster, findEtcdBinary, type LocalEtcdCluster, type LocalEtcdMember } from './etcd-members.js';
export { startLocalLedgerCluster, type LocalLedgerCluster, type LocalLedgerNode } from './local-ledger-cluster.js';
