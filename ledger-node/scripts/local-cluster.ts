/**
 * Development cluster: 3 etcd members and 3 ledger nodes on 127.0.0.1, everything under a
 * temporary directory (or --dir), stopped cleanly on Ctrl-C / SIGTERM (the directory is
 * removed unless --keep or --dir was given).
 *
 *   npx tsx scripts/local-cluster.ts [--genesis FILE] [--dir DIR] [--keep] [--etcd-members N] [--nodes N]
 *
 * Without --genesis it writes a demo genesis (admin + intermediaries Da, Db of the simulation
 * world, keys derived from the seed "local-cluster"). It prints one JSON line with the etcd
 * endpoints and the nodes' URLs, then the operator commands to try.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PartyRole } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { parseGenesis, type Genesis } from '../src/core/genesis.js';
import { startLocalLedgerCluster } from '../src/cluster/local-ledger-cluster.js';
import { LedgerWorld } from '../src/sim/ledger-world.js';

const { values } = parseArgs({
  options: {
    genesis: { type: 'string' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'etcd-members': { type: 'string', default: '3' },
    nodes: { type: 'string', default: '3' },
  },
});

function demoGenesis(): Genesis {
  const world = new LedgerWorld({ provider: nodeEd25519, chainId: 'local-cluster', seed: 'local-cluster' });
  return world.genesis([world.actor('Da', PartyRole.INTERMEDIARY), world.actor('Db', PartyRole.INTERMEDIARY)]);
}

const genesis = values.genesis === undefined ? demoGenesis() : parseGenesis(JSON.parse(readFileSync(values.genesis, 'utf8')));
const dir = values.dir === undefined ? mkdtempSync(join(tmpdir(), 'wattledger-cluster-')) : resolve(values.dir);
const removeDir = values.dir === undefined && !values.keep;

process.stderr.write(`starting ${values['etcd-members']} etcd members and ${values.nodes} ledger nodes under ${dir} ...\n`);
const cluster = await startLocalLedgerCluster({ dir, genesis, etcdMembers: Number(values['etcd-members']), ledgerNodes: Number(values.nodes) });
const endpoints = cluster.etcd.endpoints.join(',');
process.stdout.write(`${JSON.stringify({ dir, etcd: cluster.etcd.endpoints, nodes: cluster.nodes.map((n) => ({ id: n.nodeId, url: n.url })) })}\n`);
process.stderr.write([
  '',
  `  curl ${cluster.nodes[0]!.url}/health`,
  `  node bin/ledger-node.mjs cluster compare --etcd ${endpoints}`,
  `  node bin/ledger-node.mjs cluster status --etcd ${endpoints}`,
  `  logs: ${dir}/node*.log, ${dir}/etcd/etcd*.log`,
  '  Ctrl-C stops everything.',
  '',
].join('\n'));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write('stopping ledger nodes and etcd members ...\n');
  await cluster.stop();
  if (removeDir) rmSync(dir, { recursive: true, force: true });
  process.stderr.write(removeDir ? 'stopped; data removed\n' : `stopped; data kept in ${dir}\n`);
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
