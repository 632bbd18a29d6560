// Noise_NK_25519_ChaChaPoly_SHA256 (Noise Protocol Framework rev 34) against the published
// test vectors of cacophony and snow, plus failure behaviour of the handshake.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { fromHex, toHex } from '../src/bytes.js';
import fc from 'fast-check';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { CipherState, chachaNonce, dh, HandshakeState, NK, noiseHkdf, PairingError, protocolName, x25519KeyPair } from '../src/pairing/index.js';

interface VectorMessage { payload: string; ciphertext: string }
interface Vector {
  name?: string; protocol_name?: string;
  init_prologue: string; init_ephemeral: string; init_remote_static: string;
  resp_prologue: string; resp_static: string; resp_ephemeral: string;
  handshake_hash?: string;
  messages: VectorMessage[];
}

const vectorsRoot = join(import.meta.dirname, 'vectors');
const sources = readdirSync(vectorsRoot).filter((d) => d.startsWith('noise-'));

t.ok(sources.length >= 2, 'vectors from at least two independent implementations are stored');

for (const source of sources) {
  const file = join(vectorsRoot, source, 'Noise_NK_25519_ChaChaPoly_SHA256.json');
  const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] }).vectors;
  for (const v of vectors) {
    const name = v.protocol_name ?? v.name!;
    t.test(`${source}: ${name}`, (t) => {
      t.equal(name, protocolName(NK));
      const respStatic = x25519KeyPair(fromHex(v.resp_static));
      t.equal(toHex(respStatic.publicKey), v.init_remote_static, 'responder static public key derived from its secret matches the initiator\'s copy');
      const initiator = new HandshakeState({ pattern: NK, initiator: true, prologue: fromHex(v.init_prologue), e: x25519KeyPair(fromHex(v.init_ephemeral)), rs: fromHex(v.init_remote_static) });
      const responder = new HandshakeState({ pattern: NK, initiator: false, prologue: fromHex(v.resp_prologue), s: respStatic, e: x25519KeyPair(fromHex(v.resp_ephemeral)) });
      const [m0, m1, ...transport] = v.messages;
      const c0 = initiator.writeMessage(fromHex(m0!.payload));
      t.equal(toHex(c0), m0!.ciphertext, 'message 1 (-> e, es) ciphertext');
      t.equal(toHex(responder.readMessage(c0)), m0!.payload, 'message 1 payload');
      const c1 = responder.writeMessage(fromHex(m1!.payload));
      t.equal(toHex(c1), m1!.ciphertext, 'message 2 (<- e, ee) ciphertext');
      t.equal(toHex(initiator.readMessage(c1)), m1!.payload, 'message 2 payload');
      t.ok(initiator.isComplete && responder.isComplete, 'both sides complete after two messages');
      t.same(initiator.result.handshakeHash, responder.result.handshakeHash, 'handshake hashes agree');
      if (v.handshake_hash) t.equal(toHex(initiator.result.handshakeHash), v.handshake_hash);
      transport.forEach((m, i) => {
        const fromInitiator = i % 2 === 0;
        const [send, recv] = fromInitiator ? [initiator.result.c1, responder.result.c1] : [responder.result.c2, initiator.result.c2];
        const ct = send.encrypt(fromHex(m.payload));
        t.equal(toHex(ct), m.ciphertext, `transport message ${i + 1} (${fromInitiator ? 'initiator' : 'responder'} -> peer)`);
        t.equal(toHex(recv.decrypt(ct)), m.payload);
      });
      t.end();
    });
  }
}

t.test('X25519: RFC 7748 §6.1 Diffie-Hellman vector, and agreement with @noble/curves x25519', (t) => {
  const alice = x25519KeyPair(fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
  const bob = x25519KeyPair(fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
  t.equal(toHex(alice.publicKey), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  t.equal(toHex(bob.publicKey), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  t.equal(toHex(dh(alice, bob.publicKey)), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  t.equal(toHex(dh(bob, alice.publicKey)), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
      const pub = x25519KeyPair(b).publicKey;
      return toHex(x25519KeyPair(a).publicKey) === toHex(nobleX25519.getPublicKey(a)) && toHex(dh(x25519KeyPair(a), pub)) === toHex(nobleX25519.getSharedSecret(a, pub));
    }),
    { numRuns: 20 },
  );
  t.end();
});

t.test('HKDF of §4.3 matches RFC 5869 HKDF-SHA256 with empty info (RFC 5869 A.1 inputs)', async (t) => {
  const { hkdf } = await import('@noble/hashes/hkdf.js');
  const { sha256 } = await import('@noble/hashes/sha2.js');
  const salt = fromHex('000102030405060708090a0b0c');
  const ikm = fromHex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
  const [a, b, c] = noiseHkdf(salt, ikm, 3);
  t.equal(toHex(new Uint8Array([...a!, ...b!, ...c!])), toHex(hkdf(sha256, ikm, salt, new Uint8Array(0), 96)));
});

t.test('ChaChaPoly nonce is 4 zero bytes then n little-endian (§12.3)', (t) => {
  t.equal(toHex(chachaNonce(0)), '000000000000000000000000');
  t.equal(toHex(chachaNonce(1)), '000000000100000000000000');
  t.equal(toHex(chachaNonce(0x0102030405)), '000000000504030201000000');
  t.throws(() => chachaNonce(-1), RangeError);
  t.end();
});

t.test('handshake failures', (t) => {
  const s = x25519KeyPair(new Uint8Array(32).fill(7));
  const make = (seed: number) => ({
    i: new HandshakeState({ pattern: NK, initiator: true, prologue: new Uint8Array(0), e: x25519KeyPair(new Uint8Array(32).fill(seed)), rs: s.publicKey }),
    r: new HandshakeState({ pattern: NK, initiator: false, prologue: new Uint8Array(0), s, e: x25519KeyPair(new Uint8Array(32).fill(seed + 1)) }),
  });

  t.test('a flipped bit in message 1 is BAD_HANDSHAKE and the state refuses further use', (t) => {
    const { i, r } = make(1);
    const m = i.writeMessage(new Uint8Array([1, 2, 3]));
    m[40]! ^= 1;
    t.throws(() => r.readMessage(m), { code: 'BAD_HANDSHAKE' });
    t.throws(() => r.readMessage(m), /failed earlier/);
    t.end();
  });

  t.test('wrong responder static key (not the meter of the QR code)', (t) => {
    const other = x25519KeyPair(new Uint8Array(32).fill(9));
    const i = new HandshakeState({ pattern: NK, initiator: true, prologue: new Uint8Array(0), e: x25519KeyPair(new Uint8Array(32).fill(3)), rs: other.publicKey });
    const r = new HandshakeState({ pattern: NK, initiator: false, prologue: new Uint8Array(0), s, e: x25519KeyPair(new Uint8Array(32).fill(4)) });
    t.throws(() => r.readMessage(i.writeMessage(new Uint8Array(0))), { code: 'BAD_HANDSHAKE' });
    t.end();
  });

  t.test('different prologue', (t) => {
    const i = new HandshakeState({ pattern: NK, initiator: true, prologue: new Uint8Array([1]), e: x25519KeyPair(new Uint8Array(32).fill(3)), rs: s.publicKey });
    const r = new HandshakeState({ pattern: NK, initiator: false, prologue: new Uint8Array([2]), s, e: x25519KeyPair(new Uint8Array(32).fill(4)) });
    t.throws(() => r.readMessage(i.writeMessage(new Uint8Array(0))), { code: 'BAD_HANDSHAKE' });
    t.end();
  });

  t.test('truncated messages of every length', (t) => {
    const { i, r } = make(5);
    const m = i.writeMessage(new Uint8Array(0));
    for (let n = 0; n < m.length; n++) {
      const fresh = new HandshakeState({ pattern: NK, initiator: false, prologue: new Uint8Array(0), s, e: x25519KeyPair(new Uint8Array(32).fill(6)) });
      t.throws(() => fresh.readMessage(m.subarray(0, n)), { code: 'BAD_HANDSHAKE' }, `length ${n}`);
    }
    t.ok(r.readMessage(m), 'the full message still reads');
    t.end();
  });

  t.test('a low-order ephemeral (all zeros) is refused', (t) => {
    const { r } = make(7);
    const m = new Uint8Array(48);
    const error = t.throws(() => r.readMessage(m), { code: 'BAD_HANDSHAKE' }) as unknown;
    t.ok(error instanceof PairingError);
    t.end();
  });

  t.test('turn order and missing randomness are programming errors', (t) => {
    const { i } = make(9);
    t.throws(() => i.readMessage(new Uint8Array(48)), /turn/);
    const noRandom = new HandshakeState({ pattern: NK, initiator: true, prologue: new Uint8Array(0), rs: s.publicKey });
    t.throws(() => noRandom.writeMessage(new Uint8Array(0)), TypeError);
    t.end();
  });

  t.test('transport: a replayed or modified ciphertext fails, nonce is not advanced', (t) => {
    const { i, r } = make(11);
    r.readMessage(i.writeMessage(new Uint8Array(0)));
    i.readMessage(r.writeMessage(new Uint8Array(0)));
    const ct = i.result.c1.encrypt(new Uint8Array([1, 2, 3]));
    const bad = ct.slice();
    bad[0]! ^= 0x80;
    t.throws(() => r.result.c1.decrypt(bad), { code: 'TAMPERED' });
    t.equal(r.result.c1.nonce, 0, 'nonce not advanced by a failed decrypt');
    t.same(r.result.c1.decrypt(ct), new Uint8Array([1, 2, 3]));
    t.throws(() => r.result.c1.decrypt(ct), { code: 'TAMPERED' }, 'the same ciphertext again does not decrypt under the next nonce');
    t.end();
  });
  t.end();
});

t.test('CipherState without a key passes plaintext through (§5.1)', (t) => {
  const cs = new CipherState();
  t.same(cs.encrypt(new Uint8Array([1, 2])), new Uint8Array([1, 2]));
  t.end();
});
