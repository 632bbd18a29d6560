/**
 * Client of the ledger-node HTTP API (ledger-node/README.md):
 *   POST /v1/tx        application/cose, one signed transaction  -> TxResult
 *   POST /v1/tx/batch  application/cbor, CBOR array of byte strings -> { results: TxResult[] }
 *   GET  /v1/meters?intermediary=ID                                -> meters of an intermediary
 * Transport failures and 5xx are LedgerUnavailableError (retry later); a 4xx or an answer of
 * the wrong shape is LedgerProtocolError.
 */
import { encodeCbor } from '@wattledger/protocol';
import { LedgerProtocolError, LedgerUnavailableError } from '../errors.js';

export type TxStatus = 'applied' | 'duplicate' | 'rejected';

export interface TxResult {
  readonly id: string;
  readonly status: TxStatus;
  readonly code?: string;
  readonly reason?: string;
  readonly height?: number;
}

const STATUSES: ReadonlySet<string> = new Set(['applied', 'duplicate', 'rejected']);

function parseTxResult(value: unknown, where: string): TxResult {
  if (typeof value !== 'object' || value === null) throw new LedgerProtocolError(`${where}: transaction result must be an object`);
  const r = value as Record<string, unknown>;
  if (typeof r['id'] !== 'string' || typeof r['status'] !== 'string' || !STATUSES.has(r['status'])) {
    throw new LedgerProtocolError(`${where}: transaction result needs id and status applied|duplicate|rejected`);
  }
  return {
    id: r['id'],
    status: r['status'] as TxStatus,
    ...(typeof r['code'] === 'string' ? { code: r['code'] } : {}),
    ...(typeof r['reason'] === 'string' ? { reason: r['reason'] } : {}),
    ...(typeof r['height'] === 'number' ? { height: r['height'] } : {}),
  };
}

export class LedgerClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  private async request(path: string, init: RequestInit): Promise<unknown> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      const why = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
      throw new LedgerUnavailableError(`ledger ${url} unreachable: ${why}`, { cause });
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 500) throw new LedgerUnavailableError(`ledger ${url} answered ${response.status}: ${text.slice(0, 200)}`);
    if (response.status >= 400) throw new LedgerProtocolError(`ledger ${url} refused the request (${response.status}): ${text.slice(0, 200)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new LedgerProtocolError(`ledger ${url} answered with invalid JSON`, { cause });
    }
  }

  async submit(tx: Uint8Array): Promise<TxResult> {
    const answer = await this.request('/v1/tx', { method: 'POST', headers: { 'content-type': 'application/cose' }, body: tx });
    return parseTxResult(answer, 'POST /v1/tx');
  }

  /** Submits transactions in order; the results come back in the same order. */
  async submitBatch(txs: readonly Uint8Array[]): Promise<TxResult[]> {
    const answer = await this.request('/v1/tx/batch', { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: encodeCbor(txs) });
    const results = (answer as { results?: unknown } | null)?.results;
    if (!Array.isArray(results) || results.length !== txs.length) {
      throw new LedgerProtocolError(`POST /v1/tx/batch: expected { results: [...] } with ${txs.length} entries`);
    }
    return results.map((r, i) => parseTxResult(r, `POST /v1/tx/batch result ${i}`));
  }

  async meters(intermediary: string): Promise<unknown> {
    return this.request(`/v1/meters?intermediary=${encodeURIComponent(intermediary)}`, { method: 'GET' });
  }
}
