/**
 * The ledger machine: state plus chain head. `applyBatch` applies one ordered batch and
 * returns the block and the records it changed; the shell persists both atomically.
 * Same genesis + same batches => same blocks, byte for byte, on every node.
 */
import { PartyRole, toHex, type Verifier } from '@wattledger/protocol';
import { partyIdFromPublicKey } from '@wattledger/protocol';
import { applyPrepared, type TxOutcome } from './apply.js';
import { buildBlock, initialStateRoot, startBlockLeaves, type BuiltBlock } from './block.js';
import { genesisHash, type Genesis } from './genesis.js';
import type { PreparedTx } from './prepare.js';
import { LedgerState, type ChangeSet } from './state.js';

export interface ChainHead {
  readonly height: number;
  readonly hash: string;
  readonly stateRoot: string;
  /** Ordering position of the last applied batch (0: none). */
  readonly position: number;
}

export interface AppliedBlock {
  readonly block: BuiltBlock;
  readonly outcomes: readonly TxOutcome[];
  readonly changes: ChangeSet;
}

export class LedgerMachine {
  readonly state: LedgerState;
  head: ChainHead;

  constructor(readonly genesis: Genesis, head?: ChainHead, state?: LedgerState) {
    this.state = state ?? genesisState(genesis);
    const hash = toHex(genesisHash(genesis));
    this.head = head ?? { height: 0, hash, stateRoot: initialStateRoot(hash), position: 0 };
  }

  /** Applies an ordered batch as the next block. */
  applyBatch(position: number, txs: readonly PreparedTx[], verifier: Verifier): AppliedBlock {
    if (!(position > this.head.position)) throw new RangeError(`batch position ${position} is not after the head (${this.head.position})`);
    const height = this.head.height + 1;
    const ctx = { verifier, height };
    const outcomes = txs.map((tx) => applyPrepared(this.state, tx, ctx));
    // Events first: a host may hash them on another thread while the changes are encoded.
    const leaves = startBlockLeaves(outcomes);
    const changes = this.state.takeChanges();
    const block = buildBlock({ chainId: this.genesis.chainId, height, prevHash: this.head.hash, position, prevStateRoot: this.head.stateRoot, outcomes, changes, leaves });
    this.head = { height, hash: block.hash, stateRoot: block.header.stateRoot, position };
    return { block, outcomes, changes };
  }
}

/** The state before block 1: the genesis parties (marked dirty, so block 1 commits them). */
export function genesisState(genesis: Genesis): LedgerState {
  const state = new LedgerState(genesis);
  for (const p of genesis.parties) {
    state.putParty({ id: partyIdFromPublicKey(p.publicKey), role: p.role, publicKey: p.publicKey, region: p.region, name: p.name, intermediary: p.role === PartyRole.ADMIN || p.role === PartyRole.INTERMEDIARY ? undefined : p.intermediary, height: 0 });
  }
  return state;
}
