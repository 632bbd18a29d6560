import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openEmbeddedSequencer } from '../src/ordering/embedded-sequencer.js';
import { orderingContract } from './ordering-contract.js';

await orderingContract(t, 'embedded SQLite sequencer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-seq-'));
  return {
    open: async () => openEmbeddedSequencer({ path: join(dir, 'ordering.sqlite') }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
