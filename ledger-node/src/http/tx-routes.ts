/** POST /v1/tx, POST /v1/tx/batch, GET /v1/tx/:id. */
import type { FastifyInstance } from 'fastify';
import { decodeCbor, ProtocolError, toHex } from '@wattledger/protocol';
import type { LedgerNode, SubmitResult } from '../node/ledger-node.js';
import { HttpError, MAX_BATCH_BODY_BYTES } from './server.js';

const MAX_BATCH_TXS = 65_536;

const resultSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['applied', 'duplicate', 'rejected'] },
    code: { type: 'string' },
    reason: { type: 'string' },
    height: { type: 'integer' },
  },
  required: ['id', 'status'],
} as const;

function requireBytes(body: unknown, type: string): Uint8Array {
  if (!(body instanceof Uint8Array) || body.length === 0) throw new HttpError(400, 'BAD_REQUEST', `a non-empty ${type} body is required`);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

async function submit(node: LedgerNode, bytes: Uint8Array): Promise<SubmitResult> {
  try {
    return await node.submit(bytes);
  } catch (error) {
    throw new HttpError(503, 'UNAVAILABLE', `the transaction was not ordered: ${(error as Error).message}; retry later`);
  }
}

export function registerTxRoutes(app: FastifyInstance, node: LedgerNode): void {
  app.post('/v1/tx', { schema: { response: { 200: resultSchema } } }, async (req, reply) => {
    if (req.headers['content-type']?.split(';')[0]?.trim() !== 'application/cose') throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the signed transaction as application/cose');
    const result = await submit(node, requireBytes(req.body, 'application/cose'));
    return reply.status(200).send(result);
  });

  app.post('/v1/tx/batch', { bodyLimit: MAX_BATCH_BODY_BYTES, schema: { response: { 200: { type: 'object', properties: { results: { type: 'array', items: resultSchema } }, required: ['results'] } } } }, async (req) => {
    if (req.headers['content-type']?.split(';')[0]?.trim() !== 'application/cbor') throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send a CBOR array of transaction byte strings as application/cbor');
    let items: unknown;
    try {
      items = decodeCbor(requireBytes(req.body, 'application/cbor'), MAX_BATCH_BODY_BYTES);
    } catch (error) {
      if (error instanceof ProtocolError) throw new HttpError(400, error.code, `batch body: ${error.message}`);
      throw error;
    }
    if (!Array.isArray(items)) throw new HttpError(400, 'BAD_REQUEST', 'batch body must be a CBOR array of byte strings');
    if (items.length > MAX_BATCH_TXS) throw new HttpError(413, 'TOO_LARGE', `at most ${MAX_BATCH_TXS} transactions per batch`);
    items.forEach((item, i) => {
      if (!(item instanceof Uint8Array) || item.length === 0) throw new HttpError(400, 'BAD_REQUEST', `batch item ${i} is not a non-empty byte string`);
    });
    const results = await Promise.all((items as Uint8Array[]).map((bytes) => submit(node, bytes)));
    return { results };
  });

  app.get<{ Params: { id: string } }>('/v1/tx/:id', { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f]{64}$' } }, required: ['id'] } } }, async (req) => {
    const tx = node.store.tx(req.params.id);
    if (tx === undefined) throw new HttpError(404, 'NOT_FOUND', `transaction ${req.params.id} is not on the ledger (not yet applied, or never submitted)`);
    return { id: tx.id, status: tx.status, type: tx.type, signer: tx.signer, height: tx.height, index: tx.index, code: tx.code, reason: tx.reason, bytes: toHex(tx.bytes) };
  });
}
