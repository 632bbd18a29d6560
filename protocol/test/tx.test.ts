import t from 'tap';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { BadTxError, TxType, createSign1, decodeCbor, decodeSign1, decodeTx, encodeCbor, fromHex, nobleEd25519, signTx, toHex, verifyTx, type TxBody } from '../src/index.js';
import { nodeEd25519 } from '../src/node/index.js';
import { assertGarbageSafe } from './helpers.js';

const signer = nobleEd25519.signer(new Uint8Array(32).fill(3));
const signerId = fromHex('00112233445566ff');

t.test('sign, decode, verify; tx id is SHA-256 of the signed bytes', async (t) => {
  const body: TxBody = { asset: 'aa', to: 'bb', wh: 1500, note: null, parts: [1, 2, new Uint8Array([9])] };
  const bytes = signTx({ type: TxType.TRANSFER, nonce: 7, body }, signer, signerId);
  const tx = decodeTx(bytes);
  t.equal(tx.id, createHash('sha256').update(bytes).digest('hex'));
  t.equal(tx.signerId, '00112233445566ff');
  t.equal(tx.type, 'transfer');
  t.equal(tx.nonce, 7);
  t.same(tx.body, body);
  verifyTx(tx, signer.publicKey, nodeEd25519);
  t.throws(() => verifyTx(tx, nobleEd25519.publicKeyOf(new Uint8Array(32).fill(4)), nodeEd25519), { code: 'BAD_SIGNATURE' });
});

t.test('round trip (fast-check) over bodies', async (t) => {
  const value = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.string({ maxLength: 20 }), fc.boolean(), fc.constant(null));
  const body = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== '__proto__'), fc.oneof(value, fc.array(value, { maxLength: 4 })), { maxKeys: 6 });
  fc.assert(fc.property(fc.constantFrom(...Object.values(TxType)), fc.nat(), body, (type, nonce, b) => {
    const tx = decodeTx(signTx({ type, nonce, body: b as TxBody }, signer, signerId));
    return tx.type === type && tx.nonce === nonce && JSON.stringify(tx.body) === JSON.stringify(b);
  }), { numRuns: 200 });
  t.pass();
});

t.test('envelope rejections are BAD_TX with a reason', async (t) => {
  const sign = (payload: unknown, kid: Uint8Array | null = signerId) => createSign1({ payload: encodeCbor(payload), signer, ...(kid ? { kid } : {}) });
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['no kid', sign([1, 'transfer', 0, new Map()], null), /kid/],
    ['version', sign([2, 'transfer', 0, new Map()]), /version/],
    ['type', sign([1, 'mint-money', 0, new Map()]), /type/],
    ['nonce', sign([1, 'transfer', -1, new Map()]), /nonce/],
    ['body array', sign([1, 'transfer', 0, []]), /body/],
    ['int keys', sign([1, 'transfer', 0, new Map([[1, 2]])]), /keys/],
    ['float', sign([1, 'transfer', 0, new Map([['x', 1.5]])]), /integer/],
    ['shape', sign(['transfer']), /payload/],
  ];
  for (const [name, bytes, message] of cases) t.throws(() => decodeTx(bytes), { code: 'BAD_TX', message }, name);
  t.throws(() => signTx({ type: TxType.TRANSFER, nonce: 0, body: { wh: 2 ** 33 } }, signer, signerId), RangeError);
  t.throws(() => decodeTx(new Uint8Array(300 * 1024)), BadTxError);
});

t.test('garbage into decodeTx yields only typed errors', async (t) => {
  assertGarbageSafe(decodeTx, signTx({ type: TxType.CLOSE_INTERVAL, nonce: 1, body: { interval: 1800 } }, signer, signerId));
  t.pass();
});

t.test('tx id helper agrees with node:crypto', async (t) => {
  const bytes = signTx({ type: TxType.CLOSE_INTERVAL, nonce: 1, body: {} }, signer, signerId);
  t.equal(decodeTx(bytes).id, toHex(new Uint8Array(createHash('sha256').update(bytes).digest())));
});

/** The body as cbor-x decodes it, maps turned into objects: what decodeTx gave before it read canonical input itself. */
function bodyViaCborX(bytes: Uint8Array): unknown {
  const plain = (v: unknown): unknown => (Array.isArray(v) ? v.map(plain) : v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [k, plain(x)])) : v);
  return plain((decodeCbor(decodeSign1(bytes).payload) as unknown[])[3]);
}

t.test('decoded bodies equal cbor-x\'s decoding, ASCII or not, nested or not (fast-check)', async (t) => {
  const leaf = fc.oneof(fc.integer({ min: -(2 ** 32), max: 2 ** 32 - 1 }), fc.string({ maxLength: 12 }), fc.string({ unit: 'binary-ascii', maxLength: 12 }), fc.uint8Array({ maxLength: 40 }), fc.boolean(), fc.constant(null));
  const key = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 8 })).filter((k) => k !== '__proto__');
  const value = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 3 })) })).node;
  fc.assert(fc.property(fc.constantFrom(...Object.values(TxType)), fc.nat(), fc.dictionary(key, value, { maxKeys: 6 }), (type, nonce, body) => {
    const bytes = signTx({ type, nonce, body: body as TxBody }, signer, signerId);
    const tx = decodeTx(bytes);
    t.same(tx.body, bodyViaCborX(bytes));
    return tx.type === type && tx.nonce === nonce && tx.id === toHex(createHash('sha256').update(bytes).digest());
  }), { numRuns: 150 });
});

t.test('non-canonical but well-formed envelopes decode as before, to the same content', async (t) => {
  const content = { type: TxType.TRANSFER, nonce: 30, body: { asset: 'ab', wh: 1500 } } as const;
  const bytes = signTx(content, signer, signerId);
  const payload = toHex(decodeSign1(bytes).payload);
  const resign = (payloadHex: string) => toHex(createSign1({ payload: fromHex(payloadHex), signer, kid: signerId }));
  const variants: Array<[string, string]> = [
    ['kid with a 1-byte length', toHex(bytes).replace('a10448', 'a1045808')],
    ['nonce in 4 bytes', resign(payload.replace('687472616e73666572181e', '687472616e736665721a0000001e'))],
    ['wh in 4 bytes', resign(payload.replace('1905dc', '1a000005dc'))],
    ['body map with a 1-byte count', resign(payload.replace('a26561737365', 'b8026561737365'))],
  ];
  for (const [what, variant] of variants) {
    t.not(variant, toHex(bytes), `${what}: the variant differs`);
    const tx = decodeTx(fromHex(variant));
    t.same([tx.type, tx.nonce, tx.body, tx.signerId], [content.type, content.nonce, content.body, toHex(signerId)], what);
    t.equal(tx.id, toHex(createHash('sha256').update(fromHex(variant)).digest()), `${what}: id of the bytes as submitted`);
  }
});

t.test('a body with a repeated key or a "__proto__" key is judged by the general decoder', async (t) => {
  const sign = (payload: Uint8Array) => createSign1({ payload, signer, kid: signerId });
  // [1, "transfer", 0, {"a": 1, "a": 2}] and [1, "transfer", 0, {"__proto__": 1}]
  const repeated = decodeTx(sign(fromHex('8401687472616e7366657200a2616101616102')));
  t.same(repeated.body, { a: 2 });
  t.throws(() => decodeTx(sign(fromHex('8401687472616e7366657200a1695f5f70726f746f5f5f01'))), { code: 'BAD_TX', message: /__proto__/ });
});
