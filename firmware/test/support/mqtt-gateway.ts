/** A gateway stand-in on a real broker: ChainGateway behind an mqtt.js client, acking each message. */
import mqtt, { type MqttClient } from 'mqtt';
import { meterTopic, MeterChannel, type MeterId } from '@wattledger/protocol';
import { encodeAck } from '../../src/core/ack.js';
import { ChainGateway } from './chain-gateway.js';

export interface MqttGateway {
  readonly chain: ChainGateway;
  readonly client: MqttClient;
  /** Stops acking (readings are still received and checked). */
  acking: boolean;
  errors: string[];
  waitConnected(): Promise<void>;
  close(): Promise<void>;
}

export async function startMqttGateway(url: string, meterId: MeterId, publicKey: Uint8Array): Promise<MqttGateway> {
  const client = mqtt.connect(url, { clientId: `gateway-${meterId}`, reconnectPeriod: 100, protocolVersion: 4, connectTimeout: 2000 });
  const chain = new ChainGateway(publicKey);
  const gateway: MqttGateway = {
    chain, client, acking: true, errors: [],
    waitConnected: async () => {
      while (!client.connected) await new Promise((r) => setTimeout(r, 20));
      await client.subscribeAsync(meterTopic(meterId, MeterChannel.READINGS), { qos: 1 });
    },
    close: () => client.endAsync(true),
  };
  client.on('error', () => {});
  client.on('message', (topic, payload) => {
    if (topic !== meterTopic(meterId, MeterChannel.READINGS)) return;
    try {
      const result = chain.receive(new Uint8Array(payload));
      if (gateway.acking && result.ack !== undefined) client.publish(meterTopic(meterId, MeterChannel.ACK), Buffer.from(encodeAck(result.ack)), { qos: 1 });
    } catch (error) {
      gateway.errors.push((error as Error).message);
    }
  });
  await gateway.waitConnected();
  return gateway;
}
