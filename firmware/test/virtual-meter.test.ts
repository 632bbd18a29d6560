/** createVirtualMeter, the API the demo uses: identity, readings on a real broker, clean stop, persisted identity. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { meterIdFromPublicKey } from '@wattledger/protocol';
import { createVirtualMeter, SystemClock } from '../src/index.js';
import { disposeBroker, startAedes } from './support/brokers.js';
import { startMqttGateway } from './support/mqtt-gateway.js';

t.test('virtual meters on a shared accelerated clock publish verifiable readings and stop cleanly', async (t) => {
  const broker = await startAedes();
  const dir = mkdtempSync(join(tmpdir(), 'wl-vm-'));
  t.teardown(async () => {
    await disposeBroker(broker);
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = new SystemClock({ speed: 3600, startMs: Date.UTC(2026, 5, 21, 10) });
  const producer = createVirtualMeter({ storageDir: join(dir, 'p'), role: 'producer', productionMethod: 'wind', source: { kind: 'constant', watts: 3000 }, brokerUrl: broker.url, clock });
  const consumer = createVirtualMeter({ role: 'consumer', brokerUrl: broker.url, clock, seed: 7 });
  t.equal(producer.meterId, meterIdFromPublicKey(producer.publicKey));
  t.equal(producer.publicKeyHex.length, 64);
  t.equal(consumer.provisioning.productionMethod, 0);
  const gateways = await Promise.all([producer, consumer].map((m) => startMqttGateway(broker.url, m.meterId, m.publicKey)));
  t.teardown(() => Promise.all(gateways.map((g) => g.close())));
  producer.start();
  consumer.start();
  for (let i = 0; i < 100 && gateways.some((g) => g.chain.readings.length < 2); i++) await new Promise((r) => setTimeout(r, 50));
  const [p, c] = gateways.map((g) => g.chain.readings);
  t.ok(p!.length >= 2 && c!.length >= 2, 'both meters published (and the gateway verified) readings');
  t.ok(p!.every((r) => r.productionMethod === 2 && r.exportedWh > 0), 'the wind producer exports');
  t.ok(c!.every((r) => r.productionMethod === 0 && r.importedWh > 0), 'the consumer imports');
  await Promise.all([producer.stop(), consumer.stop()]);
  t.equal(producer.stats().phase, 'stopped');

  const again = createVirtualMeter({ storageDir: join(dir, 'p'), role: 'producer', brokerUrl: broker.url, clock });
  t.equal(again.meterId, producer.meterId, 'the identity persists in the storage directory');
  t.ok(again.stats().newestSeq >= p!.length, 'and so does the sequence');
  await again.stop();
});
