/**
 * Integration against a real Mosquitto (Debian package), started by the test: two gateways in
 * external mode share the fleet through the MQTT 5 shared subscription
 * `$share/<group>/wl/v1/meters/+/readings`; readings flow meter -> Mosquitto -> gateways ->
 * ledger, acks reach the meters, the broker's ACL keeps a meter off another's topics, and the
 * last will marks a meter offline.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { MeterChannel, meterTopic } from '@wattledger/protocol';
import { parseConfig } from '../src/config/schema.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { makeFixture, memoryLogger, type Fixture } from './helpers/fixture.js';
import { mosquittoSkipReason, startMosquitto } from './helpers/mosquitto.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { TestMeter, until } from './helpers/test-meter.js';

const READINGS = 12;

t.test('two gateways share one fleet on Mosquitto', { skip: mosquittoSkipReason() }, async (t) => {
  const ledger = await new RecordingLedger().start();
  t.teardown(() => ledger.close());
  const first = makeFixture(ledger);
  t.teardown(() => first.cleanup());
  const meters = [new TestMeter({ role: 'producer' }), new TestMeter({ role: 'consumer' }), new TestMeter({ role: 'producer', productionMethod: 2 })];
  for (const m of meters) {
    m.register(ledger, first.intermediaryId);
    m.password = randomBytes(16).toString('hex');
  }
  const gatewayPassword = randomBytes(16).toString('hex');
  const broker = await startMosquitto('gateway', { gateway: gatewayPassword, ...Object.fromEntries(meters.map((m) => [m.id, m.password])) });
  t.teardown(() => broker.stop());
  const second = makeFixture(ledger, { identity: { intermediaryId: first.intermediaryId, intermediaryKey: first.intermediaryKey } });
  t.teardown(() => second.cleanup());
  const fixtures: Fixture[] = [first, second];
  const gateways: Gateway[] = [];
  t.teardown(async () => {
    for (const m of meters) await m.disconnect().catch(() => undefined);
    for (const g of gateways) await g.close();
  });
  for (const [i, fixture] of fixtures.entries()) {
    const external = { url: broker.url, username: 'gateway', password: gatewayPassword, clientId: `gateway-${i}`, group: 'fleet' };
    const config = parseConfig({ ...fixture.raw, mqtt: { mode: 'external', external } });
    gateways.push(await startGateway(config, { logger: memoryLogger().logger }));
  }
  t.equal(gateways[0]!.brokerUrl, broker.url, 'gateway reports the external broker');

  for (const m of meters) await m.connect(broker.url, { protocolVersion: 5 });
  await until(() => gateways.every((g) => g.stats().connectedMeters === meters.length), 'status of every meter seen by both gateways');

  await Promise.all(
    meters.map((m) => {
      const messages = Array.from({ length: READINGS }, () => ({ firstSeq: m.seq, cose: m.next() }));
      return m.publishUntilAcked(messages, READINGS - 1);
    }),
  );
  for (const m of meters) t.equal(m.lastAck, READINGS - 1, `meter ${m.role} acknowledged up to its last reading`);
  await Promise.all(gateways.map((g) => g.flush()));
  for (const m of meters) t.same(ledger.seqsOf(m.id), Array.from({ length: READINGS }, (_, i) => i), `every reading of the ${m.role} meter on the ledger once`);
  t.equal(ledger.replays, 0, 'no reading was submitted to the ledger twice');
  const received = gateways.map((g) => g.stats().messagesReceived);
  t.ok(received.every((n) => n > 0), `the shared subscription split the fleet (${received.join(' + ')} messages)`);

  // The broker's ACL: a meter cannot publish on another meter's topic (Mosquitto drops it silently for MQTT 5 QoS 1 with reason 0x87).
  const [a, b] = meters;
  const before = ledger.seqsOf(a!.id).length;
  await b!.client!.publishAsync(meterTopic(a!.id, MeterChannel.READINGS), Buffer.from(a!.next()), { qos: 1 }).catch(() => undefined);
  a!.seq--;
  await Promise.all(gateways.map((g) => g.flush()));
  t.equal(ledger.seqsOf(a!.id).length, before, 'a reading published on another meter topic never reached the ledger');

  // The gateways refuse a reading signed by another meter than its topic even if the broker lets it through.
  const mismatch = () => gateways.reduce((n, g) => n + (g.stats().rejected['topic_mismatch'] ?? 0), 0);
  const saved = a!.save();
  await b!.publish(a!.next());
  a!.restore(saved);
  await until(() => mismatch() === 1, 'topic_mismatch counted');
  t.equal(mismatch(), 1, 'reading signed by meter A on meter B topic refused as topic_mismatch');

  // Last will: a meter whose connection dies is marked offline on both gateways.
  meters[2]!.client!.stream.destroy();
  await until(() => gateways.every((g) => g.stats().connectedMeters === meters.length - 1), 'last will seen');
  t.pass('last will "offline" marked the meter offline');
});
