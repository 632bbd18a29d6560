/** JSON views of ledger records for the HTTP API (keys and hashes as lower-case hex). */
import { isRenewable, productionMethodByCode, toHex } from '@wattledger/protocol';
import type { BlockHeader } from '../core/block.js';
import type { LedgerEvent } from '../core/events.js';
import type { Asset, CertificateRequest, Contract, History, Meter, Party, TransferPolicy } from '../core/types.js';

export const methodName = (code: number): string => productionMethodByCode(code)?.name ?? 'none';

export function partyView(p: Party) {
  return { id: p.id, role: p.role, publicKey: toHex(p.publicKey), region: p.region, name: p.name, intermediary: p.intermediary ?? null, height: p.height };
}

export function meterView(m: Meter) {
  return {
    // For a gateway-attested meter, publicKey is its attesting gateway's key (what its readings verify under).
    id: m.id, publicKey: toHex(m.publicKey), attestedBy: m.attestedBy ?? null, role: m.role, owner: m.owner, intermediary: m.intermediary,
    productionMethod: m.productionMethod, productionMethodName: methodName(m.productionMethod), ratedPowerW: m.ratedPowerW,
    lastSeq: m.lastSeq, lastReadingHash: m.lastReadingHash === '' ? null : m.lastReadingHash,
  };
}

export function assetView(a: Asset) {
  return {
    id: a.id, root: a.root, offset: a.offset, wh: a.wh, meterId: a.meterId, producer: a.producer, method: a.method, methodName: methodName(a.method),
    intervalStart: a.intervalStart, expiry: a.expiry, owner: a.owner, status: a.status, consumer: a.consumer ?? null, usageInterval: a.usageInterval ?? null,
    sourceTx: a.sourceTx, issuedHeight: a.issuedHeight,
  };
}

export function contractView(c: Contract) {
  return {
    consumer: c.consumer, intermediary: c.intermediary, periodStart: c.periodStart, periodEnd: c.periodEnd, plannedWhPerHour: c.plannedWhPerHour,
    targetPercent: c.targetPercent, providers: [...c.providers], granular: c.granular, txId: c.txId,
  };
}

export function policyView(p: TransferPolicy) {
  return { intermediary: p.intermediary, rules: p.rules.map((r) => ({ to: r.to, methods: [...r.methods], maxWhPerInterval: r.maxWhPerInterval ?? null, priority: r.priority })) };
}

export function historyView(h: History) {
  const byMethod = [...h.byMethod].sort((a, b) => a[0] - b[0]).map(([method, wh]) => ({ method, name: methodName(method), renewable: isRenewable(method), wh }));
  return { consumer: h.consumer, byMethod, renewableWh: h.renewableWh, totalWh: h.totalWh, unmatchedWh: h.unmatchedWh, renewablePercent: h.totalWh === 0 ? 0 : (100 * h.renewableWh) / h.totalWh };
}

export function certificateRequestView(r: CertificateRequest) {
  return { id: r.id, consumer: r.consumer, periodStart: r.periodStart, periodEnd: r.periodEnd, requestedBy: r.requestedBy, height: r.height };
}

export function headerView(h: BlockHeader, hash: string) {
  return { hash, ...h };
}

export function eventView(e: LedgerEvent, height: number, index: number) {
  return { height, index, ...e, ...('method' in e ? { methodName: methodName(e.method) } : {}) };
}
