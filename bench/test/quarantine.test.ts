/**
 * Implausible-but-signed readings end to end (issue #5 item 3), all real: a meter publishing
 * over MQTT (the firmware's Node MQTT network) to a gateway with its embedded broker, and a
 * ledger-node. The gateway acknowledges and forwards the readings it quarantines; the ledger
 * applies the same rule, records them as quarantined (chain advanced, nothing credited), and
 * the meter's next reading is applied instead of being refused as CHAIN_BROKEN.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  alignIntervalStart, buildLedgerTx, decodeCbor, MeterChannel, meterIdFromPublicKey, MeterRole, meterTopic, partyIdFromPublicKey, readingHash, READING_VERSION,
  registerMeterBody, signReadings, toHex, TxType, ZERO_HASH, type IntervalReading,
} from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { createMqttNetwork } from '@wattledger/firmware';
import { parseConfig, startGateway } from '@wattledger/gateway';
import { parseGenesis, startLedgerNode } from '@wattledger/ledger-node';

const INTERVAL_S = 1800;
const SOLAR = 1;
const WIND = 2;

t.test('a quarantined reading does not wedge the meter\'s chain on the ledger', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-quarantine-e2e-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [adminSeed, intermediarySeed, gatewaySeed, providerSeed, meterSeed] = [0, 1, 2, 3, 4].map(() => randomBytes(32));
  const D = nodeEd25519.signer(intermediarySeed!);
  const G = nodeEd25519.signer(gatewaySeed!);
  const A = nodeEd25519.signer(providerSeed!);
  const M = nodeEd25519.signer(meterSeed!);
  const id = (s: { publicKey: Uint8Array }) => partyIdFromPublicKey(s.publicKey);
  const meterId = meterIdFromPublicKey(M.publicKey);
  const genesis = parseGenesis({
    chainId: 'quarantine-e2e', intervalS: INTERVAL_S,
    parties: [
      { role: 'admin', publicKey: toHex(nodeEd25519.signer(adminSeed!).publicKey), name: 'Consortium', region: 'JP' },
      { role: 'intermediary', publicKey: toHex(D.publicKey), name: 'Utility North', region: 'JP' },
      { role: 'gateway', publicKey: toHex(G.publicKey), name: 'Gateway 1', region: 'JP', intermediary: id(D) },
      { role: 'provider', publicKey: toHex(A.publicKey), name: 'Roof PV', region: 'JP', intermediary: id(D) },
    ],
  });
  const ledger = await startLedgerNode({ dataDir: join(dir, 'ledger'), genesis, port: 0, verifyWorkers: 0 });
  t.teardown(() => ledger.close());
  // 2 kW: at most 1000 Wh per 30-min interval.
  const register = buildLedgerTx(TxType.REGISTER_METER, registerMeterBody({ publicKey: M.publicKey, role: MeterRole.PRODUCER, owner: id(A), intermediary: id(D), productionMethod: SOLAR, ratedPowerW: 2000 }), { signer: G, signerId: id(G), nonce: 1 });
  const registered = (await (await fetch(`${ledger.url}/v1/tx`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: register })).json()) as { status: string };
  t.equal(registered.status, 'applied');

  const gateway = await startGateway(parseConfig({
    dataDir: join(dir, 'gateway'),
    identity: { key: toHex(gatewaySeed!), intermediaryId: id(D), intermediaryKey: toHex(intermediarySeed!) },
    mqtt: { embedded: { host: '127.0.0.1', port: 0 } },
    pipeline: { verifyWorkers: 1 },
    ledger: { url: ledger.url, registrySyncMs: 60_000, closeIntervals: false, retryMaxMs: 100 },
    http: false,
    log: { level: 'silent' },
  }));
  t.teardown(() => gateway.close());

  // The meter: signed, chained readings over MQTT, acknowledged by the gateway.
  const acks: number[] = [];
  const network = createMqttNetwork({ connectTimeoutMs: 5000 });
  let connectedNow!: () => void;
  let failed!: (error: Error) => void;
  const connected = new Promise<void>((resolve, reject) => {
    connectedNow = resolve;
    failed = reject;
  });
  const session = network.connect(
    { url: gateway.brokerUrl, clientId: meterId, username: meterId, password: gateway.issueCredential(meterId), keepaliveS: 60, will: { topic: meterTopic(meterId, MeterChannel.STATUS), payload: new TextEncoder().encode('offline'), qos: 1, retain: true } },
    { onConnect: () => connectedNow(), onClose: (reason) => failed(new Error(reason)), onMessage: (topic, payload) => void (topic.endsWith('/ack') && acks.push(decodeCbor(payload) as number)) },
  );
  t.teardown(() => session.close(true));
  await connected;
  await new Promise<void>((resolve, reject) => session.subscribe(meterTopic(meterId, MeterChannel.ACK), 1, (e) => (e ? reject(e) : resolve())));

  let prevHash = ZERO_HASH;
  const start = alignIntervalStart(Math.floor(Date.now() / 1000) - 2 * 86400, INTERVAL_S);
  const readings: IntervalReading[] = [];
  const publish = async (exportedWh: number, productionMethod = SOLAR): Promise<void> => {
    const seq = readings.length;
    const r: IntervalReading = { version: READING_VERSION, meterId, seq, intervalStart: start + seq * INTERVAL_S, intervalLength: INTERVAL_S, importedWh: 2, exportedWh, flags: 0, productionMethod, prevHash };
    prevHash = readingHash(r);
    readings.push(r);
    await new Promise<void>((resolve, reject) => session.publish(meterTopic(meterId, MeterChannel.READINGS), signReadings(r, M), { qos: 1, retain: false }, (e) => (e ? reject(e) : resolve())));
    const deadline = Date.now() + 10_000;
    while (!acks.some((a) => a >= seq)) {
      if (Date.now() > deadline) throw new Error(`no ack for seq ${seq}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await publish(800);
  await publish(5000); // above 2 kW x 30 min
  await publish(700, WIND); // not the registered method
  await publish(900);
  t.pass('the meter got every reading acknowledged');
  await gateway.flush();

  const meter = (await (await fetch(`${ledger.url}/v1/meters/${meterId}`)).json()) as { lastSeq: number };
  t.equal(meter.lastSeq, 3, 'the ledger followed the whole chain');
  t.equal(gateway.metrics.ledgerTx.get({ type: 'issue-asset', status: 'rejected' }), 0, 'no CHAIN_BROKEN (or any) rejection');
  t.equal(gateway.metrics.ledgerTx.get({ type: 'issue-asset', status: 'applied' }), 4);
  const assets = ((await (await fetch(`${ledger.url}/v1/assets?owner=${id(D)}`)).json()) as { assets: Array<{ meterId: string; wh: number; intervalStart: number }> }).assets.filter((a) => a.meterId === meterId);
  t.same(assets.map((a) => [a.intervalStart, a.wh]).sort((a, b) => a[0]! - b[0]!), [[start, 800], [start + 3 * INTERVAL_S, 900]], 'only the plausible readings became assets');
  const events = ((await (await fetch(`${ledger.url}/v1/allocations?intermediary=${id(D)}`)).json()) as { events: Array<Record<string, unknown>> }).events;
  const quarantined = events.filter((e) => e['kind'] === 'quarantined').sort((a, b) => Number(a['seq']) - Number(b['seq']));
  t.match(quarantined, [
    { meterId, seq: 1, reason: 'IMPLAUSIBLE_ENERGY', readingHash: toHex(readingHash(readings[1]!)) },
    { meterId, seq: 2, reason: 'METHOD_MISMATCH', readingHash: toHex(readingHash(readings[2]!)) },
  ], 'the ledger says which readings it quarantined and why');
  t.same([gateway.stats().rejected['implausible_energy'], gateway.stats().rejected['wrong_method']], [1, 1], 'the gateway quarantined the same two');
});
