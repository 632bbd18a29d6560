/**
 * Integration: meters -> embedded aedes broker -> pipeline -> journal -> ack, and the journal
 * -> recording ledger. Real sockets, real SQLite, real worker threads.
 */
import t from 'tap';
import { signReadings } from '@wattledger/protocol';
import { startGateway, type Gateway } from '../src/gateway.js';
import { makeFixture, memoryLogger } from './helpers/fixture.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { TestMeter, until } from './helpers/test-meter.js';

t.test('readings flow meter -> gateway -> ledger; acks reach the meter; last will marks it offline', async (t) => {
  const ledger = await new RecordingLedger().start();
  const fixture = makeFixture(ledger);
  const producer = new TestMeter({ role: 'producer', productionMethod: 1 }).register(ledger, fixture.intermediaryId);
  const consumer = new TestMeter({ role: 'consumer' }).register(ledger, fixture.intermediaryId);
  const gateway = await startGateway(fixture.config, { logger: memoryLogger().logger });
  t.teardown(async () => {
    await producer.disconnect().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    await gateway.close();
    await ledger.close();
    fixture.cleanup();
  });
  t.equal(gateway.stats().registryMeters, 2, 'registry synced from the ledger at start');

  producer.password = gateway.issueCredential(producer.id);
  consumer.password = gateway.issueCredential(consumer.id);
  await producer.connect(gateway.brokerUrl);
  await consumer.connect(gateway.brokerUrl);
  await until(() => gateway.stats().connectedMeters === 2, 'both meters online');

  for (let i = 0; i < 5; i++) {
    await producer.publish(producer.next());
    await consumer.publish(consumer.next());
  }
  await producer.waitForAck(4);
  await consumer.waitForAck(4);
  t.equal(producer.lastAck, 4, 'producer acked up to its last seq');
  t.equal(consumer.lastAck, 4, 'consumer acked up to its last seq');

  await gateway.flush();
  t.same(ledger.seqsOf(producer.id), [0, 1, 2, 3, 4], 'producer readings on the ledger');
  t.same(ledger.seqsOf(consumer.id), [0, 1, 2, 3, 4], 'consumer readings on the ledger');
  const types = new Set([...ledger.readings.values()].map((r) => `${r.reading.meterId === producer.id ? 'p' : 'c'}:${r.type}`));
  t.same([...types].sort(), ['c:record-usage', 'p:issue-asset'], 'producers issue assets, consumers record usage');
  t.equal(ledger.replays + ledger.chainBreaks, 0, 'the ledger refused nothing');
  t.equal(gateway.stats().readingsAccepted, 10, 'accepted counter');

  // A batch (one signature over several intervals) is accepted as one message.
  const batch = [producer.nextReading(), producer.nextReading(), producer.nextReading()];
  await producer.publish(signReadings(batch, producer.signer));
  await producer.waitForAck(7);
  await gateway.flush();
  t.same(ledger.seqsOf(producer.id), [0, 1, 2, 3, 4, 5, 6, 7], 'batch forwarded in one transaction');

  // Last will: a meter that drops its connection is marked offline.
  producer.client!.stream.destroy();
  await until(() => gateway.stats().connectedMeters === 1, 'last will "offline" processed');
  t.pass('last will marked the producer offline');

  const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
  t.match(metrics, /wattledger_gateway_readings_accepted_total 13/);
  t.match(metrics, /wattledger_gateway_connected_meters 1/);
  t.match(metrics, /wattledger_gateway_verify_seconds_count \d+/);
  const health = (await (await fetch(`${gateway.httpUrl}/health`)).json()) as { ok: boolean };
  t.equal(health.ok, true, '/health ok');
});
