/**
 * Offline check of a certificate application against exported block headers, trusting
 * neither the intermediary nor the node that produced it (only the headers, which anyone can
 * compare between consortium nodes):
 *  1. the headers chain from the genesis hash; the claim's head is one of them;
 *  2. every evidence transaction and event is in its block (RFC 6962 proofs against the
 *     transactions and events roots; a transaction leaf also proves it was applied);
 *  3. keys come from the genesis or from proven register-party / register-meter transactions;
 *     the claim is signed by the intermediary; every meter reading verifies under its meter key,
 *     or for a gateway-attested meter under its attesting gateway's key, and the certificate's
 *     `attestations` list says exactly which meters were attested and by whom;
 *  4. every allocated Wh is a range of a signed producer reading of the stated method and
 *     interval, no range is claimed twice, and no usage interval gets more than was used;
 *  5. usage is the sum of the consumer's own signed readings (chained, none left out between
 *     two disclosed ones; quarantined ones, which the ledger records without usage, excluded),
 *     and the totals and share in the claim add up.
 * Pure: the Ed25519 verifier is passed in.
 */
import {
  checkReadingPlausible, decodeSign1, decodeSignedReadings, decodeTx, fromHex, isRenewable, MeterRole, parseLedgerTx, partyIdFromPublicKey, readingHash, toHex, TxType, txId, verifySign1, verifySignedReadings,
  type IntervalReading, type Verifier,
} from '@wattledger/protocol';
import { assetIdOf } from '../core/asset-id.js';
import { blockHash, decodeHeader, txLeafEntry, type BlockHeader } from '../core/block.js';
import { decodeEvent, type AllocateEvent, type UnmatchedEvent } from '../core/events.js';
import { genesisHash, parseGenesis } from '../core/genesis.js';
import { leafHash, verifyInclusion } from '../core/merkle.js';
import { CERTIFICATE_FORMAT, decodeClaim, HEADERS_FORMAT, renewablePercent, type CertificateClaim, type EvidenceItem } from './claim.js';

export interface CertificateCheck {
  readonly ok: boolean;
  readonly errors: string[];
  readonly claim: CertificateClaim | undefined;
  readonly renewablePercent: number | undefined;
}

interface MeterKey {
  readonly publicKey: Uint8Array | undefined;
  readonly attestedBy: string | undefined;
  readonly role: MeterRole;
  readonly owner: string;
  readonly method: number;
  readonly ratedPowerW: number;
}

class Failure extends Error {}

export function verifyCertificate(certificate: unknown, headersExport: unknown, verifier: Verifier): CertificateCheck {
  const errors: string[] = [];
  let claim: CertificateClaim | undefined;
  try {
    claim = check(certificate, headersExport, verifier, errors);
  } catch (error) {
    errors.push(error instanceof Failure ? error.message : `unreadable input: ${(error as Error).message}`);
  }
  return { ok: errors.length === 0, errors, claim, renewablePercent: claim === undefined ? undefined : renewablePercent(claim.renewableWh, claim.usageWh) };
}

function fatal(message: string): never {
  throw new Failure(message);
}

function obj(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fatal(`${what}: JSON object expected`);
  return value as Record<string, unknown>;
}

function readHeaders(headersExport: unknown): { headers: BlockHeader[]; genesisParties: Map<string, Uint8Array>; chainId: string } {
  const h = obj(headersExport, 'headers file');
  if (h['format'] !== HEADERS_FORMAT) fatal(`headers file: format "${HEADERS_FORMAT}" expected`);
  const genesis = parseGenesis(h['genesis']);
  const gh = toHex(genesisHash(genesis));
  if (h['genesisHash'] !== gh) fatal('headers file: genesis hash does not match its genesis');
  if (!Array.isArray(h['headers'])) fatal('headers file: headers array expected');
  const headers = (h['headers'] as unknown[]).map((hex) => decodeHeader(fromHex(String(hex))));
  headers.forEach((header, i) => {
    if (header.height !== i + 1) fatal(`headers file: header ${i} has height ${header.height}`);
    if (header.chainId !== genesis.chainId) fatal(`headers file: header ${header.height} belongs to chain ${header.chainId}`);
    const expected = i === 0 ? gh : blockHash(headers[i - 1]!);
    if (header.prevHash !== expected) fatal(`headers file: header ${header.height} does not link to its predecessor`);
  });
  const genesisParties = new Map(genesis.parties.map((p) => [partyIdFromPublicKey(p.publicKey), p.publicKey] as const));
  return { headers, genesisParties, chainId: genesis.chainId };
}

function proven(item: EvidenceItem, headers: readonly BlockHeader[], leaf: Uint8Array, which: 'tx' | 'event'): boolean {
  const header = headers[item.height - 1];
  if (header === undefined) return false;
  const size = which === 'tx' ? header.txCount : header.eventCount;
  const root = fromHex(which === 'tx' ? header.txRoot : header.eventsRoot);
  return verifyInclusion(leaf, item.index, size, item.proof.map((p) => fromHex(p)), root);
}

function check(certificate: unknown, headersExport: unknown, verifier: Verifier, errors: string[]): CertificateClaim {
  const { headers, genesisParties, chainId } = readHeaders(headersExport);
  const cert = obj(certificate, 'certificate');
  if (cert['format'] !== CERTIFICATE_FORMAT) fatal(`certificate: format "${CERTIFICATE_FORMAT}" expected`);
  const sign1 = decodeSign1(fromHex(String(cert['signed'])));
  const claim = decodeClaim(sign1.payload);
  const shown = obj(cert['claim'], 'certificate claim');
  for (const key of ['consumer', 'intermediary', 'periodStart', 'periodEnd', 'usageWh', 'renewableWh', 'matchedWh', 'headHeight', 'headHash'] as const) {
    if (shown[key] !== claim[key]) errors.push(`the readable claim says ${key} = ${String(shown[key])}, the signed claim says ${String(claim[key])}`);
  }
  if (claim.chainId !== chainId) fatal(`certificate is for chain ${claim.chainId}, headers are of chain ${chainId}`);
  const head = headers[claim.headHeight - 1];
  if (head === undefined || blockHash(head) !== claim.headHash) fatal(`claimed head ${claim.headHeight} (${claim.headHash}) is not in the headers file`);
  if (sign1.kid === undefined || toHex(sign1.kid) !== claim.intermediary) errors.push('the claim kid is not the intermediary');

  const evidence = obj(cert['evidence'], 'certificate evidence');
  const txItems = (evidence['txs'] ?? []) as EvidenceItem[];
  const eventItems = (evidence['events'] ?? []) as EvidenceItem[];
  const partyKeys = new Map(genesisParties);
  const meters = new Map<string, MeterKey>();
  const producerTxs: Uint8Array[] = [];
  const usageTxs: Uint8Array[] = [];
  for (const item of txItems) {
    const bytes = fromHex(item.bytes);
    if (item.height > claim.headHeight || !proven(item, headers, leafHash(txLeafEntry({ id: txId(bytes), status: 'applied', code: undefined })), 'tx')) {
      errors.push(`transaction at ${item.height}:${item.index} is not proven applied in the headers`);
      continue;
    }
    const ledger = parseLedgerTx(decodeTx(bytes));
    if (ledger.type === TxType.REGISTER_PARTY) partyKeys.set(ledger.body.id, ledger.body.publicKey);
    else if (ledger.type === TxType.REGISTER_METER) {
      const b = ledger.body;
      meters.set(b.meterId, { publicKey: b.publicKey, attestedBy: b.attestedBy, role: b.role, owner: b.owner, method: b.productionMethod, ratedPowerW: b.ratedPowerW });
    }
    else if (ledger.type === TxType.ISSUE_ASSET) producerTxs.push(ledger.body.readings);
    else if (ledger.type === TxType.RECORD_USAGE) usageTxs.push(ledger.body.readings);
  }

  const intermediaryKey = partyKeys.get(claim.intermediary);
  if (intermediaryKey === undefined) errors.push(`no proven key for intermediary ${claim.intermediary}`);
  else {
    try {
      verifySign1(sign1, intermediaryKey, verifier);
    } catch {
      errors.push(`the claim is not signed by intermediary ${claim.intermediary}`);
    }
  }

  const signedReadings = (raw: Uint8Array, role: string): IntervalReading[] => {
    const signed = decodeSignedReadings(raw);
    const meter = meters.get(signed.meterId);
    if (meter === undefined || meter.role !== role) {
      errors.push(`no proven registration of ${role} meter ${signed.meterId}`);
      return [];
    }
    try {
      if (meter.attestedBy === undefined) verifySignedReadings(signed, meter.publicKey!, verifier);
      else {
        const gatewayKey = partyKeys.get(meter.attestedBy);
        if (gatewayKey === undefined) {
          errors.push(`no proven key for gateway ${meter.attestedBy}, which attests meter ${signed.meterId}`);
          return [];
        }
        verifySign1(signed.sign1, gatewayKey, verifier);
      }
    } catch {
      errors.push(`readings of meter ${signed.meterId} do not verify under its registered key${meter.attestedBy === undefined ? '' : ` (gateway ${meter.attestedBy}'s)`}`);
      return [];
    }
    usedMeters.add(signed.meterId);
    return signed.readings;
  };
  const usedMeters = new Set<string>();
  const plausible = (r: IntervalReading): boolean => {
    const m = meters.get(r.meterId)!;
    return checkReadingPlausible(r, { role: m.role, productionMethod: m.method, ratedPowerW: m.ratedPowerW, attested: m.attestedBy !== undefined }) === undefined;
  };
  const producerReadings = new Map<string, IntervalReading>();
  for (const raw of producerTxs) for (const r of signedReadings(raw, MeterRole.PRODUCER)) producerReadings.set(toHex(readingHash(r)), r);

  const usageByInterval = new Map<number, number>();
  const usageByMeter = new Map<string, Map<number, IntervalReading>>();
  for (const raw of usageTxs) {
    for (const r of signedReadings(raw, MeterRole.CONSUMER)) {
      if (meters.get(r.meterId)?.owner !== claim.consumer) {
        errors.push(`usage meter ${r.meterId} is not owned by consumer ${claim.consumer}`);
        continue;
      }
      let bySeq = usageByMeter.get(r.meterId);
      if (bySeq === undefined) usageByMeter.set(r.meterId, (bySeq = new Map()));
      bySeq.set(r.seq, r);
    }
  }
  let usageWh = 0;
  for (const [meterId, bySeq] of usageByMeter) {
    const readings = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    readings.forEach((r, i) => {
      if (i > 0 && toHex(r.prevHash) !== toHex(readingHash(readings[i - 1]!))) errors.push(`usage readings of meter ${meterId} have a gap before seq ${r.seq}`);
      if (r.intervalStart < claim.periodStart || r.intervalStart >= claim.periodEnd || !plausible(r)) return;
      usageWh += r.importedWh;
      usageByInterval.set(r.intervalStart, (usageByInterval.get(r.intervalStart) ?? 0) + r.importedWh);
    });
  }

  if (eventItems.length !== claim.events.length || eventItems.some((e, i) => e.height !== claim.events[i]!.height || e.index !== claim.events[i]!.index)) {
    errors.push('the evidence events are not the events listed in the signed claim');
  }
  const byMethod = new Map<number, number>();
  const claimedByInterval = new Map<number, number>();
  const ranges = new Map<string, Array<[number, number]>>();
  for (const item of eventItems) {
    const bytes = fromHex(item.bytes);
    const where = `event ${item.height}:${item.index}`;
    if (item.height > claim.headHeight || !proven(item, headers, leafHash(bytes), 'event')) {
      errors.push(`${where} is not proven in the headers`);
      continue;
    }
    const event = decodeEvent(bytes) as AllocateEvent | UnmatchedEvent | undefined;
    if (event === undefined || (event.kind !== 'allocate' && event.kind !== 'unmatched')) {
      errors.push(`${where} is not an allocation`);
      continue;
    }
    if (event.consumer !== claim.consumer || event.intermediary !== claim.intermediary) errors.push(`${where} concerns another consumer or intermediary`);
    if (event.usageInterval < claim.periodStart || event.usageInterval >= claim.periodEnd) errors.push(`${where} is outside the period`);
    claimedByInterval.set(event.usageInterval, (claimedByInterval.get(event.usageInterval) ?? 0) + event.wh);
    if (event.kind === 'unmatched') continue;
    const reading = producerReadings.get(event.root);
    if (reading === undefined) {
      errors.push(`${where}: no signed producer reading for asset root ${event.root}`);
      continue;
    }
    const meter = meters.get(reading.meterId);
    if (reading.meterId !== event.meterId || meter?.method !== event.method || reading.productionMethod !== event.method) errors.push(`${where}: meter or production method differs from the signed reading`);
    if (reading.intervalStart !== event.productionInterval) errors.push(`${where}: production interval differs from the signed reading`);
    if (event.offset + event.wh > reading.exportedWh || event.wh === 0) errors.push(`${where}: range ${event.offset}+${event.wh} Wh exceeds the reading's ${reading.exportedWh} Wh`);
    if (event.assetId !== assetIdOf(event.root, event.offset, event.wh, reading.exportedWh)) errors.push(`${where}: asset id is not derived from its range`);
    let list = ranges.get(event.root);
    if (list === undefined) ranges.set(event.root, (list = []));
    list.push([event.offset, event.offset + event.wh]);
    byMethod.set(event.method, (byMethod.get(event.method) ?? 0) + event.wh);
  }
  for (const [root, list] of ranges) {
    list.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < list.length; i++) if (list[i]![0] < list[i - 1]![1]) errors.push(`asset root ${root}: a Wh range is claimed twice`);
  }
  for (const [interval, wh] of claimedByInterval) {
    if (wh > (usageByInterval.get(interval) ?? 0)) errors.push(`interval ${interval}: ${wh} Wh allocated but the consumer's signed readings show ${usageByInterval.get(interval) ?? 0} Wh`);
  }

  const attested = [...usedMeters].filter((id) => meters.get(id)?.attestedBy !== undefined).sort().map((id) => `${id}:${meters.get(id)!.attestedBy!}`);
  const listed = Array.isArray(cert['attestations']) ? (cert['attestations'] as Array<Record<string, unknown>>).map((a) => `${String(a['meterId'])}:${String(a['attestedBy'])}`) : [];
  if (JSON.stringify(listed) !== JSON.stringify(attested)) {
    errors.push(`the attestations listed (${listed.join(', ') || 'none'}) are not the gateway-attested meters of the lineage (${attested.join(', ') || 'none'})`);
  }

  const methods = [...byMethod].sort((a, b) => a[0] - b[0]);
  const matchedWh = methods.reduce((s, [, wh]) => s + wh, 0);
  const renewableWh = methods.filter(([m]) => isRenewable(m)).reduce((s, [, wh]) => s + wh, 0);
  if (JSON.stringify(methods) !== JSON.stringify(claim.byMethod.map((m) => [m.method, m.wh]))) errors.push('per-method totals do not add up to the allocations');
  if (matchedWh !== claim.matchedWh) errors.push(`matched ${claim.matchedWh} Wh claimed, allocations add up to ${matchedWh} Wh`);
  if (renewableWh !== claim.renewableWh) errors.push(`renewable ${claim.renewableWh} Wh claimed, allocations add up to ${renewableWh} Wh`);
  if (usageWh !== claim.usageWh) errors.push(`usage ${claim.usageWh} Wh claimed, the consumer's signed readings add up to ${usageWh} Wh`);
  if (typeof shown['renewablePercent'] === 'number' && shown['renewablePercent'] !== renewablePercent(claim.renewableWh, claim.usageWh)) errors.push('the readable renewable share does not match the signed totals');
  return claim;
}
