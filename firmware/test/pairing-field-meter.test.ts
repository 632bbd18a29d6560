// The pairable meter end to end on the firmware side: the real FieldMeter (runtime, commissioning
// shell, staged provisioning) on memory storage and a virtual clock, the in-memory radio through
// BLE and NDEF framing, protocol's initiator as the technician, and a real aedes broker with a
// gateway stand-in that acks. Commit on the first acknowledged reading; rollback on the fail-safe,
// on a power cut while staged, and for a re-paired meter back to its previous broker.
import t from 'tap';
import { nodeEd25519 } from '@wattledger/protocol/node';
import type { ProvisioningConfig } from '@wattledger/protocol/pairing';
import { decodeSignedReadings, type IntervalReading } from '@wattledger/protocol';
import { MemoryStorage, type StorageImage } from '../src/adapters/memory-storage.js';
import { SeededRandom } from '../src/adapters/seeded-random.js';
import { VirtualClock } from '../src/adapters/virtual-clock.js';
import { StorageKey } from '../src/core/meter-state.js';
import { decodeProvisioning } from '../src/core/provisioning.js';
import { constantProfile, SimulatedSource } from '../src/energy/simulated-source.js';
import type { RadioLinkInfo } from '../src/hal/radio.js';
import { createMqttNetwork } from '../src/platform/node/mqtt-network.js';
import { FieldMeter, type FieldMeterEvent, type PairingEvent } from '../src/pairing/field-meter.js';
import { memoryRadio, type MemoryRadioOptions } from '../src/pairing/memory-radio.js';
import { PairingKey } from '../src/pairing/pairing-records.js';
import { startAedes, type TestBroker } from './support/brokers.js';
import { provisioning as fileProvisioning, T0 } from './support/fixtures.js';
import { startMqttGateway, type MqttGateway } from './support/mqtt-gateway.js';
import { Technician } from './pairing-technician.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const INTERVAL_S = 60;
const FAIL_SAFE_MS = 5 * 60_000;

interface Rig {
  readonly clock: VirtualClock;
  readonly storage: MemoryStorage;
  readonly meter: FieldMeter;
  readonly events: FieldMeterEvent[];
  readonly logs: string[];
  readonly air: ReturnType<typeof memoryRadio>;
  pairing(): PairingEvent[];
  /** Advances virtual time in steps, letting sockets and microtasks run, until `done()`. */
  until(done: () => boolean, what: string, maxMs?: number, stepMs?: number): Promise<void>;
  technician(info?: RadioLinkInfo, seed?: number): Technician;
}

function rig(options: { image?: StorageImage; start?: number; provisioning?: ReturnType<typeof fileProvisioning>; radio?: MemoryRadioOptions; clock?: VirtualClock } = {}): Rig {
  const clock = options.clock ?? new VirtualClock({ startMs: options.start ?? T0 + 10_000 });
  const storage = new MemoryStorage(options.image);
  const events: FieldMeterEvent[] = [];
  const logs: string[] = [];
  const air = memoryRadio(options.radio);
  const meter = new FieldMeter(
    { clock, storage, source: new SimulatedSource(constantProfile(2000), clock, { stepMs: 1000 }), network: createMqttNetwork({ connectTimeoutMs: 2000 }), random: new SeededRandom(7), ed25519: nodeEd25519, radio: air.radio },
    {
      pairing: { failSafeMs: FAIL_SAFE_MS },
      publisher: { ackTimeoutMs: 600_000 },
      log: (level, message) => logs.push(`${level} ${message}`),
      onEvent: (e) => events.push(e),
      ...(options.provisioning === undefined ? {} : { provisioning: options.provisioning }),
    },
  );
  let techSeed = 100;
  return {
    clock, storage, meter, events, logs, air,
    pairing: () => events.filter((e): e is FieldMeterEvent & { type: 'pairing' } => e.type === 'pairing').map((e) => e.event),
    async until(done, what, maxMs = 3_600_000, stepMs = 5_000) {
      for (let spent = 0; !done(); spent += stepMs) {
        if (spent > maxMs) throw new Error(`timed out (virtual ${maxMs / 1000} s) waiting for ${what}`);
        clock.advance(stepMs);
        await sleep(2);
      }
    },
    technician(info = { transport: 'ble', attMtu: 23 }, seed = techSeed++) {
      const random = new SeededRandom(seed);
      return new Technician(air.connect(info), () => random.fill(new Uint8Array(32)));
    },
  };
}

function pairingConfig(brokerUrl: string, meterId: string, overrides: Partial<ProvisioningConfig> = {}): ProvisioningConfig {
  return { intermediaryId: 'utility-a', brokerUrl, mqttUsername: meterId, mqttPassword: 'token-of-the-gateway', role: { kind: 'producer', productionMethod: 1 }, intervalLength: INTERVAL_S, ...overrides };
}

function readingsOf(gateway: MqttGateway): IntervalReading[] {
  return gateway.chain.readings;
}

let broker: TestBroker;
t.before(async () => {
  broker = await startAedes();
});
t.teardown(() => broker.stop());

for (const info of [{ transport: 'ble', attMtu: 23 }, { transport: 'nfc' }] as const) {
  t.test(`unprovisioned meter: window at first boot, pairs over ${info.transport}, commits on the first acknowledged reading`, async (t) => {
    const r = rig();
    const gateway = await startMqttGateway(broker.url, r.meter.meterId, r.meter.publicKey);
    t.teardown(() => gateway.close());
    r.meter.start();
    t.ok(r.meter.commissioning.windowOpen, 'window open at first boot');
    t.equal(r.meter.runtime, undefined, 'no metering before provisioning');

    const tech = r.technician(info);
    tech.start({ onboarding: r.meter.onboarding, provisioning: pairingConfig(broker.url, r.meter.meterId), verifier: nodeEd25519 });
    await r.until(() => tech.phase === 'committing', 'STAGED');
    t.same(tech.framingErrors, []);
    t.match(tech.effects.find((e) => e.type === 'identity'), { meterId: r.meter.meterId }, 'technician saw the meter identity');
    t.ok(r.storage.get(PairingKey.STAGED), 'staged marker written');
    t.equal(decodeProvisioning(r.storage.get(StorageKey.PROVISIONING)!).brokerUrl, broker.url);
    t.ok(r.meter.runtime, 'metering with the staged provisioning');

    await r.until(() => r.pairing().some((e) => e.type === 'committed'), 'commit');
    t.notOk(r.storage.get(PairingKey.STAGED), 'marker deleted: committed');
    const first = readingsOf(gateway)[0]!;
    t.ok(first, 'the gateway received the first reading');
    t.same(first.prevHash, new Uint8Array(32), 'the chain starts at zeros after pairing');
    t.ok(first.exportedWh <= Math.ceil((2000 * INTERVAL_S) / 3600), 'first interval counts from pairing, not from power-up');

    tech.event({ type: 'poll' });
    await r.until(() => tech.phase === 'done', 'COMMITTED status', 60_000, 1_000);
    const done = tech.effects.find((e) => e.type === 'done');
    t.ok(done, 'technician got the committed pairing result');
    t.notOk(r.meter.commissioning.windowOpen, 'window closed after the commit');
    t.ok(r.pairing().some((e) => e.type === 'window' && !e.open));

    r.meter.stop();
    await sleep(20);
  });
}

t.test('fail-safe: no acknowledged reading in time, the meter rolls back to unprovisioned and forgets the staged run', async (t) => {
  const r = rig();
  const gateway = await startMqttGateway(broker.url, r.meter.meterId, r.meter.publicKey);
  gateway.acking = false;
  t.teardown(() => gateway.close());
  r.meter.start();
  const before = r.storage.get(StorageKey.SEQ_CEILING);
  const tech = r.technician();
  tech.start({ onboarding: r.meter.onboarding, provisioning: pairingConfig(broker.url, r.meter.meterId), verifier: nodeEd25519 });
  await r.until(() => tech.phase === 'committing', 'STAGED');
  await r.until(() => r.pairing().some((e) => e.type === 'rolled-back'), 'rollback', FAIL_SAFE_MS + 60_000);
  t.ok(readingsOf(gateway).length >= 1, 'readings were published, never acknowledged');
  t.match(r.pairing().find((e) => e.type === 'rolled-back'), { reason: 'ROLLED_BACK', provisioned: false });
  await r.until(() => tech.phase === 'failed', 'rolled-back status to reach the technician', 10_000, 1_000);
  t.match(tech.failure()?.error, { code: 'ROLLED_BACK' }, 'technician told: rolled back');
  for (const key of [StorageKey.PROVISIONING, StorageKey.STATE, StorageKey.CONFIG, PairingKey.STAGED]) t.equal(r.storage.get(key), undefined, `no ${key} record`);
  t.equal(r.storage.logEnd() - r.storage.logStart(), 0, 'no queued reading of the staged run');
  t.not(r.storage.get(StorageKey.SEQ_CEILING), before, 'the sequence ceiling stays (numbers are never reused)');
  t.equal(r.meter.runtime, undefined, 'metering stopped: unprovisioned again');
  t.ok(r.storage.get(StorageKey.SECRET_KEY) && r.storage.get(PairingKey.STATIC_SECRET), 'identity and label keys kept');

  // Pairing again starts a fresh chain above the old sequence numbers.
  gateway.acking = true;
  const oldMax = Math.max(...readingsOf(gateway).map((x) => x.seq));
  readingsOf(gateway).length = 0;
  r.meter.pressButton();
  const again = r.technician();
  again.start({ onboarding: r.meter.onboarding, provisioning: pairingConfig(broker.url, r.meter.meterId), verifier: nodeEd25519 });
  await r.until(() => r.pairing().some((e) => e.type === 'committed'), 'second pairing commit');
  t.ok(readingsOf(gateway)[0]!.seq > oldMax, 'no sequence number reused');
  r.meter.stop();
  await sleep(20);
});

t.test('re-paired meter without an ack returns to its previous broker, credential and chain; the register stays continuous', async (t) => {
  const brokerB = await startAedes();
  t.teardown(() => brokerB.stop());
  const start = T0 + 10_000;
  const r = rig({ start, provisioning: fileProvisioning({ brokerUrl: broker.url, intervalLength: INTERVAL_S, username: 'old-user', password: 'old-pw' }) });
  const gatewayA = await startMqttGateway(broker.url, r.meter.meterId, r.meter.publicKey);
  t.teardown(() => gatewayA.close());
  r.meter.start();
  t.notOk(r.meter.commissioning.windowOpen, 'a provisioned meter opens no window by itself');
  await r.until(() => readingsOf(gatewayA).length >= 3, 'three readings on broker A');

  r.meter.pressButton();
  const tech = r.technician({ transport: 'nfc' });
  tech.start({ onboarding: r.meter.onboarding, provisioning: pairingConfig(brokerB.url, r.meter.meterId, { intermediaryId: 'utility-a' }), verifier: nodeEd25519 });
  await r.until(() => tech.phase === 'committing', 'STAGED');
  t.equal(r.meter.provisioning?.brokerUrl, brokerB.url, 'running with the staged broker');
  t.same(r.meter.provisioning?.intermediaryPublicKey, fileProvisioning().intermediaryPublicKey, 'same intermediary: its config key is kept');
  await r.until(() => r.pairing().some((e) => e.type === 'rolled-back'), 'rollback', FAIL_SAFE_MS + 60_000);
  t.match(r.pairing().find((e) => e.type === 'rolled-back'), { provisioned: true });
  t.match(r.meter.provisioning, { brokerUrl: broker.url, username: 'old-user', password: 'old-pw' }, 'previous configuration restored');
  const count = readingsOf(gatewayA).length;
  await r.until(() => readingsOf(gatewayA).length >= count + 3, 'readings on broker A again');

  const readings = readingsOf(gatewayA);
  readings.forEach((x, i) => i > 0 && t.equal(x.intervalStart, readings[i - 1]!.intervalStart + INTERVAL_S, `seq ${x.seq} follows the previous interval`));
  const last = readings[readings.length - 1]!;
  const totalWh = readings.reduce((sum, x) => sum + x.exportedWh, 0);
  const expectedWh = (2000 * ((last.intervalStart + INTERVAL_S) * 1000 - start)) / 3_600_000;
  t.ok(Math.abs(totalWh - expectedWh) <= 1, `every Wh from power-up to the last interval is in a reading: ${totalWh} Wh vs ${expectedWh.toFixed(1)} Wh`);
  r.meter.stop();
  await sleep(20);
});

t.test('power cut while staged: the staged provisioning is rolled back at boot', async (t) => {
  const r = rig({ provisioning: fileProvisioning({ brokerUrl: broker.url, intervalLength: INTERVAL_S }) });
  r.meter.start();
  r.meter.pressButton();
  const tech = r.technician();
  tech.start({ onboarding: r.meter.onboarding, provisioning: pairingConfig('mqtt://127.0.0.1:1', r.meter.meterId), verifier: nodeEd25519 });
  await r.until(() => tech.phase === 'committing', 'STAGED');
  r.meter.powerCut();
  const image = r.storage.imageAfterPowerCut();
  t.ok(image.kv.get(PairingKey.STAGED), 'the staged marker survived the power cut');

  const rebooted = rig({ image, start: T0 + 600_000 });
  t.equal(rebooted.meter.provisioning?.brokerUrl, broker.url, 'boot restored the previous broker');
  t.notOk(rebooted.storage.get(PairingKey.STAGED));
  t.ok(rebooted.logs.some((l) => l.includes('rolled back')), 'and said so');
  t.equal(rebooted.meter.meterId, r.meter.meterId, 'same identity');
  t.same(rebooted.meter.onboarding, r.meter.onboarding, 'same label');
  await sleep(5);
});

t.test('refusals through the radio shell leave storage untouched: window closed, wrong code, replayed handshake, tampered ciphertext', async (t) => {
  let technicianUnits = 0;
  let tamperUnit = -1;
  const r = rig({
    provisioning: fileProvisioning({ brokerUrl: 'mqtt://127.0.0.1:1', intervalLength: INTERVAL_S }),
    radio: {
      interceptor: (unit, from) => {
        if (from !== 'technician' || technicianUnits++ !== tamperUnit) return [unit];
        unit[unit.length - 1]! ^= 0x01;
        return [unit];
      },
    },
  });
  r.meter.start();
  const snapshot = () => ({ prov: r.storage.get(StorageKey.PROVISIONING), staged: r.storage.get(PairingKey.STAGED), cfg: r.storage.get(StorageKey.CONFIG) });
  const before = snapshot();
  const config = pairingConfig(broker.url, r.meter.meterId);
  const refusals = () => r.pairing().filter((e): e is PairingEvent & { type: 'refused' } => e.type === 'refused').map((e) => e.code);

  const closed = r.technician();
  closed.start({ onboarding: r.meter.onboarding, provisioning: config, verifier: nodeEd25519 });
  await r.until(() => closed.phase === 'failed', 'refusal', 10_000, 1_000);
  t.match(closed.failure()?.error, { code: 'WINDOW_CLOSED' }, 'window closed');
  closed.peer.close();
  await sleep(1);

  r.meter.pressButton();
  const wrong = r.technician({ transport: 'nfc' });
  wrong.start({ onboarding: r.meter.onboarding, setupCode: r.meter.onboarding.setupCode === '13572468' ? '24681357' : '13572468', provisioning: config, verifier: nodeEd25519 });
  await r.until(() => wrong.phase === 'failed', 'refusal', 10_000, 1_000);
  t.match(wrong.failure()?.error, { code: 'WRONG_SETUP_CODE', details: { attemptsLeft: 4 } }, 'wrong setup code');
  t.equal(wrong.linkClosed, 'the meter ended the link', 'the meter dropped the link');

  const replayer = r.technician({ transport: 'nfc' });
  replayer.sendFrame(wrong.sent[0]!);
  await r.until(() => refusals().includes('REPLAYED'), 'replay refusal', 10_000, 1_000);
  t.pass('replayed handshake message refused as REPLAYED');
  replayer.peer.close();
  await sleep(1);

  // NFC carries one frame per unit: units 0, 1, 2 of the next link are HANDSHAKE_1, PROVE, PROVISION.
  tamperUnit = technicianUnits + 2;
  const tampered = r.technician({ transport: 'nfc' });
  tampered.start({ onboarding: r.meter.onboarding, provisioning: config, verifier: nodeEd25519 });
  await r.until(() => refusals().includes('TAMPERED'), 'tamper refusal', 10_000, 1_000);
  t.ok(tampered.has('identity'), 'the session got as far as the meter identity');
  t.notOk(tampered.has('staged'), 'but the tampered PROVISION staged nothing');
  t.same(snapshot(), before, 'provisioning, signed config and staged marker unchanged after every refusal');
  r.meter.stop();
  await sleep(5);
});

t.test('the staged readings leave the queue only once acknowledged', async (t) => {
  const r = rig();
  const gateway = await startMqttGateway(broker.url, r.meter.meterId, r.meter.publicKey);
  t.teardown(() => gateway.close());
  r.meter.start();
  const tech = r.technician();
  tech.start({ onboarding: r.meter.onboarding, provisioning: pairingConfig(broker.url, r.meter.meterId), verifier: nodeEd25519 });
  await r.until(() => r.pairing().some((e) => e.type === 'committed'), 'commit');
  const published = r.events.filter((e) => e.type === 'published').length;
  t.ok(published >= 1);
  const signed = decodeSignedReadings(r.events.find((e): e is FieldMeterEvent & { type: 'sealed' } => e.type === 'sealed')!.signed);
  t.equal(signed.meterId, r.meter.meterId);
  r.meter.stop();
  await sleep(20);
});
