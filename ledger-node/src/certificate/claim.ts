/**
 * The certificate application of DESIGN §7: what an intermediary states about one consumer
 * and one period, signed as COSE_Sign1 (kid = intermediary id) over the CBOR claim
 *   [ format, chainId, consumer, intermediary, periodStart, periodEnd, usageWh, matchedWh,
 *     renewableWh, [[method, Wh], ...ascending], headHeight, headHash (32 bytes),
 *     [[height, eventIndex], ...] ]
 * together with evidence a third party checks offline against exported block headers:
 * every allocate/unmatched event with its Merkle proof (events root), and every transaction
 * the lineage needs with its proof (transactions root): the producer readings (issue-asset),
 * the consumer's own readings (record-usage, the usage denominator), the meter and party
 * registrations that bind the keys.
 */
import { decodeCbor, encodeCbor, fromHex, toHex } from '@wattledger/protocol';

export const CERTIFICATE_FORMAT = 'wattledger-certificate-application/1';
export const HEADERS_FORMAT = 'wattledger-headers/1';

export interface CertificateClaim {
  readonly chainId: string;
  readonly consumer: string;
  readonly intermediary: string;
  readonly periodStart: number;
  readonly periodEnd: number;
  /** Energy the consumer's meters signed for the period. */
  readonly usageWh: number;
  /** Of which covered by allocated assets. */
  readonly matchedWh: number;
  readonly renewableWh: number;
  readonly byMethod: ReadonlyArray<{ readonly method: number; readonly wh: number }>;
  readonly headHeight: number;
  readonly headHash: string;
  readonly events: ReadonlyArray<{ readonly height: number; readonly index: number }>;
}

export interface EvidenceItem {
  readonly height: number;
  readonly index: number;
  /** Event or transaction bytes, hex. */
  readonly bytes: string;
  /** RFC 6962 audit path, hex, leaf side first. */
  readonly proof: readonly string[];
}

export interface CertificateApplication {
  readonly format: typeof CERTIFICATE_FORMAT;
  /** Human-readable copy of the signed claim (the verifier recomputes it from `signed`). */
  readonly claim: CertificateClaim & { readonly renewablePercent: number };
  /** COSE_Sign1 over the CBOR claim, hex. */
  readonly signed: string;
  readonly evidence: { readonly events: readonly EvidenceItem[]; readonly txs: readonly EvidenceItem[] };
  /**
   * Meters of the lineage whose readings were not signed by the meter itself but attested by a
   * gateway (legacy DLMS meters), each with that gateway's party id, by meter id. The verifier
   * checks this list against the proven register-meter transactions.
   */
  readonly attestations: ReadonlyArray<{ readonly meterId: string; readonly attestedBy: string }>;
}

export interface HeadersExport {
  readonly format: typeof HEADERS_FORMAT;
  readonly genesis: unknown;
  readonly genesisHash: string;
  /** CBOR block headers, hex, from height 1. */
  readonly headers: readonly string[];
}

export function encodeClaim(c: CertificateClaim): Uint8Array {
  return encodeCbor([
    CERTIFICATE_FORMAT, c.chainId, c.consumer, c.intermediary, c.periodStart, c.periodEnd, c.usageWh, c.matchedWh, c.renewableWh,
    c.byMethod.map((m) => [m.method, m.wh]), c.headHeight, fromHex(c.headHash), c.events.map((e) => [e.height, e.index]),
  ]);
}

export function decodeClaim(bytes: Uint8Array): CertificateClaim {
  const f = decodeCbor(bytes);
  const fail = (why: string): never => {
    throw new TypeError(`certificate claim: ${why}`);
  };
  if (!Array.isArray(f) || f.length !== 13 || f[0] !== CERTIFICATE_FORMAT) fail(`CBOR array of 13 starting with "${CERTIFICATE_FORMAT}" expected`);
  const items = f as unknown[];
  const int = (v: unknown, what: string): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(`${what}: integer expected`));
  const str = (v: unknown, what: string): string => (typeof v === 'string' ? v : fail(`${what}: text expected`));
  const pairs = (v: unknown, what: string): Array<[number, number]> => {
    if (!Array.isArray(v)) fail(`${what}: array expected`);
    return (v as unknown[]).map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) fail(`${what}[${i}]: pair expected`);
      const pair = p as unknown[];
      return [int(pair[0], `${what}[${i}]`), int(pair[1], `${what}[${i}]`)];
    });
  };
  const headHash = items[11];
  if (!(headHash instanceof Uint8Array) || headHash.length !== 32) fail('head hash: 32 bytes expected');
  return {
    chainId: str(items[1], 'chainId'), consumer: str(items[2], 'consumer'), intermediary: str(items[3], 'intermediary'),
    periodStart: int(items[4], 'periodStart'), periodEnd: int(items[5], 'periodEnd'), usageWh: int(items[6], 'usageWh'),
    matchedWh: int(items[7], 'matchedWh'), renewableWh: int(items[8], 'renewableWh'),
    byMethod: pairs(items[9], 'byMethod').map(([method, wh]) => ({ method, wh })), headHeight: int(items[10], 'headHeight'),
    headHash: toHex(headHash as Uint8Array), events: pairs(items[12], 'events').map(([height, index]) => ({ height, index })),
  };
}

export function renewablePercent(renewableWh: number, usageWh: number): number {
  return usageWh === 0 ? 0 : Math.round((10_000 * renewableWh) / usageWh) / 100;
}
