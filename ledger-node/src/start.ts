/** Starts a ledger node with its HTTP API: the programmatic entry point (CLI, demo, tests). */
import type { FastifyInstance } from 'fastify';
import type { Genesis } from './core/genesis.js';
import { createLedgerServer } from './http/server.js';
import { LedgerNode, type LedgerNodeOptions } from './node/ledger-node.js';
import { openClusterMember, type ClusterMember, type ClusterMemberOptions } from './cluster/cluster-member.js';
import { registerClusterRoutes } from './cluster/cluster-routes.js';

export interface StartLedgerNodeOptions extends LedgerNodeOptions {
  readonly genesis: Genesis;
  /** TCP port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** fastify/pino request logging. Default off. */
  readonly logger?: boolean;
  /** Order through this etcd cluster as node `etcd.nodeId` (src/cluster/) instead of the embedded sequencer. */
  readonly etcd?: ClusterMemberOptions['etcd'];
}

export interface RunningLedgerNode {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  readonly node: LedgerNode;
  readonly server: FastifyInstance;
  /** Set when the node orders through etcd. */
  readonly cluster?: ClusterMember;
  close(): Promise<void>;
}

export async function startLedgerNode(options: StartLedgerNodeOptions): Promise<RunningLedgerNode> {
  const { logger: _httpLogger, etcd, ...nodeOptions } = options;
  const cluster = etcd === undefined ? undefined : await openClusterMember({ ...nodeOptions, etcd });
  const node = cluster?.node ?? await LedgerNode.open(options);
  const server = createLedgerServer(node, { logger: options.logger ?? false, ...(cluster ? { health: () => ({ cluster: cluster.status() }) } : {}) });
  if (cluster) registerClusterRoutes(server, cluster);
  const host = options.host ?? '127.0.0.1';
  try {
    await server.listen({ port: options.port ?? 0, host });
  } catch (error) {
    await (cluster ?? node).close();
    throw error;
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    node,
    server,
    ...(cluster ? { cluster } : {}),
    close: () => (closing ??= (async () => {
      await server.close();
      await (cluster ?? node).close();
    })()),
  };
}
