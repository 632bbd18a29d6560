/**
 * A ledger node as a member of an etcd-ordered cluster (DESIGN §7): the node applies the
 * etcd ordering into its own SQLite; this module adds what a cluster needs around it:
 * - the applied revision recorded in etcd from the node's committed head (so compaction
 *   never prunes a batch the node could need after kill -9),
 * - the divergence monitor (state roots published and compared; on a local divergence the
 *   ordering halts, the node stops applying and reports the error),
 * - `status()` for the health endpoint and `metricsText()` for a metrics scrape.
 *
 * Used by `ledger-node start --etcd URL[,URL...]`:
 *   const member = await openClusterMember({ ...ledgerNodeOptions, etcd: { endpoints, nodeId } });
 */
import { LedgerNode, type LedgerNodeOptions } from '../node/ledger-node.js';
import { createEtcdOrdering, DEFAULT_MAX_GROUP_BYTES, type EtcdOrdering, type EtcdOrderingOptions } from '../ordering/etcd/etcd-ordering.js';
import { silentLogger, type ClusterLogger } from '../ordering/etcd/logger.js';
import type { Ordering } from '../ordering/ordering.js';
import { splitLargeSubmits } from './split-submits.js';
import { startDivergenceMonitor, type DivergenceMonitor, type DivergenceStatus } from './divergence-monitor.js';

export interface ClusterMemberOptions extends Omit<LedgerNodeOptions, 'ordering'> {
  readonly etcd: EtcdOrderingOptions & { readonly nodeId: string };
  /** How often the state roots are exchanged and the applied revision sampled (default 500 ms). */
  readonly publishIntervalMs?: number;
  readonly checkpointEvery?: number;
  readonly logger?: ClusterLogger;
  /**
   * Wraps the ordering the node reads (tests use it to feed one node a corrupted batch).
   * The divergence halt still goes through the etcd ordering underneath.
   */
  readonly wrapOrdering?: (ordering: Ordering) => Ordering;
}

export interface ClusterStatus {
  readonly nodeId: string;
  readonly height: number;
  readonly stateRoot: string;
  readonly position: number;
  readonly appliedRevision: number;
  /** True once this node stopped applying (divergence or another fatal error). */
  readonly halted: boolean;
  readonly error: string | undefined;
  readonly divergence: DivergenceStatus;
}

export interface ClusterMember {
  readonly node: LedgerNode;
  readonly ordering: EtcdOrdering;
  readonly monitor: DivergenceMonitor;
  status(): ClusterStatus;
  /** Prometheus text exposition of the cluster counters. */
  metricsText(): string;
  close(): Promise<void>;
}

export async function openClusterMember(options: ClusterMemberOptions): Promise<ClusterMember> {
  const logger = options.logger ?? options.etcd.logger ?? silentLogger;
  const ordering = createEtcdOrdering({ ...options.etcd, logger, appliedTracking: 'manual' });
  let node: LedgerNode;
  try {
    const fitted = splitLargeSubmits(ordering, options.etcd.maxGroupBytes ?? DEFAULT_MAX_GROUP_BYTES);
    node = await LedgerNode.open({ ...options, ordering: options.wrapOrdering ? options.wrapOrdering(fitted) : fitted });
  } catch (error) {
    await ordering.close();
    throw error;
  }
  const nodeId = options.etcd.nodeId;
  const intervalMs = options.publishIntervalMs ?? 500;
  ordering.recordApplied(node.head.position);
  const monitor = startDivergenceMonitor({
    client: ordering.client,
    keys: ordering.keys,
    nodeId,
    logger,
    publishIntervalMs: intervalMs,
    ...(options.checkpointEvery !== undefined ? { checkpointEvery: options.checkpointEvery } : {}),
    head: () => node.head,
    rootAt: (height) => (height === node.head.height ? node.head.stateRoot : node.store.block(height)?.header.stateRoot),
    onDiverged: (error) => ordering.halt(error),
  });
  const sampler = setInterval(() => ordering.recordApplied(node.head.position), intervalMs);
  sampler.unref();

  const status = (): ClusterStatus => {
    const error = node.error;
    return {
      nodeId,
      height: node.head.height,
      stateRoot: node.head.stateRoot,
      position: node.head.position,
      appliedRevision: ordering.appliedRevision(),
      halted: error !== undefined,
      error: error === undefined ? undefined : error instanceof Error ? error.message : String(error),
      divergence: monitor.status(),
    };
  };

  return {
    node,
    ordering,
    monitor,
    status,
    metricsText: () => clusterMetricsText(status()),
    async close() {
      clearInterval(sampler);
      await monitor.tick().catch(() => undefined);
      await monitor.stop();
      ordering.recordApplied(node.head.position);
      await node.close();
    },
  };
}

/** The cluster counters in Prometheus text format (one sample each, labelled by node). */
export function clusterMetricsText(s: ClusterStatus): string {
  const label = `{node="${s.nodeId}"}`;
  return [
    '# HELP wattledger_state_diverged 1 once this node found its state root differs from the agreed one.',
    '# TYPE wattledger_state_diverged gauge',
    `wattledger_state_diverged${label} ${s.divergence.diverged ? 1 : 0}`,
    '# HELP wattledger_applying_halted 1 once this node stopped applying blocks.',
    '# TYPE wattledger_applying_halted gauge',
    `wattledger_applying_halted${label} ${s.halted ? 1 : 0}`,
    '# HELP wattledger_diverged_peers Peers whose state root differs from the majority.',
    '# TYPE wattledger_diverged_peers gauge',
    `wattledger_diverged_peers${label} ${s.divergence.divergedPeers.length}`,
    '# HELP wattledger_root_comparisons_total Block heights compared with other nodes.',
    '# TYPE wattledger_root_comparisons_total counter',
    `wattledger_root_comparisons_total${label} ${s.divergence.comparisons}`,
    '# HELP wattledger_root_mismatches_total Compared heights where some root differed.',
    '# TYPE wattledger_root_mismatches_total counter',
    `wattledger_root_mismatches_total${label} ${s.divergence.mismatches}`,
    '# HELP wattledger_block_height Latest applied block.',
    '# TYPE wattledger_block_height gauge',
    `wattledger_block_height${label} ${s.height}`,
    '# HELP wattledger_etcd_applied_revision etcd revision recorded as applied by this node.',
    '# TYPE wattledger_etcd_applied_revision gauge',
    `wattledger_etcd_applied_revision${label} ${s.appliedRevision}`,
    '',
  ].join('\n');
}
