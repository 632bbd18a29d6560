/**
 * Canonical encoding of state records: one CBOR array per record, fields in a fixed order.
 * The same bytes are hashed into the state root and stored in the node's snapshot, so a
 * record read back from disk re-encodes to the bytes that were hashed.
 */
import { decodeCbor } from '@wattledger/protocol';
import { CborWriter } from './cbor-writer.js';
import type { MeterRole, PartyRole, TransferRule } from '@wattledger/protocol';
import { newAsset, type Asset, type AssetStatus, type CertificateRequest, type Contract, type History, type IntermediaryClock, type Meter, type Party, type PendingUsage, type TransferPolicy } from './types.js';

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

type Codec<T> = { encode(record: T, w: CborWriter): void; decode(fields: unknown[]): T };

const u = (v: unknown): number => v as number;
const s = (v: unknown): string => v as string;
const optText = (w: CborWriter, v: string | undefined): CborWriter => (v === undefined ? w.null() : w.text(v));
const optUint = (w: CborWriter, v: number | undefined): CborWriter => (v === undefined ? w.null() : w.uint(v));
/** lastSeq is -1 before the first reading: stored as lastSeq + 1. */
const seq = (v: number): number => v + 1;

const codecs: { [K in RecordKind]: Codec<RecordTypes[K]> } = {
  party: {
    encode: (p, w) => optText(w.array(7).text(p.id).text(p.role).bytes(p.publicKey).text(p.region).text(p.name), p.intermediary).uint(p.height),
    decode: (f) => ({ id: s(f[0]), role: f[1] as PartyRole, publicKey: f[2] as Uint8Array, region: s(f[3]), name: s(f[4]), intermediary: (f[5] ?? undefined) as string | undefined, height: u(f[6]) }),
  },
  meter: {
    // A gateway-attested meter has a tenth field; others keep their nine (unchanged bytes and state roots).
    encode: (m, w) => {
      w.array(m.attestedBy === undefined ? 9 : 10).text(m.id).bytes(m.publicKey).text(m.role).text(m.owner).text(m.intermediary).uint(m.productionMethod).uint(m.ratedPowerW).uint(seq(m.lastSeq)).text(m.lastReadingHash);
      if (m.attestedBy !== undefined) w.text(m.attestedBy);
    },
    decode: (f) => ({
      id: s(f[0]), publicKey: f[1] as Uint8Array, role: f[2] as MeterRole, owner: s(f[3]), intermediary: s(f[4]), productionMethod: u(f[5]), ratedPowerW: u(f[6]), lastSeq: u(f[7]) - 1, lastReadingHash: s(f[8]),
      ...(f.length > 9 ? { attestedBy: s(f[9]) } : {}),
    }),
  },
  asset: {
    encode: (a, w) => {
      w.array(15).text(a.id).text(a.root).uint(a.offset).uint(a.wh).text(a.meterId).text(a.producer).uint(a.method).uint(a.intervalStart).uint(a.expiry).text(a.sourceTx).uint(a.issuedHeight).text(a.owner).text(a.status);
      optUint(optText(w, a.consumer), a.usageInterval);
    },
    decode: (f) => newAsset({
      id: s(f[0]), root: s(f[1]), offset: u(f[2]), wh: u(f[3]), meterId: s(f[4]), producer: s(f[5]), method: u(f[6]), intervalStart: u(f[7]), expiry: u(f[8]),
      sourceTx: s(f[9]), issuedHeight: u(f[10]), owner: s(f[11]), status: f[12] as AssetStatus, consumer: (f[13] ?? undefined) as string | undefined, usageInterval: (f[14] ?? undefined) as number | undefined,
    }),
  },
  contract: {
    encode: (c, w) => {
      w.array(9).text(c.consumer).text(c.intermediary).uint(c.periodStart).uint(c.periodEnd).uint(c.plannedWhPerHour).uint(c.targetPercent).array(c.providers.length);
      for (const p of c.providers) w.text(p);
      w.bool(c.granular).text(c.txId);
    },
    decode: (f) => ({ consumer: s(f[0]), intermediary: s(f[1]), periodStart: u(f[2]), periodEnd: u(f[3]), plannedWhPerHour: u(f[4]), targetPercent: u(f[5]), providers: f[6] as string[], granular: f[7] as boolean, txId: s(f[8]) }),
  },
  policy: {
    encode: (p, w) => {
      w.array(2).text(p.intermediary).array(p.rules.length);
      for (const r of p.rules) {
        w.array(4).text(r.to).array(r.methods.length);
        for (const m of r.methods) w.uint(m);
        optUint(w, r.maxWhPerInterval).uint(r.priority);
      }
    },
    decode: (f) => ({
      intermediary: s(f[0]),
      rules: (f[1] as unknown[][]).map((r): TransferRule => {
        const rule = { to: s(r[0]), methods: r[1] as number[], priority: u(r[3]) };
        return r[2] === null ? rule : { ...rule, maxWhPerInterval: u(r[2]) };
      }),
    }),
  },
  history: {
    encode: (h, w) => {
      const methods = [...h.byMethod.keys()].sort((a, b) => a - b);
      w.array(5).text(h.consumer).array(methods.length * 2);
      for (const m of methods) w.uint(m).uint(h.byMethod.get(m)!);
      w.uint(h.renewableWh).uint(h.totalWh).uint(h.unmatchedWh);
    },
    decode: (f) => {
      const flat = f[1] as number[];
      const byMethod = new Map<number, number>();
      for (let i = 0; i < flat.length; i += 2) byMethod.set(flat[i]!, flat[i + 1]!);
      return { consumer: s(f[0]), byMethod, renewableWh: u(f[2]), totalWh: u(f[3]), unmatchedWh: u(f[4]) };
    },
  },
  usage: {
    encode: (x, w) => w.array(5).text(x.key).text(x.intermediary).text(x.consumer).uint(x.intervalStart).uint(x.wh),
    decode: (f) => ({ key: s(f[0]), intermediary: s(f[1]), consumer: s(f[2]), intervalStart: u(f[3]), wh: u(f[4]) }),
  },
  clock: {
    encode: (c, w) => w.array(2).text(c.intermediary).uint(c.lastClosed),
    decode: (f) => ({ intermediary: s(f[0]), lastClosed: u(f[1]) }),
  },
  certreq: {
    encode: (c, w) => w.array(6).text(c.id).text(c.consumer).uint(c.periodStart).uint(c.periodEnd).text(c.requestedBy).uint(c.height),
    decode: (f) => ({ id: s(f[0]), consumer: s(f[1]), periodStart: u(f[2]), periodEnd: u(f[3]), requestedBy: s(f[4]), height: u(f[5]) }),
  },
};

/** Appends the canonical bytes of a record to `w`. */
export function writeRecord<K extends RecordKind>(kind: K, record: RecordTypes[K], w: CborWriter): void {
  codecs[kind].encode(record, w);
}

export function encodeRecord<K extends RecordKind>(kind: K, record: RecordTypes[K]): Uint8Array {
  const w = new CborWriter(256);
  codecs[kind].encode(record, w);
  return w.view8().slice();
}

export function decodeRecord<K extends RecordKind>(kind: K, bytes: Uint8Array): RecordTypes[K] {
  const fields = decodeCbor(bytes);
  if (!Array.isArray(fields)) throw new TypeError(`stored ${kind} record is not a CBOR array`);
  return codecs[kind].decode(fields);
}
