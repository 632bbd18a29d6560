/**
 * Canonical encoding of state records: one CBOR array per record, fields in a fixed order.
 * The same bytes are hashed into the state root and stored in the node's snapshot, so a
 * record read back from disk re-encodes to the bytes that were hashed.
 */
import { decodeCbor, encodeCbor } from '@wattledger/protocol';
import type { MeterRole, PartyRole, TransferRule } from '@wattledger/protocol';
import type { Asset, AssetStatus, CertificateRequest, Contract, History, IntermediaryClock, Meter, Party, PendingUsage, TransferPolicy } from './types.js';

export const RecordKind = Object.freeze({
  PARTY: 'party',
  METER: 'meter',
  ASSET: 'asset',
  CONTRACT: 'contract',
  POLICY: 'policy',
  HISTORY: 'history',
  USAGE: 'usage',
  CLOCK: 'clock',
  CERTIFICATE_REQUEST: 'certreq',
} as const);
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export interface RecordTypes {
  party: Party;
  meter: Meter;
  asset: Asset;
  contract: Contract;
  policy: TransferPolicy;
  history: History;
  usage: PendingUsage;
  clock: IntermediaryClock;
  certreq: CertificateRequest;
}

type Codec<T> = { encode(record: T): unknown[]; decode(fields: unknown[]): T };

const u = (v: unknown): number => v as number;
const s = (v: unknown): string => v as string;

const codecs: { [K in RecordKind]: Codec<RecordTypes[K]> } = {
  party: {
    encode: (p) => [p.id, p.role, p.publicKey, p.region, p.name, p.intermediary ?? null, p.height],
    decode: (f) => ({ id: s(f[0]), role: f[1] as PartyRole, publicKey: f[2] as Uint8Array, region: s(f[3]), name: s(f[4]), intermediary: (f[5] ?? undefined) as string | undefined, height: u(f[6]) }),
  },
  meter: {
    encode: (m) => [m.id, m.publicKey, m.role, m.owner, m.intermediary, m.productionMethod, m.ratedPowerW, m.lastSeq, m.lastReadingHash],
    decode: (f) => ({ id: s(f[0]), publicKey: f[1] as Uint8Array, role: f[2] as MeterRole, owner: s(f[3]), intermediary: s(f[4]), productionMethod: u(f[5]), ratedPowerW: u(f[6]), lastSeq: u(f[7]), lastReadingHash: s(f[8]) }),
  },
  asset: {
    encode: (a) => [a.id, a.root, a.offset, a.wh, a.meterId, a.producer, a.method, a.intervalStart, a.expiry, a.sourceTx, a.issuedHeight, a.owner, a.status, a.consumer ?? null, a.usageInterval ?? null],
    decode: (f) => ({
      id: s(f[0]), root: s(f[1]), offset: u(f[2]), wh: u(f[3]), meterId: s(f[4]), producer: s(f[5]), method: u(f[6]), intervalStart: u(f[7]), expiry: u(f[8]),
      sourceTx: s(f[9]), issuedHeight: u(f[10]), owner: s(f[11]), status: f[12] as AssetStatus, consumer: (f[13] ?? undefined) as string | undefined, usageInterval: (f[14] ?? undefined) as number | undefined,
    }),
  },
  contract: {
    encode: (c) => [c.consumer, c.intermediary, c.periodStart, c.periodEnd, c.plannedWhPerHour, c.targetPercent, [...c.providers], c.granular, c.txId],
    decode: (f) => ({ consumer: s(f[0]), intermediary: s(f[1]), periodStart: u(f[2]), periodEnd: u(f[3]), plannedWhPerHour: u(f[4]), targetPercent: u(f[5]), providers: f[6] as string[], granular: f[7] as boolean, txId: s(f[8]) }),
  },
  policy: {
    encode: (p) => [p.intermediary, p.rules.map((r) => [r.to, [...r.methods], r.maxWhPerInterval ?? null, r.priority])],
    decode: (f) => ({
      intermediary: s(f[0]),
      rules: (f[1] as unknown[][]).map((r): TransferRule => {
        const rule = { to: s(r[0]), methods: r[1] as number[], priority: u(r[3]) };
        return r[2] === null ? rule : { ...rule, maxWhPerInterval: u(r[2]) };
      }),
    }),
  },
  history: {
    encode: (h) => [h.consumer, [...h.byMethod].sort((a, b) => a[0] - b[0]).flat(), h.renewableWh, h.totalWh, h.unmatchedWh],
    decode: (f) => {
      const flat = f[1] as number[];
      const byMethod = new Map<number, number>();
      for (let i = 0; i < flat.length; i += 2) byMethod.set(flat[i]!, flat[i + 1]!);
      return { consumer: s(f[0]), byMethod, renewableWh: u(f[2]), totalWh: u(f[3]), unmatchedWh: u(f[4]) };
    },
  },
  usage: {
    encode: (x) => [x.key, x.intermediary, x.consumer, x.intervalStart, x.wh],
    decode: (f) => ({ key: s(f[0]), intermediary: s(f[1]), consumer: s(f[2]), intervalStart: u(f[3]), wh: u(f[4]) }),
  },
  clock: {
    encode: (c) => [c.intermediary, c.lastClosed],
    decode: (f) => ({ intermediary: s(f[0]), lastClosed: u(f[1]) }),
  },
  certreq: {
    encode: (c) => [c.id, c.consumer, c.periodStart, c.periodEnd, c.requestedBy, c.height],
    decode: (f) => ({ id: s(f[0]), consumer: s(f[1]), periodStart: u(f[2]), periodEnd: u(f[3]), requestedBy: s(f[4]), height: u(f[5]) }),
  },
};

export function encodeRecord<K extends RecordKind>(kind: K, record: RecordTypes[K]): Uint8Array {
  return encodeCbor(codecs[kind].encode(record));
}

export function decodeRecord<K extends RecordKind>(kind: K, bytes: Uint8Array): RecordTypes[K] {
  const fields = decodeCbor(bytes);
  if (!Array.isArray(fields)) throw new TypeError(`stored ${kind} record is not a CBOR array`);
  return codecs[kind].decode(fields);
}
