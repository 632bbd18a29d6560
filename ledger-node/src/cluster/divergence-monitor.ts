/**
 * The shell around divergence.ts: publishes this node's state roots to etcd (latest block
 * and recent checkpoints, at most every `publishIntervalMs`), reads the other nodes' roots
 * on the same period and judges every height it has a root for. A local divergence is
 * reported loudly (error log, counters, `status()` for the health endpoint) and handed to
 * `onDiverged`, which stops applying (EtcdOrdering.halt). Diverged peers are logged and
 * listed in the status; this node keeps going while it holds the majority root.
 */
import type { Etcd3 } from 'etcd3';
import { prefixRangeEnd, type EtcdKeys } from '../ordering/etcd/etcd-keys.js';
import { StateDivergedError } from '../ordering/etcd/errors.js';
import type { ClusterLogger } from '../ordering/etcd/logger.js';
import { encodeRootRecord, judgeHeight, parseRootRecord, peerRootsAt, rootsOf, type RootRecord } from './divergence.js';
import { readNodes } from './node-registry.js';

export interface DivergenceMonitorOptions {
  readonly client: Etcd3;
  readonly keys: EtcdKeys;
  readonly nodeId: string;
  /** This node's latest applied block. */
  head(): { readonly height: number; readonly stateRoot: string };
  /** This node's state root at an applied height (undefined if it has no such block). */
  rootAt(height: number): string | undefined;
  /** Called once when this node is found diverged; it must stop applying. */
  onDiverged(error: StateDivergedError): void;
  readonly publishIntervalMs?: number;
  /** Blocks between checkpoints (default 16). */
  readonly checkpointEvery?: number;
  /** Checkpoints kept in the published record (default 32). */
  readonly checkpointsKept?: number;
  readonly logger: ClusterLogger;
}

export interface DivergenceStatus {
  readonly diverged: boolean;
  /** The error that stopped this node, as one line. */
  readonly reason: string | undefined;
  readonly divergedPeers: readonly string[];
  /** Heights judged with at least one peer, and how many of those disagreed. */
  readonly comparisons: number;
  readonly mismatches: number;
  readonly lastAgreedHeight: number;
  readonly publishedHeight: number;
}

export interface DivergenceMonitor {
  status(): DivergenceStatus;
  /** Publishes and checks once now. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export function startDivergenceMonitor(options: DivergenceMonitorOptions): DivergenceMonitor {
  const { client, keys, nodeId, logger } = options;
  const every = options.checkpointEvery ?? 16;
  const kept = options.checkpointsKept ?? 32;
  const rootKey = Buffer.from(keys.rootKey(nodeId));
  const checkpoints: [number, string][] = [];
  const judged = new Set<string>();
  let lastCheckpoint = 0;
  let published = '';
  let publishedHeight = 0;
  let divergedError: StateDivergedError | undefined;
  const divergedPeers = new Set<string>();
  let comparisons = 0;
  let mismatches = 0;
  let lastAgreedHeight = 0;
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function collectCheckpoints(height: number): void {
    const newest = Math.floor(height / every) * every;
    for (let h = Math.max(lastCheckpoint + every, newest - (kept - 1) * every, every); h <= newest; h += every) {
      const root = options.rootAt(h);
      if (root !== undefined) checkpoints.push([h, root]);
    }
    lastCheckpoint = Math.max(lastCheckpoint, newest);
    while (checkpoints.length > kept) checkpoints.shift();
  }

  async function publish(): Promise<void> {
    const head = options.head();
    collectCheckpoints(head.height);
    const record: RootRecord = { height: head.height, stateRoot: head.stateRoot, checkpoints, ...(divergedError ? { halted: divergedError.message } : {}) };
    const text = encodeRootRecord(record);
    if (text === published) return;
    await client.kv.put({ key: rootKey, value: Buffer.from(text) });
    published = text;
    publishedHeight = head.height;
  }

  async function check(): Promise<void> {
    const [response, nodes] = await Promise.all([
      client.kv.range({ key: Buffer.from(keys.roots), range_end: prefixRangeEnd(keys.roots) }),
      readNodes(client, keys),
    ]);
    const registered = new Set(nodes.map((n) => n.nodeId));
    registered.add(nodeId);
    const reports = new Map<string, Map<number, string>>();
    for (const kv of response.kvs) {
      const peer = kv.key.toString().slice(keys.roots.length);
      if (peer === nodeId || !registered.has(peer)) continue;
      const record = parseRootRecord(kv.value.toString());
      if (record === undefined) {
        logger.warn({ peer }, 'ignoring a malformed state-root record');
        continue;
      }
      reports.set(peer, rootsOf(record));
    }
    const head = options.head();
    const cache = new Map<number, string | undefined>();
    const rootAt = (height: number): string | undefined => {
      if (!cache.has(height)) cache.set(height, options.rootAt(height));
      return cache.get(height);
    };
    const heights = new Set<number>();
    for (const byHeight of reports.values()) for (const height of byHeight.keys()) if (height <= head.height) heights.add(height);
    for (const height of [...heights].sort((a, b) => a - b)) {
      if (divergedError) break;
      const local = rootAt(height);
      if (local === undefined) continue;
      const peers = peerRootsAt(height, local, reports, rootAt, head.height);
      const verdict = judgeHeight(nodeId, local, peers, registered.size);
      const signature = `${height}:${[...peers].map(([p, r]) => `${p}=${r}`).sort().join(',')}`;
      if (judged.has(signature)) continue;
      if (verdict.kind === 'undecided') continue;
      judged.add(signature);
      comparisons++;
      if (verdict.kind === 'agree') {
        lastAgreedHeight = Math.max(lastAgreedHeight, height);
      } else if (verdict.kind === 'peers-diverged') {
        mismatches++;
        lastAgreedHeight = Math.max(lastAgreedHeight, height);
        for (const peer of verdict.peers) {
          if (!divergedPeers.has(peer)) logger.error({ peer, height, root: peers.get(peer), local }, 'ledger node diverged: its state root differs from the majority');
          divergedPeers.add(peer);
        }
      } else {
        mismatches++;
        divergedError = new StateDivergedError(height, local, verdict.agreedRoot, Object.fromEntries(peers));
        logger.error({ height, local, agreed: verdict.agreedRoot, peers: Object.fromEntries(peers) }, `STATE DIVERGED: ${divergedError.message}`);
        options.onDiverged(divergedError);
      }
    }
    if (judged.size > 10_000) judged.clear();
  }

  async function tick(): Promise<void> {
    running ??= (async () => {
      try {
        await publish();
        await check();
        await publish();
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  function arm(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      tick().catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'state-root exchange with etcd failed; retrying')).finally(arm);
    }, options.publishIntervalMs ?? 500);
    timer.unref();
  }
  arm();

  return {
    tick,
    status: () => ({
      diverged: divergedError !== undefined,
      reason: divergedError?.message,
      divergedPeers: [...divergedPeers].sort(),
      comparisons, mismatches, lastAgreedHeight, publishedHeight,
    }),
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** Every parseable root record, by node id. */
export async function readRootRecords(client: Etcd3, keys: EtcdKeys): Promise<Map<string, RootRecord>> {
  const response = await client.kv.range({ key: Buffer.from(keys.roots), range_end: prefixRangeEnd(keys.roots) });
  const records = new Map<string, RootRecord>();
  for (const kv of response.kvs) {
    const record = parseRootRecord(kv.value.toString());
    if (record !== undefined) records.set(kv.key.toString().slice(keys.roots.length), record);
  }
  return records;
}

