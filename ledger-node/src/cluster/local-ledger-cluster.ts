/**
 * A development cluster on one machine: local etcd members (etcd-members.ts) and ledger
 * nodes started as `ledger-node start --etcd ...` processes on 127.0.0.1, all data under one
 * directory. Each ledger node runs in its own process group, so kill -9 and restart act
 * on one node exactly as on a machine of its own. Used by scripts/local-cluster.ts, the
 * cluster tests and the cluster benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { genesisToJson, type Genesis } from '../core/genesis.js';
import { freePorts, killOnExit, startLocalEtcdCluster, type LocalEtcdCluster } from './etcd-members.js';

const CLI = fileURLToPath(new URL('../../bin/ledger-node.mjs', import.meta.url));

export interface LocalLedgerNode {
  readonly nodeId: string;
  readonly url: string;
  readonly dataDir: string;
  readonly running: boolean;
  readonly pid: number | undefined;
}

export interface LocalLedgerCluster {
  readonly etcd: LocalEtcdCluster;
  readonly nodes: readonly LocalLedgerNode[];
  readonly genesisFile: string;
  readonly dir: string;
  /** Sends `signal` (default SIGKILL) to the node's process group and waits for its exit. */
  kill(node: LocalLedgerNode, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped node again (same id, port and data directory); resolves when it listens. */
  restart(node: LocalLedgerNode): Promise<void>;
  /** Stops the ledger nodes (SIGTERM, SIGKILL after 10 s), then the etcd members. */
  stop(): Promise<void>;
}

export interface LocalLedgerClusterOptions {
  readonly dir: string;
  readonly genesis: Genesis;
  readonly etcdMembers?: number;
  readonly ledgerNodes?: number;
  /** `--workers` of each node (signature-check threads; default 0 = on the main thread). */
  readonly workers?: number;
  /** Extra environment for the node processes. */
  readonly env?: NodeJS.ProcessEnv;
}

const liveNodes = new Set<ChildProcess>();
let exitHook = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

class NodeState implements LocalLedgerNode {
  child: ChildProcess | undefined;
  exited: Promise<void> = Promise.resolve();
  constructor(readonly nodeId: string, readonly port: number, readonly dataDir: string) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get running(): boolean {
    return this.child !== undefined;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
}

export async function startLocalLedgerCluster(options: LocalLedgerClusterOptions): Promise<LocalLedgerCluster> {
  if (!exitHook) {
    exitHook = true;
    killOnExit(liveNodes);
  }
  mkdirSync(options.dir, { recursive: true });
  const etcd = await startLocalEtcdCluster({ size: options.etcdMembers ?? 3, dir: join(options.dir, 'etcd') });
  const genesisFile = join(options.dir, 'genesis.json');
  writeFileSync(genesisFile, `${JSON.stringify(genesisToJson(options.genesis), null, 2)}\n`);
  const count = options.ledgerNodes ?? 3;
  const ports = await freePorts(count);
  const nodes = Array.from({ length: count }, (_, i) => new NodeState(`node${i + 1}`, ports[i]!, join(options.dir, `node${i + 1}`)));

  async function launch(node: NodeState): Promise<void> {
    const args = [
      CLI, 'start', '--data', node.dataDir, '--genesis', genesisFile, '--port', String(node.port), '--host', '127.0.0.1',
      '--etcd', etcd.endpoints.join(','), '--node-id', node.nodeId, '--workers', String(options.workers ?? 0),
    ];
    const log = createWriteStream(join(options.dir, `${node.nodeId}.log`), { flags: 'a' });
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    liveNodes.add(child);
    node.child = child;
    node.exited = new Promise<void>((resolve) => child.once('exit', () => {
      liveNodes.delete(child);
      if (node.child === child) node.child = undefined;
      resolve();
    }));
    child.stderr?.pipe(log);
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      const onData = (chunk: Buffer): void => {
        buffered += chunk.toString();
        if (buffered.includes('"listening"')) {
          child.stdout?.off('data', onData);
          child.stdout?.pipe(log);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`${node.nodeId} exited with status ${code} before listening (log: ${join(options.dir, `${node.nodeId}.log`)})`)));
    });
  }

  const cluster: LocalLedgerCluster = {
    etcd,
    nodes,
    genesisFile,
    dir: options.dir,
    async kill(node, signal = 'SIGKILL') {
      const n = node as NodeState;
      if (n.child === undefined) return;
      killGroup(n.child, signal);
      await n.exited;
    },
    async restart(node) {
      const n = node as NodeState;
      if (n.child !== undefined) throw new Error(`${n.nodeId} is still running`);
      await launch(n);
    },
    async stop() {
      for (const n of nodes) if (n.child) killGroup(n.child, 'SIGTERM');
      const timer = setTimeout(() => {
        for (const n of nodes) if (n.child) killGroup(n.child, 'SIGKILL');
      }, 10_000);
      await Promise.all(nodes.map((n) => n.exited));
      clearTimeout(timer);
      await etcd.stop();
    },
  };
  try {
    await Promise.all(nodes.map(launch));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
