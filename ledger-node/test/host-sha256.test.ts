/** The node shell's SHA-256 (src/node/host-sha256.ts) against noble's, FIPS 180-2 examples first. */
import t from 'tap';
import fc from 'fast-check';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from '@wattledger/protocol';
import { hostSha256 } from '../src/node/host-sha256.js';

t.test('FIPS 180-2 appendix B examples', async (t) => {
  t.equal(toHex(hostSha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.equal(toHex(hostSha256(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  t.equal(toHex(hostSha256(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

t.test('same digest as noble for any length, views at any offset included (fast-check)', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(40), (bytes, cut) => {
    const view = bytes.subarray(Math.min(cut, bytes.length));
    const digest = hostSha256(view);
    return digest.length === 32 && Object.getPrototypeOf(digest) === Uint8Array.prototype && toHex(digest) === toHex(nobleSha256(view));
  }), { numRuns: 300 });
  t.pass();
});

t.test('the hex form gives the same digest', async (t) => {
  const { hostSha256Hex } = await import('../src/node/host-sha256.js');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => hostSha256Hex === undefined || hostSha256Hex(bytes) === toHex(nobleSha256(bytes))), { numRuns: 200 });
  t.pass();
});
