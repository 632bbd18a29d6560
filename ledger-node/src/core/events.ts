/**
 * What applying a transaction did, beyond its own record: the allocation results and asset
 * movements of DESIGN §7. Every event of a block is a leaf of the block's events Merkle root,
 * so a certificate can prove an allocation to a third party offline.
 */
import { encodeCbor } from '@wattledger/protocol';

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

export type LedgerEvent = AllocateEvent | UnmatchedEvent | BorrowEvent | TransferEvent | ExpireEvent;

/** Canonical bytes of an event (the Merkle leaf entry): a CBOR array, fields in fixed order. */
export function encodeEvent(event: LedgerEvent): Uint8Array {
  switch (event.kind) {
    case 'allocate':
      return encodeCbor([event.kind, event.intermediary, event.consumer, event.closeInterval, event.usageInterval, event.assetId, event.root, event.offset, event.wh, event.meterId, event.method, event.productionInterval, event.lender]);
    case 'unmatched':
      return encodeCbor([event.kind, event.intermediary, event.consumer, event.closeInterval, event.usageInterval, event.wh, event.reason]);
    case 'borrow':
      return encodeCbor([event.kind, event.borrower, event.lender, event.consumer, event.method, event.wh, event.closeInterval]);
    case 'transfer':
      return encodeCbor([event.kind, event.assetId, event.root, event.offset, event.wh, event.from, event.to, event.reason]);
    case 'expire':
      return encodeCbor([event.kind, event.assetId, event.owner, event.wh]);
  }
}

/** Inverse of `encodeEvent` for an allocate event (used by offline certificate checks). */
export function decodeAllocateEvent(fields: unknown): AllocateEvent | undefined {
  if (!Array.isArray(fields) || fields.length !== 13 || fields[0] !== 'allocate') return undefined;
  const [, intermediary, consumer, closeInterval, usageInterval, assetId, root, offset, wh, meterId, method, productionInterval, lender] = fields as unknown[];
  const str = (v: unknown): v is string => typeof v === 'string';
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!str(intermediary) || !str(consumer) || !int(closeInterval) || !int(usageInterval) || !str(assetId) || !str(root) || !int(offset) || !int(wh) || !str(meterId) || !int(method) || !int(productionInterval)) return undefined;
  if (lender !== null && !str(lender)) return undefined;
  return { kind: 'allocate', intermediary, consumer, closeInterval, usageInterval, assetId, root, offset, wh, meterId, method, productionInterval, lender };
}
