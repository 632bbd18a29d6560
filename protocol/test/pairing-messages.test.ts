// Pairing frames, in-channel messages, provisioning validation, the channel's replay/tamper
// detection and the meter's identity binding and receipt.
import fc from 'fast-check';
import t from 'tap';
import { toHex } from '../src/bytes.js';
import { encodeCbor, intMap } from '../src/cbor.js';
import { nobleEd25519 } from '../src/ed25519-noble.js';
import {
  channelKeys, checkHandshakePayload, decodeFrame, decodeMessage, decodeProvisioning, encodeFrame, encodeMessage, encodeProvisioning, FrameKind, HandshakeState,
  MessageType, NK, openFrame, type PairingMessage, PairingError, PairingErrorCode, type ProvisioningConfig, provisioningDigest, ProvisioningStatus, sealFrame,
  signBinding, signReceipt, summarizeProvisioning, validateProvisioning, verifyBinding, verifyReceipt, x25519KeyPair, PAIRING_ADVICE,
} from '../src/pairing/index.js';
import { meterSigner, onboardingPayload, PRODUCER_PROVISIONING } from './fixtures/pairing-rig.js';

function typedOnly(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof PairingError)) throw error;
  }
  return true;
}

t.test('every error code has one line of advice', (t) => {
  for (const code of Object.values(PairingErrorCode)) t.match(PAIRING_ADVICE[code], /^[a-z].{10,}$/, code);
  t.end();
});

t.test('frames: round trip, counter big-endian, and garbage only ever yields PairingError', (t) => {
  const transport = encodeFrame({ kind: FrameKind.TRANSPORT, counter: 0x01020304, noise: Uint8Array.of(9, 9) });
  t.equal(toHex(transport), '13010203040909');
  t.same(decodeFrame(transport), { kind: FrameKind.TRANSPORT, counter: 0x01020304, noise: Uint8Array.of(9, 9) });
  const refusal = encodeFrame({ kind: FrameKind.REFUSAL, code: 'BACKING_OFF', details: { attemptsLeft: 3, retryAfterMs: 5000 } });
  t.same(decodeFrame(refusal), { kind: FrameKind.REFUSAL, code: 'BACKING_OFF', details: { attemptsLeft: 3, retryAfterMs: 5000 } });
  t.throws(() => decodeFrame(new Uint8Array(0)), { code: 'BAD_FRAME' });
  t.throws(() => decodeFrame(Uint8Array.of(0x21, 1)), { code: 'BAD_FRAME', message: /version 2/ });
  t.throws(() => decodeFrame(Uint8Array.of(0x13, 0, 0)), { code: 'BAD_FRAME' });
  t.throws(() => decodeFrame(Uint8Array.of(0x1f, ...encodeCbor(intMap([[1, 'NOT_A_CODE']])))), { code: 'BAD_FRAME', message: /unknown code/ });
  t.throws(() => decodeFrame(new Uint8Array(5000)), { code: 'TOO_LARGE' });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => typedOnly(() => decodeFrame(bytes))), { numRuns: 1000 });
  t.end();
});

const provisioningArb: fc.Arbitrary<ProvisioningConfig> = fc.record({
  intermediaryId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/),
  brokerUrl: fc.tuple(fc.constantFrom('mqtt', 'mqtts', 'ws', 'wss'), fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}$/), fc.option(fc.integer({ min: 1, max: 65535 }))).map(([s, h, p]) => `${s}://${h}${p === null ? '' : `:${p}`}`),
  mqttUsername: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
  mqttPassword: fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
  role: fc.oneof(
    fc.integer({ min: 1, max: 11 }).map((productionMethod) => ({ kind: 'producer' as const, productionMethod })),
    fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/).map((userId) => ({ kind: 'consumer' as const, userId })),
  ),
  intervalLength: fc.constantFrom(60, 300, 900, 1800, 3600, 86400),
});

t.test('provisioning: round trip (fast-check), digest hides the password', (t) => {
  fc.assert(fc.property(provisioningArb, (p) => JSON.stringify(decodeProvisioning(encodeProvisioning(p))) === JSON.stringify(validateProvisioning(decodeProvisioning(encodeProvisioning(p))))), { numRuns: 300 });
  fc.assert(fc.property(provisioningArb, (p) => {
    const back = decodeProvisioning(encodeProvisioning(p));
    return back.intermediaryId === p.intermediaryId && back.brokerUrl === p.brokerUrl && back.mqttPassword === p.mqttPassword && JSON.stringify(back.role) === JSON.stringify(p.role) && back.intervalLength === p.intervalLength;
  }), { numRuns: 300 });
  const summary = summarizeProvisioning(PRODUCER_PROVISIONING);
  t.notOk('mqttPassword' in summary);
  t.same(provisioningDigest(summary), provisioningDigest(PRODUCER_PROVISIONING), 'summary and full config give the same digest');
  t.notSame(provisioningDigest({ ...PRODUCER_PROVISIONING, mqttPassword: 'other' }), provisioningDigest(PRODUCER_PROVISIONING));
  t.end();
});

t.test('provisioning: refused values name the field', (t) => {
  const bad: Array<[Partial<ProvisioningConfig>, RegExp]> = [
    [{ intermediaryId: '' }, /intermediary id/],
    [{ intermediaryId: 'a b' }, /intermediary id/],
    [{ brokerUrl: 'http://gw.example' }, /broker URL/],
    [{ brokerUrl: 'mqtt://user:pw@gw.example' }, /broker URL/],
    [{ brokerUrl: 'mqtt://gw.example:70000' }, /port 70000/],
    [{ mqttUsername: '' }, /MQTT username/],
    [{ mqttPassword: 'a\nb' }, /control characters/],
    [{ intervalLength: 7 }, /interval length 7/],
    [{ intervalLength: 1000 }, /interval length 1000/],
    [{ role: { kind: 'producer', productionMethod: 12 } }, /production method 12/],
    [{ role: { kind: 'consumer', userId: '' } }, /user id/],
    [{ role: { kind: 'other' } as never }, /role/],
  ];
  for (const [patch, message] of bad) t.throws(() => validateProvisioning({ ...PRODUCER_PROVISIONING, ...patch }), { code: 'BAD_PROVISIONING', message }, JSON.stringify(patch));
  t.throws(() => decodeProvisioning(encodeCbor(intMap([[5, 1], [6, 1], [7, 'x']]))), { code: 'BAD_PROVISIONING', message: /mixes/ });
  t.throws(() => decodeProvisioning(encodeCbor(intMap([[5, 3]]))), { code: 'BAD_PROVISIONING', message: /role 3/ });
  t.end();
});

const messages: PairingMessage[] = [
  { type: MessageType.PROVE, proof: new Uint8Array(32).fill(1) },
  { type: MessageType.IDENTITY, meterPublicKey: new Uint8Array(32).fill(2), binding: Uint8Array.of(1, 2, 3) },
  { type: MessageType.PROVISION, provisioning: PRODUCER_PROVISIONING },
  { type: MessageType.STAGED, receipt: Uint8Array.of(4), failSafeMs: 600_000 },
  { type: MessageType.STATUS_QUERY },
  { type: MessageType.STATUS, status: ProvisioningStatus.STAGED, failSafeLeftMs: 1234 },
  { type: MessageType.STATUS, status: ProvisioningStatus.ROLLED_BACK, reason: 'ROLLED_BACK' },
  { type: MessageType.ABORT },
  { type: MessageType.ERROR, code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 2, retryAfterMs: 10_000 } },
];

t.test('messages: every type round trips; garbage and wrong shapes are BAD_MESSAGE', (t) => {
  for (const message of messages) t.same(decodeMessage(encodeMessage(message)), message, `type ${message.type}`);
  t.throws(() => decodeMessage(encodeCbor(intMap([[0, 99]]))), { code: 'BAD_MESSAGE', message: /unknown/ });
  t.throws(() => decodeMessage(encodeCbor(intMap([[0, MessageType.PROVE], [1, new Uint8Array(31)]]))), { code: 'BAD_MESSAGE', message: /32 bytes/ });
  t.throws(() => decodeMessage(encodeCbor(intMap([[0, MessageType.STATUS], [1, 9]]))), { code: 'BAD_MESSAGE' });
  t.throws(() => decodeMessage(encodeCbor([1, 2])), { code: 'BAD_MESSAGE' });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => typedOnly(() => decodeMessage(bytes))), { numRuns: 1000 });
  fc.assert(fc.property(fc.constantFrom(...messages), fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, xor) => {
    const bytes = encodeMessage(m);
    bytes[at % bytes.length]! ^= xor;
    return typedOnly(() => decodeMessage(bytes));
  }), { numRuns: 1000 });
  t.throws(() => checkHandshakePayload(encodeCbor(intMap([[1, 2]]))), { code: 'BAD_MESSAGE', message: /version 2/ });
  t.end();
});

function channel(): { tech: ReturnType<typeof channelKeys>; meter: ReturnType<typeof channelKeys> } {
  const s = x25519KeyPair(new Uint8Array(32).fill(3));
  const i = new HandshakeState({ pattern: NK, initiator: true, prologue: new Uint8Array(0), e: x25519KeyPair(new Uint8Array(32).fill(4)), rs: s.publicKey });
  const r = new HandshakeState({ pattern: NK, initiator: false, prologue: new Uint8Array(0), s, e: x25519KeyPair(new Uint8Array(32).fill(5)) });
  r.readMessage(i.writeMessage(new Uint8Array(0)));
  i.readMessage(r.writeMessage(new Uint8Array(0)));
  return { tech: channelKeys(i.result, true), meter: channelKeys(r.result, false) };
}

t.test('channel: sealed frames open in order; replayed, skipped and modified frames are refused, keys untouched', (t) => {
  const { tech, meter } = channel();
  const a = sealFrame(tech, Uint8Array.of(1));
  const b = sealFrame(a.keys, Uint8Array.of(2));
  const parse = (frame: Uint8Array) => decodeFrame(frame) as { counter: number; noise: Uint8Array };
  t.throws(() => openFrame(meter, parse(b.frame).counter, parse(b.frame).noise), { code: 'TAMPERED', message: /1 arrived, 0 expected/ });
  const first = openFrame(meter, parse(a.frame).counter, parse(a.frame).noise);
  t.same(first.plaintext, Uint8Array.of(1));
  t.throws(() => openFrame(first.keys, parse(a.frame).counter, parse(a.frame).noise), { code: 'REPLAYED' });
  const modified = parse(b.frame);
  const noise = modified.noise.slice();
  noise[0]! ^= 1;
  t.throws(() => openFrame(first.keys, modified.counter, noise), { code: 'TAMPERED', message: /modified/ });
  t.same(openFrame(first.keys, modified.counter, modified.noise).plaintext, Uint8Array.of(2), 'the genuine frame still opens');
  const back = sealFrame(meter, Uint8Array.of(7));
  t.same(openFrame(tech, parse(back.frame).counter, parse(back.frame).noise).plaintext, Uint8Array.of(7), 'the other direction uses the other key');
  t.end();
});

t.test('binding and receipt: verify, and every substitution is BAD_BINDING', (t) => {
  const { staticKey, meterId } = onboardingPayload();
  const h = new Uint8Array(32).fill(0x11);
  const binding = signBinding(meterSigner, h, staticKey);
  const expected = { meterId, staticKey, handshakeHash: h };
  verifyBinding(binding, meterSigner.publicKey, expected, nobleEd25519);
  const impostor = nobleEd25519.signer(new Uint8Array(32).fill(0x99));
  t.throws(() => verifyBinding(binding, impostor.publicKey, expected, nobleEd25519), { code: 'BAD_BINDING', message: /belongs to meter/ });
  t.throws(() => verifyBinding(signBinding(impostor, h, staticKey), meterSigner.publicKey, expected, nobleEd25519), { code: 'BAD_BINDING', message: /does not verify/ });
  t.throws(() => verifyBinding(binding, meterSigner.publicKey, { ...expected, handshakeHash: new Uint8Array(32) }, nobleEd25519), { code: 'BAD_BINDING', message: /another session/ });
  t.throws(() => verifyBinding(binding, meterSigner.publicKey, { ...expected, staticKey: new Uint8Array(32) }, nobleEd25519), { code: 'BAD_BINDING', message: /static key/ });
  t.throws(() => verifyBinding(Uint8Array.of(1, 2), meterSigner.publicKey, expected, nobleEd25519), { code: 'BAD_BINDING' });
  const digest = provisioningDigest(PRODUCER_PROVISIONING);
  const receipt = signReceipt(meterSigner, h, digest);
  verifyReceipt(receipt, meterSigner.publicKey, h, digest, nobleEd25519);
  t.throws(() => verifyReceipt(receipt, meterSigner.publicKey, h, new Uint8Array(32), nobleEd25519), { code: 'BAD_BINDING', message: /other provisioning/ });
  t.throws(() => verifyReceipt(binding, meterSigner.publicKey, h, digest, nobleEd25519), { code: 'BAD_BINDING', message: /wrong label/ }, 'a binding is not a receipt');
  t.end();
});
