/**
 * Assembles, signs and returns the certificate application for a consumer and a period from
 * a node's store (see claim.ts for what it contains and why).
 */
import { checkReadingPlausible, createSign1, decodeSignedReadings, decodeTx, fromHex, isRenewable, MeterRole, parseLedgerTx, partyIdFromPublicKey, toHex, TxType, type Signer } from '@wattledger/protocol';
import { decodeEvent, type AllocateEvent, type UnmatchedEvent } from '../core/events.js';
import type { Genesis } from '../core/genesis.js';
import type { ChainHead } from '../core/machine.js';
import { MerkleTree } from '../core/merkle.js';
import type { LedgerState } from '../core/state.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { CERTIFICATE_FORMAT, encodeClaim, renewablePercent, type CertificateApplication, type CertificateClaim, type EvidenceItem } from './claim.js';

export class CertificateError extends Error {
  constructor(readonly code: 'UNKNOWN_PARTY' | 'NO_INTERMEDIARY' | 'NO_SIGNING_KEY' | 'BAD_PERIOD', message: string) {
    super(message);
  }
  override get name(): string {
    return 'CertificateError';
  }
}

export interface CertificateSource {
  readonly store: LedgerStore;
  readonly state: LedgerState;
  readonly genesis: Genesis;
  readonly head: ChainHead;
}

class ProofCache {
  private readonly trees = new Map<string, MerkleTree>();
  constructor(private readonly store: LedgerStore) {}

  private tree(height: number, which: 'tx' | 'event'): MerkleTree {
    const key = `${which}:${height}`;
    let tree = this.trees.get(key);
    if (tree === undefined) {
      const block = this.store.block(height);
      if (block === undefined) throw new Error(`block ${height} is missing from the store`);
      tree = new MerkleTree(which === 'tx' ? block.txLeaves : block.eventLeaves);
      this.trees.set(key, tree);
    }
    return tree;
  }

  item(height: number, index: number, bytes: Uint8Array, which: 'tx' | 'event'): EvidenceItem {
    return { height, index, bytes: toHex(bytes), proof: this.tree(height, which).proof(index).map(toHex) };
  }
}

/** The intermediary that answers for a consumer: its contract's, else the one it is registered under. */
export function intermediaryOf(state: LedgerState, consumer: string): string {
  const party = state.parties.get(consumer);
  if (party === undefined) throw new CertificateError('UNKNOWN_PARTY', `consumer ${consumer} is not registered`);
  const intermediary = state.contracts.get(consumer)?.intermediary ?? party.intermediary;
  if (intermediary === undefined) throw new CertificateError('NO_INTERMEDIARY', `consumer ${consumer} has no contract and no intermediary`);
  return intermediary;
}

export function buildCertificate(source: CertificateSource, consumer: string, periodStart: number, periodEnd: number, signer: Signer): CertificateApplication {
  const { store, state } = source;
  if (!(periodEnd > periodStart)) throw new CertificateError('BAD_PERIOD', `period end ${periodEnd} must be after its start ${periodStart}`);
  const intermediary = intermediaryOf(state, consumer);
  if (partyIdFromPublicKey(signer.publicKey) !== intermediary) throw new CertificateError('NO_SIGNING_KEY', `the certificate must be signed by intermediary ${intermediary}`);
  const proofs = new ProofCache(store);
  const txEvidence = new Map<string, EvidenceItem>();
  const addTx = (height: number, index: number): void => {
    const key = `${height}:${index}`;
    if (txEvidence.has(key)) return;
    const tx = store.txAt(height, index);
    if (tx === undefined) throw new Error(`transaction ${key} is missing from the store`);
    txEvidence.set(key, proofs.item(height, index, tx.bytes, 'tx'));
  };
  const addRegistration = (subject: string): void => {
    const at = store.registration(subject);
    if (at !== undefined) addTx(at.height, at.index);
  };
  const attestations = new Map<string, string>();
  /** A meter whose readings are in the evidence, gateway-attested: its attestor's registration too (the key they verify under). */
  const addAttestor = (meterId: string): void => {
    const attestedBy = state.meters.get(meterId)?.attestedBy;
    if (attestedBy === undefined || attestations.has(meterId)) return;
    attestations.set(meterId, attestedBy);
    addRegistration(attestedBy);
  };

  const events: EvidenceItem[] = [];
  const allocations: AllocateEvent[] = [];
  for (const stored of store.consumerEvents(consumer, periodStart, periodEnd)) {
    const event = decodeEvent(stored.bytes);
    if (event === undefined || (event.kind !== 'allocate' && event.kind !== 'unmatched')) continue;
    if ((event as AllocateEvent | UnmatchedEvent).intermediary !== intermediary) continue;
    events.push(proofs.item(stored.height, stored.index, stored.bytes, 'event'));
    if (event.kind !== 'allocate') continue;
    allocations.push(event);
    const piece = state.assets.get(event.assetId);
    const source = piece === undefined ? undefined : store.tx(piece.sourceTx);
    if (source === undefined) throw new Error(`source transaction of asset ${event.assetId} is missing`);
    addTx(source.height, source.index);
    addRegistration(event.meterId);
    addAttestor(event.meterId);
  }

  let usageWh = 0;
  const consumerMeters = [...state.meters.values()].filter((m) => m.owner === consumer && m.role === MeterRole.CONSUMER).sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const meter of consumerMeters) {
    addRegistration(meter.id);
    const limits = { role: meter.role, productionMethod: meter.productionMethod, ratedPowerW: meter.ratedPowerW, attested: meter.attestedBy !== undefined };
    for (const at of store.meterTxs(meter.id, periodStart, periodEnd)) {
      addTx(at.height, at.index);
      addAttestor(meter.id);
      const ledger = parseLedgerTx(decodeTx(store.txAt(at.height, at.index)!.bytes));
      if (ledger.type !== TxType.RECORD_USAGE) continue;
      for (const r of decodeSignedReadings(ledger.body.readings).readings) {
        // A quarantined reading is on the ledger (it keeps the chain) but records no usage.
        if (r.intervalStart >= periodStart && r.intervalStart < periodEnd && checkReadingPlausible(r, limits) === undefined) usageWh += r.importedWh;
      }
    }
  }
  addRegistration(intermediary);

  const byMethodMap = new Map<number, number>();
  for (const a of allocations) byMethodMap.set(a.method, (byMethodMap.get(a.method) ?? 0) + a.wh);
  const byMethod = [...byMethodMap].sort((a, b) => a[0] - b[0]).map(([method, wh]) => ({ method, wh }));
  const claim: CertificateClaim = {
    chainId: source.genesis.chainId, consumer, intermediary, periodStart, periodEnd, usageWh,
    matchedWh: byMethod.reduce((sum, m) => sum + m.wh, 0),
    renewableWh: byMethod.filter((m) => isRenewable(m.method)).reduce((sum, m) => sum + m.wh, 0),
    byMethod, headHeight: source.head.height, headHash: source.head.hash,
    events: events.map((e) => ({ height: e.height, index: e.index })),
  };
  const signed = createSign1({ payload: encodeClaim(claim), signer, kid: fromHex(intermediary) });
  const txs = [...txEvidence.values()].sort((a, b) => a.height - b.height || a.index - b.index);
  const attested = [...attestations].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([meterId, attestedBy]) => ({ meterId, attestedBy }));
  return { format: CERTIFICATE_FORMAT, claim: { ...claim, renewablePercent: renewablePercent(claim.renewableWh, claim.usageWh) }, signed: toHex(signed), evidence: { events, txs }, attestations: attested };
}
