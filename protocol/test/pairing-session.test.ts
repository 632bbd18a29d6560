// End to end: technician initiator <-> meter responder over the in-memory link, through the
// NDEF and the BLE framing; then every refusal the issue names, each with its code and
// nothing half-applied (no stage/commit effect, the meter's configuration unchanged).
import fc from 'fast-check';
import t from 'tap';
import { nobleEd25519 } from '../src/ed25519-noble.js';
import { encodeCbor, intMap } from '../src/cbor.js';
import {
  bleFraming, ChunkFlag, decodeFrame, decodePairingResult, encodeMessage, encodePairingResult, FrameKind, type Framing, MessageType,
  ndefFraming, PairingError, ProvisioningStatus, sealFrame, verifyPairingResult, x25519KeyPair,
} from '../src/pairing/index.js';
import { FACTORY_CONFIG, onboardingPayload, PairingRig, PRODUCER_PROVISIONING } from './fixtures/pairing-rig.js';

const framings: Array<[string, () => Framing]> = [
  ['NDEF, one record per frame', () => ndefFraming()],
  ['NDEF, chunked records of 16 bytes', () => ndefFraming({ maxChunkPayload: 16 })],
  ['BLE, ATT_MTU 23 (minimum)', () => bleFraming(23)],
  ['BLE, ATT_MTU 185', () => bleFraming(185)],
];

/** The assertions noHalfApplied needs (any tap Test has them). */
interface Asserts {
  notOk(value: unknown, message: string): unknown;
  equal(found: unknown, wanted: unknown, message: string): unknown;
  same(found: unknown, wanted: unknown, message: string): unknown;
}

function noHalfApplied(t: Asserts, rig: PairingRig, active = FACTORY_CONFIG): void {
  t.notOk(rig.meterEffects.some((e) => e.type === 'commit'), 'no commit effect');
  t.equal(rig.meter.staged, null, 'nothing staged');
  t.same(rig.config, { active, staged: null }, 'configuration store unchanged');
}

function pairToStaged(rig: PairingRig): void {
  rig.openWindow();
  rig.startTechnician();
  rig.pump();
}

for (const [name, framing] of framings) {
  t.test(`pairs and commits over ${name}`, (t) => {
    const rig = new PairingRig(framing());
    pairToStaged(rig);
    t.same(rig.framingErrors, []);
    const identity = rig.techEffects.find((e) => e.type === 'identity');
    t.ok(identity, 'technician saw the verified meter identity');
    t.same(rig.techEffects.map((e) => e.type).filter((x) => x !== 'send'), ['identity', 'staged']);
    t.same(rig.config.staged, PRODUCER_PROVISIONING, 'meter staged the provisioning, previous configuration kept');
    t.same(rig.config.active, FACTORY_CONFIG);
    t.equal(rig.tech!.phase, 'committing');

    rig.now += 5_000;
    rig.techEvent({ type: 'poll' });
    rig.pump();
    const status = rig.techEffects.find((e) => e.type === 'status');
    t.match(status, { status: ProvisioningStatus.STAGED }, 'poll: still staged');
    t.ok(status && status.type === 'status' && status.failSafeLeftMs! <= 600_000 - 5_000, 'fail-safe time left reported');

    rig.now += 30_000;
    rig.meterEvent({ type: 'reading-acked', at: rig.now });
    rig.pump();
    t.same(rig.config, { active: PRODUCER_PROVISIONING, staged: null }, 'committed after the first acknowledged reading');
    t.ok(rig.meterEffects.some((e) => e.type === 'window' && !e.open), 'commissioning window closed after commit');
    const done = rig.techEffects.find((e) => e.type === 'done');
    t.ok(done && done.type === 'done');
    if (done?.type === 'done') {
      verifyPairingResult(done.result, nobleEd25519);
      const decoded = decodePairingResult(encodePairingResult(done.result));
      t.same(decoded, done.result, 'pairing result survives its CBOR form');
      verifyPairingResult(decoded, nobleEd25519);
      t.notOk(JSON.stringify(Array.from(encodePairingResult(done.result))).includes('c0rrect'), 'no MQTT password in the result');
      const forged = { ...decoded, provisioning: { ...decoded.provisioning, intermediaryId: 'utility-south' } };
      t.throws(() => verifyPairingResult(forged, nobleEd25519), { code: 'BAD_BINDING' }, 'the receipt pins the intermediary');
    }
    t.end();
  });
}

t.test('NDEF stream delivered one byte at a time', (t) => {
  const rig = new PairingRig(ndefFraming({ maxChunkPayload: 7 }), { interceptor: (unit) => Array.from(unit, (b) => Uint8Array.of(b)) });
  pairToStaged(rig);
  t.same(rig.framingErrors, []);
  t.same(rig.config.staged, PRODUCER_PROVISIONING);
  t.end();
});

t.test('wrong setup code: refused, attempt counted, nothing applied; right code then works', (t) => {
  const rig = new PairingRig(bleFraming());
  rig.openWindow();
  rig.startTechnician({ setupCode: '13572468' });
  rig.pump();
  const failed = rig.techFailure();
  t.match(failed?.error, { code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 4, retryAfterMs: 0 } });
  t.ok(failed?.error instanceof PairingError);
  t.notOk(rig.techEffects.some((e) => e.type === 'identity'), 'meter revealed no identity to a wrong code');
  t.equal(rig.meter.session, null, 'session dropped');
  noHalfApplied(t, rig);
  rig.startTechnician();
  rig.pump();
  t.same(rig.config.staged, PRODUCER_PROVISIONING, 'correct code right after one mistake is accepted');
  t.equal(rig.meter.failedAttempts, 0, 'success resets the counter');
  t.end();
});

t.test('back-off after repeated wrong codes, then too many attempts; the button reopens', (t) => {
  const rig = new PairingRig(bleFraming());
  rig.openWindow();
  const attempt = (code = '13572468'): PairingError | undefined => {
    rig.techEffects.length = 0;
    rig.startTechnician({ setupCode: code });
    rig.pump();
    return rig.techFailure()?.error;
  };
  t.match(attempt(), { code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 4 } });
  t.match(attempt(), { code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 3, retryAfterMs: 5_000 } });
  t.match(attempt(), { code: 'BACKING_OFF', details: { retryAfterMs: 5_000 } }, 'an immediate retry is refused before any crypto');
  t.match(attempt('40712218'), { code: 'BACKING_OFF' }, 'even with the right code');
  rig.advance(5_000);
  t.match(attempt(), { code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 2, retryAfterMs: 10_000 } });
  rig.advance(10_000);
  t.match(attempt(), { code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 1, retryAfterMs: 20_000 } });
  rig.advance(20_000);
  t.match(attempt(), { code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 0 } });
  t.equal(rig.meter.windowClosesAt, null, 'window closed after the last attempt');
  rig.advance(10 * 60_000);
  t.match(attempt('40712218'), { code: 'TOO_MANY_ATTEMPTS' }, 'the right code no longer helps');
  noHalfApplied(t, rig);
  rig.openWindow();
  t.equal(attempt('40712218'), undefined, 'pressing the button opens a fresh window');
  t.same(rig.config.staged, PRODUCER_PROVISIONING);
  t.end();
});

t.test('window closed: never opened, expired after 15 min, and capped at 15 min', (t) => {
  const rig = new PairingRig(ndefFraming());
  rig.startTechnician();
  rig.pump();
  t.match(rig.techFailure()?.error, { code: 'WINDOW_CLOSED' });
  noHalfApplied(t, rig);

  rig.openWindow(60 * 60_000);
  t.equal(rig.meter.windowClosesAt, rig.now + 15 * 60_000, 'a 60 min request is capped at 15 min');
  t.ok(rig.advance(15 * 60_000).some((e) => e.type === 'window' && !e.open), 'window-closed effect at expiry');
  rig.techEffects.length = 0;
  rig.startTechnician();
  rig.pump();
  t.match(rig.techFailure()?.error, { code: 'WINDOW_CLOSED' });
  noHalfApplied(t, rig);
  t.end();
});

t.test('window closing mid-session ends it before provisioning', (t) => {
  const held: Uint8Array[] = [];
  let meterFrames = 0;
  const rig = new PairingRig(ndefFraming(), { interceptor: (unit, from) => (from === 'b' && ++meterFrames === 2 ? (held.push(unit), []) : [unit]) });
  rig.openWindow(60_000);
  rig.startTechnician();
  rig.pump();
  t.equal(held.length, 1, 'IDENTITY held back in transit');
  rig.advance(60_000);
  t.equal(rig.meter.session, null, 'window end dropped the unprovisioned session');
  for (const unit of held) rig.link.b.send(unit);
  rig.pump();
  t.match(rig.techFailure()?.error, { code: 'SESSION_ENDED' }, 'the PROVISION finds no session');
  noHalfApplied(t, rig);
  t.end();
});

t.test('replayed handshake message 1 is REPLAYED, without any crypto', (t) => {
  const rig = new PairingRig(bleFraming());
  pairToStaged(rig);
  const hs1 = rig.meterIn[0]!;
  const session = rig.meter.session;
  const effects = rig.injectToMeter(hs1);
  t.match(effects, [{ type: 'refused', code: 'REPLAYED' }, { type: 'send' }]);
  t.equal(rig.meter.session, session, 'the running session is untouched');
  t.end();
});

t.test('replayed handshake message 2 (from an earlier session) fails the technician with BAD_HANDSHAKE', (t) => {
  const rig = new PairingRig(bleFraming());
  pairToStaged(rig);
  const oldHs2 = rig.meterOut[0]!;
  rig.techEffects.length = 0;
  rig.startTechnician();
  rig.link.a.drain();
  rig.link.b.drain();
  rig.techEvent({ type: 'frame', bytes: oldHs2 });
  t.match(rig.techFailure()?.error, { code: 'BAD_HANDSHAKE' });
  t.equal(rig.tech!.keys, null, 'no channel keys from a replayed message');
  t.end();
});

t.test('replayed transport message is REPLAYED and ends the session', (t) => {
  const rig = new PairingRig(bleFraming());
  pairToStaged(rig);
  const prove = rig.meterIn[1]!;
  const effects = rig.injectToMeter(prove);
  t.match(effects, [{ type: 'refused', code: 'REPLAYED' }, { type: 'send' }, { type: 'close-link' }]);
  t.equal(rig.meter.session, null);
  t.same(rig.config.staged, PRODUCER_PROVISIONING, 'a replay cannot undo or redo provisioning');
  t.equal(rig.meterEffects.filter((e) => e.type === 'stage').length, 1, 'staged exactly once');
  t.end();
});

/** Flips one payload bit of the n-th frame (0-based) a side sends, whatever the framing. */
function tamperFrame(framing: 'ndef' | 'ble', side: 'a' | 'b', index: number) {
  let frames = -1;
  let done = false;
  return (unit: Uint8Array, from: 'a' | 'b'): Uint8Array[] => {
    if (from !== side || done) return [unit];
    if (framing === 'ndef' || unit[0]! & ChunkFlag.FIRST) frames++;
    if (frames === index && (framing === 'ndef' || !(unit[0]! & ChunkFlag.FIRST))) {
      unit[unit.length - 1]! ^= 0x01;
      done = true;
    }
    return [unit];
  };
}

t.test('tampered PROVISION ciphertext (BLE): TAMPERED, nothing staged', (t) => {
  const rig = new PairingRig(bleFraming(), { interceptor: tamperFrame('ble', 'a', 2) });
  pairToStaged(rig);
  t.match(rig.meterEffects.find((e) => e.type === 'refused'), { code: 'TAMPERED' });
  t.match(rig.techFailure()?.error, { code: 'TAMPERED' });
  noHalfApplied(t, rig);
  t.end();
});

t.test('tampered IDENTITY (NDEF, meter -> technician): the technician stops, nothing staged', (t) => {
  const rig = new PairingRig(ndefFraming(), { interceptor: tamperFrame('ndef', 'b', 1) });
  pairToStaged(rig);
  t.match(rig.techFailure()?.error, { code: 'TAMPERED' });
  t.notOk(rig.meterEffects.some((e) => e.type === 'stage'));
  noHalfApplied(t, rig);
  t.end();
});

t.test('tampered handshake message 1: BAD_HANDSHAKE, no session', (t) => {
  const rig = new PairingRig(ndefFraming(), { interceptor: tamperFrame('ndef', 'a', 0) });
  pairToStaged(rig);
  t.match(rig.techFailure()?.error, { code: 'BAD_HANDSHAKE' });
  t.equal(rig.meter.session, null);
  noHalfApplied(t, rig);
  t.end();
});

t.test('a meter that is not the one on the label: BAD_HANDSHAKE', (t) => {
  const rig = new PairingRig(bleFraming());
  rig.openWindow();
  rig.startTechnician({ onboarding: { ...onboardingPayload(), staticKey: x25519KeyPair(new Uint8Array(32).fill(0x42)).publicKey } });
  rig.pump();
  t.match(rig.techFailure()?.error, { code: 'BAD_HANDSHAKE' });
  noHalfApplied(t, rig);
  t.end();
});

t.test('fail-safe expiry rolls back to the previous configuration', (t) => {
  const rig = new PairingRig(bleFraming());
  pairToStaged(rig);
  const effects = rig.advance(10 * 60_000);
  t.match(effects.find((e) => e.type === 'rollback'), { reason: 'ROLLED_BACK' });
  rig.pump();
  t.match(rig.techFailure()?.error, { code: 'ROLLED_BACK' }, 'technician told through the open session');
  noHalfApplied(t, rig);
  rig.meterEvent({ type: 'reading-acked', at: rig.now });
  t.notOk(rig.meterEffects.some((e) => e.type === 'commit'), 'a late acknowledgement commits nothing');
  t.end();
});

t.test('fail-safe after re-pairing returns to the committed configuration, not the factory one', (t) => {
  const rig = new PairingRig(ndefFraming());
  pairToStaged(rig);
  rig.meterEvent({ type: 'reading-acked', at: rig.now });
  rig.pump();
  t.same(rig.config.active, PRODUCER_PROVISIONING);
  rig.techEffects.length = 0;
  rig.advance(60_000);
  rig.openWindow();
  const consumer = { ...PRODUCER_PROVISIONING, role: { kind: 'consumer' as const, userId: 'household-17' } };
  rig.startTechnician({ provisioning: consumer });
  rig.pump();
  t.same(rig.config.staged, consumer);
  rig.link.a.close();
  rig.meterEvent({ type: 'link-closed', at: rig.now });
  rig.advance(10 * 60_000);
  t.same(rig.config, { active: PRODUCER_PROVISIONING, staged: null }, 'back to the previous configuration');
  t.equal(rig.meter.lastOutcome?.status, ProvisioningStatus.ROLLED_BACK);
  t.end();
});

t.test('technician abort rolls back at once', (t) => {
  const rig = new PairingRig(bleFraming());
  pairToStaged(rig);
  rig.techEvent({ type: 'abort' });
  rig.pump();
  t.match(rig.techFailure()?.error, { code: 'ROLLED_BACK' });
  noHalfApplied(t, rig);
  t.end();
});

t.test('a second provisioning while one is staged is BUSY', (t) => {
  const rig = new PairingRig(bleFraming());
  pairToStaged(rig);
  rig.link.a.close();
  rig.meterEvent({ type: 'link-closed', at: rig.now });
  const second = new PairingRig(bleFraming(), { seed: '2' });
  second.meter = rig.meter;
  second.now = rig.now;
  second.startTechnician({ provisioning: { ...PRODUCER_PROVISIONING, intermediaryId: 'utility-south' } });
  second.pump();
  t.match(second.techFailure()?.error, { code: 'BUSY' });
  t.same(second.meter.staged?.provisioning, PRODUCER_PROVISIONING, 'the first staging stands');
  t.end();
});

t.test('invalid provisioning values are BAD_PROVISIONING and can be corrected in the session', (t) => {
  // Drop the technician's own PROVISION (its third frame) and send crafted ones with its keys.
  const rig = new PairingRig(ndefFraming(), { interceptor: (unit, from) => (from === 'a' && ++sent === 3 ? [] : [unit]) });
  let sent = 0;
  rig.openWindow();
  rig.startTechnician();
  rig.pump();
  t.equal(rig.tech!.phase, 'provisioning');
  const keys = { ...rig.tech!.keys!, sendCounter: 1 };
  const bad = encodeCbor(intMap([[0, MessageType.PROVISION], [1, intMap([[1, 'utility-north'], [2, 'http://not-a-broker'], [3, 'u'], [4, 'p'], [5, 1], [6, 1], [8, 1800]])]]));
  const first = sealFrame(keys, bad);
  const effects = rig.injectToMeter(first.frame);
  t.match(effects, [{ type: 'refused', code: 'BAD_PROVISIONING' }, { type: 'send' }]);
  const reply = decodeFrame(effects[1]!.type === 'send' ? effects[1]!.bytes : new Uint8Array(0));
  t.equal(reply.kind, FrameKind.TRANSPORT, 'the refusal travels encrypted in the session');
  noHalfApplied(t, rig);
  t.ok(rig.meter.session, 'session kept for a corrected request');
  const second = sealFrame(first.keys, encodeMessage({ type: MessageType.PROVISION, provisioning: PRODUCER_PROVISIONING }));
  const staged = rig.injectToMeter(second.frame);
  t.ok(staged.some((e) => e.type === 'stage'), 'corrected provisioning staged');
  t.end();
});

t.test('session ends on link loss and on idle timeout', (t) => {
  const rig = new PairingRig(bleFraming());
  rig.openWindow();
  rig.startTechnician();
  rig.techEvent({ type: 'link-closed' });
  t.match(rig.techFailure()?.error, { code: 'SESSION_ENDED' });
  const rig2 = new PairingRig(bleFraming());
  rig2.openWindow();
  rig2.startTechnician();
  rig2.pumpOnce();
  t.ok(rig2.meter.session, 'session open after the handshake');
  rig2.advance(60_000);
  t.equal(rig2.meter.session, null, 'idle session dropped');
  t.end();
});

t.test('garbage frames never throw and never stage anything', (t) => {
  const rig = new PairingRig(bleFraming());
  rig.openWindow();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.constantFrom(0x11, 0x12, 0x13, 0x1f, 0x00), (body, kind) => {
      const frame = body.length ? Uint8Array.of(kind, ...body) : body;
      const effects = rig.injectToMeter(frame);
      return effects.every((e) => e.type === 'refused' || e.type === 'send' || e.type === 'close-link' || e.type === 'window') && rig.meter.staged === null;
    }),
    { numRuns: 300 },
  );
  t.same(rig.config, { active: FACTORY_CONFIG, staged: null });
  t.end();
});
