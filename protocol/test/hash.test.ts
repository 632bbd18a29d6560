import t from 'tap';
import { createHash } from 'node:crypto';
import { sha256, sha256Hex, setSha256, toHex, txId, utf8 } from '../src/index.js';
import fc from 'fast-check';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nodeSha256, nodeSha256Hex } from '../src/node/index.js';

t.test('FIPS 180-2 "abc" by the default (noble) SHA-256, as bytes and as hex', async (t) => {
  t.equal(toHex(sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.equal(sha256Hex(utf8('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

t.test('an installed SHA-256 serves sha256, sha256Hex and tx ids; installing another restores', async (t) => {
  const calls: string[] = [];
  const previous = setSha256((b) => (calls.push('bytes'), nodeSha256(b)), (b) => (calls.push('hex'), createHash('sha256').update(b).digest('hex')));
  try {
    const message = utf8('wattledger');
    t.equal(txId(message), createHash('sha256').update(message).digest('hex'));
    t.equal(toHex(sha256(message)), createHash('sha256').update(message).digest('hex'));
    t.same(calls, ['hex', 'bytes']);
    setSha256(nodeSha256);
    t.equal(sha256Hex(message), createHash('sha256').update(message).digest('hex'), 'without a hex function: toHex of the bytes one');
  } finally {
    setSha256(previous);
  }
  t.throws(() => setSha256(undefined as never), TypeError);
  t.throws(() => setSha256(nodeSha256, 'hex' as never), TypeError);
});

t.test('nodeSha256 and nodeSha256Hex give noble\'s digest for any length and any view offset', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(40), (bytes, cut) => {
    const view = bytes.subarray(Math.min(cut, bytes.length));
    const expected = toHex(nobleSha256(view));
    const digest = nodeSha256(view);
    return digest.length === 32 && Object.getPrototypeOf(digest) === Uint8Array.prototype && toHex(digest) === expected && nodeSha256Hex(view) === expected;
  }), { numRuns: 300 });
  t.equal(nodeSha256Hex(utf8('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
