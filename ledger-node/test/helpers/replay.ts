/** A clean replay of an embedded sequencer's log into a fresh state machine (the reference for restart tests). */
import Database from 'better-sqlite3';
import { nodeEd25519 } from '@wattledger/protocol/node';
import type { Genesis } from '../../src/core/genesis.js';
import { LedgerMachine, type ChainHead } from '../../src/core/machine.js';
import { prepareTx } from '../../src/core/prepare.js';
import { openEmbeddedSequencer } from '../../src/ordering/embedded-sequencer.js';

export async function cleanReplay(orderingPath: string, genesis: Genesis): Promise<ChainHead> {
  const db = new Database(orderingPath, { readonly: true });
  const last = (db.prepare('SELECT max(position) AS p FROM batches').get() as { p: number | null }).p ?? 0;
  db.close();
  const ordering = openEmbeddedSequencer({ path: orderingPath });
  const machine = new LedgerMachine(genesis);
  await new Promise<void>((resolve, reject) => {
    if (last === 0) return resolve();
    const stop = ordering.subscribe(0, (batch) => {
      machine.applyBatch(batch.position, batch.txs.map(prepareTx), nodeEd25519);
      if (batch.position === last) {
        stop();
        resolve();
      }
    }, reject);
  });
  await ordering.close();
  return machine.head;
}
