/**
 * apply(state, tx) -> outcome + events: the deterministic state machine of DESIGN §7. No
 * clock, no randomness, no host API. A transaction is either applied in full or rejected
 * with a code and a reason and leaves the state exactly as it was: every handler validates
 * before its first write, and the transaction id is recorded either way (a repeat of the
 * same bytes is a duplicate).
 */
import { TxType } from '@wattledger/protocol';
import type { ApplyContext, HandlerInput } from './context.js';
import type { LedgerEvent } from './events.js';
import { prepareTx, type PreparedTx } from './prepare.js';
import { verifySign1With } from './signature-check.js';
import { reject, RejectCode, TxRejection } from './rejection.js';
import type { LedgerState } from './state.js';
import { registerMeter, registerParty } from './handlers/registry.js';
import { issueAsset, recordUsage } from './handlers/readings.js';
import { setContract, setTransferPolicy } from './handlers/market.js';
import { requestCertificate, transfer } from './handlers/settlement.js';
import { closeInterval } from './handlers/close-interval.js';

export const TxStatus = Object.freeze({ APPLIED: 'applied', REJECTED: 'rejected', DUPLICATE: 'duplicate' } as const);
export type TxStatus = (typeof TxStatus)[keyof typeof TxStatus];

export interface TxOutcome {
  readonly id: string;
  readonly status: TxStatus;
  readonly type: TxType | undefined;
  readonly signer: string | undefined;
  readonly code: RejectCode | undefined;
  readonly reason: string | undefined;
  readonly events: readonly LedgerEvent[];
}

export function applyTx(state: LedgerState, bytes: Uint8Array, ctx: ApplyContext): TxOutcome {
  return applyPrepared(state, prepareTx(bytes), ctx);
}

export function applyPrepared(state: LedgerState, tx: PreparedTx, ctx: ApplyContext): TxOutcome {
  if (state.seenTxs.has(tx.id)) return outcome(tx, TxStatus.DUPLICATE, undefined, undefined, NO_EVENTS);
  state.seenTxs.add(tx.id);
  const events: LedgerEvent[] = [];
  try {
    dispatch(state, tx, ctx, events);
    return outcome(tx, TxStatus.APPLIED, undefined, undefined, events);
  } catch (error) {
    if (!(error instanceof TxRejection)) throw error;
    return outcome(tx, TxStatus.REJECTED, error.code, error.message, NO_EVENTS);
  }
}

const NO_EVENTS: readonly LedgerEvent[] = Object.freeze([]);

function outcome(tx: PreparedTx, status: TxStatus, code: RejectCode | undefined, reason: string | undefined, events: readonly LedgerEvent[]): TxOutcome {
  return { id: tx.id, type: tx.decoded?.type, signer: tx.decoded?.signerId, status, code, reason, events };
}

function dispatch(state: LedgerState, tx: PreparedTx, ctx: ApplyContext, events: LedgerEvent[]): void {
  const { decoded, ledger } = tx;
  if (tx.error !== undefined && (decoded === undefined || ledger === undefined)) reject(tx.error.code, tx.error.message);
  if (decoded === undefined || ledger === undefined) reject(RejectCode.BAD_TX, 'transaction did not decode');
  const signer = state.parties.get(decoded.signerId);
  if (signer === undefined) reject(RejectCode.UNKNOWN_SIGNER, `signer ${decoded.signerId} is not a registered party`);
  // verifyTx of the protocol (a node's verify pool has checked it already, and answers from that).
  if (!verifySign1With(ctx.verifier, signer.publicKey, decoded.sign1)) {
    reject(RejectCode.BAD_SIGNATURE, `transaction signature does not verify under the key of ${signer.id}`);
  }
  // Envelope and signer are good; a bad embedded reading is reported only now, so that a
  // stranger cannot learn anything from the ledger's answer to garbage.
  if (tx.error !== undefined) reject(tx.error.code, tx.error.message);
  const input: HandlerInput = { tx, signer, ctx, events };
  switch (ledger.type) {
    case TxType.REGISTER_PARTY: return registerParty(state, ledger.body, input);
    case TxType.REGISTER_METER: return registerMeter(state, ledger.body, input);
    case TxType.ISSUE_ASSET: return issueAsset(state, tx.readings!, input);
    case TxType.RECORD_USAGE: return recordUsage(state, tx.readings!, input);
    case TxType.SET_CONTRACT: return setContract(state, ledger.body, input);
    case TxType.SET_TRANSFER_POLICY: return setTransferPolicy(state, ledger.body, input);
    case TxType.CLOSE_INTERVAL: return closeInterval(state, ledger.body, input);
    case TxType.TRANSFER: return transfer(state, ledger.body, input);
    case TxType.REQUEST_CERTIFICATE: return requestCertificate(state, ledger.body, input);
  }
}
