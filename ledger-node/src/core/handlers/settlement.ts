/** transfer (only the owner moves an open asset) and request-certificate. */
import { PartyRole, type RequestCertificateBody, type TransferBody } from '@wattledger/protocol';
import { takePiece } from '../asset-ops.js';
import type { HandlerInput } from '../context.js';
import { reject, RejectCode } from '../rejection.js';
import type { LedgerState } from '../state.js';
import { AssetStatus } from '../types.js';

export function transfer(state: LedgerState, body: TransferBody, input: HandlerInput): void {
  const asset = state.assets.get(body.assetId);
  if (asset === undefined) reject(RejectCode.UNKNOWN_ASSET, `asset ${body.assetId} does not exist`);
  if (input.signer.id !== asset.owner && state.actsFor(input.signer) !== asset.owner) reject(RejectCode.UNAUTHORIZED, `only the owner ${asset.owner} may transfer asset ${asset.id}`);
  if (asset.status !== AssetStatus.OPEN) reject(RejectCode.ASSET_NOT_OPEN, `asset ${asset.id} is ${asset.status}`);
  if (asset.expiry <= state.ledgerTime) reject(RejectCode.ASSET_EXPIRED, `asset ${asset.id} expired at ${asset.expiry}`);
  if (body.wh > asset.wh) reject(RejectCode.INSUFFICIENT_WH, `asset ${asset.id} holds ${asset.wh} Wh, ${body.wh} requested`);
  const to = state.parties.get(body.to);
  if (to === undefined) reject(RejectCode.UNKNOWN_PARTY, `receiver ${body.to} is not registered`);
  if (to.role !== PartyRole.INTERMEDIARY) reject(RejectCode.WRONG_ROLE, `assets move between intermediaries; ${to.id} is a ${to.role}`);
  if (to.id === asset.owner) reject(RejectCode.BAD_TX, `asset ${asset.id} is already owned by ${to.id}`);
  const from = asset.owner;
  const piece = takePiece(state, asset, body.wh);
  piece.owner = to.id;
  state.assetChanged(piece);
  input.events.push({ kind: 'transfer', assetId: piece.id, root: piece.root, offset: piece.offset, wh: piece.wh, from, to: to.id, reason: 'owner' });
}

export function requestCertificate(state: LedgerState, body: RequestCertificateBody, input: HandlerInput): void {
  const consumer = state.parties.get(body.consumer);
  if (consumer === undefined) reject(RejectCode.UNKNOWN_PARTY, `consumer ${body.consumer} is not registered`);
  if (consumer.role !== PartyRole.CONSUMER) reject(RejectCode.WRONG_ROLE, `${body.consumer} is a ${consumer.role}, not a consumer`);
  const contract = state.contracts.get(body.consumer);
  const acting = state.actsFor(input.signer);
  const allowed = input.signer.id === consumer.id || (acting !== undefined && (acting === contract?.intermediary || acting === consumer.intermediary));
  if (!allowed) reject(RejectCode.UNAUTHORIZED, `only consumer ${consumer.id} or its intermediary may request its certificate`);
  state.putCertificateRequest({ id: input.tx.id, consumer: consumer.id, periodStart: body.periodStart, periodEnd: body.periodEnd, requestedBy: input.signer.id, height: input.ctx.height });
}
