/** The few ledger-node HTTP API calls the demo makes (ledger-node/README.md, "HTTP API"). */
import { encodeCbor } from '@wattledger/protocol';

export interface SubmitResultView {
  readonly id: string;
  readonly status: 'applied' | 'rejected' | 'duplicate';
  readonly code?: string;
  readonly reason?: string;
}

export class LedgerApiError extends Error {
  readonly code = 'LEDGER_API';
  constructor(message: string) {
    super(message);
  }
  override get name(): string {
    return 'LedgerApiError';
  }
}

async function answer(response: Response, what: string): Promise<string> {
  const text = await response.text();
  if (!response.ok) throw new LedgerApiError(`${what}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text;
}

export async function getText(base: string, path: string): Promise<string> {
  return answer(await fetch(`${base}${path}`), `GET ${path}`);
}

export async function getJson<T>(base: string, path: string): Promise<T> {
  return JSON.parse(await getText(base, path)) as T;
}

/** POST /v1/tx/batch: the transactions are ordered as one batch, in this order. */
export async function submitBatch(base: string, txs: readonly Uint8Array[]): Promise<SubmitResultView[]> {
  const response = await fetch(`${base}/v1/tx/batch`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: encodeCbor(txs) });
  return (JSON.parse(await answer(response, 'POST /v1/tx/batch')) as { results: SubmitResultView[] }).results;
}
