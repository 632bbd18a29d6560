/**
 * Why the ledger refuses a transaction. Each code is stable (clients and tests match on it);
 * a rejected transaction is still ordered and recorded with its code, and changes no state.
 */
import { CodedError } from '@wattledger/protocol';

export const RejectCode = Object.freeze({
  BAD_TX: 'BAD_TX',
  BAD_READING: 'BAD_READING',
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  UNKNOWN_SIGNER: 'UNKNOWN_SIGNER',
  UNAUTHORIZED: 'UNAUTHORIZED',
  PARTY_EXISTS: 'PARTY_EXISTS',
  UNKNOWN_PARTY: 'UNKNOWN_PARTY',
  WRONG_ROLE: 'WRONG_ROLE',
  METER_EXISTS: 'METER_EXISTS',
  UNKNOWN_METER: 'UNKNOWN_METER',
  REPLAYED_READING: 'REPLAYED_READING',
  CHAIN_BROKEN: 'CHAIN_BROKEN',
  INTERVAL_MISMATCH: 'INTERVAL_MISMATCH',
  IMPLAUSIBLE_ENERGY: 'IMPLAUSIBLE_ENERGY',
  METHOD_MISMATCH: 'METHOD_MISMATCH',
  INTERVAL_NOT_ALIGNED: 'INTERVAL_NOT_ALIGNED',
  INTERVAL_ALREADY_CLOSED: 'INTERVAL_ALREADY_CLOSED',
  UNKNOWN_ASSET: 'UNKNOWN_ASSET',
  ASSET_NOT_OPEN: 'ASSET_NOT_OPEN',
  ASSET_EXPIRED: 'ASSET_EXPIRED',
  INSUFFICIENT_WH: 'INSUFFICIENT_WH',
} as const);
export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

export class TxRejection extends CodedError<RejectCode> {
  override get name(): string {
    return 'TxRejection';
  }
}

export function reject(code: RejectCode, message: string): never {
  throw new TxRejection(code, message);
}
