/**
 * Field pairing across the packages, all real: the firmware FieldMeter (runtime, commissioning
 * shell, staged provisioning) on a virtual clock with the in-memory radio, the technician's
 * session (gateway/src/pairing), a gateway with its embedded aedes broker and registrar, and
 * a ledger-node on its embedded sequencer. Pair over BLE and NFC framing, first reading
 * accepted by the gateway and applied by the ledger, commit; a meter that cannot reach the
 * broker rolls back at the end of its fail-safe; and `wattledger-pair --simulate` (the CLI
 * with its in-process virtual meter) against the same gateway.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { partyIdFromPublicKey, toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import {
  constantProfile, FieldMeter, memoryRadio, MemoryStorage, PairingKey, SeededRandom, SimulatedSource, VirtualClock, createMqttNetwork, type FieldMeterEvent,
} from '@wattledger/firmware';
import { issueTechnicianCredential, parseConfig, RegistrarClient, runPairCommand, runPairing, startGateway, type Gateway } from '@wattledger/gateway';
import { parseGenesis, startLedgerNode, type RunningLedgerNode } from '@wattledger/ledger-node';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const INTERVAL_S = 1800;
/** 2026-06-21T00:00:00Z: a past instant aligned to every interval. */
const T0 = Date.UTC(2026, 5, 21);

const dir = mkdtempSync(join(tmpdir(), 'wl-pairing-e2e-'));
const admin = nodeEd25519.signer(randomBytes(32));
const intermediarySeed = randomBytes(32);
const intermediary = nodeEd25519.signer(intermediarySeed);
const gatewaySeed = randomBytes(32);
const gatewaySigner = nodeEd25519.signer(gatewaySeed);
const intermediaryId = partyIdFromPublicKey(intermediary.publicKey);
const clock = new VirtualClock({ startMs: T0 + 5 * 60_000 });

let ledger: RunningLedgerNode;
let gateway: Gateway;

function gatewayConfig(name: string, pairing: Record<string, unknown> = {}) {
  return parseConfig({
    dataDir: join(dir, name),
    identity: { key: toHex(gatewaySeed), intermediaryId, intermediaryKey: toHex(intermediarySeed) },
    mqtt: { embedded: { host: '127.0.0.1', port: 0 } },
    pipeline: { verifyWorkers: 1 },
    ledger: { url: ledger.url, registrySyncMs: 60_000, closeIntervals: false, retryMaxMs: 100 },
    http: false,
    log: { level: 'silent' },
    pairing: { host: '127.0.0.1', port: 0, intervalLength: INTERVAL_S, ...pairing },
  });
}

function technicianClient(url: string): RegistrarClient {
  const technician = nodeEd25519.signer(randomBytes(32));
  const nowS = Math.floor(Date.now() / 1000);
  const credential = issueTechnicianCredential(intermediary, { intermediaryId, technicianPublicKey: technician.publicKey, name: 'carol', notBeforeS: nowS - 60, expiresS: nowS + 3600 });
  return new RegistrarClient({ url, credential, technician });
}

t.before(async () => {
  const genesis = parseGenesis({
    chainId: 'pairing-e2e', intervalS: INTERVAL_S,
    parties: [
      { role: 'admin', publicKey: toHex(admin.publicKey), name: 'Consortium', region: 'JP' },
      { role: 'intermediary', publicKey: toHex(intermediary.publicKey), name: 'Utility North', region: 'JP' },
      { role: 'gateway', publicKey: toHex(gatewaySigner.publicKey), name: 'Gateway 1', region: 'JP', intermediary: intermediaryId },
    ],
  });
  ledger = await startLedgerNode({ dataDir: join(dir, 'ledger'), genesis, port: 0, verifyWorkers: 0 });
  gateway = await startGateway(gatewayConfig('gateway'), { now: () => clock.nowMs() });
});

t.teardown(async () => {
  await gateway?.close();
  await ledger?.close();
  rmSync(dir, { recursive: true, force: true });
});

function fieldMeter(seed: number) {
  const storage = new MemoryStorage();
  const air = memoryRadio();
  const events: FieldMeterEvent[] = [];
  const meter = new FieldMeter(
    { clock, storage, source: new SimulatedSource(constantProfile(2000), clock), network: createMqttNetwork({ connectTimeoutMs: 2000 }), random: new SeededRandom(seed), ed25519: nodeEd25519, radio: air.radio },
    { onEvent: (e) => events.push(e) },
  );
  return { meter, storage, air, events };
}

/** Advances the virtual clock (10 s per step, sockets served between steps) until `promise` settles. */
async function drive<T>(promise: Promise<T>, maxVirtualMs = 3 * 3_600_000): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => (settled = true));
  for (let spent = 0; !settled && spent < maxVirtualMs; spent += 10_000) {
    clock.advance(10_000);
    await sleep(2);
  }
  return watched;
}

async function ledgerMeter(meterId: string): Promise<{ id: string; lastSeq: number } | undefined> {
  const answer = (await (await fetch(`${ledger.url}/v1/meters?intermediary=${intermediaryId}`)).json()) as Array<{ id: string; lastSeq: number }> | { meters: Array<{ id: string; lastSeq: number }> };
  const list = Array.isArray(answer) ? answer : answer.meters;
  return list.find((m) => m.id === meterId);
}

for (const [transport, attMtu] of [['ble', 23], ['nfc', undefined]] as const) {
  t.test(`firmware meter pairs over ${transport}: registered on the ledger, first reading accepted, committed`, async (t) => {
    const { meter, storage, air, events } = fieldMeter(transport === 'ble' ? 11 : 12);
    meter.start();
    t.ok(meter.commissioning.windowOpen, 'unprovisioned meter: window open at first boot');
    const client = technicianClient(gateway.pairingUrl!);
    const link = air.connect(attMtu === undefined ? { transport } : { transport, attMtu });
    const progress: string[] = [];
    const result = await drive(runPairing({
      onboarding: meter.onboarding, link, verifier: nodeEd25519, role: { kind: 'producer', productionMethod: 1 }, pollIntervalMs: 20,
      enroll: async (identity) => {
        const a = await client.enroll({ ...identity, role: { kind: 'producer', productionMethod: 1 }, ratedPowerW: 10_000 });
        return { intermediaryId: a.intermediaryId, brokerUrl: a.brokerUrl, mqttUsername: a.mqttUsername, mqttPassword: a.mqttPassword, role: { kind: 'producer', productionMethod: 1 }, intervalLength: a.intervalLength };
      },
      register: (staged) => client.register(staged),
      cancel: (meterId) => client.cancel(meterId),
      onProgress: (p) => progress.push(p.type),
    }));
    link.close();
    t.equal(result.meterId, meter.meterId);
    t.same(progress.filter((p) => p !== 'waiting'), ['identity', 'provisioned', 'staged', 'registered']);
    t.notOk(storage.get(PairingKey.STAGED), 'committed on the meter');
    t.ok(events.some((e) => e.type === 'pairing' && e.event.type === 'committed'));
    t.ok(events.some((e) => e.type === 'acked'), 'the gateway acknowledged a reading of the meter');
    t.equal(meter.provisioning?.brokerUrl, gateway.brokerUrl);
    await gateway.flush();
    const onLedger = await ledgerMeter(meter.meterId);
    t.ok(onLedger, 'register-meter applied by the ledger');
    t.ok((onLedger?.lastSeq ?? -1) >= 1, `the ledger applied the first reading (last seq ${onLedger?.lastSeq})`);
    meter.stop();
    await sleep(20);
  });
}

t.test('a meter that cannot reach the broker rolls back at the end of its fail-safe; the tool reports ROLLED_BACK', async (t) => {
  const unreachable = await startGateway(gatewayConfig('gateway-unreachable', { brokerUrl: 'mqtt://127.0.0.1:9' }), { now: () => clock.nowMs() });
  t.teardown(() => unreachable.close());
  const { meter, storage, air, events } = fieldMeter(13);
  meter.start();
  const client = technicianClient(unreachable.pairingUrl!);
  const link = air.connect({ transport: 'ble', attMtu: 185 });
  const outcome = await drive(runPairing({
    onboarding: meter.onboarding, link, verifier: nodeEd25519, role: { kind: 'producer', productionMethod: 1 }, pollIntervalMs: 20,
    enroll: async (identity) => {
      const a = await client.enroll({ ...identity, role: { kind: 'producer', productionMethod: 1 }, ratedPowerW: 10_000 });
      return { intermediaryId: a.intermediaryId, brokerUrl: a.brokerUrl, mqttUsername: a.mqttUsername, mqttPassword: a.mqttPassword, role: { kind: 'producer', productionMethod: 1 }, intervalLength: a.intervalLength };
    },
    register: (staged) => client.register(staged),
  }).then(() => undefined, (error: unknown) => error));
  link.close();
  t.match(outcome, { code: 'ROLLED_BACK' }, 'the technician is told the meter rolled back');
  t.match(events.find((e) => e.type === 'pairing' && e.event.type === 'rolled-back'), { event: { reason: 'ROLLED_BACK', provisioned: false } });
  t.equal(meter.provisioning, undefined, 'the meter returned to its previous configuration: unprovisioned');
  t.notOk(storage.get(PairingKey.STAGED));
  meter.stop();
});

t.test('wattledger-pair --simulate pairs an in-process virtual meter with the real gateway', async (t) => {
  // Real time for this one: the simulated meter runs on the host clock (its first interval ends 2 s after start).
  const live = await startGateway(gatewayConfig('gateway-live'));
  t.teardown(() => live.close());
  const keyFile = join(dir, 'technician.key');
  const credentialFile = join(dir, 'technician.cred');
  const intermediaryKeyFile = join(dir, 'intermediary.key');
  (await import('node:fs')).writeFileSync(intermediaryKeyFile, toHex(intermediarySeed));
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(`ERR ${line}`) };
  t.equal(await runPairCommand(['keygen', '--out', keyFile], io), 0);
  const technicianKey = lines.pop()!;
  t.equal(await runPairCommand(['credential', '--intermediary-key', intermediaryKeyFile, '--technician-public-key', technicianKey, '--name', 'dave', '--out', credentialFile], io), 0);
  lines.length = 0;
  const status = await runPairCommand(['--simulate', '--first-reading-in', '2', '--transport', 'nfc', '--registrar', live.pairingUrl!, '--credential', credentialFile, '--key', keyFile, '--role', 'producer:solar', '--poll-ms', '100'], io);
  t.equal(status, 0, lines.join('\n'));
  t.match(lines[0], /^simulated meter [0-9a-f]{16}: label WL1:[A-Z2-7]+, setup code \d{4}-\d{4}-\d$/);
  t.match(lines.at(-1), /^committed: meter [0-9a-f]{16} is paired to intermediary [0-9a-f]{16} and its first reading was acknowledged/);
});
