/**
 * What applying a transaction did, beyond its own record: the allocation results and asset
 * movements of DESIGN §7. Every event of a block is a leaf of the block's events Merkle root,
 * so a certificate can prove an allocation to a third party offline.
 */
import { decodeCbor } from '@wattledger/protocol';
import { CborWriter } from './cbor-writer.js';

export interface AllocateEvent {
  readonly kind: 'allocate';
  readonly intermediary: string;
  readonly consumer: string;
  readonly closeInterval: number;
  readonly usageInterval: number;
  readonly assetId: string;
  readonly root: string;
  readonly offset: number;
  readonly wh: number;
  readonly meterId: string;
  readonly method: number;
  readonly productionInterval: number;
  /** The intermediary the asset was taken from (step 3), or null for the own pool. */
  readonly lender: string | null;
}

export interface UnmatchedEvent {
  readonly kind: 'unmatched';
  readonly intermediary: string;
  readonly consumer: string;
  readonly closeInterval: number;
  readonly usageInterval: number;
  readonly wh: number;
  readonly reason: 'no-contract' | 'no-assets';
}

/** The inter-intermediary request of step 3 (the patent's first change request). */
export interface BorrowEvent {
  readonly kind: 'borrow';
  readonly borrower: string;
  readonly lender: string;
  readonly consumer: string;
  readonly method: number;
  readonly wh: number;
  readonly closeInterval: number;
}

export interface TransferEvent {
  readonly kind: 'transfer';
  readonly assetId: string;
  readonly root: string;
  readonly offset: number;
  readonly wh: number;
  readonly from: string;
  readonly to: string;
  readonly reason: 'owner' | 'borrow';
}

export interface ExpireEvent {
  readonly kind: 'expire';
  readonly assetId: string;
  readonly owner: string;
  readonly wh: number;
}

/**
 * An authentic, chained reading that fails plausibility (protocol checkReadingPlausible, the
 * gateway's rule too): it advances the meter's chain but issues no asset and records no usage.
 */
export interface QuarantinedEvent {
  readonly kind: 'quarantined';
  /** The meter's intermediary (whose recent events list it). */
  readonly intermediary: string;
  readonly meterId: string;
  readonly seq: number;
  readonly intervalStart: number;
  readonly readingHash: string;
  /** IMPLAUSIBLE_ENERGY, METHOD_MISMATCH or BAD_FLAGS. */
  readonly reason: string;
}

export type LedgerEvent = AllocateEvent | UnmatchedEvent | BorrowEvent | TransferEvent | ExpireEvent | QuarantinedEvent;

/** Field order of each event kind on the wire (after the kind itself). */
export const EVENT_FIELDS = Object.freeze({
  allocate: ['intermediary', 'consumer', 'closeInterval', 'usageInterval', 'assetId', 'root', 'offset', 'wh', 'meterId', 'method', 'productionInterval', 'lender'],
  unmatched: ['intermediary', 'consumer', 'closeInterval', 'usageInterval', 'wh', 'reason'],
  borrow: ['borrower', 'lender', 'consumer', 'method', 'wh', 'closeInterval'],
  transfer: ['assetId', 'root', 'offset', 'wh', 'from', 'to', 'reason'],
  expire: ['assetId', 'owner', 'wh'],
  quarantined: ['intermediary', 'meterId', 'seq', 'intervalStart', 'readingHash', 'reason'],
} as const satisfies { [K in LedgerEvent['kind']]: ReadonlyArray<Exclude<keyof Extract<LedgerEvent, { kind: K }>, 'kind'>> });

const NUMERIC_FIELDS: ReadonlySet<string> = new Set(['closeInterval', 'usageInterval', 'offset', 'wh', 'method', 'productionInterval', 'seq', 'intervalStart']);

const nullable = (w: CborWriter, v: string | null): CborWriter => (v === null ? w.null() : w.text(v));

/** Appends the canonical bytes of an event: CBOR [kind, ...fields in EVENT_FIELDS order]. */
export function writeEvent(event: LedgerEvent, w: CborWriter): void {
  // The kinds a close-interval emits by the hundred thousand, written field by field.
  switch (event.kind) {
    case 'allocate': {
      const e = event;
      nullable(w.array(13).text(e.kind).text(e.intermediary).text(e.consumer).uint(e.closeInterval).uint(e.usageInterval).text(e.assetId).text(e.root).uint(e.offset).uint(e.wh).text(e.meterId).uint(e.method).uint(e.productionInterval), e.lender);
      return;
    }
    case 'transfer': {
      const e = event;
      w.array(8).text(e.kind).text(e.assetId).text(e.root).uint(e.offset).uint(e.wh).text(e.from).text(e.to).text(e.reason);
      return;
    }
    default:
      return writeEventFields(event, w);
  }
}

/** The generic writer, following EVENT_FIELDS (the reference for the cases above). */
export function writeEventFields(event: LedgerEvent, w: CborWriter): void {
  const fields = EVENT_FIELDS[event.kind] as readonly string[];
  w.array(fields.length + 1).text(event.kind);
  const record = event as unknown as Record<string, string | number | null>;
  for (const field of fields) {
    const value = record[field];
    if (typeof value === 'number') w.uint(value);
    else if (value === null || value === undefined) w.null();
    else w.text(value);
  }
}

/** Canonical bytes of an event (the Merkle leaf entry). */
export function encodeEvent(event: LedgerEvent): Uint8Array {
  const w = new CborWriter(256);
  writeEvent(event, w);
  return w.view8().slice();
}

/** Inverse of `encodeEvent`; undefined for anything that is not a well-formed event. */
export function decodeEvent(bytes: Uint8Array): LedgerEvent | undefined {
  let values: unknown;
  try {
    values = decodeCbor(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(values) || typeof values[0] !== 'string' || !Object.hasOwn(EVENT_FIELDS, values[0])) return undefined;
  const kind = values[0] as LedgerEvent['kind'];
  const fields = EVENT_FIELDS[kind] as readonly string[];
  if (values.length !== fields.length + 1) return undefined;
  const event: Record<string, unknown> = { kind };
  fields.forEach((field, i) => (event[field] = values[i + 1]));
  for (const [field, value] of Object.entries(event)) {
    const ok = NUMERIC_FIELDS.has(field)
      ? typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      : typeof value === 'string' || (value === null && field === 'lender');
    if (!ok) return undefined;
  }
  return event as unknown as LedgerEvent;
}

export function decodeAllocateEvent(bytes: Uint8Array): AllocateEvent | undefined {
  const event = decodeEvent(bytes);
  return event?.kind === 'allocate' ? event : undefined;
}
