/** What a transaction handler gets besides the state: who signed, where it is ordered, how to verify. */
import type { Verifier } from '@wattledger/protocol';
import type { LedgerEvent } from './events.js';
import type { PreparedTx } from './prepare.js';
import type { Party } from './types.js';

export interface ApplyContext {
  readonly verifier: Verifier;
  /** Height of the block being built. */
  readonly height: number;
}

export interface HandlerInput {
  readonly tx: PreparedTx;
  /** The registered party whose key verified the envelope signature. */
  readonly signer: Party;
  readonly ctx: ApplyContext;
  readonly events: LedgerEvent[];
}
