/** HTTP helpers of the cluster tests: submit through a node's API, read its state. */
import { encodeCbor } from '@wattledger/protocol';

export interface TxResult {
  readonly id: string;
  readonly status: 'applied' | 'rejected' | 'duplicate';
  readonly code?: string;
  readonly height?: number;
}

export async function postTx(url: string, bytes: Uint8Array, timeoutMs = 15_000): Promise<TxResult> {
  const response = await fetch(`${url}/v1/tx`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: bytes, signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200) throw new Error(`POST ${url}/v1/tx answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as TxResult;
}

export async function postBatch(url: string, txs: readonly Uint8Array[], timeoutMs = 15_000): Promise<TxResult[]> {
  const response = await fetch(`${url}/v1/tx/batch`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: encodeCbor(txs), signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200) throw new Error(`POST ${url}/v1/tx/batch answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { results: TxResult[] }).results;
}

export async function getJson<T>(url: string, path: string): Promise<T> {
  const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`GET ${url}${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export interface Health {
  readonly status: string;
  readonly height: number;
  readonly stateRoot: string;
  readonly cluster?: { readonly halted: boolean; readonly divergence: { readonly diverged: boolean; readonly divergedPeers: string[] } };
}

/** Waits until every node answers the same height and root twice in a row; returns it. */
export async function waitConverged(urls: readonly string[], timeoutMs = 30_000): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  for (;;) {
    const healths = await Promise.all(urls.map((u) => getJson<Health>(u, '/health').catch(() => undefined)));
    const first = healths[0];
    const same = first !== undefined && healths.every((h) => h !== undefined && h.height === first.height && h.stateRoot === first.stateRoot);
    const signature = same ? `${first.height}:${first.stateRoot}` : '';
    if (same && signature === previous) return first;
    previous = signature;
    if (Date.now() > deadline) throw new Error(`nodes did not converge: ${JSON.stringify(healths.map((h) => h && { height: h.height, root: h.stateRoot.slice(0, 12) }))}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}
