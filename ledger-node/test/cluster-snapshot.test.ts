/**
 * A new node joins after etcd pruned the history it would need: it is refused replay from
 * block 0, restores a peer's snapshot (verified against the roots the nodes published),
 * replays the rest from etcd and reaches the same state root. A tampered or stale snapshot
 * is refused. Ledger nodes run in this process (real SQLite, real etcd member).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { PartyRole } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { compactOnce } from '../src/cluster/compaction.js';
import { openClusterMember, type ClusterMember } from '../src/cluster/cluster-member.js';
import { runClusterCommand } from '../src/cluster/cluster-command.js';
import { restoreSnapshot, takeSnapshot, verifySnapshot } from '../src/cluster/snapshot.js';
import { ClusterErrorCode } from '../src/ordering/etcd/errors.js';
import { LedgerWorld } from '../src/sim/ledger-world.js';
import { uniquePrefix, withEtcd } from './etcd-fixture.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const etcd = await withEtcd(t, 1);
if (etcd) {
  const dir = mkdtempSync(join(tmpdir(), 'wl-snapshot-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const world = new LedgerWorld({ provider: nodeEd25519, chainId: 'snapshot-test', seed: 'snapshot-test' });
  const Da = world.actor('Da', PartyRole.INTERMEDIARY);
  const genesis = world.genesis([Da]);
  const prefix = uniquePrefix('snapshot');
  const members: ClusterMember[] = [];
  t.teardown(async () => {
    for (const m of members) await m.close().catch(() => undefined);
  });
  const open = async (nodeId: string): Promise<ClusterMember> => {
    const member = await openClusterMember({
      dataDir: join(dir, nodeId), genesis, verifyWorkers: 0, publishIntervalMs: 100, checkpointEvery: 2,
      etcd: { endpoints: etcd.endpoints, prefix, nodeId, compactionIntervalMs: 0, appliedIntervalMs: 50 },
    });
    members.push(member);
    return member;
  };
  let parties = 0;
  const register = async (member: ClusterMember, count: number): Promise<void> => {
    const results = await Promise.all(Array.from({ length: count }, () => member.node.submit(world.registerParty(world.actor(`c${parties++}`, PartyRole.CONSUMER, Da)))));
    if (!results.every((r) => r.status === 'applied')) throw new Error('registration not applied');
  };

  const a = await open('a');
  const b = await open('b');
  for (let i = 0; i < 6; i++) await register(i % 2 ? a : b, 5);
  await b.node.waitForHeight(a.node.head.height);
  await sleep(300);
  const pruned = await compactOnce(a.ordering.client, a.ordering.keys);
  t.ok(pruned !== undefined && pruned.prunedBatches > 0, `history pruned up to revision ${pruned?.minApplied}`);

  await t.test('a new node cannot replay pruned history and says what to do', async (t) => {
    const c = await open('c-too-late');
    const deadline = Date.now() + 5000;
    while (c.node.error === undefined && Date.now() < deadline) await sleep(20);
    t.equal((c.node.error as { code?: string }).code, ClusterErrorCode.HISTORY_PRUNED);
    await c.close();
    members.splice(members.indexOf(c), 1);
    t.equal(await runClusterCommand(['forget', 'c-too-late', '--etcd', etcd.endpoints.join(','), '--etcd-prefix', prefix], () => undefined), 0);
  });

  await t.test('a verified peer snapshot lets it join and converge', async (t) => {
    const file = join(dir, 'a.snapshot');
    await takeSnapshot(join(dir, 'a'), file);
    await register(a, 5);
    const check = await restoreSnapshot(file, join(dir, 'c'), genesis, a.ordering.client, a.ordering.keys);
    t.ok(check.vouchedHeight > 0 && check.vouchedHeight <= check.height, `snapshot at block ${check.height}, block ${check.vouchedHeight} vouched for`);
    t.same(check.vouchedBy, ['a', 'b']);
    const c = await open('c');
    t.equal(c.node.head.height >= check.height, true, 'starts from the snapshot');
    await register(b, 5);
    await c.node.waitForHeight(b.node.head.height);
    t.equal(c.node.head.stateRoot, b.node.head.stateRoot, 'same state root as the other nodes');
    t.equal(c.node.state.parties.size, b.node.state.parties.size);
  });

  await t.test('a tampered or stale snapshot is refused', async (t) => {
    await sleep(300);
    const file = join(dir, 'b.snapshot');
    await takeSnapshot(join(dir, 'b'), file);
    t.ok((await verifySnapshot(file, genesis, a.ordering.client, a.ordering.keys)).vouchedHeight > 0, 'the untouched snapshot verifies');

    // Rewrite the last block's header with another state root (hash chain and roots break).
    const tampered = join(dir, 'tampered.snapshot');
    await takeSnapshot(join(dir, 'b'), tampered);
    const db = new Database(tampered);
    const row = db.prepare<[], { height: number; header: Uint8Array }>('SELECT height, header FROM blocks ORDER BY height DESC LIMIT 1').get()!;
    const header = Buffer.from(row.header);
    header[header.length - 1]! ^= 0xff;
    db.prepare('UPDATE blocks SET header = ? WHERE height = ?').run(header, row.height);
    db.close();
    await t.rejects(verifySnapshot(tampered, genesis, a.ordering.client, a.ordering.keys), { code: ClusterErrorCode.SNAPSHOT_MISMATCH });

    await t.rejects(verifySnapshot(file, world.genesis([]), a.ordering.client, a.ordering.keys), { code: ClusterErrorCode.SNAPSHOT_MISMATCH }, 'another ledger');

    // Older than the pruning mark: the history after it is gone, so it cannot be completed.
    const old = join(dir, 'old.snapshot');
    await takeSnapshot(join(dir, 'b'), old);
    for (let i = 0; i < 3; i++) await register(a, 5);
    const nodes = [a, b, members.find((m) => m.status().nodeId === 'c')!];
    await Promise.all(nodes.map((m) => m.node.waitForHeight(a.node.head.height)));
    await sleep(300);
    await compactOnce(a.ordering.client, a.ordering.keys);
    await t.rejects(verifySnapshot(old, genesis, a.ordering.client, a.ordering.keys), /before the pruned history/);
  });
}
