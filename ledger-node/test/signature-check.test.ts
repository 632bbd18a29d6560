/** src/core/signature-check.ts: the Sig_structure it writes is the protocol's, byte for byte. */
import t from 'tap';
import fc from 'fast-check';
import { sigStructure, toHex, type Sign1 } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { CborWriter } from '../src/core/cbor-writer.js';
import { toBeSignedView, verifySign1With, writeToBeSigned } from '../src/core/signature-check.js';

const sign1Of = (protectedBytes: Uint8Array, payload: Uint8Array) => ({ protectedBytes, payload, signature: new Uint8Array(64) }) as unknown as Sign1;

t.test('toBeSignedView and writeToBeSigned give sigStructure\'s bytes, payloads past the scratch size included (fast-check)', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 20 }), (protectedBytes, payload, before) => {
    const expected = toHex(sigStructure(protectedBytes, payload));
    const w = new CborWriter(16);
    w.raw(before);
    writeToBeSigned(w, sign1Of(protectedBytes, payload));
    return toHex(toBeSignedView(sign1Of(protectedBytes, payload))) === expected && toHex(w.view8().subarray(before.length)) === expected;
  }), { numRuns: 200 });
  t.pass();
});

t.test('verifySign1With: a recorded answer wins, none means a check over the bytes', async (t) => {
  const signer = nodeEd25519.signer(new Uint8Array(32).fill(7));
  const payload = new Uint8Array([1, 2, 3]);
  const protectedBytes = new Uint8Array([0xa1, 0x01, 0x27]);
  const signature = signer.sign(sigStructure(protectedBytes, payload));
  const sign1 = { protectedBytes, payload, signature } as unknown as Sign1;
  t.equal(verifySign1With(nodeEd25519, signer.publicKey, sign1), true);
  const calls: string[] = [];
  const lying = { known: () => (calls.push('known'), false), verify: () => (calls.push('verify'), true) };
  t.equal(verifySign1With(lying, signer.publicKey, sign1), false, 'the recorded answer is taken as given');
  const unknown = { known: () => undefined, verify: nodeEd25519.verify };
  t.equal(verifySign1With(unknown, signer.publicKey, { ...sign1, signature: new Uint8Array(64) } as unknown as Sign1), false);
  t.same(calls, ['known']);
});
