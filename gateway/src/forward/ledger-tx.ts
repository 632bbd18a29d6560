/**
 * The transactions the gateway submits, built with the ledger's own body builders
 * (protocol/src/ledger): issue-asset for a producer's signed reading(s), record-usage for a
 * consumer's, both signed by the gateway party and embedding the meter's COSE_Sign1 bytes
 * exactly as received; close-interval signed by the intermediary.
 *
 * Transactions are deterministic (Ed25519 signatures are, RFC 8032 §5.1.6) and the nonce is
 * the journal message id, so rebuilding after a restart gives the same bytes and the same tx
 * id: the ledger answers "duplicate" for anything it already applied.
 */
import { buildLedgerTx, closeIntervalBody, issueAssetBody, recordUsageBody, TxType, txId, type MeterRole, type Signer } from '@wattledger/protocol';

export interface BuiltTx {
  readonly id: string;
  readonly bytes: Uint8Array;
}

export interface TxSigner {
  readonly signer: Signer;
  readonly partyId: string;
}

function built(bytes: Uint8Array): BuiltTx {
  return { id: txId(bytes), bytes };
}

export function readingTx(role: MeterRole, signedReadings: Uint8Array, journalId: number, gateway: TxSigner): BuiltTx {
  const type = role === 'producer' ? TxType.ISSUE_ASSET : TxType.RECORD_USAGE;
  const body = role === 'producer' ? issueAssetBody(signedReadings) : recordUsageBody(signedReadings);
  return built(buildLedgerTx(type, body, { signer: gateway.signer, signerId: gateway.partyId, nonce: journalId }));
}

export function closeIntervalTx(intervalStart: number, intermediary: TxSigner): BuiltTx {
  const body = closeIntervalBody({ intermediary: intermediary.partyId, intervalStart });
  return built(buildLedgerTx(TxType.CLOSE_INTERVAL, body, { signer: intermediary.signer, signerId: intermediary.partyId, nonce: intervalStart }));
}
