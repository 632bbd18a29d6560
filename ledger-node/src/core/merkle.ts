/**
 * Merkle tree hashing of RFC 6962 §2.1 (Certificate Transparency), SHA-256:
 *   leaf hash  = H(0x00 || entry)
 *   node hash  = H(0x01 || left || right)
 *   MTH of n > 1 entries splits at k, the largest power of two < n.
 * An empty tree hashes to H(). Inclusion proofs are the audit paths of §2.1.1.
 */
import { equalBytes } from '@wattledger/protocol';
import { hashes, type LeafHasher, type LeafHashes } from './hashes.js';

const LEAF_PREFIX = 0;

let scratch = new Uint8Array(1024);

export function leafHash(entry: Uint8Array): Uint8Array {
  if (entry.length + 1 > scratch.length) scratch = new Uint8Array(Math.max(entry.length + 1, scratch.length * 2));
  scratch[0] = LEAF_PREFIX;
  scratch.set(entry, 1);
  return hashes.sha256(scratch.subarray(0, entry.length + 1));
}

function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(65);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 33);
  return hashes.sha256(input);
}

/**
 * The tree over leaf hashes (already H(0x00 || entry)), kept level by level. Pairing bottom-up
 * and promoting a trailing odd node unchanged gives exactly the tree of RFC 6962's recursive
 * split at the largest power of two, so roots and audit paths match the RFC.
 */
export class MerkleTree {
  private readonly levels: Uint8Array[][];

  constructor(leaves: readonly Uint8Array[]) {
    this.levels = [leaves.slice()];
    let level = this.levels[0]!;
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      this.levels.push(next);
      level = next;
    }
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  root(): Uint8Array {
    return this.size === 0 ? hashes.sha256(new Uint8Array(0)) : this.levels[this.levels.length - 1]![0]!;
  }

  /** Audit path for leaf `index` (RFC 6962 §2.1.1), leaf side first. */
  proof(index: number): Uint8Array[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`inclusion proof: index ${index} outside 0..${this.size - 1}`);
    const path: Uint8Array[] = [];
    let i = index;
    for (let depth = 0; depth < this.levels.length - 1; depth++) {
      const level = this.levels[depth]!;
      const sibling = i ^ 1;
      if (sibling < level.length) path.push(level[sibling]!);
      i >>= 1;
    }
    return path;
  }
}

const nodeInput = new Uint8Array(65);

/**
 * The same root as `MerkleTree`, over leaf hashes packed back to back (`count` x 32 bytes),
 * reduced level by level in one buffer: no object per node.
 */
export function packedMerkleRoot(packed: Uint8Array, count: number): Uint8Array {
  if (packed.length < count * 32) throw new RangeError(`packedMerkleRoot: ${count} leaves need ${count * 32} bytes, got ${packed.length}`);
  if (count === 0) return hashes.sha256(new Uint8Array(0));
  const work = packed.slice(0, count * 32);
  nodeInput[0] = 1;
  for (let n = count; n > 1; n = (n + 1) >> 1) {
    for (let i = 0; i + 1 < n; i += 2) {
      const from = i * 32;
      for (let j = 0; j < 64; j++) nodeInput[1 + j] = work[from + j]!;
      work.set(hashes.sha256(nodeInput), (i >> 1) * 32);
    }
    if ((n & 1) === 1) work.copyWithin((n >> 1) * 32, (n - 1) * 32, n * 32);
  }
  return work.slice(0, 32);
}

/** Leaf hashes of entries packed back to back (entry i ends at `ends[i]`) and their root, on this thread. */
export function packedLeafHashes(entries: Uint8Array, ends: Uint32Array, count: number): LeafHashes {
  const leaves = new Uint8Array(count * 32);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = ends[i]!;
    if (end - start + 1 > scratch.length) scratch = new Uint8Array(Math.max(end - start + 1, scratch.length * 2));
    scratch[0] = LEAF_PREFIX;
    scratch.set(entries.subarray(start, end), 1);
    leaves.set(hashes.sha256(scratch.subarray(0, end - start + 1)), i * 32);
    start = end;
  }
  return { leaves, root: packedMerkleRoot(leaves, count) };
}

/** The core's own LeafHasher: packedLeafHashes, done before it returns. */
export const hashLeavesHere: LeafHasher = (entries, ends, count) => {
  const result = packedLeafHashes(entries, ends, count);
  return { wait: () => result };
};

export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  return new MerkleTree(leaves).root();
}

/** Recomputes the root from a leaf hash and its audit path (RFC 9162 §2.1.3.2). */
export function rootFromProof(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[]): Uint8Array | undefined {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? r : undefined;
}

export function verifyInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  const computed = rootFromProof(leaf, index, size, path);
  return computed !== undefined && equalBytes(computed, root);
}
