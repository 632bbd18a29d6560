/**
 * One deterministic pairing of the FieldMeter as it runs on the device, executed on Node and
 * inside the XS engine (bundled by test/pairing-xs.test.ts): seeded identity and label, a
 * technician (protocol's initiator) over the in-memory radio with a synchronous delivery
 * queue, a wrong code, a replayed handshake, pairing over BLE framing, the first reading
 * acknowledged by the loopback gateway, commit; then a second meter over NFC framing whose
 * broker is down rolls back at its fail-safe. Every unit the meter put on the radio, every
 * pairing event, message and storage record is returned, to compare the engines byte for byte.
 */
import { toHex, type Ed25519Provider } from '@wattledger/protocol';
import {
  bleFraming, initiatorStep, ndefFraming, startInitiator, type Framing, type InitiatorState, type ProvisioningConfig,
} from '@wattledger/protocol/pairing';
import { MemoryStorage } from '../src/adapters/memory-storage.js';
import { SeededRandom } from '../src/adapters/seeded-random.js';
import { VirtualClock } from '../src/adapters/virtual-clock.js';
import { StorageKey } from '../src/core/meter-state.js';
import { constantProfile, SimulatedSource } from '../src/energy/simulated-source.js';
import type { RadioLinkInfo } from '../src/hal/radio.js';
import { FieldMeter } from '../src/pairing/field-meter.js';
import { memoryRadio } from '../src/pairing/memory-radio.js';
import { ensurePairingIdentity, PairingKey } from '../src/pairing/pairing-records.js';
import { LoopbackBroker } from './fixtures/loopback-network.js';

/** 2026-06-21T00:07:00Z */
const START = 1_782_000_420_000;

function pairingScenario(ed25519: Ed25519Provider, out: string[], seed: number, info: RadioLinkInfo, brokerUp: boolean): void {
  const tag = `m${seed}`;
  const clock = new VirtualClock({ startMs: START });
  const storage = new MemoryStorage();
  const random = new SeededRandom(seed);
  const identity = ensurePairingIdentity(storage, random, ed25519);
  const broker = new LoopbackBroker(clock, identity.onboarding.meterId);
  broker.up = brokerUp;
  const tasks: Array<() => void> = [];
  const drain = (): void => {
    for (let task = tasks.shift(); task !== undefined; task = tasks.shift()) task();
  };
  const air = memoryRadio({
    defer: (task) => tasks.push(task),
    interceptor: (unit, from) => {
      if (from === 'meter') out.push(`${tag} radio ${toHex(unit)}`);
      return [unit];
    },
  });
  const meter = new FieldMeter(
    { clock, storage, source: new SimulatedSource(constantProfile(1500), clock), network: broker, random, ed25519, radio: air.radio },
    {
      pairing: { failSafeMs: 10 * 60_000 },
      log: (level, message) => out.push(`${tag} log ${level} ${message}`),
      onEvent: (e) => {
        if (e.type === 'pairing') out.push(`${tag} pairing ${JSON.stringify(e.event)}`);
        else if (e.type === 'acked' || e.type === 'published') out.push(`${tag} meter ${JSON.stringify(e)}`);
      },
    },
  );
  out.push(`${tag} label ${identity.onboarding.meterId} ${toHex(identity.onboarding.staticKey)} ${identity.onboarding.setupCode}`);
  meter.start();
  drain();

  const techRandom = new SeededRandom(seed + 1000);
  const provisioning: ProvisioningConfig = {
    intermediaryId: 'utility-a', brokerUrl: 'mqtt://loopback:1883', mqttUsername: identity.onboarding.meterId, mqttPassword: 'issued-by-the-registrar',
    role: { kind: 'producer', productionMethod: 2 }, intervalLength: 900,
  };
  const sessions: Array<{ first: Uint8Array | undefined }> = [];
  const technician = (setupCode: string | undefined): { state: () => InitiatorState } => {
    const link = air.connect(info);
    const framing: Framing = info.transport === 'nfc' ? ndefFraming({ maxChunkPayload: 40 }) : bleFraming(info.attMtu);
    const decoder = framing.decoder();
    const session = { first: undefined as Uint8Array | undefined };
    sessions.push(session);
    const started = startInitiator({ onboarding: identity.onboarding, ...(setupCode ? { setupCode } : {}), provisioning, verifier: ed25519 }, techRandom.fill(new Uint8Array(32)));
    let state = started.state;
    const send = (effects: ReturnType<typeof initiatorStep>['effects']): void => {
      for (const effect of effects) {
        if (effect.type === 'send') {
          session.first ??= effect.bytes;
          for (const unit of framing.encode(effect.bytes)) link.send(unit);
        } else out.push(`${tag} technician ${effect.type}${effect.type === 'failed' ? ` ${effect.error.code}` : ''}`);
      }
    };
    link.setReceiver({
      onUnit: (unit) => {
        for (const frame of decoder.push(unit).frames) {
          const step = initiatorStep(state, { type: 'frame', bytes: frame });
          state = step.state;
          send(step.effects);
        }
      },
      onClose: (reason) => out.push(`${tag} link closed: ${reason}`),
    });
    send(started.effects);
    drain();
    return { state: () => state };
  };

  technician(identity.onboarding.setupCode === '13572468' ? '24681357' : '13572468');
  // An eavesdropper replays message 1 of the failed session on a new link.
  const replay = air.connect(info);
  replay.setReceiver({ onUnit: () => undefined, onClose: () => undefined });
  for (const unit of (info.transport === 'nfc' ? ndefFraming() : bleFraming(info.attMtu)).encode(sessions[0]!.first!)) replay.send(unit);
  drain();
  replay.close();
  drain();

  const session = technician(undefined);
  out.push(`${tag} staged ${storage.get(PairingKey.STAGED) !== undefined} phase ${session.state().phase}`);
  for (let step = 0; step < 120 && storage.get(PairingKey.STAGED) !== undefined; step++) {
    clock.advance(15_000);
    drain();
  }
  out.push(`${tag} after: phase ${session.state().phase} staged ${storage.get(PairingKey.STAGED) !== undefined} provisioned ${storage.get(StorageKey.PROVISIONING) !== undefined}`);
  for (const message of broker.published) out.push(`${tag} published ${message.topic} ${toHex(message.payload)}`);
  meter.stop();
  drain();
}

export function runPairingScenario(ed25519: Ed25519Provider): string[] {
  const out: string[] = [];
  pairingScenario(ed25519, out, 41, { transport: 'ble', attMtu: 23 }, true);
  pairingScenario(ed25519, out, 42, { transport: 'nfc' }, false);
  return out;
}
