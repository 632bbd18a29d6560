/**
 * Bodies of close-interval (triggers allocation for one intermediary), transfer (an owner
 * moves all or part of an open asset) and request-certificate (a consumer or its intermediary
 * asks for the certificate application of a period). DESIGN §7.
 */
import type { TxBody } from '../tx.js';
import { BodyReader, checkBuiltBody } from './body-reader.js';
import type { PartyId } from './party.js';

export interface CloseIntervalBody {
  readonly intermediary: PartyId;
  /** Start of the interval being closed, Unix s, aligned to the ledger's interval. */
  readonly intervalStart: number;
}

export function parseCloseInterval(body: TxBody): CloseIntervalBody {
  const r: BodyReader = new BodyReader(body, 'close-interval', ['intermediary', 'intervalStart']);
  return { intermediary: r.partyId('intermediary'), intervalStart: r.uint('intervalStart') };
}

export function closeIntervalBody(close: CloseIntervalBody): TxBody {
  return checkBuiltBody({ ...close }, parseCloseInterval);
}

export interface TransferBody {
  readonly assetId: string;
  readonly to: PartyId;
  /** Wh to move; less than the asset's Wh splits it. */
  readonly wh: number;
}

export function parseTransfer(body: TxBody): TransferBody {
  const r: BodyReader = new BodyReader(body, 'transfer', ['assetId', 'to', 'wh']);
  return { assetId: r.hash('assetId'), to: r.partyId('to'), wh: r.uint('wh', undefined, 1) };
}

export function transferBody(transfer: TransferBody): TxBody {
  return checkBuiltBody({ ...transfer }, parseTransfer);
}

export interface RequestCertificateBody {
  readonly consumer: PartyId;
  /** Period [periodStart, periodEnd) of usage intervals, Unix s. */
  readonly periodStart: number;
  readonly periodEnd: number;
}

export function parseRequestCertificate(body: TxBody): RequestCertificateBody {
  const r: BodyReader = new BodyReader(body, 'request-certificate', ['consumer', 'periodStart', 'periodEnd']);
  const periodStart = r.uint('periodStart');
  const periodEnd = r.uint('periodEnd');
  if (periodEnd <= periodStart) r.fail('periodEnd', 'must be after periodStart');
  return { consumer: r.partyId('consumer'), periodStart, periodEnd };
}

export function requestCertificateBody(request: RequestCertificateBody): TxBody {
  return checkBuiltBody({ ...request }, parseRequestCertificate);
}
