import t from 'tap';
import fc from 'fast-check';
import { asciiText, concatBytes, equalBytes, equalsHex, fromHex, toHex } from '../src/index.js';

t.test('toHex is lower-case hex of every length, the same as Buffer\'s; fromHex reverses it', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(10), (bytes, cut) => {
    const view = bytes.subarray(Math.min(cut, bytes.length));
    const hex = toHex(view);
    return hex === Buffer.from(view).toString('hex') && equalBytes(fromHex(hex), view) && equalBytes(fromHex(hex.toUpperCase()), view);
  }), { numRuns: 500 });
  t.equal(toHex(new Uint8Array(0)), '');
  const a = toHex(new Uint8Array(32).fill(0xab));
  const b = toHex(new Uint8Array(8).fill(0x01));
  t.equal(a, 'ab'.repeat(32), 'a result stays valid after the next call (the digits buffer is reused)');
  t.equal(b, '01'.repeat(8));
});

t.test('asciiText of a range, whole or part', async (t) => {
  const bytes = new TextEncoder().encode('issue-asset');
  t.equal(asciiText(bytes, 0, bytes.length), 'issue-asset');
  t.equal(asciiText(bytes, 6, 11), 'asset');
  t.equal(asciiText(concatBytes(bytes, bytes), 11, 16), 'issue');
  t.throws(() => fromHex('abc'), TypeError);
  t.throws(() => fromHex('zz'), TypeError);
});

t.test('equalsHex agrees with equalBytes(fromHex), upper and lower case, and refuses non-hex', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), fc.boolean(), (a, b, upper) => {
    const hex = upper ? toHex(b).toUpperCase() : toHex(b);
    return equalsHex(a, hex) === equalBytes(a, fromHex(hex)) && equalsHex(a, toHex(a));
  }), { numRuns: 500, seed: 17 });
  t.notOk(equalsHex(new Uint8Array([0xab]), 'zz'));
  t.notOk(equalsHex(new Uint8Array([0xab]), 'ab0'));
  t.ok(equalsHex(new Uint8Array([0xab]), 'AB'));
});
