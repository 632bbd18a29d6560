/**
 * The worker-thread leaf hasher (src/node/leaf-hasher.ts) gives the core's leaves and root
 * (core/merkle.ts) for any entries, including the odd tree sizes of RFC 6962, and a job that
 * arrives while another is under way is hashed in place, correctly.
 */
import t from 'tap';
import fc from 'fast-check';
import { toHex } from '@wattledger/protocol';
import { leafHash, merkleRoot, packedLeafHashes } from '../src/core/merkle.js';
import { workerLeafHasher } from '../src/node/leaf-hasher.js';

function pack(entries: readonly Uint8Array[]): { bytes: Uint8Array; ends: Uint32Array } {
  const ends = new Uint32Array(entries.length);
  let length = 0;
  entries.forEach((entry, i) => (ends[i] = length += entry.length));
  const bytes = new Uint8Array(length);
  entries.forEach((entry, i) => bytes.set(entry, ends[i]! - entry.length));
  return { bytes, ends };
}

const hasher = workerLeafHasher({ minEntries: 0 });
t.teardown(() => hasher.close());

t.test('same leaves and root as the core, for every tree size up to 70 and random entries', async (t) => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 70 }), (entries) => {
    const { bytes, ends } = pack(entries);
    const got = hasher.hash(bytes, ends, entries.length).wait();
    const core = packedLeafHashes(bytes, ends, entries.length);
    const expectedRoot = toHex(merkleRoot(entries.map(leafHash)));
    return toHex(got.leaves) === toHex(core.leaves) && toHex(got.root) === expectedRoot && toHex(core.root) === expectedRoot;
  }), { numRuns: 300, seed: 3 });
  t.pass();
});

t.test('a large job (grows the shared buffer), then a job started while it runs, then reuse', async (t) => {
  const big = Array.from({ length: 20_000 }, (_, i) => new Uint8Array(200).fill(i & 0xff));
  const small = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array([4])];
  const a = pack(big);
  const b = pack(small);
  const first = hasher.hash(a.bytes, a.ends, big.length);
  const second = hasher.hash(b.bytes, b.ends, small.length);
  t.equal(toHex(second.wait().root), toHex(merkleRoot(small.map(leafHash))), 'the job that arrived meanwhile');
  t.equal(toHex(first.wait().root), toHex(packedLeafHashes(a.bytes, a.ends, big.length).root), 'the large job');
  const again = hasher.hash(b.bytes, b.ends, small.length).wait();
  t.equal(toHex(again.leaves), toHex(packedLeafHashes(b.bytes, b.ends, small.length).leaves), 'the worker again, after both');
});

t.test('jobs below the minimum stay on this thread and give the same result', async (t) => {
  const local = workerLeafHasher({ minEntries: 1000 });
  const entries = [new Uint8Array([9]), new Uint8Array([8, 7])];
  const { bytes, ends } = pack(entries);
  t.equal(toHex(local.hash(bytes, ends, 2).wait().root), toHex(merkleRoot(entries.map(leafHash))));
  await local.close();
});
