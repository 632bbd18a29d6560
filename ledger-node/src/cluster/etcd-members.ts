/**
 * Local etcd members (Debian's etcd-server 3.4) for development, tests and benchmarks: each
 * member listens on 127.0.0.1 (free ports), keeps its data under a given directory and runs
 * in its own process group, so kill -9 of a member and a clean stop of all of them are one
 * call each. Every member still started when this process exits is killed (SIGKILL to its
 * group), even if a test failed half-way. Production members run on separate machines with
 * TLS and auth: see docs/cluster.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Etcd3 } from 'etcd3';

export interface LocalEtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** True while the process runs. */
  readonly running: boolean;
  readonly pid: number | undefined;
}

export interface LocalEtcdCluster {
  readonly members: readonly LocalEtcdMember[];
  /** Client URLs of every member, in member order (what `--etcd` takes). */
  readonly endpoints: readonly string[];
  /** The member that is currently the raft leader (asks the running members). */
  leader(timeoutMs?: number): Promise<LocalEtcdMember>;
  /** Sends `signal` (default SIGKILL) to the member's process group and waits for its exit. */
  kill(member: LocalEtcdMember, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped member again on the same ports and data directory. */
  restart(member: LocalEtcdMember): Promise<void>;
  /** Resolves once every running member answers /health with a leader. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every member (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

export interface LocalEtcdOptions {
  /** Number of members (1 or 3 in practice). */
  readonly size: number;
  /** Parent directory of the members' data directories and logs. */
  readonly dir: string;
  /** etcd executable; default: $ETCD_BIN, else `etcd` on PATH, else /usr/bin/etcd. */
  readonly binary?: string;
  /** Raft heartbeat and election timeout in ms (etcd defaults: 100 and 1000). */
  readonly heartbeatMs?: number;
  readonly electionMs?: number;
  /** etcd --max-request-bytes (default 1.5 MiB, as etcd). */
  readonly maxRequestBytes?: number;
}

export class EtcdBinaryMissingError extends Error {
  readonly code = 'ETCD_BINARY_MISSING';
  override get name(): string {
    return 'EtcdBinaryMissingError';
  }
}

/** Path of the etcd executable, or undefined when it is not installed. */
export function findEtcdBinary(explicit = process.env['ETCD_BIN']): string | undefined {
  const candidates = explicit ? [explicit] : [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'etcd')), '/usr/bin/etcd'];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Distinct free TCP ports on 127.0.0.1 (held open together, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Kills `children` when this process exits, or dies of SIGINT/SIGTERM/SIGHUP that nobody
 * else handles (a program with its own handler, like scripts/local-cluster.ts, stops them).
 */
export function killOnExit(children: ReadonlySet<ChildProcess>): void {
  const killAll = (): void => {
    for (const child of children) killGroup(child, 'SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      killAll();
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  killOnExit(live);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class MemberState implements LocalEtcdMember {
  child: ChildProcess | undefined;
  exited: Promise<void> = Promise.resolve();
  started = false;
  constructor(readonly name: string, readonly clientUrl: string, readonly peerUrl: string, readonly dataDir: string) {}
  get running(): boolean {
    return this.child !== undefined;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
}

export async function startLocalEtcdCluster(options: LocalEtcdOptions): Promise<LocalEtcdCluster> {
  const binary = options.binary ?? findEtcdBinary();
  if (binary === undefined) throw new EtcdBinaryMissingError('etcd not found: install the Debian package etcd-server (apt-get install etcd-server etcd-client) or set ETCD_BIN');
  if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`size must be a positive integer, got ${options.size}`);
  installExitHook();
  const ports = await freePorts(options.size * 2);
  const token = `wl-${process.pid}-${Date.now().toString(36)}`;
  const members = Array.from({ length: options.size }, (_, i) => new MemberState(
    `etcd${i + 1}`, `http://127.0.0.1:${ports[2 * i]}`, `http://127.0.0.1:${ports[2 * i + 1]}`, join(options.dir, `etcd${i + 1}`),
  ));
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');

  function launch(m: MemberState): void {
    mkdirSync(m.dataDir, { recursive: true });
    const args = [
      '--name', m.name, '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
      '--listen-peer-urls', m.peerUrl, '--initial-advertise-peer-urls', m.peerUrl,
      '--initial-cluster', initialCluster, '--initial-cluster-token', token,
      '--initial-cluster-state', m.started ? 'existing' : 'new',
      '--heartbeat-interval', String(options.heartbeatMs ?? 100), '--election-timeout', String(options.electionMs ?? 1000),
      '--max-request-bytes', String(options.maxRequestBytes ?? 1_572_864),
      '--logger', 'zap', '--log-level', 'warn',
    ];
    const log = createWriteStream(join(options.dir, `${m.name}.log`), { flags: 'a' });
    const child = spawn(binary!, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    live.add(child);
    m.child = child;
    m.started = true;
    m.exited = new Promise<void>((resolve) => child.once('exit', () => {
      live.delete(child);
      if (m.child === child) m.child = undefined;
      resolve();
    }));
  }

  async function healthy(m: LocalEtcdMember): Promise<boolean> {
    try {
      const response = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await response.json()) as { health?: string };
      return body.health === 'true';
    } catch {
      return false;
    }
  }

  const cluster: LocalEtcdCluster = {
    members,
    endpoints: members.map((m) => m.clientUrl),

    async waitHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = members.filter((m) => m.running);
        const answers = await Promise.all(running.map(healthy));
        if (running.length > 0 && answers.every(Boolean)) return;
        if (Date.now() > deadline) throw new Error(`etcd members not healthy after ${timeoutMs} ms (logs under ${options.dir})`);
        await sleep(100);
      }
    },

    async leader(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const m of members.filter((x) => x.running)) {
          const client = new Etcd3({ hosts: m.clientUrl, defaultCallOptions: () => ({ deadline: Date.now() + 1000 }) });
          try {
            const status = await client.maintenance.status();
            if (status.leader !== '0' && status.leader === status.header.member_id) return m;
          } catch {
            // not answering yet
          } finally {
            client.close();
          }
        }
        if (Date.now() > deadline) throw new Error(`no etcd leader after ${timeoutMs} ms`);
        await sleep(100);
      }
    },

    async kill(member, signal = 'SIGKILL') {
      const m = member as MemberState;
      if (m.child === undefined) return;
      killGroup(m.child, signal);
      await m.exited;
    },

    async restart(member) {
      const m = member as MemberState;
      if (m.child !== undefined) throw new Error(`${m.name} is still running`);
      launch(m);
    },

    async stop() {
      for (const m of members) if (m.child) killGroup(m.child, 'SIGTERM');
      const all = Promise.all(members.map((m) => m.exited));
      const timer = setTimeout(() => {
        for (const m of members) if (m.child) killGroup(m.child, 'SIGKILL');
      }, 5000);
      await all;
      clearTimeout(timer);
    },
  };

  for (const m of members) launch(m);
  try {
    await cluster.waitHealthy();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
