/**
 * `cluster`: the etcd-ordered ledger cluster (issue 8) on this machine: 3 local etcd members
 * (Debian etcd-server, fsync'd raft log, 127.0.0.1) and 3 ledger-node orderings.
 *
 * - txPerS: 200-byte transactions submitted through 3 nodes' etcd orderings (submits of
 *   --txs-per-submit, grouped into one etcd write per flush), acknowledged only once etcd
 *   committed them, and delivered in revision order to 3 node subscribers; counted from the
 *   first submit to the last delivery on the slowest subscriber. Budget (DESIGN §9): >= 20,000.
 * - failoverPauseMs: longest time without any acknowledged submit after kill -9 of the etcd
 *   leader under the same load (election + client failover).
 * - catchUpTxPerS: a real ledger node (signature checks, state machine, SQLite) that was down
 *   while --catch-up-txs signed transactions were ordered, replaying them from etcd after
 *   its restart; localReplayTxPerS is the same node replaying the same transactions from
 *   the embedded sequencer, so the ratio shows what reading the history from etcd costs.
 * Applying on 3 full ledger nodes is not measured here: on one machine the 3 nodes would
 * share its cores, while in production each runs on its own (see the `ledger` budget).
 *
 *   npm run bench -w bench -- cluster [--seconds 5] [--txs-per-submit 500] [--in-flight 8] [--catch-up-txs 50000]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PartyRole } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { createEtcdOrdering, LedgerNode, LedgerWorld, openClusterMember, openEmbeddedSequencer, startLocalEtcdCluster, type EtcdOrdering, type LocalEtcdCluster } from '@wattledger/ledger-node';
import type { BenchReport } from '../report.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Unique 200-byte transactions: a counter, then filler. */
function syntheticTxs(start: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const tx = new Uint8Array(200).fill(0x5a);
    new DataView(tx.buffer).setFloat64(0, start + i);
    return tx;
  });
}

interface Load {
  acked: number;
  ackTimes: number[];
  stop(): Promise<void>;
}

function startLoad(submitters: readonly EtcdOrdering[], inFlight: number, txsPerSubmit: number, counter: { next: number }): Load {
  let stopped = false;
  const load: Load = { acked: 0, ackTimes: [], stop: async () => undefined };
  const loops = submitters.flatMap((ordering) => Array.from({ length: inFlight }, async () => {
    while (!stopped) {
      const txs = syntheticTxs(counter.next, txsPerSubmit);
      counter.next += txsPerSubmit;
      await ordering.submit(txs);
      load.acked += txsPerSubmit;
      load.ackTimes.push(Date.now());
    }
  }));
  load.stop = async () => {
    stopped = true;
    await Promise.all(loops);
  };
  return load;
}

async function orderingThroughput(etcd: LocalEtcdCluster, seconds: number, txsPerSubmit: number, inFlight: number) {
  const prefix = 'bench/ordering/';
  const open = (): EtcdOrdering => createEtcdOrdering({ endpoints: etcd.endpoints, prefix });
  const submitters = [open(), open(), open()];
  const subscribers = [open(), open(), open()];
  const delivered = [0, 0, 0];
  subscribers.forEach((s, i) => s.subscribe(0, (batch) => {
    delivered[i]! += batch.txs.length;
  }));
  const counter = { next: 0 };

  // Warm-up (connections, leader, page cache), then the measured run.
  let load = startLoad(submitters, inFlight, txsPerSubmit, counter);
  await sleep(1000);
  await load.stop();
  await until(() => delivered.every((d) => d === counter.next), 30_000, 'warm-up delivery');
  const base = counter.next;
  const putsBefore = submitters.reduce((n, s) => n + s.stats.puts, 0);
  const start = performance.now();
  load = startLoad(submitters, inFlight, txsPerSubmit, counter);
  await sleep(seconds * 1000);
  await load.stop();
  const ackedAt = performance.now();
  await until(() => delivered.every((d) => d === counter.next), 60_000, 'delivery to the 3 subscribers');
  const end = performance.now();
  const txs = counter.next - base;
  const puts = submitters.reduce((n, s) => n + s.stats.puts, 0) - putsBefore;

  // Failover: the same load, kill -9 of the etcd leader after 1.5 s.
  load = startLoad(submitters, inFlight, txsPerSubmit, counter);
  await sleep(1500);
  const leader = await etcd.leader();
  const killedAt = Date.now();
  await etcd.kill(leader);
  await sleep(5000);
  await load.stop();
  const after = load.ackTimes.filter((x) => x >= killedAt).sort((a, b) => a - b);
  let pause = after.length === 0 ? Date.now() - killedAt : after[0]! - killedAt;
  for (let i = 1; i < after.length; i++) pause = Math.max(pause, after[i]! - after[i - 1]!);
  await until(() => delivered.every((d) => d === counter.next), 60_000, 'delivery after the failover');
  await etcd.restart(leader);
  await etcd.waitHealthy();

  await Promise.all([...submitters, ...subscribers].map((o) => o.close()));
  return { txPerS: (txs * 1000) / (end - start), ackedTxPerS: (txs * 1000) / (ackedAt - start), txs, puts, failoverPauseMs: pause, killed: leader.name };
}

async function catchUp(etcd: LocalEtcdCluster, dir: string, count: number) {
  const world = new LedgerWorld({ provider: nodeEd25519, chainId: 'bench-cluster', seed: 'bench-cluster' });
  const Da = world.actor('Da', PartyRole.INTERMEDIARY);
  const Ca = world.actor('Ca', PartyRole.CONSUMER, Da);
  const genesis = world.genesis([Da, Ca]);
  const prefix = 'bench/ledger/';
  const options = { dataDir: join(dir, 'catcher'), genesis, etcd: { endpoints: etcd.endpoints, prefix, nodeId: 'catcher' } };

  // The node registers and applies a first block, then goes down.
  let member = await openClusterMember(options);
  const first = await member.node.submit(world.requestCertificate(Ca, 0, 1800));
  if (first.status !== 'applied') throw new Error(`setup transaction ${first.status}: ${first.reason ?? ''}`);
  await member.close();

  // While it is down, `count` signed transactions are ordered (by another node's ordering).
  const txs = Array.from({ length: count }, (_, i) => world.requestCertificate(Ca, i * 1800, (i + 1) * 1800));
  const submitter = createEtcdOrdering({ endpoints: etcd.endpoints, prefix });
  let last = 0;
  for (let i = 0; i < txs.length; i += 2000) {
    const { position } = await submitter.submit(txs.slice(i, i + 2000));
    last = Math.max(last, position);
  }
  await submitter.close();

  const start = performance.now();
  member = await openClusterMember(options);
  await until(() => member.node.head.position >= last, 300_000, 'the restarted node to catch up');
  const elapsed = performance.now() - start;
  const height = member.node.head.height;
  await member.close();

  // The same transactions replayed from the embedded sequencer: the node's own apply rate here.
  const localDir = join(dir, 'local');
  mkdirSync(localDir, { recursive: true });
  const sequencer = openEmbeddedSequencer({ path: join(localDir, 'ordering.sqlite') });
  let localLast = (await sequencer.submit([world.requestCertificate(Ca, 0, 1800)])).position;
  for (let i = 0; i < txs.length; i += 2000) localLast = (await sequencer.submit(txs.slice(i, i + 2000))).position;
  await sequencer.close();
  const localStart = performance.now();
  const local = await LedgerNode.open({ dataDir: localDir, genesis });
  await until(() => local.head.position >= localLast, 300_000, 'the local replay');
  const localElapsed = performance.now() - localStart;
  await local.close();
  return { catchUpTxPerS: (count * 1000) / elapsed, elapsedMs: elapsed, height, localReplayTxPerS: (count * 1000) / localElapsed };
}

export default async function cluster(args: string[]): Promise<BenchReport> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '5' }, 'txs-per-submit': { type: 'string', default: '500' }, 'in-flight': { type: 'string', default: '8' }, 'catch-up-txs': { type: 'string', default: '50000' } } });
  const dir = mkdtempSync(join(tmpdir(), 'wl-bench-cluster-'));
  let etcd: LocalEtcdCluster | undefined;
  try {
    etcd = await startLocalEtcdCluster({ size: 3, dir: join(dir, 'etcd') });
    const ordering = await orderingThroughput(etcd, Number(values.seconds), Number(values['txs-per-submit']), Number(values['in-flight']));
    const replay = await catchUp(etcd, dir, Number(values['catch-up-txs']));
    return {
      name: 'cluster',
      judgedBy: 'txPerS >= 20,000 (3 etcd members, durable commits, delivered to 3 nodes); failoverPauseMs and catchUpTxPerS reported',
      rows: [
        { metric: 'txPerS', value: ordering.txPerS, unit: 'tx/s', note: `${ordering.txs} txs of 200 B, submit -> etcd commit -> 3 subscribers` },
        { metric: 'ackedTxPerS', value: ordering.ackedTxPerS, unit: 'tx/s', note: 'acknowledged (etcd committed) only' },
        { metric: 'txsPerEtcdWrite', value: ordering.txs / Math.max(1, ordering.puts), unit: 'tx', note: `${ordering.puts} etcd writes` },
        { metric: 'failoverPauseMs', value: ordering.failoverPauseMs, unit: 'ms', note: `kill -9 of the etcd leader (${ordering.killed}) under load` },
        { metric: 'catchUpTxPerS', value: replay.catchUpTxPerS, unit: 'tx/s', note: `restarted ledger node replayed ${values['catch-up-txs']} signed txs from etcd in ${Math.round(replay.elapsedMs)} ms` },
        { metric: 'localReplayTxPerS', value: replay.localReplayTxPerS, unit: 'tx/s', note: 'the same txs replayed from the embedded sequencer (the node\'s apply rate)' },
        { metric: 'catchUp/localReplay', value: replay.catchUpTxPerS / replay.localReplayTxPerS, unit: '', note: 'cost of reading the history from etcd' },
      ],
      figures: {
        txPerS: Math.round(ordering.txPerS),
        ackedTxPerS: Math.round(ordering.ackedTxPerS),
        txsPerEtcdWrite: Math.round(ordering.txs / Math.max(1, ordering.puts)),
        failoverPauseMs: ordering.failoverPauseMs,
        catchUpTxPerS: Math.round(replay.catchUpTxPerS),
        localReplayTxPerS: Math.round(replay.localReplayTxPerS),
        budgetTxPerS: 20_000,
        withinBudget: ordering.txPerS >= 20_000,
      },
    };
  } finally {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
