/**
 * The technician tool's pairing session end to end inside the gateway package: runPairing over
 * an in-memory link through the NDEF and the BLE framing, the registrar of a real gateway
 * (embedded aedes, SQLite, recording ledger) and a stand-in meter on protocol's responder that
 * publishes its first reading with the staged credential. Then every refusal the issue names:
 * wrong setup code, too many attempts, window closed, replayed handshake message, tampered
 * ciphertext, fail-safe expiry with rollback, a technician credential that is not the
 * intermediary's: each with its message, nothing half-applied (no credential left issued, no
 * register-meter, nothing staged on the meter).
 */
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { partyIdFromPublicKey, TxType, type Signer } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { decodeFrame, FrameKind, ProvisioningStatus, type PairingResult, type ResponderPolicy } from '@wattledger/protocol/pairing';
import { startGateway, type Gateway } from '../src/gateway.js';
import { issueTechnicianCredential } from '../src/pairing/technician-credential.js';
import { describeFailure } from '../src/pairing/technician/pair-command.js';
import { runPairing, type PairingProgress } from '../src/pairing/technician/pair-session.js';
import { RegistrarClient } from '../src/pairing/technician/registrar-client.js';
import type { PairingTransport } from '../src/pairing/technician/pairing-link.js';
import { makeFixture, memoryLogger, type Fixture } from './helpers/fixture.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { until } from './helpers/test-meter.js';
import { StandInMeter, type Interceptor } from './pairing-stand-in.js';

interface Bench {
  readonly ledger: RecordingLedger;
  readonly fixture: Fixture;
  readonly gateway: Gateway;
  readonly intermediary: Signer;
}

let shared: Bench | undefined;

async function bench(): Promise<Bench> {
  if (shared) return shared;
  const ledger = await new RecordingLedger().start();
  const fixture = makeFixture(ledger, { pairing: { host: '127.0.0.1', port: 0, intervalLength: 1800 } });
  const gateway = await startGateway(fixture.config, { logger: memoryLogger().logger });
  shared = { ledger, fixture, gateway, intermediary: nodeEd25519.signer(Buffer.from(fixture.intermediaryKey, 'hex')) };
  return shared;
}

t.teardown(async () => {
  if (!shared) return;
  await shared.gateway.close();
  await shared.ledger.close();
  shared.fixture.cleanup();
});

function registrarClient(b: Bench, intermediary: Signer = b.intermediary): RegistrarClient {
  const technician = nodeEd25519.signer(randomBytes(32));
  const nowS = Math.floor(Date.now() / 1000);
  const credential = issueTechnicianCredential(intermediary, { intermediaryId: partyIdFromPublicKey(intermediary.publicKey), technicianPublicKey: technician.publicKey, name: 'bob', notBeforeS: nowS - 60, expiresS: nowS + 3600 });
  return new RegistrarClient({ url: b.gateway.pairingUrl!, credential, technician });
}

function registerTxs(b: Bench): number {
  return [...b.ledger.txs.values()].filter((tx) => tx.type === TxType.REGISTER_METER).length;
}

interface Attempt {
  readonly result?: PairingResult;
  readonly error?: unknown;
  readonly progress: PairingProgress['type'][];
}

/** One run of the tool's session against `meter`; the ledger mirrors a register-meter before the meter may publish. */
async function attempt(b: Bench, meter: StandInMeter, options: { transport?: PairingTransport; attMtu?: number; setupCode?: string; client?: RegistrarClient } = {}): Promise<Attempt> {
  const progress: PairingProgress['type'][] = [];
  let release: () => void = () => undefined;
  meter.publishGate = new Promise((resolve) => (release = resolve));
  const link = meter.connect(options.transport ?? 'ble', options.attMtu ?? 23);
  const client = options.client ?? registrarClient(b);
  try {
    const result = await runPairing({
      onboarding: meter.onboarding, link, verifier: nodeEd25519, role: { kind: 'producer', productionMethod: 1 }, pollIntervalMs: 50, answerTimeoutMs: 5_000, graceMs: 5_000,
      ...(options.setupCode === undefined ? {} : { setupCode: options.setupCode }),
      enroll: async (identity) => {
        const a = await client.enroll({ ...identity, role: { kind: 'producer', productionMethod: 1 }, ratedPowerW: 10_000 });
        return { intermediaryId: a.intermediaryId, brokerUrl: a.brokerUrl, mqttUsername: a.mqttUsername, mqttPassword: a.mqttPassword, role: { kind: 'producer', productionMethod: 1 }, intervalLength: a.intervalLength };
      },
      register: async (staged) => {
        await client.register(staged);
        // What the real ledger does on register-meter: the meter is in its list from now on.
        b.ledger.addMeter({ id: staged.meterId, publicKey: staged.meterPublicKey, role: 'producer', intermediary: b.fixture.intermediaryId, productionMethod: 1, ratedPowerW: 10_000 });
        release();
      },
      cancel: (meterId) => client.cancel(meterId),
      onProgress: (p) => progress.push(p.type),
    });
    return { result, progress };
  } catch (error) {
    return { error, progress };
  } finally {
    await link.close();
  }
}

function standIn(t: Test, options: { policy?: Partial<ResponderPolicy>; interceptor?: Interceptor } = {}): StandInMeter {
  const meter = new StandInMeter(options);
  t.teardown(() => meter.close());
  return meter;
}

for (const [name, transport, attMtu] of [['NDEF', 'nfc', 23], ['BLE ATT_MTU 23', 'ble', 23], ['BLE ATT_MTU 185', 'ble', 185]] as const) {
  t.test(`pairs over ${name}: enrolled, staged, registered, first reading accepted, committed`, async (t) => {
    const b = await bench();
    const meter = standIn(t);
    meter.pressButton();
    const before = registerTxs(b);
    const run = await attempt(b, meter, { transport, attMtu });
    t.equal(run.error, undefined, run.error === undefined ? 'no error' : describeFailure(run.error));
    t.same(run.progress.filter((p) => p !== 'waiting'), ['identity', 'provisioned', 'staged', 'registered']);
    t.equal(run.result?.meterId, meter.meter.id, 'pairing result for the meter on the label');
    t.equal(meter.active?.mqttUsername, meter.meter.id, 'the meter committed the issued credential');
    t.equal(meter.active?.brokerUrl, b.gateway.brokerUrl);
    t.ok(meter.meter.lastAck >= 0, 'the gateway accepted and acknowledged its first reading');
    t.equal(registerTxs(b), before + 1, 'register-meter on the ledger');
    t.ok(b.gateway.credentials.has(meter.meter.id));
    t.match(meter.state.lastOutcome, { status: ProvisioningStatus.COMMITTED });
  });
}

/** Nothing of a refused pairing remains: no credential, no register-meter, nothing staged or committed. */
function nothingHalfApplied(t: Test, b: Bench, meter: StandInMeter, txsBefore: number): void {
  t.notOk(b.gateway.credentials.has(meter.meter.id), 'no MQTT credential left issued');
  t.equal(registerTxs(b), txsBefore, 'no register-meter');
  t.equal(meter.state.staged, null, 'nothing staged on the meter');
  t.equal(meter.active, undefined, 'meter configuration unchanged');
  t.notOk(meter.effects.some((e) => e.type === 'stage' || e.type === 'commit'), 'no stage or commit effect');
}

t.test('wrong setup code: refused before the meter shows its identity', async (t) => {
  const b = await bench();
  const meter = standIn(t);
  meter.pressButton();
  const before = registerTxs(b);
  const run = await attempt(b, meter, { setupCode: meter.onboarding.setupCode === '13572468' ? '24681357' : '13572468' });
  t.match(run.error, { code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 4 } });
  t.match(describeFailure(run.error), /^WRONG_SETUP_CODE \(4 attempts left\): the meter refused the setup code/);
  t.same(run.progress, [], 'no identity, no enrollment');
  nothingHalfApplied(t, b, meter, before);
});

t.test('too many attempts: the window closes; the right code no longer helps until the button', async (t) => {
  const b = await bench();
  const meter = standIn(t, { policy: { maxFailedAttempts: 3, backoffBaseMs: 1 } });
  meter.pressButton();
  const before = registerTxs(b);
  const wrong = meter.onboarding.setupCode === '13572468' ? '24681357' : '13572468';
  const codes: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    codes.push((await attempt(b, meter, { setupCode: wrong })).error);
    await new Promise((r) => setTimeout(r, 5));
  }
  t.match(codes, [{ code: 'WRONG_SETUP_CODE' }, { code: 'WRONG_SETUP_CODE' }, { code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 0 } }]);
  const run = await attempt(b, meter);
  t.match(run.error, { code: 'TOO_MANY_ATTEMPTS' });
  t.match(describeFailure(run.error), /press the pairing button/);
  nothingHalfApplied(t, b, meter, before);
});

t.test('window closed: refused with its advice', async (t) => {
  const b = await bench();
  const meter = standIn(t);
  const before = registerTxs(b);
  const run = await attempt(b, meter, { transport: 'nfc' });
  t.match(run.error, { code: 'WINDOW_CLOSED' });
  t.match(describeFailure(run.error), /^WINDOW_CLOSED: the meter is not in pairing mode: press its pairing button/);
  nothingHalfApplied(t, b, meter, before);
});

t.test('replayed handshake message: an eavesdropper replaying message 1 gets REPLAYED, the meter is unchanged', async (t) => {
  const b = await bench();
  const meter = standIn(t);
  meter.pressButton();
  const wrong = meter.onboarding.setupCode === '13572468' ? '24681357' : '13572468';
  await attempt(b, meter, { setupCode: wrong });
  const message1 = meter.received.find((f) => f[0] === FrameKind.HANDSHAKE_1)!;
  const link = meter.connect('ble');
  const answers: Uint8Array[] = [];
  link.setReceiver({ onUnit: (unit) => answers.push(unit), onClose: () => undefined });
  const { bleFraming } = await import('@wattledger/protocol/pairing');
  const framing = bleFraming(23);
  const before = { failed: meter.state.failedAttempts, session: meter.state.session };
  for (const unit of framing.encode(message1)) link.send(unit);
  await until(() => answers.length > 0, 'refusal');
  const decoder = framing.decoder();
  const frames = answers.flatMap((u) => decoder.push(u).frames);
  t.match(decodeFrame(frames[0]!), { kind: FrameKind.REFUSAL, code: 'REPLAYED' });
  t.ok(meter.effects.some((e) => e.type === 'refused' && e.code === 'REPLAYED'), 'the meter refused the replay');
  t.same({ failed: meter.state.failedAttempts, session: meter.state.session }, before, 'no session, no attempt counted');
  await link.close();
});

t.test('tampered ciphertext: PROVISION modified in transit is refused; the enrollment is cancelled', async (t) => {
  const b = await bench();
  let technicianFrames = 0;
  // NFC carries one frame per unit: HANDSHAKE_1, PROVE, then PROVISION (tampered).
  const meter = standIn(t, { interceptor: (unit, from) => (from === 'technician' && ++technicianFrames === 3 ? [Uint8Array.from(unit, (x, i) => (i === unit.length - 1 ? x ^ 1 : x))] : [unit]) });
  meter.pressButton();
  const before = registerTxs(b);
  const run = await attempt(b, meter, { transport: 'nfc' });
  t.match(run.error, { code: 'TAMPERED' });
  t.match(describeFailure(run.error), /modified in transit/);
  t.same(run.progress, ['identity', 'provisioned'], 'the tool had enrolled before the PROVISION was tampered');
  nothingHalfApplied(t, b, meter, before);
});

t.test('fail-safe: the meter never reaches the broker, rolls back, and the tool says so', async (t) => {
  const b = await bench();
  const meter = standIn(t, { policy: { failSafeMs: 1_500 } });
  meter.behaviour = 'silent';
  meter.pressButton();
  const run = await attempt(b, meter);
  t.match(run.error, { code: 'ROLLED_BACK' });
  t.match(describeFailure(run.error), /^ROLLED_BACK: the meter returned to its previous configuration/);
  t.same(run.progress.filter((p) => p !== 'waiting'), ['identity', 'provisioned', 'staged', 'registered']);
  t.equal(meter.state.staged, null, 'nothing staged any more');
  t.equal(meter.active, undefined, 'back to its previous (empty) configuration');
  t.ok(meter.effects.some((e) => e.type === 'rollback'), 'rollback effect');
});

t.test("a technician credential that is not the intermediary's: refused at enrollment, nothing sent to the meter", async (t) => {
  const b = await bench();
  const meter = standIn(t);
  meter.pressButton();
  const before = registerTxs(b);
  const run = await attempt(b, meter, { client: registrarClient(b, nodeEd25519.signer(randomBytes(32))) });
  t.match(run.error, { code: 'UNAUTHORIZED' });
  t.match(describeFailure(run.error), /^UNAUTHORIZED: the technician credential was issued for intermediary [0-9a-f]{16}, this gateway serves [0-9a-f]{16}; the technician credential is not this intermediary's/);
  t.same(run.progress, ['identity'], 'the tool stopped after the meter identity');
  nothingHalfApplied(t, b, meter, before);
});
