/** RFC 6962 §2.1 Merkle tree hashing and audit paths, against the CT reference vectors and a recursive model. */
import { readFileSync } from 'node:fs';
import t from 'tap';
import fc from 'fast-check';
import { concatBytes, encodeCbor, fromHex, sha256, toHex } from '@wattledger/protocol';
import { leafHash, merkleRoot, MerkleTree, packedMerkleRoot, verifyInclusion } from '../src/core/merkle.js';
import { txLeafEntry } from '../src/core/block.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/rfc6962/roots.json', import.meta.url), 'utf8')) as { leaves: string[]; roots: string[] };

/** MTH of RFC 6962 §2.1, written as the RFC states it (recursive split at the largest power of two < n). */
function mth(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length === 0) return sha256(new Uint8Array(0));
  if (entries.length === 1) return sha256(concatBytes(new Uint8Array([0]), entries[0]!));
  let k = 1;
  while (k * 2 < entries.length) k *= 2;
  return sha256(concatBytes(new Uint8Array([1]), mth(entries.slice(0, k)), mth(entries.slice(k))));
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1. */
function path(m: number, entries: readonly Uint8Array[]): Uint8Array[] {
  if (entries.length <= 1) return [];
  let k = 1;
  while (k * 2 < entries.length) k *= 2;
  return m < k ? [...path(m, entries.slice(0, k)), mth(entries.slice(k))] : [...path(m - k, entries.slice(k)), mth(entries.slice(0, k))];
}

t.test('roots of the CT reference trees (n = 0..8)', async (t) => {
  const leaves = vectors.leaves.map((hex) => fromHex(hex));
  vectors.roots.forEach((expected, n) => {
    t.equal(toHex(merkleRoot(leaves.slice(0, n).map(leafHash))), expected, `n = ${n}`);
    t.equal(toHex(mth(leaves.slice(0, n))), expected, `recursive model, n = ${n}`);
    t.equal(toHex(packedMerkleRoot(concatBytes(...leaves.slice(0, n).map(leafHash)), n)), expected, `packed, n = ${n}`);
  });
});

t.test('packed leaves give the recursive model\'s root for every size up to 300, and stay untouched', async (t) => {
  for (let n = 0; n <= 300; n++) {
    const entries = Array.from({ length: n }, (_, i) => new Uint8Array([i & 255, i >> 8, n & 255]));
    const packed = concatBytes(...entries.map(leafHash));
    const copy = packed.slice();
    if (toHex(packedMerkleRoot(packed, n)) !== toHex(mth(entries))) t.fail(`n = ${n}`);
    if (toHex(packed) !== toHex(copy)) t.fail(`n = ${n}: leaves overwritten`);
  }
  t.throws(() => packedMerkleRoot(new Uint8Array(31), 1), RangeError);
  t.pass('all sizes checked');
});

t.test('tx leaf entries are the profile\'s CBOR [id bytes, status, code | null]', async (t) => {
  fc.assert(fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), fc.constantFrom('applied' as const, 'rejected' as const, 'duplicate' as const), fc.option(fc.constantFrom('BAD_TX', 'CHAIN_BROKEN', 'INSUFFICIENT_WH'), { nil: undefined }), (id, status, code) => {
    const expected = encodeCbor([fromHex(id), { applied: 0, rejected: 1, duplicate: 2 }[status], code ?? null]);
    return toHex(txLeafEntry({ id, status, code: code as never })) === toHex(expected);
  }), { numRuns: 300, seed: 9 });
  t.throws(() => txLeafEntry({ id: 'xyz', status: 'applied', code: undefined }), TypeError);
  t.pass();
});

t.test('audit paths equal the RFC definition and verify, for every leaf of trees up to 40', async (t) => {
  for (let n = 1; n <= 40; n++) {
    const entries = Array.from({ length: n }, (_, i) => new Uint8Array([i, n]));
    const tree = new MerkleTree(entries.map(leafHash));
    t.equal(toHex(tree.root()), toHex(mth(entries)));
    for (let m = 0; m < n; m++) {
      const proof = tree.proof(m);
      if (proof.map(toHex).join() !== path(m, entries).map(toHex).join()) t.fail(`path(${m}, ${n}) differs`);
      if (!verifyInclusion(leafHash(entries[m]!), m, n, proof, tree.root())) t.fail(`proof ${m}/${n} does not verify`);
      if (verifyInclusion(leafHash(entries[(m + 1) % n]!), m, n, proof, tree.root()) && n > 1) t.fail(`proof ${m}/${n} verifies another leaf`);
    }
  }
  t.pass('all paths checked');
});

t.test('tampered proofs do not verify', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 64 }), fc.nat(), fc.nat(), (n, mSeed, flipSeed) => {
    const entries = Array.from({ length: n }, (_, i) => new Uint8Array([i & 255, i >> 8, 7]));
    const tree = new MerkleTree(entries.map(leafHash));
    const m = mSeed % n;
    const proof = tree.proof(m).map((p) => p.slice());
    if (proof.length === 0) return true;
    const step = proof[flipSeed % proof.length]!;
    step[flipSeed % 32]! ^= 1;
    return !verifyInclusion(leafHash(entries[m]!), m, n, proof, tree.root());
  }), { numRuns: 200, seed: 3 });
  t.notOk(verifyInclusion(new Uint8Array(32), 0, 0, [], new Uint8Array(32)), 'an empty tree proves nothing');
  t.throws(() => new MerkleTree([]).proof(0), RangeError);
});
