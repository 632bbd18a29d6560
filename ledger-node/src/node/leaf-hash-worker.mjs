// RFC 6962 leaf hashing for src/node/leaf-hasher.ts, on its own thread (node:crypto SHA-256).
// Plain JS so it loads without a TypeScript loader. The shared buffer holds, from byte 0:
// Int32 state (0 pending, 1 done, 2 failed), the entries, the entry ends (Uint32, at endsAt),
// and room for the count leaf hashes followed by the root (at outAt). Message:
// { buffer, count, endsAt, outAt }. Leaves and root are those of ../core/merkle.ts
// (packedLeafHashes, packedMerkleRoot); test/leaf-hasher.test.ts compares them.
import * as nodeCrypto from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const ENTRIES_AT = 8;

/** SHA-256 of `bytes` into out[at .. at + 32): the one-shot hash (Node >= 20.12, as in host-sha256.ts), else createHash. */
function sha256Into(bytes, out, at) {
  if (nodeCrypto.hash === undefined) return void out.set(nodeCrypto.createHash('sha256').update(bytes).digest(), at);
  const digest = nodeCrypto.hash('sha256', bytes, 'binary');
  for (let i = 0; i < 32; i++) out[at + i] = digest.charCodeAt(i);
}

function hashJob(buffer, count, endsAt, outAt) {
  const bytes = new Uint8Array(buffer);
  const ends = new Uint32Array(buffer, endsAt, count);
  const out = bytes.subarray(outAt, outAt + (count + 1) * 32);
  let input = new Uint8Array(1024);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = ends[i];
    if (end - start + 1 > input.length) input = new Uint8Array(2 * (end - start + 1));
    input[0] = 0;
    input.set(bytes.subarray(ENTRIES_AT + start, ENTRIES_AT + end), 1);
    sha256Into(input.subarray(0, end - start + 1), out, i * 32);
    start = end;
  }
  // The root: pairs hashed level by level, a trailing odd node promoted (RFC 6962 §2.1).
  const rootAt = count * 32;
  if (count === 0) return sha256Into(new Uint8Array(0), out, rootAt);
  const work = out.slice(0, count * 32);
  const node = new Uint8Array(65);
  node[0] = 1;
  for (let n = count; n > 1; n = (n + 1) >> 1) {
    for (let i = 0; i + 1 < n; i += 2) {
      node.set(work.subarray(i * 32, i * 32 + 64), 1);
      sha256Into(node, work, (i >> 1) * 32);
    }
    if ((n & 1) === 1) work.copyWithin((n >> 1) * 32, (n - 1) * 32, n * 32);
  }
  out.set(work.subarray(0, 32), rootAt);
}

parentPort?.on('message', ({ buffer, count, endsAt, outAt }) => {
  const state = new Int32Array(buffer, 0, 1);
  try {
    hashJob(buffer, count, endsAt, outAt);
    Atomics.store(state, 0, 1);
  } catch {
    Atomics.store(state, 0, 2);
  }
  Atomics.notify(state, 0);
});
