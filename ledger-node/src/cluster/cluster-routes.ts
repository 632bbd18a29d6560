/**
 * HTTP routes of a cluster member, next to the node's own API:
 *   GET /v1/cluster  this node's cluster status (height, root, applied revision, divergence)
 *   GET /metrics     the cluster counters in Prometheus text format
 * `/health` carries the same status under `cluster` (createLedgerServer's `health` option).
 */
import type { FastifyInstance } from 'fastify';
import type { ClusterMember } from './cluster-member.js';

export function registerClusterRoutes(app: FastifyInstance, member: ClusterMember): void {
  app.get('/v1/cluster', async () => member.status());
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(member.metricsText()));
}
