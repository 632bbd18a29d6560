/** Read-only JSON routes over the node's state and chain. */
import type { FastifyInstance } from 'fastify';
import { toHex } from '@wattledger/protocol';
import { blockHash, encodeHeader } from '../core/block.js';
import { decodeEvent } from '../core/events.js';
import { genesisToJson } from '../core/genesis.js';
import type { LedgerNode } from '../node/ledger-node.js';
import { HttpError } from './server.js';
import { assetView, certificateRequestView, contractView, eventView, headerView, historyView, meterView, partyView, policyView } from './views.js';

const id16 = { type: 'string', pattern: '^[0-9a-f]{16}$' } as const;
const uint = { type: 'integer', minimum: 0 } as const;
const limit = { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 } as const;

export function registerQueryRoutes(app: FastifyInstance, node: LedgerNode, health?: () => Record<string, unknown>): void {
  app.get('/health', async () => {
    const head = node.head;
    return { status: node.error === undefined ? 'ok' : 'failed', chainId: node.machine.genesis.chainId, height: head.height, hash: head.hash, stateRoot: head.stateRoot, position: head.position, ...health?.() };
  });

  app.get('/v1/parties', { schema: { querystring: { type: 'object', properties: { role: { type: 'string' } }, additionalProperties: false } } }, async (req) => {
    const { role } = req.query as { role?: string };
    return { parties: [...node.state.parties.values()].filter((p) => role === undefined || p.role === role).map(partyView) };
  });

  app.get('/v1/meters', { schema: { querystring: { type: 'object', properties: { intermediary: id16, owner: id16 }, additionalProperties: false } } }, async (req) => {
    const { intermediary, owner } = req.query as { intermediary?: string; owner?: string };
    const meters = [...node.state.meters.values()].filter((m) => (intermediary === undefined || m.intermediary === intermediary) && (owner === undefined || m.owner === owner));
    return { meters: meters.map(meterView) };
  });

  app.get<{ Params: { id: string } }>('/v1/meters/:id', { schema: { params: { type: 'object', properties: { id: id16 }, required: ['id'] } } }, async (req) => {
    const meter = node.state.meters.get(req.params.id);
    if (meter === undefined) throw new HttpError(404, 'UNKNOWN_METER', `meter ${req.params.id} is not registered`);
    return meterView(meter);
  });

  app.get('/v1/assets', {
    schema: {
      querystring: {
        type: 'object',
        properties: { owner: id16, status: { type: 'string', enum: ['open', 'allocated', 'expired'] }, method: { type: 'integer', minimum: 1, maximum: 255 }, from: uint, to: uint, limit },
        additionalProperties: false,
      },
    },
  }, async (req) => {
    const q = req.query as { owner?: string; status?: string; method?: number; from?: number; to?: number; limit: number };
    const assets = [];
    let matched = 0;
    for (const a of node.state.assets.values()) {
      if (q.owner !== undefined && a.owner !== q.owner) continue;
      if (q.status !== undefined && a.status !== q.status) continue;
      if (q.method !== undefined && a.method !== q.method) continue;
      if (q.from !== undefined && a.intervalStart < q.from) continue;
      if (q.to !== undefined && a.intervalStart >= q.to) continue;
      matched++;
      if (assets.length < q.limit) assets.push(assetView(a));
    }
    return { matched, assets };
  });

  app.get<{ Params: { id: string } }>('/v1/assets/:id', { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f]{64}$' } }, required: ['id'] } } }, async (req) => {
    const asset = node.state.assets.get(req.params.id);
    if (asset === undefined) throw new HttpError(404, 'UNKNOWN_ASSET', `asset ${req.params.id} does not exist`);
    return assetView(asset);
  });

  app.get('/v1/contracts', { schema: { querystring: { type: 'object', properties: { intermediary: id16, consumer: id16 }, additionalProperties: false } } }, async (req) => {
    const { intermediary, consumer } = req.query as { intermediary?: string; consumer?: string };
    const contracts = [...node.state.contracts.values()].filter((c) => (intermediary === undefined || c.intermediary === intermediary) && (consumer === undefined || c.consumer === consumer));
    return { contracts: contracts.map(contractView) };
  });

  app.get('/v1/policies', async () => ({ policies: [...node.state.policies.values()].map(policyView) }));

  app.get('/v1/certificate-requests', async () => ({ requests: [...node.state.certificateRequests.values()].map(certificateRequestView) }));

  app.get<{ Params: { consumer: string } }>('/v1/history/:consumer', { schema: { params: { type: 'object', properties: { consumer: id16 }, required: ['consumer'] } } }, async (req) => {
    const history = node.state.histories.get(req.params.consumer);
    if (history === undefined) {
      if (!node.state.parties.has(req.params.consumer)) throw new HttpError(404, 'UNKNOWN_PARTY', `consumer ${req.params.consumer} is not registered`);
      return { consumer: req.params.consumer, byMethod: [], renewableWh: 0, totalWh: 0, unmatchedWh: 0, renewablePercent: 0 };
    }
    return historyView(history);
  });

  app.get('/v1/blocks', { schema: { querystring: { type: 'object', properties: { from: { type: 'integer', minimum: 1, default: 1 }, limit }, additionalProperties: false } } }, async (req) => {
    const { from, limit: max } = req.query as { from: number; limit: number };
    return { blocks: node.store.headers(from, max).map((h) => headerView(h, blockHash(h))) };
  });

  app.get('/v1/headers', async () => ({
    format: 'wattledger-headers/1',
    genesis: genesisToJson(node.machine.genesis),
    genesisHash: node.genesisHashHex,
    headers: node.store.headers(1, Number.MAX_SAFE_INTEGER).map((h) => toHex(encodeHeader(h))),
  }));

  app.get('/v1/allocations', { schema: { querystring: { type: 'object', properties: { intermediary: id16, interval: uint, limit }, required: ['intermediary'], additionalProperties: false } } }, async (req) => {
    const { intermediary, interval, limit: max } = req.query as { intermediary: string; interval?: number; limit: number };
    const stored = interval === undefined ? node.store.recentEvents(intermediary, max) : node.store.closeEvents(intermediary, interval);
    const events = stored.flatMap((e) => {
      const event = decodeEvent(e.bytes);
      return event === undefined ? [] : [eventView(event, e.height, e.index)];
    });
    return { intermediary, interval: interval ?? null, events };
  });
}
