/** Hot-path hex (src/core/hex.ts) gives the protocol's toHex text and fromHex + equalBytes answers. */
import t from 'tap';
import fc from 'fast-check';
import { equalBytes, fromHex, toHex } from '@wattledger/protocol';
import { equalsHex, hexOf } from '../src/core/hex.js';

t.test('hexOf equals toHex, for every length up to 200', async () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => hexOf(bytes) === toHex(bytes)), { numRuns: 500, seed: 16 });
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
