/**
 * The meter against real brokers (aedes in-process, Mosquitto from Debian): publish, ack,
 * retained status, last will, garbage on the ack and config topics, signed config.
 */
import t from 'tap';
import type { Test } from 'tap';
import { encodeCbor, meterTopic, MeterChannel, nobleEd25519, fromHex } from '@wattledger/protocol';
import { signMeterConfig } from '../src/core/meter-config.js';
import { disposeBroker, mosquittoUnavailable, startAedes, startMosquitto, type TestBroker } from './support/brokers.js';
import { INTERMEDIARY } from './support/fixtures.js';
import { meterRig } from './support/meter-rig.js';
import { startMqttGateway } from './support/mqtt-gateway.js';
import { connectObserver } from './support/mqtt-observer.js';

const HOUR = 3_600_000;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function scenario(t: Test, broker: TestBroker): Promise<void> {
  const rig = meterRig(broker.url);
  const { meter } = rig;
  const id = meter.meterId;
  const status = meterTopic(id, MeterChannel.STATUS);
  const observer = await connectObserver(broker.url, [status]);
  const gateway = await startMqttGateway(broker.url, id, meter.publicKey);
  t.teardown(async () => {
    meter.powerCut();
    await observer.close();
    await gateway.close();
  });

  meter.start();
  const online = await observer.waitFor((m) => m.topic === status && text(m.payload).startsWith('{'), 'online status');
  t.same(JSON.parse(text(online.payload)), { state: 'online', fw: '0.1.0' }, 'retained online status with the firmware version');
  await rig.until(() => gateway.chain.readings.length >= 4 && meter.stats().queued === 0, 'four readings published and acked', 6 * HOUR);
  t.same(gateway.chain.readings.slice(0, 4).map((r) => r.seq), [1, 2, 3, 4], 'readings arrive in order');
  t.ok(gateway.chain.readings.every((r) => r.exportedWh > 0 && r.productionMethod === 1), 'they carry the exported energy of a solar meter');
  t.same(gateway.errors, []);

  const ackTopic = meterTopic(id, MeterChannel.ACK);
  const configTopic = meterTopic(id, MeterChannel.CONFIG);
  await observer.publish(ackTopic, 'hello');
  await observer.publish(ackTopic, fromHex('1805'));
  await observer.publish(ackTopic, encodeCbor(1_000_000));
  await observer.publish(configTopic, new Uint8Array([0xd2, 0x84, 0x40, 0xa0]));
  const forged = nobleEd25519.signer(fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
  await observer.publish(configTopic, signMeterConfig({ intervalLength: 60, brokerUrl: broker.url, serial: 9 }, forged));
  await rig.until(() => meter.stats().rejectedAcks === 3 && meter.stats().rejectedConfigs === 2, 'garbage to be rejected', HOUR, 1000);
  const reasons = rig.logs.filter((l) => l.startsWith('warn ignored message'));
  t.match(reasons.join('\n'), /ack topic: ack is not CBOR[^\n]*\n[^\n]*ack topic: ack integer is not in shortest form\n[^\n]*ack topic: ack 1000000 is beyond the newest reading/, 'each bad ack is logged with its reason');
  t.match(reasons.join('\n'), /config topic: config rejected: [^\n]*\n[^\n]*config topic: config rejected: signature does not verify under the intermediary key/, 'each bad config is logged with its reason');

  await observer.publish(configTopic, signMeterConfig({ intervalLength: 900, brokerUrl: broker.url, serial: 1, meterId: id }, INTERMEDIARY), { retain: true });
  await rig.until(() => rig.events.some((e) => e.type === 'config'), 'the signed config to apply', HOUR, 1000);
  const before = gateway.chain.readings.length;
  await rig.until(() => gateway.chain.readings.length >= before + 3 && meter.stats().queued === 0, 'readings at the new interval', 4 * HOUR);
  t.equal(gateway.chain.readings[gateway.chain.readings.length - 1]!.intervalLength, 900, 'the signed config changed the interval length');

  const sealed = meter.stats().newestSeq;
  meter.powerCut();
  const will = await observer.waitFor((m) => m.topic === status && text(m.payload) === 'offline', 'the last will');
  t.equal(will.retain, false, 'the will is delivered live (retained for later subscribers)');

  const rebooted = meterRig(broker.url, { image: rig.storage.imageAfterPowerCut(), startMs: rig.clock.nowMs() + 60_000 });
  t.teardown(() => rebooted.meter.powerCut());
  t.equal(rebooted.meter.meterId, id, 'the same meter after a power cut');
  const onlineCount = observer.received.filter((m) => m.topic === status && text(m.payload).startsWith('{')).length;
  rebooted.meter.start();
  await rebooted.until(() => observer.received.filter((m) => m.topic === status && text(m.payload).startsWith('{')).length > onlineCount, 'online again', HOUR, 1000);
  await rebooted.until(() => gateway.chain.readings.length > 0 && gateway.chain.tip()!.seq > sealed && rebooted.meter.stats().queued === 0, 'a reading after the reboot', 2 * HOUR);
  t.same(gateway.errors, [], 'the chain continues across the power cut (no gap, no reused seq)');
  const late = await connectObserver(broker.url, [status]);
  const retained = await late.waitFor((m) => m.topic === status, 'retained status');
  t.same([retained.retain, JSON.parse(text(retained.payload)).state], [true, 'online'], 'a new subscriber sees the retained online status');
  await late.close();
  const offlineCount = observer.received.filter((m) => m.topic === status && text(m.payload) === 'offline').length;
  rebooted.meter.stop();
  await observer.waitFor((m) => m.topic === status && text(m.payload) === 'offline' && observer.received.filter((x) => x.topic === status && text(x.payload) === 'offline').length > offlineCount, 'offline status on a graceful stop');
  t.equal(rebooted.meter.stats().phase, 'stopped');
}

t.test('aedes', async (t) => {
  const broker = await startAedes();
  t.teardown(() => disposeBroker(broker));
  await scenario(t, broker);
});

t.test('mosquitto', { skip: mosquittoUnavailable() ?? false }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => disposeBroker(broker));
  await scenario(t, broker);
});
