import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fromHex, nobleEd25519, toHex, type Ed25519Provider } from '../src/index.js';
import { nodeEd25519 } from '../src/node/index.js';

const rfc8032 = JSON.parse(readFileSync(new URL('./vectors/rfc8032/ed25519.json', import.meta.url), 'utf8')) as {
  vectors: Array<{ name: string; secretKey: string; publicKey: string; message: string; signature: string }>;
};
const providers: Array<[string, Ed25519Provider]> = [['noble', nobleEd25519], ['node:crypto', nodeEd25519]];

for (const [name, provider] of providers) {
  t.test(`RFC 8032 §7.1 vectors through the ${name} Signer/Verifier`, async (t) => {
    for (const v of rfc8032.vectors) {
      const signer = provider.signer(fromHex(v.secretKey));
      t.equal(toHex(signer.publicKey), v.publicKey, `${v.name}: public key`);
      t.equal(toHex(provider.publicKeyOf(fromHex(v.secretKey))), v.publicKey, `${v.name}: publicKeyOf`);
      t.equal(toHex(signer.sign(fromHex(v.message))), v.signature, `${v.name}: signature`);
      t.ok(provider.verify(fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature)), `${v.name}: verifies`);
      const bad = fromHex(v.signature);
      bad[0] = bad[0]! ^ 1;
      t.notOk(provider.verify(fromHex(v.publicKey), fromHex(v.message), bad), `${v.name}: a flipped bit fails`);
    }
  });

  t.test(`${name} verify never throws on malformed arguments`, async (t) => {
    const v = rfc8032.vectors[0]!;
    t.notOk(provider.verify(new Uint8Array(31), new Uint8Array(0), fromHex(v.signature)));
    t.notOk(provider.verify(fromHex(v.publicKey), new Uint8Array(0), new Uint8Array(63)));
    t.notOk(provider.verify(new Uint8Array(32).fill(0xff), new Uint8Array(0), fromHex(v.signature)));
    t.throws(() => provider.signer(new Uint8Array(31)), RangeError);
  });
}

t.test('cross-implementation: noble signs, node:crypto verifies, and back', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (seed, message) => {
      const a = nobleEd25519.signer(seed);
      const b = nodeEd25519.signer(seed);
      if (toHex(a.publicKey) !== toHex(b.publicKey)) return false;
      return nodeEd25519.verify(a.publicKey, message, a.sign(message)) && nobleEd25519.verify(b.publicKey, message, b.sign(message));
    }),
    { numRuns: 100 },
  );
  t.pass('100 random keys and messages agree');
});
