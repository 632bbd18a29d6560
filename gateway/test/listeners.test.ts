/**
 * The embedded broker's optional listeners: MQTT over TLS (cert and key files) and MQTT over
 * WebSocket, each carrying a meter's readings and acks like the plain TCP listener.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startGateway } from '../src/gateway.js';
import { makeFixture, memoryLogger } from './helpers/fixture.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { TestMeter } from './helpers/test-meter.js';

const tlsDir = fileURLToPath(new URL('./fixtures/tls/', import.meta.url));

t.test('TLS and WebSocket listeners', async (t) => {
  const ledger = await new RecordingLedger().start();
  t.teardown(() => ledger.close());
  const fixture = makeFixture(ledger, {
    mqtt: { embedded: { host: '127.0.0.1', port: 0, tls: { port: 0, certFile: `${tlsDir}cert.pem`, keyFile: `${tlsDir}key.pem` }, websocket: { port: 0, path: '/mqtt' } } },
  });
  t.teardown(() => fixture.cleanup());
  const overTls = new TestMeter().register(ledger, fixture.intermediaryId);
  const overWs = new TestMeter({ role: 'consumer' }).register(ledger, fixture.intermediaryId);
  const gateway = await startGateway(fixture.config, { logger: memoryLogger().logger });
  t.teardown(async () => {
    await overTls.disconnect();
    await overWs.disconnect();
    await gateway.close();
  });
  t.match(gateway.urls.mqtts, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  t.match(gateway.urls.ws, /^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);

  overTls.password = gateway.issueCredential(overTls.id);
  overWs.password = gateway.issueCredential(overWs.id);
  await overTls.connect(gateway.urls.mqtts!, { ca: readFileSync(`${tlsDir}cert.pem`), servername: 'localhost' });
  await overWs.connect(gateway.urls.ws!);
  for (let i = 0; i < 3; i++) {
    await overTls.publish(overTls.next());
    await overWs.publish(overWs.next());
  }
  await overTls.waitForAck(2);
  await overWs.waitForAck(2);
  await gateway.flush();
  t.same(ledger.seqsOf(overTls.id), [0, 1, 2], 'readings over TLS reached the ledger');
  t.same(ledger.seqsOf(overWs.id), [0, 1, 2], 'readings over WebSocket reached the ledger');

  const wrong = new TestMeter();
  wrong.password = 'nope';
  await t.rejects(wrong.connect(gateway.urls.ws!), 'authentication applies on every listener');
});
