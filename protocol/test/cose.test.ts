import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import {
  BadCoseError, BadSignatureError, createSign1, decodeCbor, decodeSign1, encodeCbor, fromHex, nobleEd25519, sigStructure, sigStructureLength, toHex, utf8, verifySign1, writeSigStructure, EDDSA_PROTECTED_HEADER,
} from '../src/index.js';
import { nodeEd25519 } from '../src/node/index.js';
import { Tag } from 'cbor-x';
import { assertGarbageSafe } from './helpers.js';

const vector = JSON.parse(readFileSync(new URL('./vectors/cose-wg/eddsa-sig-01.json', import.meta.url), 'utf8')) as Record<string, string>;
const expected = fromHex(vector.cbor!);

t.test('cose-wg eddsa-sig-01 verifies with both verifiers', async (t) => {
  const sign1 = decodeSign1(expected);
  t.equal(new TextDecoder().decode(sign1.payload), vector.plaintext);
  t.equal(toHex(sign1.protectedBytes), vector.protected_hex);
  t.equal(new TextDecoder().decode(sign1.kid), vector.kid);
  verifySign1(sign1, fromHex(vector.publicKey!), nobleEd25519);
  verifySign1(sign1, fromHex(vector.publicKey!), nodeEd25519);
  t.pass('verified');
});

t.test('cose-wg eddsa-sig-01 is reproduced byte for byte (Ed25519 is deterministic)', async (t) => {
  for (const provider of [nobleEd25519, nodeEd25519]) {
    const bytes = createSign1({
      payload: utf8(vector.plaintext!),
      signer: provider.signer(fromHex(vector.secretKey!)),
      kid: utf8(vector.kid!),
      protectedBytes: fromHex(vector.protected_hex!),
    });
    t.equal(toHex(bytes), vector.cbor!.toLowerCase());
  }
});

t.test('Sig_structure is RFC 9052 §4.4 ["Signature1", protected, h\'\', payload]', async (t) => {
  // 84 (array 4) 6a "Signature1" 43 a10127 40 (empty aad) 43 010203
  t.equal(toHex(sigStructure(EDDSA_PROTECTED_HEADER, new Uint8Array([1, 2, 3]))), '846a5369676e61747572653143a10127404301020' + '3');
});

t.test('a modified signature, payload or key fails with BAD_SIGNATURE', async (t) => {
  const publicKey = fromHex(vector.publicKey!);
  const tampered = expected.slice();
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x80;
  t.throws(() => verifySign1(decodeSign1(tampered), publicKey, nodeEd25519), BadSignatureError);
  const otherKey = nobleEd25519.publicKeyOf(new Uint8Array(32).fill(7));
  t.throws(() => verifySign1(decodeSign1(expected), otherKey, nodeEd25519), { code: 'BAD_SIGNATURE' });
});

t.test('structural rejections are BAD_COSE', async (t) => {
  const sig = new Uint8Array(64);
  const cases: Array<[string, unknown]> = [
    ['untagged', [EDDSA_PROTECTED_HEADER, new Map(), new Uint8Array(1), sig]],
    ['wrong tag (COSE_Sign, 98)', new Tag([EDDSA_PROTECTED_HEADER, new Map(), new Uint8Array(1), sig], 98)],
    ['three items', new Tag([EDDSA_PROTECTED_HEADER, new Map(), new Uint8Array(1)], 18)],
    ['ES256', new Tag([encodeCbor(new Map([[1, -7]])), new Map(), new Uint8Array(1), sig], 18)],
    ['alg as text', new Tag([encodeCbor(new Map([[1, 'EdDSA']])), new Map(), new Uint8Array(1), sig], 18)],
    ['detached payload', new Tag([EDDSA_PROTECTED_HEADER, new Map(), null, sig], 18)],
    ['short signature', new Tag([EDDSA_PROTECTED_HEADER, new Map(), new Uint8Array(1), new Uint8Array(63)], 18)],
    ['crit present', new Tag([encodeCbor(new Map<number, unknown>([[1, -8], [2, [99]]])), new Map(), new Uint8Array(1), sig], 18)],
    ['unprotected not a map', new Tag([EDDSA_PROTECTED_HEADER, [], new Uint8Array(1), sig], 18)],
    ['kid as text', new Tag([EDDSA_PROTECTED_HEADER, new Map([[4, 'x']]), new Uint8Array(1), sig], 18)],
    ['label in both buckets', new Tag([EDDSA_PROTECTED_HEADER, new Map([[1, -8]]), new Uint8Array(1), sig], 18)],
  ];
  for (const [name, value] of cases) t.throws(() => decodeSign1(encodeCbor(value)), BadCoseError, name);
});

t.test('random, truncated and bit-flipped COSE bytes yield only typed errors', async (t) => {
  assertGarbageSafe(decodeSign1, expected);
  t.pass();
});

t.test('the usual shape (read without cbor-x) decodes to what cbor-x gives (fast-check)', async (t) => {
  const signer = nobleEd25519.signer(new Uint8Array(32).fill(9));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.option(fc.uint8Array({ maxLength: 40 })), (payload, kid) => {
    const bytes = createSign1({ payload, signer, ...(kid === null ? {} : { kid }) });
    const decoded = decodeSign1(bytes);
    const [protectedBytes, unprotected, p, signature] = (decodeCbor(bytes) as { value: unknown[] }).value;
    const { protectedHeader, unprotectedHeader } = decoded;
    t.same({ protectedBytes: decoded.protectedBytes, protectedHeader, unprotectedHeader, kid: decoded.kid, payload: decoded.payload, signature: decoded.signature },
      { protectedBytes, protectedHeader: decodeCbor(protectedBytes as Uint8Array), unprotectedHeader: unprotected, kid: kid ?? undefined, payload: p, signature });
    return decoded.payload.length === payload.length;
  }), { numRuns: 100 });
});

t.test('other well-formed shapes still take the general path', async (t) => {
  const sig = new Uint8Array(64).fill(7);
  const kid = new Uint8Array([1, 2]);
  // alg -8 written as 0x38 0x07 (a longer form): not the usual protected bytes, still EdDSA.
  const longAlg = fromHex('a1013807');
  const withContentType = new Tag([EDDSA_PROTECTED_HEADER, new Map<number, unknown>([[3, 'application/cbor'], [4, kid]]), new Uint8Array(3), sig], 18);
  const a = decodeSign1(encodeCbor(new Tag([longAlg, new Map([[4, kid]]), new Uint8Array(3), sig], 18)));
  t.same([a.protectedBytes, a.protectedHeader.get(1), a.kid], [longAlg, -8, kid]);
  const b = decodeSign1(encodeCbor(withContentType));
  t.same([b.unprotectedHeader.get(3), b.kid], ['application/cbor', kid]);
  const kidInProtected = encodeCbor(new Map<number, unknown>([[1, -8], [4, kid]]));
  t.same(decodeSign1(encodeCbor(new Tag([kidInProtected, new Map(), new Uint8Array(3), sig], 18))).kid, kid, 'kid in the protected bucket');
  t.throws(() => decodeSign1(encodeCbor(new Tag([EDDSA_PROTECTED_HEADER, new Map(), new Uint8Array(3), sig], 18)).subarray(0, -1)), { code: 'BAD_CBOR' }, 'truncated');
  t.throws(() => decodeSign1(createSign1({ payload: new Uint8Array(100), signer: nobleEd25519.signer(new Uint8Array(32).fill(9)) }), 90), { code: 'TOO_LARGE' }, 'the size limit holds on the usual shape too');
});

t.test('writeSigStructure writes sigStructure\'s bytes at any offset, lengths across every CBOR head size (fast-check)', async (t) => {
  const sizes = fc.oneof(fc.nat(30), fc.integer({ min: 250, max: 260 }), fc.integer({ min: 65_530, max: 65_540 }));
  fc.assert(fc.property(sizes, sizes, fc.nat(7), fc.nat(255), (p, m, at, fill) => {
    const protectedBytes = new Uint8Array(p).fill(fill);
    const payload = new Uint8Array(m).fill(255 - fill);
    const expected = sigStructure(protectedBytes, payload);
    const out = new Uint8Array(at + sigStructureLength(protectedBytes, payload) + 3).fill(0xee);
    const end = writeSigStructure(out, at, protectedBytes, payload);
    return end === at + expected.length && toHex(out.subarray(at, end)) === toHex(expected) && out.subarray(0, at).every((b) => b === 0xee) && out.subarray(end).every((b) => b === 0xee);
  }), { numRuns: 300, seed: 9 });
  t.equal(sigStructureLength(new Uint8Array(3), new Uint8Array(70_000)), sigStructure(new Uint8Array(3), new Uint8Array(70_000)).length);
});
