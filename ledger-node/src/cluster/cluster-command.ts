/**
 * `ledger-node cluster <command>`: operator commands against the etcd cluster of a ledger.
 *   compare  every node's state roots per block height (exit 1 if any differ or a node halted)
 *   status   registered nodes, applied revisions, pruning mark, etcd members and leader
 *   forget NODE_ID   unregister a node that left for good (compaction stops waiting for it)
 *   compact  prune and compact once now
 * Connection flags are shared with `start --etcd` (ETCD_CLI_OPTIONS / etcdOptionsFromFlags).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createEtcdClient, parseEndpoints, type EtcdConnectionOptions } from '../ordering/etcd/etcd-client.js';
import { checkNodeId, etcdKeys } from '../ordering/etcd/etcd-keys.js';
import { compactOnce } from './compaction.js';
import { compareRoots, formatComparison } from './compare.js';
import { readRootRecords } from './divergence-monitor.js';
import { forgetNode, readNodes } from './node-registry.js';
import { restoreSnapshot, takeSnapshot } from './snapshot.js';
import { parseGenesis } from '../core/genesis.js';

/** parseArgs option specs of the etcd connection flags. */
export const ETCD_CLI_OPTIONS = {
  etcd: { type: 'string' },
  'etcd-prefix': { type: 'string' },
  'etcd-ca': { type: 'string' },
  'etcd-cert': { type: 'string' },
  'etcd-key': { type: 'string' },
  'etcd-user': { type: 'string' },
  'node-id': { type: 'string' },
} as const;

export const ETCD_CLI_USAGE = `  --etcd URL[,URL...]   etcd client URLs (http:// or https://); orders through etcd instead of the embedded sequencer
  --node-id ID          this node's id in the cluster (default: the host name)
  --etcd-prefix P       key prefix of this ledger in etcd (default wattledger/)
  --etcd-ca FILE        CA certificate of the etcd members (https)
  --etcd-cert FILE --etcd-key FILE   client certificate and key (etcd --client-cert-auth)
  --etcd-user NAME      etcd user; the password is read from WATTLEDGER_ETCD_PASSWORD`;

export interface EtcdFlags {
  readonly etcd?: string | undefined;
  readonly 'etcd-prefix'?: string | undefined;
  readonly 'etcd-ca'?: string | undefined;
  readonly 'etcd-cert'?: string | undefined;
  readonly 'etcd-key'?: string | undefined;
  readonly 'etcd-user'?: string | undefined;
}

export class ClusterUsageError extends Error {
  readonly code = 'CLUSTER_USAGE';
}

/** The connection options the flags describe (undefined without --etcd). */
export function etcdOptionsFromFlags(flags: EtcdFlags, env: NodeJS.ProcessEnv = process.env): (EtcdConnectionOptions & { prefix?: string }) | undefined {
  if (flags.etcd === undefined) {
    for (const name of ['etcd-prefix', 'etcd-ca', 'etcd-cert', 'etcd-key', 'etcd-user'] as const) {
      if (flags[name] !== undefined) throw new ClusterUsageError(`--${name} needs --etcd`);
    }
    return undefined;
  }
  let endpoints: string[];
  try {
    endpoints = parseEndpoints(flags.etcd);
  } catch (error) {
    throw new ClusterUsageError(`--etcd: ${(error as Error).message}`);
  }
  if ((flags['etcd-cert'] === undefined) !== (flags['etcd-key'] === undefined)) throw new ClusterUsageError('--etcd-cert and --etcd-key go together');
  const secure = endpoints[0]!.startsWith('https:');
  if (!secure && (flags['etcd-ca'] ?? flags['etcd-cert']) !== undefined) throw new ClusterUsageError('--etcd-ca/--etcd-cert need https:// endpoints');
  const options: EtcdConnectionOptions & { prefix?: string } = {
    endpoints,
    ...(flags['etcd-prefix'] !== undefined ? { prefix: flags['etcd-prefix'] } : {}),
    ...(secure && flags['etcd-ca'] !== undefined ? {
      tls: {
        ca: readFileSync(flags['etcd-ca']),
        ...(flags['etcd-cert'] !== undefined ? { cert: readFileSync(flags['etcd-cert']), key: readFileSync(flags['etcd-key']!) } : {}),
      },
    } : {}),
  };
  if (flags['etcd-user'] !== undefined) {
    const password = env['WATTLEDGER_ETCD_PASSWORD'];
    if (password === undefined) throw new ClusterUsageError('--etcd-user needs the password in WATTLEDGER_ETCD_PASSWORD');
    return { ...options, auth: { username: flags['etcd-user'], password } };
  }
  return options;
}

export const CLUSTER_USAGE = `usage:
  ledger-node cluster compare --etcd URL[,URL...] [--json]
  ledger-node cluster status --etcd URL[,URL...] [--json]
  ledger-node cluster forget NODE_ID --etcd URL[,URL...]
  ledger-node cluster compact --etcd URL[,URL...]
  ledger-node cluster snapshot --data DIR --out FILE          (online copy of a running node's ledger)
  ledger-node cluster restore --snapshot FILE --data DIR --genesis FILE --etcd URL[,URL...]
${ETCD_CLI_USAGE}`;

/** Runs one cluster command; returns the exit status (0 ok, 1 diverged/failed, 2 usage). */
export async function runClusterCommand(argv: readonly string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: [...rest], allowPositionals: true,
    options: { ...ETCD_CLI_OPTIONS, json: { type: 'boolean', default: false }, data: { type: 'string' }, out: { type: 'string' }, snapshot: { type: 'string' }, genesis: { type: 'string' } },
  });
  if (command === 'snapshot') {
    if (values.data === undefined || values.out === undefined) throw new ClusterUsageError('snapshot: --data DIR and --out FILE are required');
    await takeSnapshot(values.data, values.out);
    out(`snapshot of ${values.data} written to ${values.out}\n`);
    return 0;
  }
  const connection = etcdOptionsFromFlags(values);
  if (connection === undefined) throw new ClusterUsageError('--etcd URL[,URL...] is required');
  const keys = etcdKeys(connection.prefix);
  const client = createEtcdClient(connection);
  try {
    switch (command) {
      case 'compare': {
        const comparison = compareRoots(await readRootRecords(client, keys), await readNodes(client, keys));
        out(values.json ? `${JSON.stringify(comparison)}\n` : formatComparison(comparison));
        return comparison.ok ? 0 : 1;
      }
      case 'status': {
        const [nodes, pruned, members] = await Promise.all([
          readNodes(client, keys),
          client.kv.range({ key: Buffer.from(keys.pruned) }).then((r) => Number(r.kvs[0]?.value.toString() ?? 0)),
          memberStatuses(connection),
        ]);
        const status = { prefix: keys.prefix, prunedRevision: pruned, nodes, members };
        if (values.json) out(`${JSON.stringify(status)}\n`);
        else {
          out(`ledger prefix ${keys.prefix}, batches pruned up to revision ${pruned}\n`);
          for (const n of nodes) out(`  node ${n.nodeId.padEnd(20)} applied revision ${n.appliedRevision} (${n.updatedAt})\n`);
          for (const m of members) out(`  etcd ${m.endpoint.padEnd(28)} ${m.error ?? `revision ${m.revision}, db ${m.dbSize} bytes${m.leader ? ', LEADER' : ''}`}\n`);
        }
        return members.every((m) => m.error === undefined) ? 0 : 1;
      }
      case 'forget': {
        const nodeId = positionals[0];
        if (nodeId === undefined) throw new ClusterUsageError('forget: NODE_ID is required');
        checkNodeId(nodeId);
        const removed = await forgetNode(client, keys, nodeId);
        out(removed ? `forgot node ${nodeId}\n` : `node ${nodeId} was not registered\n`);
        return 0;
      }
      case 'restore': {
        if (values.snapshot === undefined || values.data === undefined || values.genesis === undefined) throw new ClusterUsageError('restore: --snapshot FILE, --data DIR and --genesis FILE are required');
        const genesis = parseGenesis(JSON.parse(readFileSync(values.genesis, 'utf8')));
        const check = await restoreSnapshot(values.snapshot, values.data, genesis, client, keys);
        out(`restored block ${check.height} (position ${check.position}) into ${values.data}; block ${check.vouchedHeight} vouched for by ${check.vouchedBy.join(', ')}; start the node with --data ${values.data}\n`);
        return 0;
      }
      case 'compact': {
        const result = await compactOnce(client, keys);
        out(result === undefined ? 'no node is registered: nothing may be pruned\n' : `${JSON.stringify(result)}\n`);
        return 0;
      }
      default:
        throw new ClusterUsageError(command === undefined ? 'a cluster command is required' : `unknown cluster command "${command}"`);
    }
  } finally {
    client.close();
  }
}

interface MemberStatus {
  readonly endpoint: string;
  readonly leader?: boolean;
  readonly revision?: number;
  readonly dbSize?: number;
  readonly error?: string;
}

async function memberStatuses(connection: EtcdConnectionOptions): Promise<MemberStatus[]> {
  return Promise.all(connection.endpoints.map(async (endpoint): Promise<MemberStatus> => {
    const single = createEtcdClient({ ...connection, endpoints: [endpoint], callTimeoutMs: 2000 });
    try {
      const s = await single.maintenance.status();
      return { endpoint, leader: s.leader === s.header.member_id, revision: Number(s.header.revision), dbSize: Number(s.dbSize) };
    } catch (error) {
      return { endpoint, error: `unreachable: ${(error as Error).message}` };
    } finally {
      single.close();
    }
  }));
}
