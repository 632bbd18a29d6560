/** The network contract (hal/network.ts) for the mqtt.js adapter, against aedes and Mosquitto. */
import t from 'tap';
import { createMqttNetwork } from '../src/platform/node/mqtt-network.js';
import { disposeBroker, mosquittoUnavailable, startAedes, startMosquitto, type TestBroker } from './support/brokers.js';
import { networkContract } from './support/network-contract.js';

const network = createMqttNetwork({ connectTimeoutMs: 5000 });

t.test('aedes (in-process)', async (t) => {
  const broker: TestBroker = await startAedes();
  t.teardown(() => disposeBroker(broker));
  networkContract(t, 'mqtt.js on aedes', network, () => broker.url);
});

t.test('mosquitto (Debian package)', { skip: mosquittoUnavailable() ?? false }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => disposeBroker(broker));
  networkContract(t, 'mqtt.js on mosquitto', network, () => broker.url);
});
