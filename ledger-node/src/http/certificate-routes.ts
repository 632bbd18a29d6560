/** GET /v1/certificates/:consumer?from=&to=&format=json|html: the signed certificate application. */
import type { FastifyInstance } from 'fastify';
import { partyIdFromPublicKey } from '@wattledger/protocol';
import { buildCertificate, CertificateError, intermediaryOf } from '../certificate/build-certificate.js';
import { renderCertificateHtml } from '../certificate/certificate-html.js';
import type { LedgerNode } from '../node/ledger-node.js';
import { HttpError } from './server.js';

export function registerCertificateRoutes(app: FastifyInstance, node: LedgerNode): void {
  app.get<{ Params: { consumer: string }; Querystring: { from: number; to: number; format: 'json' | 'html' } }>('/v1/certificates/:consumer', {
    schema: {
      params: { type: 'object', properties: { consumer: { type: 'string', pattern: '^[0-9a-f]{16}$' } }, required: ['consumer'] },
      querystring: {
        type: 'object',
        properties: { from: { type: 'integer', minimum: 0 }, to: { type: 'integer', minimum: 1 }, format: { type: 'string', enum: ['json', 'html'], default: 'json' } },
        required: ['from', 'to'],
        additionalProperties: false,
      },
    },
  }, async (req, reply) => {
    const { consumer } = req.params;
    const { from, to, format } = req.query;
    try {
      const intermediary = intermediaryOf(node.state, consumer);
      const signer = node.certificateSigners.find((s) => partyIdFromPublicKey(s.publicKey) === intermediary);
      if (signer === undefined) throw new HttpError(409, 'NO_SIGNING_KEY', `this node does not hold the key of intermediary ${intermediary}; start it with that key to sign certificate applications`);
      const application = buildCertificate({ store: node.store, state: node.state, genesis: node.machine.genesis, head: node.head }, consumer, from, to, signer);
      if (format === 'html') return reply.type('text/html; charset=utf-8').send(renderCertificateHtml(application));
      return application;
    } catch (error) {
      if (error instanceof CertificateError) throw new HttpError(error.code === 'UNKNOWN_PARTY' ? 404 : error.code === 'BAD_PERIOD' ? 400 : 409, error.code, error.message);
      throw error;
    }
  });
}
