import t from 'tap';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { BadTxError, TxType, createSign1, decodeTx, encodeCbor, fromHex, nobleEd25519, signTx, toHex, verifyTx, type TxBody } from '../src/index.js';
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
