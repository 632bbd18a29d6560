/**
 * A ledger transaction with its typed body: the one place that maps a TxType to its body
 * parser. The gateway builds with `buildLedgerTx`; the ledger reads with `parseLedgerTx`.
 */
import { fromHex } from '../bytes.js';
import type { Signer } from '../signer.js';
import { signTx, TxType, type DecodedTx, type TxBody } from '../tx.js';
import { parseRegisterMeter, parseRegisterParty, type RegisterMeterBody, type RegisterPartyBody } from './registry-bodies.js';
import { parseIssueAsset, parseRecordUsage, type SignedReadingBody } from './reading-bodies.js';
import { parseSetContract, parseSetTransferPolicy, type SetContractBody, type SetTransferPolicyBody } from './market-bodies.js';
import { parseCloseInterval, parseRequestCertificate, parseTransfer, type CloseIntervalBody, type RequestCertificateBody, type TransferBody } from './settlement-bodies.js';
import { isPartyId } from './party.js';

export type LedgerBody =
  | { readonly type: typeof TxType.REGISTER_PARTY; readonly body: RegisterPartyBody }
  | { readonly type: typeof TxType.REGISTER_METER; readonly body: RegisterMeterBody }
  | { readonly type: typeof TxType.ISSUE_ASSET; readonly body: SignedReadingBody }
  | { readonly type: typeof TxType.RECORD_USAGE; readonly body: SignedReadingBody }
  | { readonly type: typeof TxType.SET_CONTRACT; readonly body: SetContractBody }
  | { readonly type: typeof TxType.SET_TRANSFER_POLICY; readonly body: SetTransferPolicyBody }
  | { readonly type: typeof TxType.CLOSE_INTERVAL; readonly body: CloseIntervalBody }
  | { readonly type: typeof TxType.TRANSFER; readonly body: TransferBody }
  | { readonly type: typeof TxType.REQUEST_CERTIFICATE; readonly body: RequestCertificateBody };

const parsers: { readonly [K in TxType]: (body: TxBody) => unknown } = {
  [TxType.REGISTER_PARTY]: parseRegisterParty,
  [TxType.REGISTER_METER]: parseRegisterMeter,
  [TxType.ISSUE_ASSET]: parseIssueAsset,
  [TxType.RECORD_USAGE]: parseRecordUsage,
  [TxType.SET_CONTRACT]: parseSetContract,
  [TxType.SET_TRANSFER_POLICY]: parseSetTransferPolicy,
  [TxType.CLOSE_INTERVAL]: parseCloseInterval,
  [TxType.TRANSFER]: parseTransfer,
  [TxType.REQUEST_CERTIFICATE]: parseRequestCertificate,
};

/** Typed body of a decoded envelope; throws BadTxError naming the bad field. */
export function parseLedgerBody(type: TxType, body: TxBody): LedgerBody {
  return { type, body: parsers[type](body) } as LedgerBody;
}

export function parseLedgerTx(tx: DecodedTx): LedgerBody {
  return parseLedgerBody(tx.type, tx.body);
}

export interface BuildTxOptions {
  readonly signer: Signer;
  /** The signer's party id (hex); becomes the kid. */
  readonly signerId: string;
  /** Distinguishes deliberate repeats of the same body; any uint. */
  readonly nonce: number;
}

/** Signs a ledger transaction whose body was made by one of the `...Body` builders. */
export function buildLedgerTx(type: TxType, body: TxBody, options: BuildTxOptions): Uint8Array {
  if (!isPartyId(options.signerId)) throw new TypeError('buildLedgerTx: signerId must be a party id (16 hex digits)');
  try {
    parsers[type](body);
  } catch (cause) {
    throw new RangeError((cause as Error).message, { cause });
  }
  return signTx({ type, nonce: options.nonce, body }, options.signer, fromHex(options.signerId));
}
