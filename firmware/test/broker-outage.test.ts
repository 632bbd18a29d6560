/**
 * A day-long broker outage at simulation speed (DESIGN §10): the broker goes away for 24 h of
 * virtual time while the meter keeps metering and retrying with backoff; when it returns,
 * every reading arrives, in order, as a few batches signed once each, and the queue drains.
 */
import t from 'tap';
import type { Test } from 'tap';
import { disposeBroker, mosquittoUnavailable, startAedes, startMosquitto, type TestBroker } from './support/brokers.js';
import { meterRig } from './support/meter-rig.js';
import { startMqttGateway } from './support/mqtt-gateway.js';

const HOUR = 3_600_000;

async function outage(t: Test, broker: TestBroker): Promise<void> {
  const rig = meterRig(broker.url);
  const { meter } = rig;
  const gateway = await startMqttGateway(broker.url, meter.meterId, meter.publicKey);
  t.teardown(async () => {
    meter.powerCut();
    await gateway.close();
  });
  meter.start();
  await rig.until(() => gateway.chain.readings.length >= 2 && meter.stats().queued === 0, 'the first readings acked', 3 * HOUR);
  const beforeOutage = gateway.chain.readings.length;
  const messagesBefore = gateway.chain.messages.length;

  await broker.stop();
  const connectsBefore = meter.stats().connects;
  await rig.run(24 * HOUR, 60_000, 1);
  const stats = meter.stats();
  t.equal(stats.phase, 'backoff', 'still retrying at the end of the outage');
  t.ok(stats.queued >= 48, `${stats.queued} readings queued during the outage`);
  const attempts = stats.connects - connectsBefore;
  t.ok(attempts > 10 && attempts < 24 * 60, `${attempts} connection attempts in 24 h (backoff, capped at 5 min)`);
  t.equal(gateway.chain.readings.length, beforeOutage, 'nothing arrived during the outage');

  await broker.restart();
  await gateway.waitConnected();
  await rig.until(() => meter.stats().queued === 0 && meter.stats().phase === 'online', 'the backlog to drain', 2 * HOUR, 10_000);
  const readings = gateway.chain.readings;
  t.equal(readings.length, meter.stats().sealed, 'every sealed reading arrived');
  t.ok(readings.every((r, i) => i === 0 || r.seq === readings[i - 1]!.seq + 1), 'in order, with no gap');
  const after = gateway.chain.messages.slice(messagesBefore);
  const backlog = readings.length - beforeOutage;
  const batched = after.filter((m) => m.count > 1);
  t.ok(batched.length >= 1 && after.length <= Math.ceil(backlog / 48) + 3, `${backlog} readings in ${after.length} messages (${batched.map((m) => m.count).join(', ')} per batch)`);
  t.ok(batched.every((m) => m.bytes / m.count < 100), 'a batch costs under 100 bytes per reading (one signature)');
  t.same(gateway.errors, []);
}

t.test('aedes', async (t) => {
  const broker = await startAedes();
  t.teardown(() => disposeBroker(broker));
  await outage(t, broker);
});

t.test('mosquitto', { skip: mosquittoUnavailable() ?? false }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => disposeBroker(broker));
  await outage(t, broker);
});
