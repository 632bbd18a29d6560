import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { BadCborError, TooLargeError, decodeCbor, encodeCbor, fromHex, intMap, toHex } from '../src/index.js';
import { assertGarbageSafe } from './helpers.js';

const appendixA = JSON.parse(readFileSync(new URL('./vectors/rfc8949/appendix-a.json', import.meta.url), 'utf8')) as {
  integers: Array<[number, string]>; texts: Array<[string, string]>; bytes: Array<[string, string]>; arrays: Array<[unknown[], string]>;
};

t.test('RFC 8949 Appendix A encodings (preferred serialization)', async (t) => {
  for (const [value, hex] of appendixA.integers) t.equal(toHex(encodeCbor(value)), hex, `integer ${value}`);
  for (const [value, hex] of appendixA.texts) t.equal(toHex(encodeCbor(value)), hex, `text ${JSON.stringify(value)}`);
  for (const [value, hex] of appendixA.bytes) t.equal(toHex(encodeCbor(fromHex(value))), hex, `bytes ${value}`);
  for (const [value, hex] of appendixA.arrays) t.equal(toHex(encodeCbor(value)), hex, `array ${JSON.stringify(value)}`);
  t.equal(toHex(encodeCbor(new Map([[1, 2], [3, 4]]))), 'a201020304', '{1: 2, 3: 4}');
});

t.test('Uint8Array is a plain byte string: no tag 64, and Buffers encode the same', async (t) => {
  t.equal(toHex(encodeCbor(new Uint8Array([1, 2]))), '420102');
  t.equal(toHex(encodeCbor(Buffer.from([1, 2]))), '420102');
  t.equal(Object.getPrototypeOf(encodeCbor(1)), Uint8Array.prototype, 'output is a plain Uint8Array');
});

t.test('intMap keeps the caller order and drops undefined', async (t) => {
  t.equal(toHex(encodeCbor(intMap([[4, 1], [1, 2], [2, undefined]]))), 'a204010102');
  t.throws(() => intMap([[1.5, 0]]), TypeError);
});

t.test('encode/decode round trip of profile values (fast-check)', async (t) => {
  const leaf = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.string(), fc.uint8Array({ maxLength: 40 }), fc.boolean(), fc.constant(null));
  const value = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 5 })) })).node;
  fc.assert(fc.property(value, (v) => toHex(encodeCbor(decodeCbor(encodeCbor(v)))) === toHex(encodeCbor(v))), { numRuns: 300 });
  t.pass();
});

t.test('trailing bytes, truncation, empty and oversize input are typed errors', async (t) => {
  t.throws(() => decodeCbor(fromHex('0102')), BadCborError);
  t.throws(() => decodeCbor(fromHex('8301')), BadCborError);
  t.throws(() => decodeCbor(new Uint8Array(0)), BadCborError);
  for (const hex of ['ff', '81ff', '9f81ffff', 'd2ff']) t.throws(() => decodeCbor(fromHex(hex)), { code: 'BAD_CBOR', message: /break/ }, `stray break in ${hex}`);
  t.same(decodeCbor(fromHex('9f01ff')), [1], 'a break closing an indefinite array is fine');
  t.throws(() => decodeCbor(new Uint8Array(11), 10), TooLargeError);
  t.throws(() => decodeCbor(new Uint8Array(100_000).fill(0x81)), BadCborError, 'deep nesting');
  assertGarbageSafe((b) => decodeCbor(b), encodeCbor([1, 'two', new Uint8Array(3), [4]]));
});
