/**
 * SHA-256 of FIPS 180-4 (§4.1.2 functions, §4.2.2 constants, §5.1.1 padding, §6.2 computation)
 * for short messages, allocating nothing but the 32-byte digest: state, schedule and the
 * padding block are module scratch. The ledger hashes hundreds of thousands of 40 to 200 byte
 * messages per close-interval (piece ids, Merkle leaves and nodes), where a per-call cost
 * dominates: node:crypto spends ~0.9 us per call in bindings and noble ~0.5 us in objects,
 * against ~0.3 us per 64-byte block here. Same digest as every other implementation
 * (test/sha256-compact.test.ts: FIPS 180-2 examples and random messages against noble).
 */

/** §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** §5.3.3: initial hash value H(0). */
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const H = new Int32Array(8);
const W = new Int32Array(64);
const tail = new Uint8Array(128);

/** §6.2.2 steps 1-4 on the 64-byte block at `offset`. */
function compress(block: Uint8Array, offset: number): void {
  for (let t = 0, o = offset; t < 16; t++, o += 4) W[t] = (block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!;
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15]!;
    const y = W[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = (s1 + W[t - 7]! + s0 + W[t - 16]!) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const T1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const T2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + T1) | 0;
    d = c;
    c = b;
    b = a;
    a = (T1 + T2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/** SHA-256 of `bytes` into `out[at .. at + 32)`. */
export function sha256Into(bytes: Uint8Array, out: Uint8Array, at = 0): void {
  H.set(IV);
  const n = bytes.length;
  let p = 0;
  for (; n - p >= 64; p += 64) compress(bytes, p);
  // §5.1.1: the rest, a 1 bit, zeros, and the bit length as a 64-bit big-endian integer.
  const rest = n - p;
  const blocks = rest < 56 ? 1 : 2;
  tail.fill(0, 0, blocks * 64);
  for (let i = 0; i < rest; i++) tail[i] = bytes[p + i]!;
  tail[rest] = 0x80;
  const end = blocks * 64;
  const high = Math.floor(n / 0x20000000);
  const low = (n * 8) >>> 0;
  tail[end - 8] = high >>> 24;
  tail[end - 7] = high >>> 16;
  tail[end - 6] = high >>> 8;
  tail[end - 5] = high;
  tail[end - 4] = low >>> 24;
  tail[end - 3] = low >>> 16;
  tail[end - 2] = low >>> 8;
  tail[end - 1] = low;
  compress(tail, 0);
  if (blocks === 2) compress(tail, 64);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[at++] = v >>> 24;
    out[at++] = v >>> 16;
    out[at++] = v >>> 8;
    out[at++] = v;
  }
}

export function compactSha256(bytes: Uint8Array): Uint8Array {
  const digest = new Uint8Array(32);
  sha256Into(bytes, digest, 0);
  return digest;
}
