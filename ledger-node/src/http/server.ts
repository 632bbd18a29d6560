/**
 * HTTP API of the ledger node (fastify, JSON schemas). Transactions arrive as raw COSE_Sign1
 * bytes (application/cose) or a CBOR array of them (application/cbor); every other route is
 * a JSON query. Request errors answer `{ error: { code, message } }` with a 4xx status.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { MAX_TX_BYTES } from '@wattledger/protocol';
import type { LedgerNode } from '../node/ledger-node.js';
import { registerTxRoutes } from './tx-routes.js';
import { registerQueryRoutes } from './query-routes.js';
import { registerCertificateRoutes } from './certificate-routes.js';

export const MAX_BATCH_BODY_BYTES = 64 * 1024 * 1024;

export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
  }
}

export function createLedgerServer(node: LedgerNode, options: { logger?: boolean; health?: () => Record<string, unknown> } = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: MAX_TX_BYTES });
  app.addContentTypeParser(['application/cose', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_TX_BYTES }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/cbor', { parseAs: 'buffer', bodyLimit: MAX_BATCH_BODY_BYTES }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown }, _req, reply) => {
    if (error instanceof HttpError) return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message } });
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    // fastify's own codes (FST_ERR_*) are implementation details: map them to ours.
    const code = status === 413 ? 'TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status < 500 ? (error.code !== undefined && !error.code.startsWith('FST_') && error.validation === undefined ? error.code : 'BAD_REQUEST') : 'INTERNAL';
    const message = status < 500 ? error.message : `internal error: ${error.message}`;
    return reply.status(status).send({ error: { code, message } });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` } }));

  registerTxRoutes(app, node);
  registerQueryRoutes(app, node, options.health);
  registerCertificateRoutes(app, node);
  return app;
}
