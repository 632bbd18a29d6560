/**
 * Joining from a peer's snapshot, for a node that cannot replay from etcd because the
 * batches before its position were pruned (HistoryPrunedError): copy a peer's ledger
 * database (SQLite online backup, consistent while the peer runs), verify it, put it in the
 * new node's data directory; on start the node resumes after the snapshot's position.
 *
 * Verification before use:
 * - the genesis is this ledger's, and the headers form one hash chain from the genesis to
 *   the snapshot's head (heights consecutive, positions increasing, head hash and root match);
 * - at the highest height of the snapshot for which a strict majority of the registered
 *   nodes published a state root in etcd, the snapshot's root equals that root; a majority
 *   root that differs, or no vouched height at all, refuses the snapshot;
 * - the snapshot's position is not older than etcd's pruning mark (the rest must replay).
 * Limit: the state root chains the records each block wrote, so it vouches for the blocks,
 * not for every record file row; a snapshot is therefore taken from a node you trust (your
 * own, or a consortium member's), and the new node's own roots are checked from then on.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { toHex } from '@wattledger/protocol';
import type { Etcd3 } from 'etcd3';
import { blockHash } from '../core/block.js';
import { genesisHash, type Genesis } from '../core/genesis.js';
import { LedgerStore } from '../store/ledger-store.js';
import { revisionOf } from '../ordering/etcd/batch-group.js';
import type { EtcdKeys } from '../ordering/etcd/etcd-keys.js';
import { SnapshotMismatchError } from '../ordering/etcd/errors.js';
import { readRootRecords } from './divergence-monitor.js';
import { rootsOf } from './divergence.js';
import { readNodes } from './node-registry.js';

const LEDGER_FILE = 'ledger.sqlite';
const HEADER_PAGE = 10_000;

/** Online backup of a (possibly running) node's ledger database into `outFile`. */
export async function takeSnapshot(dataDir: string, outFile: string): Promise<void> {
  const source = new Database(join(dataDir, LEDGER_FILE), { readonly: true, fileMustExist: true });
  try {
    await source.backup(outFile);
  } finally {
    source.close();
  }
}

export interface SnapshotCheck {
  readonly height: number;
  readonly stateRoot: string;
  readonly position: number;
  /** Highest height whose root a majority of the registered nodes vouched for. */
  readonly vouchedHeight: number;
  readonly vouchedBy: readonly string[];
}

export async function verifySnapshot(file: string, genesis: Genesis, client: Etcd3, keys: EtcdKeys): Promise<SnapshotCheck> {
  const genesisHex = toHex(genesisHash(genesis));
  const store = new LedgerStore(file);
  try {
    try {
      store.checkGenesis(genesisHex);
    } catch (error) {
      throw new SnapshotMismatchError(`snapshot of another ledger: ${(error as Error).message}`);
    }
    const head = store.head();
    if (head === undefined || head.height === 0) throw new SnapshotMismatchError('the snapshot holds no block');
    const roots = new Map<number, string>();
    let prevHash = genesisHex;
    let prevPosition = 0;
    for (let from = 1; from <= head.height; from += HEADER_PAGE) {
      const headers = store.headers(from, HEADER_PAGE);
      headers.forEach((h, i) => {
        const expected = from + i;
        if (h.height !== expected) throw new SnapshotMismatchError(`snapshot block ${expected} is missing (found ${h.height})`);
        if (h.prevHash !== prevHash) throw new SnapshotMismatchError(`snapshot block ${expected} does not link to block ${expected - 1}`);
        if (!(h.position > prevPosition)) throw new SnapshotMismatchError(`snapshot block ${expected} has position ${h.position} after ${prevPosition}`);
        prevHash = blockHash(h);
        prevPosition = h.position;
        roots.set(h.height, h.stateRoot);
      });
      if (headers.length === 0) break;
    }
    const last = roots.get(head.height);
    if (prevHash !== head.hash || last !== head.stateRoot || prevPosition !== head.position) throw new SnapshotMismatchError('the snapshot head does not match its last block');

    const [records, nodes, prunedResponse] = await Promise.all([
      readRootRecords(client, keys),
      readNodes(client, keys),
      client.kv.range({ key: Buffer.from(keys.pruned) }),
    ]);
    const pruned = Number(prunedResponse.kvs[0]?.value.toString() ?? 0);
    if (revisionOf(head.position) < pruned) throw new SnapshotMismatchError(`the snapshot ends at etcd revision ${revisionOf(head.position)}, before the pruned history (${pruned}): take a newer snapshot`);
    const registered = new Set([...nodes.map((n) => n.nodeId), ...records.keys()]);
    const majority = Math.floor(registered.size / 2) + 1;
    const votes = new Map<number, Map<string, string[]>>();
    for (const [nodeId, record] of records) {
      if (record.halted !== undefined) continue;
      for (const [height, root] of rootsOf(record)) {
        if (height > head.height) continue;
        const byRoot = votes.get(height) ?? new Map<string, string[]>();
        byRoot.set(root, [...(byRoot.get(root) ?? []), nodeId]);
        votes.set(height, byRoot);
      }
    }
    for (const height of [...votes.keys()].sort((a, b) => b - a)) {
      for (const [root, by] of votes.get(height)!) {
        if (by.length < majority) continue;
        if (root !== roots.get(height)) throw new SnapshotMismatchError(`at block ${height} the snapshot's state root is ${roots.get(height)} but ${by.join(', ')} agree on ${root}: do not use this snapshot`);
        return { height: head.height, stateRoot: head.stateRoot, position: head.position, vouchedHeight: height, vouchedBy: by.sort() };
      }
    }
    throw new SnapshotMismatchError(`no block of the snapshot (1..${head.height}) has a state root a majority of the ${registered.size} registered nodes published: take a newer snapshot, or wait until the nodes publish their roots`);
  } finally {
    store.close();
  }
}

/** Verifies `file` and installs it as `dataDir`'s ledger database (which must not exist yet). */
export async function restoreSnapshot(file: string, dataDir: string, genesis: Genesis, client: Etcd3, keys: EtcdKeys): Promise<SnapshotCheck> {
  const target = join(dataDir, LEDGER_FILE);
  if (existsSync(target)) throw new SnapshotMismatchError(`${target} exists: restore into an empty data directory`);
  mkdirSync(dataDir, { recursive: true });
  const staging = join(dataDir, `${LEDGER_FILE}.restoring`);
  copyFileSync(file, staging);
  try {
    const check = await verifySnapshot(staging, genesis, client, keys);
    for (const suffix of ['-wal', '-shm']) rmSync(`${staging}${suffix}`, { force: true });
    copyFileSync(staging, target);
    return check;
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${staging}${suffix}`, { force: true });
  }
}
