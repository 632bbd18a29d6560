/**
 * Restart recovery in process: a node reopened on its data directory resumes at the same
 * head with the same state; a node that lost its state database rebuilds it from the
 * ordering log and reaches the same roots.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { LedgerNode } from '../src/node/ledger-node.js';
import { cleanReplay } from './helpers/replay.js';
import { patentWorld } from './helpers/patent-world.js';

t.test('restart recovers exactly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-restart-'));
  const w = patentWorld({ withPolicy: true, seed: 'restart' });
  const open = () => LedgerNode.open({ dataDir: dir, genesis: w.genesis, verifyWorkers: 1 });

  const first = await open();
  for (const batch of [w.setup, w.interval1, w.interval2]) await Promise.all(batch.map((tx) => first.submit(tx)));
  const head = first.head;
  const history = JSON.stringify([...first.state.histories.get(w.actors.Ca.id)!.byMethod]);
  const assets = first.state.assets.size;
  await first.close();

  const second = await open();
  t.same(second.head, head, 'same head after a clean restart');
  t.equal(JSON.stringify([...second.state.histories.get(w.actors.Ca.id)!.byMethod]), history);
  t.equal(second.state.assets.size, assets);
  const results = await Promise.all(w.interval3.map((tx) => second.submit(tx)));
  t.same(results.map((r) => r.status), w.interval3.map(() => 'applied'), 'the restored state accepts the next interval');
  t.equal(results[0]!.height, head.height + 1);
  const dup = await second.submit(w.setup[0]!);
  t.match(dup, { status: 'duplicate', height: 1 }, 'transactions from before the restart are still known');
  const after = second.head;
  await second.close();

  rmSync(join(dir, 'ledger.sqlite'));
  rmSync(join(dir, 'ledger.sqlite-wal'), { force: true });
  rmSync(join(dir, 'ledger.sqlite-shm'), { force: true });
  const rebuilt = await open();
  await rebuilt.waitForHeight(after.height);
  t.same(rebuilt.head, after, 'state database rebuilt from the ordering log: same roots');
  await rebuilt.close();

  t.same(await cleanReplay(join(dir, 'ordering.sqlite'), w.genesis), after, 'and equal to a clean replay');
  rmSync(dir, { recursive: true, force: true });
});
