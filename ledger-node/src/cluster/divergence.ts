/**
 * Divergence decision (DESIGN §7: nodes compare state roots to detect divergence). Pure: no
 * I/O, no clock. For one block height, given this node's root and the roots other nodes
 * published for the same height, among `registered` nodes in all:
 *
 * - a root held by a strict majority of the registered nodes is the agreed root;
 * - if this node's root is the agreed one, nodes holding another root have diverged;
 * - if another root is the agreed one, this node has diverged and must stop applying;
 * - if every registered node reported and no root has a majority, nobody can tell which
 *   state is right: this node stops too (safety over liveness);
 * - otherwise the verdict waits for more reports.
 *
 * One node computing a wrong root therefore stops itself without stopping the others.
 */

export type HeightVerdict =
  | { readonly kind: 'agree' }
  | { readonly kind: 'undecided' }
  | { readonly kind: 'peers-diverged'; readonly peers: readonly string[] }
  | { readonly kind: 'local-diverged'; readonly agreedRoot: string | undefined };

export function judgeHeight(localNodeId: string, localRoot: string, peerRoots: ReadonlyMap<string, string>, registered: number): HeightVerdict {
  const votes = new Map<string, string[]>();
  votes.set(localRoot, [localNodeId]);
  for (const [nodeId, root] of [...peerRoots].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (nodeId === localNodeId) continue;
    const list = votes.get(root);
    if (list) list.push(nodeId);
    else votes.set(root, [nodeId]);
  }
  const reported = [...votes.values()].reduce((n, list) => n + list.length, 0);
  const total = Math.max(registered, reported);
  const majority = Math.floor(total / 2) + 1;
  const dissenters = [...votes].filter(([root]) => root !== localRoot).flatMap(([, nodes]) => nodes);
  if (votes.get(localRoot)!.length >= majority) return dissenters.length === 0 ? { kind: 'agree' } : { kind: 'peers-diverged', peers: dissenters };
  for (const [root, nodes] of votes) if (root !== localRoot && nodes.length >= majority) return { kind: 'local-diverged', agreedRoot: root };
  if (reported >= total && dissenters.length > 0) return { kind: 'local-diverged', agreedRoot: undefined };
  return { kind: 'undecided' };
}

/**
 * The roots other nodes had at `height`, as far as this node can tell. A peer that reported
 * this height counts with its root. A peer that reported only later heights still counts
 * as holding `localRoot` if its root at one of those heights equals this node's root there:
 * each state root hashes the previous one (block.ts), so equal roots at a later height mean
 * equal roots at every height before. (A later root that differs says nothing about `height`.)
 */
export function peerRootsAt(
  height: number,
  localRoot: string,
  reports: ReadonlyMap<string, ReadonlyMap<number, string>>,
  localRootAt: (height: number) => string | undefined,
  localHeight: number,
): Map<string, string> {
  const roots = new Map<string, string>();
  for (const [peer, byHeight] of reports) {
    const exact = byHeight.get(height);
    if (exact !== undefined) {
      roots.set(peer, exact);
      continue;
    }
    for (const [later, root] of byHeight) {
      if (later > height && later <= localHeight && localRootAt(later) === root) {
        roots.set(peer, localRoot);
        break;
      }
    }
  }
  return roots;
}

/** Heights every node publishes a root for, so that two nodes always have heights in common. */
export function isCheckpoint(height: number, every: number): boolean {
  return height > 0 && height % every === 0;
}

/** What a node publishes under `<prefix>roots/<node id>`. */
export interface RootRecord {
  /** Latest applied block. */
  readonly height: number;
  readonly stateRoot: string;
  /** Recent checkpoint heights with their roots, oldest first. */
  readonly checkpoints: readonly (readonly [number, string])[];
  /** Set once this node stopped applying because of a divergence. */
  readonly halted?: string;
}

const ROOT = /^[0-9a-f]{64}$/;

export function encodeRootRecord(record: RootRecord): string {
  return JSON.stringify(record);
}

/** Parses a published record; undefined for anything malformed (never trusted blindly). */
export function parseRootRecord(text: string): RootRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (!Number.isSafeInteger(r['height']) || (r['height'] as number) < 0 || typeof r['stateRoot'] !== 'string' || !ROOT.test(r['stateRoot'])) return undefined;
  if (!Array.isArray(r['checkpoints'])) return undefined;
  const checkpoints: [number, string][] = [];
  for (const entry of r['checkpoints'] as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || !Number.isSafeInteger(entry[0]) || typeof entry[1] !== 'string' || !ROOT.test(entry[1])) return undefined;
    checkpoints.push([entry[0] as number, entry[1]]);
  }
  return { height: r['height'] as number, stateRoot: r['stateRoot'], checkpoints, ...(typeof r['halted'] === 'string' ? { halted: r['halted'] } : {}) };
}

/** Every (height, root) a record states: its checkpoints and its latest block. */
export function rootsOf(record: RootRecord): Map<number, string> {
  const roots = new Map<number, string>(record.checkpoints.map(([h, r]) => [h, r]));
  if (record.height > 0) roots.set(record.height, record.stateRoot);
  return roots;
}
