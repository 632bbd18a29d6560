/**
 * A block's ChangeSet: its bytes frame every changed record in order, and they live in a
 * buffer the state reuses for the next block, so reading them after it throws instead of
 * returning the next block's bytes.
 */
import t from 'tap';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { LedgerMachine } from '../src/core/machine.js';
import { prepareTx } from '../src/core/prepare.js';
import { decodeRecord } from '../src/core/record-codec.js';
import { patentWorld } from './helpers/patent-world.js';

t.test('bytes of each block until the next one; stale reads throw', async (t) => {
  const p = patentWorld({ withPolicy: true, seed: 'change-set' });
  const machine = new LedgerMachine(p.genesis);
  const first = machine.applyBatch(1, p.setup.map(prepareTx), nodeEd25519);
  t.ok(first.changes.length > 0, 'setup changes records');
  for (let i = 0; i < first.changes.length; i++) {
    const value = first.changes.value(i);
    if (value !== null) t.doesNotThrow(() => decodeRecord(first.changes.kinds[i]!, value), `record ${i} decodes`);
  }
  const firstBytes = first.changes.bytes.slice();
  const second = machine.applyBatch(2, p.interval1.map(prepareTx), nodeEd25519);
  t.ok(second.changes.length > 0, 'the next block changes records');
  t.throws(() => first.changes.bytes, /after the next block/, 'bytes of the earlier block');
  t.throws(() => first.changes.value(0), /after the next block/, 'a record of the earlier block');
  t.doesNotThrow(() => second.changes.value(0), 'the current block reads');
  t.ok(firstBytes.length > 0, 'a copy taken in time stays');
});
