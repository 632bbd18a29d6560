/** The allocation-free SHA-256 (src/core/sha256-compact.ts): FIPS 180-2 examples, and random messages against noble and node:crypto. */
import { readFileSync } from 'node:fs';
import t from 'tap';
import fc from 'fast-check';
import { sha256 as nobleSha256, toHex, utf8 } from '@wattledger/protocol';
import { nodeSha256 } from '@wattledger/protocol/node';
import { compactSha256, sha256Into } from '../src/core/sha256-compact.js';

const examples = JSON.parse(readFileSync(new URL('./vectors/fips180/sha256-examples.json', import.meta.url), 'utf8')) as { vectors: Array<{ message: string; repeat: number; digest: string }> };

t.test('FIPS 180-2 Appendix B examples', async (t) => {
  for (const v of examples.vectors) t.equal(toHex(compactSha256(utf8(v.message.repeat(v.repeat)))), v.digest, `${JSON.stringify(v.message.slice(0, 16))} x ${v.repeat}`);
});

t.test('every length across the padding boundaries (0..300 bytes) equals noble', async (t) => {
  let mismatches = 0;
  for (let n = 0; n <= 300; n++) {
    const message = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
    if (toHex(compactSha256(message)) !== toHex(nobleSha256(message))) mismatches++;
  }
  t.equal(mismatches, 0);
});

t.test('random messages equal noble and node:crypto; the digest lands at the offset given', async () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(40), (message, at) => {
      const expected = toHex(nobleSha256(message));
      if (toHex(compactSha256(message)) !== expected || toHex(nodeSha256(message)) !== expected) return false;
      const out = new Uint8Array(at + 40).fill(0xee);
      sha256Into(message, out, at);
      return toHex(out.subarray(at, at + 32)) === expected && out.subarray(0, at).every((b) => b === 0xee) && out.subarray(at + 32).every((b) => b === 0xee);
    }),
    { numRuns: 500, seed: 180 },
  );
});

t.test('messages that are views into a larger buffer', async (t) => {
  const backing = Uint8Array.from({ length: 500 }, (_, i) => i & 0xff);
  const view = backing.subarray(37, 37 + 150);
  t.equal(toHex(compactSha256(view)), toHex(nobleSha256(view.slice())));
});
