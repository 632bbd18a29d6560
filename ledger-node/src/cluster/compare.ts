/**
 * `ledger-node cluster compare`: the operator's view of every node's state roots. Pure: it
 * takes the records the nodes published (divergence.ts) and their registrations, and says,
 * per block height reported by at least two nodes, whether their roots agree.
 */
import { rootsOf, type RootRecord } from './divergence.js';
import type { NodeRecord } from './node-registry.js';

export interface NodeRoots {
  readonly nodeId: string;
  readonly appliedRevision: number | undefined;
  readonly height: number | undefined;
  readonly stateRoot: string | undefined;
  readonly halted: string | undefined;
}

export interface HeightComparison {
  readonly height: number;
  /** node id -> root, for the nodes that reported this height. */
  readonly roots: Readonly<Record<string, string>>;
  readonly agree: boolean;
}

export interface ClusterComparison {
  readonly nodes: readonly NodeRoots[];
  /** Heights reported by two or more nodes, highest first (at most `limit`, mismatches always kept). */
  readonly heights: readonly HeightComparison[];
  /** Highest height every node reported, if any. */
  readonly commonHeight: number | undefined;
  /** True when no compared height differs and no node halted. */
  readonly ok: boolean;
}

export function compareRoots(records: ReadonlyMap<string, RootRecord>, registered: readonly NodeRecord[], limit = 8): ClusterComparison {
  const ids = [...new Set([...registered.map((n) => n.nodeId), ...records.keys()])].sort();
  const applied = new Map(registered.map((n) => [n.nodeId, n.appliedRevision]));
  const nodes: NodeRoots[] = ids.map((nodeId) => {
    const r = records.get(nodeId);
    return { nodeId, appliedRevision: applied.get(nodeId), height: r?.height, stateRoot: r?.stateRoot, halted: r?.halted };
  });
  const byHeight = new Map<number, Record<string, string>>();
  for (const [nodeId, record] of records) {
    for (const [height, root] of rootsOf(record)) {
      const entry = byHeight.get(height) ?? {};
      entry[nodeId] = root;
      byHeight.set(height, entry);
    }
  }
  const compared = [...byHeight]
    .filter(([, roots]) => Object.keys(roots).length >= 2)
    .map(([height, roots]): HeightComparison => ({ height, roots, agree: new Set(Object.values(roots)).size === 1 }))
    .sort((a, b) => b.height - a.height);
  const heights = compared.filter((c, i) => i < limit || !c.agree);
  const common = compared.find((c) => ids.every((id) => c.roots[id] !== undefined));
  return {
    nodes,
    heights,
    commonHeight: common?.height,
    ok: compared.every((c) => c.agree) && nodes.every((n) => n.halted === undefined),
  };
}

export function formatComparison(c: ClusterComparison): string {
  const lines: string[] = [];
  lines.push('node                 applied-rev   height  state root');
  for (const n of c.nodes) {
    lines.push(`${n.nodeId.padEnd(20)} ${String(n.appliedRevision ?? '-').padStart(11)} ${String(n.height ?? '-').padStart(8)}  ${n.stateRoot ?? '(no roots published)'}${n.halted ? '  HALTED' : ''}`);
  }
  lines.push('');
  if (c.heights.length === 0) lines.push('no block height was reported by two nodes yet');
  for (const h of c.heights) {
    const roots = Object.entries(h.roots).map(([id, root]) => `${id}=${root.slice(0, 16)}`).join('  ');
    lines.push(`height ${String(h.height).padStart(8)}  ${h.agree ? 'agree ' : 'DIFFER'}  ${roots}`);
  }
  for (const n of c.nodes) if (n.halted) lines.push(`\n${n.nodeId} halted: ${n.halted}`);
  lines.push('', c.ok ? `OK: all compared roots agree${c.commonHeight !== undefined ? ` (every node at block ${c.commonHeight})` : ''}` : 'DIVERGED: nodes disagree on a state root (see DIFFER / HALTED above)');
  return `${lines.join('\n')}\n`;
}
