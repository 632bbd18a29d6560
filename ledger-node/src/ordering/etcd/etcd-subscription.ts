/**
 * Delivery of the etcd ordering to one subscriber, in revision order, each batch once:
 *
 * 1. catch-up: at one etcd revision S, list the batch keys (keys only, by key pages), keep
 *    those modified after the subscriber's revision, sort them by mod_revision, read their
 *    values in chunks and deliver them. The pruning mark is read at S too: if batches after
 *    the subscriber's revision were pruned, delivery stops with HistoryPrunedError.
 * 2. live: a watch on the batch prefix from S + 1 (etcd replays what happened since S).
 *
 * etcd3's watcher resumes after a reconnect from the revision in the last response header,
 * which can be past events it never delivered (a catch-up response carries the current
 * revision), so on any disconnect, error or a backlog above HIGH_WATER the watch is
 * cancelled and delivery restarts with a catch-up from the last delivered position: nothing
 * is skipped, and positions at or below it are never delivered twice.
 */
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { BatchHandler } from '../ordering.js';
import { decodeGroup, positionOf, revisionOf } from './batch-group.js';
import { isTransientEtcdError } from './etcd-client.js';
import { prefixRangeEnd, type EtcdKeys } from './etcd-keys.js';
import { BadBatchGroupError, HistoryPrunedError } from './errors.js';
import type { ClusterLogger } from './logger.js';

const KEY_PAGE = 5000;
const VALUE_CHUNK = 32;
const HIGH_WATER = 256;

export interface SubscriptionOptions {
  readonly client: Etcd3;
  readonly keys: EtcdKeys;
  readonly after: number;
  readonly onBatch: BatchHandler;
  readonly onError: ((error: unknown) => void) | undefined;
  /** Called with R once every batch up to etcd revision R has been handled. */
  readonly onApplied?: (revision: number) => void;
  readonly logger: ClusterLogger;
  /** How long a watch may take to start before delivery falls back to a catch-up. */
  readonly watchStartTimeoutMs: number;
  /**
   * Deadline of a catch-up read, doubled after the second failed round (up to 8x). Reads are
   * linearizable, so during an election they wait for the new leader; a short first deadline
   * retries soon after it is there instead of waiting out the client's default.
   */
  readonly readTimeoutMs: number;
}

export interface Subscription {
  stop(): void;
  /** Stops delivery and hands `error` to onError, as if the handler had failed with it. */
  halt(error: unknown): void;
  /** Resolves when the delivery loop has ended (after stop or a fatal error). */
  readonly ended: Promise<void>;
}

interface Group {
  readonly revision: number;
  readonly key: string;
  readonly value: Uint8Array;
}

/** A handler failure: ends delivery and goes to onError as the handler's own error. */
class HandlerFailure {
  constructor(readonly error: unknown) {}
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function startSubscription(options: SubscriptionOptions): Subscription {
  const { client, keys, logger } = options;
  const batchPrefix = Buffer.from(keys.batches);
  const batchEnd = prefixRangeEnd(keys.batches);
  let cursor = options.after;
  let stopped = false;
  let failures = 0;
  const callOptions = (): { deadline: number } => ({ deadline: Date.now() + options.readTimeoutMs * 2 ** Math.min(Math.max(failures - 1, 0), 3) });
  let wake: (() => void) | undefined;

  async function deliverGroup(group: Group): Promise<void> {
    let batches: Uint8Array[][];
    try {
      batches = decodeGroup(group.value);
    } catch (cause) {
      throw new BadBatchGroupError(group.key, group.revision, cause);
    }
    for (let i = 0; i < batches.length; i++) {
      const position = positionOf(group.revision, i);
      if (position <= cursor) continue;
      if (stopped) return;
      try {
        await options.onBatch({ position, txs: batches[i]! });
      } catch (error) {
        throw new HandlerFailure(error);
      }
      cursor = position;
    }
    if (!stopped) options.onApplied?.(group.revision);
  }

  /** Lists batch keys modified at or after `fromRevision`, as of one revision; returns it. */
  async function listAfter(fromRevision: number): Promise<{ revision: number; entries: { key: Buffer; revision: number }[] }> {
    let revision = 0;
    let start: Buffer = batchPrefix;
    const entries: { key: Buffer; revision: number }[] = [];
    for (;;) {
      const page = await client.kv.range({ key: start, range_end: batchEnd, keys_only: true, limit: KEY_PAGE, revision }, callOptions());
      if (revision === 0) revision = Number(page.header.revision);
      for (const kv of page.kvs) {
        const modRevision = Number(kv.mod_revision);
        if (modRevision >= fromRevision) entries.push({ key: kv.key, revision: modRevision });
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || last === undefined) break;
      start = Buffer.concat([last.key, Buffer.from([0])]);
    }
    entries.sort((a, b) => a.revision - b.revision);
    return { revision, entries };
  }

  async function prunedAt(revision: number): Promise<number> {
    const response = await client.kv.range({ key: Buffer.from(keys.pruned), revision }, callOptions());
    const value = response.kvs[0]?.value.toString();
    return value === undefined ? 0 : Number(value);
  }

  /** Delivers everything up to some revision S and returns S. */
  async function catchUp(): Promise<number> {
    const fromRevision = Math.max(1, revisionOf(cursor));
    const { revision, entries } = await listAfter(fromRevision);
    const pruned = await prunedAt(revision);
    // Batches of revisions in (cursor's revision, pruned] are gone; the cursor's own group
    // is still there unless this node is not registered.
    if (pruned > revisionOf(cursor)) throw new HistoryPrunedError(revisionOf(cursor), pruned);
    for (let i = 0; i < entries.length && !stopped; i += VALUE_CHUNK) {
      const chunk = entries.slice(i, i + VALUE_CHUNK);
      const response = await client.kv.txn({ compare: [], success: chunk.map((e) => ({ request_range: { key: e.key, revision } })), failure: [] }, callOptions());
      for (let j = 0; j < chunk.length && !stopped; j++) {
        const kv: IKeyValue | undefined = response.responses[j]?.response_range.kvs[0];
        if (kv === undefined) throw new HistoryPrunedError(revisionOf(cursor), chunk[j]!.revision);
        await deliverGroup({ revision: Number(kv.mod_revision), key: kv.key.toString(), value: kv.value });
      }
    }
    if (!stopped && revision > 0) options.onApplied?.(revision);
    return revision;
  }

  /** Delivers from a watch starting after `revision` until it breaks or delivery stops. */
  async function live(revision: number): Promise<void> {
    const queue: Group[] = [];
    let broken: string | undefined;
    const watcher: Watcher = client.watch().prefix(batchPrefix.toString()).only('put').startRevision(String(revision + 1)).watcher();
    const interrupt = (why: string) => (error?: unknown) => {
      broken ??= `${why}${error instanceof Error ? `: ${error.message}` : ''}`;
      wake?.();
    };
    watcher.on('data', (response) => {
      for (const event of response.events) {
        if (event.type !== 'Put') continue;
        queue.push({ revision: Number(event.kv.mod_revision), key: event.kv.key.toString(), value: event.kv.value });
      }
      if (queue.length > HIGH_WATER) interrupt('delivery fell behind the watch')();
      wake?.();
    });
    watcher.on('disconnected', interrupt('watch disconnected'));
    watcher.on('error', interrupt('watch failed'));
    let connected = false;
    watcher.once('connected', () => {
      connected = true;
    });
    const startTimer = setTimeout(() => {
      if (!connected) interrupt(`watch not started within ${options.watchStartTimeoutMs} ms`)();
    }, options.watchStartTimeoutMs);
    try {
      while (!stopped && broken === undefined) {
        const group = queue.shift();
        if (group === undefined) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        if (group.revision < revisionOf(cursor)) continue;
        await deliverGroup(group);
      }
    } finally {
      clearTimeout(startTimer);
      // A cancel on a dead stream may never be answered; the stream is dropped with the client.
      await Promise.race([watcher.cancel().catch(() => undefined), sleep(1000)]);
    }
    if (broken !== undefined && !stopped) logger.warn({ reason: broken, position: cursor }, 'etcd watch interrupted; catching up from the last delivered batch');
  }

  async function run(): Promise<void> {
    while (!stopped) {
      try {
        const revision = await catchUp();
        if (stopped) break;
        failures = 0;
        await live(revision);
      } catch (error) {
        if (stopped) break;
        if (error instanceof HandlerFailure) return fail(error.error);
        if (error instanceof HistoryPrunedError || error instanceof BadBatchGroupError) return fail(error);
        failures++;
        const level = isTransientEtcdError(error) ? 'warn' : 'error';
        if (failures === 1 || failures % 20 === 0) logger[level]({ err: (error as Error).message, failures, position: cursor }, 'etcd ordering: delivery interrupted, retrying');
        await sleep(Math.min(50 * 2 ** Math.min(failures, 5), 1000));
      }
    }
  }

  let failed = false;
  function fail(error: unknown): void {
    stopped = true;
    wake?.();
    if (failed) return;
    failed = true;
    options.onError?.(error);
  }

  const ended = run();
  return {
    ended,
    halt: fail,
    stop() {
      stopped = true;
      wake?.();
    },
  };
}

