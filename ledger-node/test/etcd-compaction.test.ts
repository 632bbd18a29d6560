/**
 * Catch-up and compaction of the etcd ordering against a real etcd member: registered nodes
 * record their applied revision, compaction prunes below the minimum, a restarted node
 * resumes exactly where it stopped, a node that was never registered is told to restore a
 * snapshot instead of silently missing pruned batches, and retried writes are idempotent.
 */
import t from 'tap';
import { Etcd3 } from 'etcd3';
import { compactOnce } from '../src/cluster/compaction.js';
import { readNodes } from '../src/cluster/node-registry.js';
import { createEtcdOrdering, type EtcdOrdering } from '../src/ordering/etcd/etcd-ordering.js';
import { prefixRangeEnd } from '../src/ordering/etcd/etcd-keys.js';
import { ClusterErrorCode, HistoryPrunedError } from '../src/ordering/etcd/errors.js';
import type { OrderedBatch } from '../src/ordering/ordering.js';
import { splitLargeSubmits } from '../src/cluster/split-submits.js';
import { uniquePrefix, withEtcd } from './etcd-fixture.js';

const tx = (n: number): Uint8Array => new TextEncoder().encode(`tx-${n}`);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const cluster = await withEtcd(t, 1);
if (cluster) {
  const admin = new Etcd3({ hosts: [...cluster.endpoints] });
  t.teardown(() => admin.close());
  const batchKeys = async (prefix: string): Promise<number> => Number((await admin.kv.range({ key: Buffer.from(`${prefix}b/`), range_end: prefixRangeEnd(`${prefix}b/`), count_only: true })).count);
  const open = (prefix: string, nodeId?: string): EtcdOrdering => createEtcdOrdering({ endpoints: cluster.endpoints, prefix, compactionIntervalMs: 0, appliedIntervalMs: 20, ...(nodeId ? { nodeId } : {}) });

  await t.test('prune below the slowest registered node, resume a restarted node, refuse an unregistered one', async (t) => {
    const prefix = uniquePrefix('compaction');
    const submitter = open(prefix);
    const a = open(prefix, 'a');
    let b = open(prefix, 'b');
    t.teardown(async () => {
      await Promise.all([submitter.close(), a.close(), b.close()]);
    });
    const seenA: OrderedBatch[] = [];
    const seenB: OrderedBatch[] = [];
    a.subscribe(0, (batch) => void seenA.push(batch));
    let stopB = b.subscribe(0, (batch) => void seenB.push(batch));

    const positions: number[] = [];
    for (let i = 0; i < 20; i++) positions.push((await submitter.submit([tx(i)])).position);
    await until('a and b applied 20 batches', () => seenA.length === 20 && seenB.length === 20);

    // b goes down; 20 more batches arrive while only a applies them.
    stopB();
    await b.close();
    const bLast = seenB[seenB.length - 1]!.position;
    for (let i = 20; i < 40; i++) positions.push((await submitter.submit([tx(i)])).position);
    await until('a applied 40 batches', () => seenA.length === 40);
    await until('applied revisions recorded', async () => {
      const nodes = await readNodes(admin, a.keys);
      return nodes.find((n) => n.nodeId === 'a')!.appliedRevision >= Math.floor(positions[39]! / 1000);
    });

    const first = await compactOnce(admin, a.keys);
    t.equal(first?.nodes, 2);
    t.ok(first!.minApplied >= Math.floor(bLast / 1000) - 1 && first!.minApplied < Math.floor(positions[20]! / 1000), `pruned up to b's revision (${first!.minApplied})`);
    t.ok(first!.prunedBatches >= 19, `${first!.prunedBatches} batches b had applied were pruned`);
    t.equal(await batchKeys(prefix), 40 - first!.prunedBatches, 'the batches b still needs are kept');
    await t.rejects(admin.kv.range({ key: Buffer.from(`${prefix}x`), revision: first!.minApplied - 1 }), /compacted/, 'etcd history below the mark is compacted');

    // A node that never registered cannot be served from etcd any more.
    const c = open(prefix, 'c');
    const refused = await new Promise<unknown>((resolve) => c.subscribe(0, () => undefined, resolve));
    t.type(refused, HistoryPrunedError);
    t.equal((refused as HistoryPrunedError).code, ClusterErrorCode.HISTORY_PRUNED);
    t.match((refused as Error).message, /restore a snapshot from a peer/);
    await c.close();
    await admin.kv.deleteRange({ key: Buffer.from(c.keys.nodeKey('c')) });

    // b restarts from its own last position and gets exactly the rest.
    b = open(prefix, 'b');
    const resumed: OrderedBatch[] = [];
    stopB = b.subscribe(bLast, (batch) => void resumed.push(batch));
    await until('b caught up', () => resumed.length === 20);
    t.same(resumed.map((x) => x.position), positions.slice(20), 'the missing batches, in order, once each');
    t.same(resumed.flatMap((x) => x.txs.map(text)), positions.slice(20).map((_, i) => `tx-${20 + i}`));
    await until('b recorded its applied revision', async () => {
      const nodes = await readNodes(admin, b.keys);
      return nodes.every((n) => n.appliedRevision >= Math.floor(positions[39]! / 1000));
    });
    const second = await compactOnce(admin, a.keys);
    t.ok(second!.minApplied >= Math.floor(positions[39]! / 1000), 'both nodes are past the last batch');
    t.equal(await batchKeys(prefix), 0, 'every batch is pruned once everyone applied it');
    stopB();
  });

  await t.test('a write retried after a lost answer is ordered once (same key, same position)', async (t) => {
    const prefix = uniquePrefix('idempotent');
    const ordering = open(prefix);
    t.teardown(() => ordering.close());
    const first = await ordering.submit([tx(1), tx(2)]);
    // A retry sends exactly the same group value: the create-if-absent transaction finds it.
    const again = await ordering.submit([tx(1), tx(2)]);
    t.equal(again.position, first.position);
    t.equal(await batchKeys(prefix), 1, 'one etcd key');
    const delivered: OrderedBatch[] = [];
    const stop = ordering.subscribe(0, (batch) => void delivered.push(batch));
    await ordering.submit([tx(3)]);
    await until('delivery', () => delivered.length === 2);
    stop();
    t.same(delivered.map((d) => d.txs.map(text)), [['tx-1', 'tx-2'], ['tx-3']]);
    t.ok(ordering.stats.puts >= 2 && ordering.stats.retries === 0);
  });

  await t.test('a batch larger than one etcd request is refused with a clear error', async (t) => {
    const ordering = createEtcdOrdering({ endpoints: cluster.endpoints, prefix: uniquePrefix('large'), maxGroupBytes: 64 * 1024 });
    t.teardown(() => ordering.close());
    await t.rejects(ordering.submit([new Uint8Array(80 * 1024).fill(1)]), { code: ClusterErrorCode.BATCH_TOO_LARGE });
    t.ok((await ordering.submit([new Uint8Array(32 * 1024).fill(1)])).position > 0, 'a batch that fits is ordered');
  });

  await t.test('the ledger node\'s large submits are split into consecutive batches that fit, order kept', async (t) => {
    const inner = createEtcdOrdering({ endpoints: cluster.endpoints, prefix: uniquePrefix('split'), maxGroupBytes: 64 * 1024 });
    const ordering = splitLargeSubmits(inner, 64 * 1024);
    t.teardown(() => ordering.close());
    const txs = Array.from({ length: 40 }, (_, i) => new Uint8Array(5000).fill(i));
    const { position } = await ordering.submit(txs);
    const delivered: OrderedBatch[] = [];
    const stop = ordering.subscribe(0, (batch) => void delivered.push(batch));
    await until('delivery', () => delivered.flatMap((b) => b.txs).length === 40);
    stop();
    t.ok(delivered.length >= 4, `${delivered.length} batches`);
    t.equal(delivered[delivered.length - 1]!.position, position, 'resolves with the last piece');
    t.same(delivered.flatMap((b) => b.txs.map((x) => x[0])), txs.map((x) => x[0]), 'in the submitted order');
  });
}
