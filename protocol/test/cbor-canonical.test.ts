import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { decodeCbor, encodeCbor, fromHex, toHex } from '../src/index.js';
import { CanonicalReader } from '../src/cbor-canonical.js';

const appendixA = JSON.parse(readFileSync(new URL('./vectors/rfc8949/appendix-a.json', import.meta.url), 'utf8')) as {
  integers: Array<[number, string]>; texts: Array<[string, string]>; bytes: Array<[string, string]>; arrays: Array<[unknown[], string]>;
};

/** What the reader returns for the whole of `bytes`, or undefined (also for trailing bytes). */
function readAll(bytes: Uint8Array): unknown {
  const r = new CanonicalReader(bytes);
  const value = r.value();
  return value !== undefined && r.atEnd ? value : undefined;
}

/** decodeCbor's value with maps as plain objects (the form the reader gives callers). */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
  return value;
}

t.test('RFC 8949 Appendix A items of the subset read back; non-ASCII text is left to cbor-x', async (t) => {
  for (const [value, hex] of appendixA.integers) t.equal(readAll(fromHex(hex)), value, `integer ${value}`);
  for (const [value, hex] of appendixA.bytes) t.same(readAll(fromHex(hex)), fromHex(value), `bytes ${value}`);
  for (const [value, hex] of appendixA.arrays) t.same(readAll(fromHex(hex)), value, `array ${JSON.stringify(value)}`);
  for (const [value, hex] of appendixA.texts) t.equal(readAll(fromHex(hex)), /^[\x00-\x7f]*$/.test(value) ? value : undefined, `text ${JSON.stringify(value)}`);
  t.same(readAll(fromHex('a26161016162820203')), { a: 1, b: [2, 3] }, 'RFC 8949 Appendix A {"a": 1, "b": [2, 3]}');
  t.same(readAll(fromHex('f4f5f6').subarray(2)), null);
});

t.test('anything but the shortest definite form is refused (RFC 8949 §4.2.1)', async (t) => {
  const refused: Array<[string, string]> = [
    ['1800', '0 in a 1-byte argument'], ['190017', '23 in 2 bytes'], ['1900ff', '255 in 2 bytes'], ['1a0000ffff', '65535 in 4 bytes'],
    ['1b0000000000000001', '8-byte argument'], ['3800', '-1 in a 1-byte argument'], ['5801aa', 'byte string length 1 in 1 byte'],
    ['5f41aaff', 'indefinite byte string'], ['9f01ff', 'indefinite array'], ['bf6161 01ff', 'indefinite map'], ['f97c00', 'float16'],
    ['fa47c35000', 'float32 100000'], ['f7', 'undefined'], ['c102', 'tag'], ['a10102', 'integer map key'], ['a2616101616102', 'repeated key'],
    ['a1695f5f70726f746f5f5f01', '"__proto__" key'], ['ff', 'stray break'], ['1c', 'reserved additional information'],
  ];
  for (const [hex, why] of refused) t.equal(readAll(fromHex(hex.replace(/ /g, ''))), undefined, why);
});

const leaf = fc.oneof(
  fc.integer({ min: -(2 ** 32), max: 2 ** 32 - 1 }),
  fc.string({ unit: 'binary-ascii', maxLength: 30 }),
  fc.string({ maxLength: 5 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
);
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(fc.string({ unit: 'binary-ascii', maxLength: 6 }).filter((k) => k !== '__proto__'), tie('node'), { maxKeys: 4 }).map((o) => new Map(Object.entries(o)))),
})).node;

t.test('the reader agrees with cbor-x on every encoding of the profile it accepts (fast-check)', async (t) => {
  fc.assert(fc.property(tree, (v) => {
    const bytes = encodeCbor(v);
    const read = readAll(bytes);
    const ascii = !/[^\x00-\x7f]/.test(JSON.stringify(plain(decodeCbor(bytes)), (_k, x) => (x instanceof Uint8Array ? toHex(x) : x)));
    // Non-ASCII text anywhere is left to cbor-x; everything else must be read, to the same values.
    if (!ascii) return read === undefined;
    t.same(read, plain(decodeCbor(bytes)));
    return read !== undefined;
  }), { numRuns: 400 });
});

t.test('whatever it accepts, cbor-x decodes to the same values and re-encodes to the same bytes (random and mutated input)', async (t) => {
  const check = (bytes: Uint8Array): boolean => {
    const read = readAll(bytes);
    if (read === undefined) return true;
    const decoded = decodeCbor(bytes);
    return JSON.stringify(plain(decoded), (_k, x) => (x instanceof Uint8Array ? toHex(x) : x)) === JSON.stringify(read, (_k, x) => (x instanceof Uint8Array ? toHex(x) : x))
      && toHex(encodeCbor(decoded)) === toHex(bytes);
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), check), { numRuns: 3000 });
  fc.assert(fc.property(tree, fc.nat(), fc.integer({ min: 1, max: 255 }), (v, at, xor) => {
    const bytes = encodeCbor(v).slice();
    bytes[at % bytes.length] = bytes[at % bytes.length]! ^ xor;
    return check(bytes);
  }), { numRuns: 2000 });
  t.pass();
});

t.test('fed one byte at a time, every proper prefix of an item is refused without throwing', async (t) => {
  fc.assert(fc.property(tree, (v) => {
    const bytes = encodeCbor(v);
    for (let n = 0; n < bytes.length; n++) if (readAll(bytes.subarray(0, n)) !== undefined) return false;
    return true;
  }), { numRuns: 200 });
  t.pass();
});

t.test('a refused read leaves the position where it was', async (t) => {
  const r = new CanonicalReader(fromHex('83011800'));
  t.equal(r.value(), undefined);
  t.equal(r.pos, 0);
  t.equal(r.head(4), 3);
  t.equal(r.uint(), 1);
  t.equal(r.uint(), -1, '0 in a 1-byte argument');
  t.equal(r.pos, 2);
});
