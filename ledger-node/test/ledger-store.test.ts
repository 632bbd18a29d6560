/**
 * The node's SQLite store: transactions found by id through the 52-bit id index (ids sharing
 * their first 52 bits told apart, text that is not an id finds nothing), and a data directory
 * written with the older text index migrated when it is opened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { LedgerNode } from '../src/node/ledger-node.js';
import { LedgerStore } from '../src/store/ledger-store.js';
import { patentWorld } from './helpers/patent-world.js';

const OLD_TXS = `
CREATE TABLE txs (id TEXT NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL, type TEXT, signer TEXT, status TEXT NOT NULL, code TEXT, reason TEXT, bytes BLOB NOT NULL);
CREATE UNIQUE INDEX txs_id ON txs (id);
CREATE INDEX txs_at ON txs (height, idx);
`;

t.test('a store with the text id index is migrated and finds every transaction', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ledger.sqlite');
  const old = new Database(path);
  old.exec(OLD_TXS);
  const a = 'ab'.repeat(32);
  const twin = `${a.slice(0, 13)}${'0'.repeat(51)}`; // the same first 52 bits as `a`
  const insert = old.prepare('INSERT INTO txs (id, height, idx, type, signer, status, code, reason, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  insert.run(a, 1, 0, 'transfer', '00', 'applied', null, null, Buffer.from([1]));
  insert.run(twin, 1, 1, 'transfer', '00', 'rejected', 'BAD_TX', 'why', Buffer.from([2]));
  old.close();

  const store = new LedgerStore(path);
  t.match(store.tx(a), { id: a, height: 1, index: 0, status: 'applied' });
  t.match(store.tx(twin), { id: twin, index: 1, code: 'BAD_TX' }, 'same first 52 bits, told apart by the text');
  t.same([...store.tx(twin)!.bytes], [2]);
  t.equal(store.tx('cd'.repeat(32)), undefined);
  t.equal(store.tx('not an id'), undefined);
  t.equal(store.tx(''), undefined);
  store.close();

  const db = new Database(path, { readonly: true });
  const indexes = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'txs'").all().map((r) => r.name).sort();
  db.close();
  t.same(indexes, ['txs_at', 'txs_id52'], 'the text index is gone');
  const again = new LedgerStore(path);
  t.match(again.tx(a), { id: a }, 'opening a migrated store again changes nothing');
  again.close();
});

t.test('a node finds its transactions by id, and answers a repeat as a duplicate of the stored one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-store-node-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const w = patentWorld({ withPolicy: true, seed: 'store' });
  const node = await LedgerNode.open({ dataDir: dir, genesis: w.genesis, verifyWorkers: 0 });
  const results = await Promise.all([...w.setup, ...w.interval1].map((tx) => node.submit(tx)));
  for (const r of results) t.match(node.store.tx(r.id), { id: r.id, height: r.height, status: r.status });
  t.match(await node.submit(w.setup[0]!), { status: 'duplicate', height: 1 });
  await node.close();
});
