/**
 * The network seam on the ECMA-419 MQTT client of the Moddable SDK
 * (`embedded:network/mqtt/client`): CONNACK, SUBACK and PUBACK arrive through onControl,
 * PUBLISH payloads through onReadable; QoS 1 publishes complete on their PUBACK id.
 */
import MQTTClient from 'embedded:network/mqtt/client';
import type { Done, MqttConnectOptions, MqttHandlers, MqttPublishOptions, MqttSession, Network, QoS } from '../../hal/network.js';
import { concatBytes } from '@wattledger/protocol';

function hostAndPort(url: string): { host: string; port: number } {
  const match = /^mqtts?:\/\/([^:/]+)(?::(\d+))?/.exec(url);
  if (match === null) throw new TypeError(`unsupported broker URL ${url}`);
  return { host: match[1]!, port: match[2] === undefined ? 1883 : Number(match[2]) };
}

export const moddableMqttNetwork: Network = {
  connect(options: MqttConnectOptions, handlers: MqttHandlers): MqttSession {
    const pending = new Map<number, Done>();
    let closed = false;
    let topic = '';
    let chunks: Uint8Array[] = [];
    const end = (reason: string): void => {
      if (closed) return;
      closed = true;
      for (const done of pending.values()) done(new Error(reason));
      pending.clear();
      handlers.onClose(reason);
    };
    const client = new MQTTClient({
      ...hostAndPort(options.url),
      id: options.clientId,
      ...(options.username === undefined ? {} : { user: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      clean: true,
      keepAlive: options.keepaliveS * 1000,
      will: { topic: options.will.topic, message: options.will.payload.slice().buffer as ArrayBuffer, QoS: options.will.qos, retain: options.will.retain },
      onControl(operation, message) {
        if (operation === MQTTClient.CONNACK) handlers.onConnect();
        else if (operation === MQTTClient.PUBACK || operation === MQTTClient.SUBACK) {
          const done = pending.get(message.id);
          pending.delete(message.id);
          done?.();
        }
      },
      onReadable(count, info) {
        if (info.topic !== undefined) topic = info.topic;
        chunks.push(new Uint8Array(this.read(count)));
        if (info.more) return;
        const payload = concatBytes(...chunks);
        chunks = [];
        handlers.onMessage(topic, payload, info.retain === true);
      },
      onError() {
        end('network error');
      },
      onClose() {
        end('connection closed');
      },
    });
    return {
      publish(topicName: string, payload: Uint8Array, publish: MqttPublishOptions, done: Done): void {
        const id = client.write(payload.slice().buffer as ArrayBuffer, { operation: MQTTClient.PUBLISH, topic: topicName, QoS: publish.qos, retain: publish.retain });
        if (publish.qos === 0) done();
        else pending.set(id, done);
      },
      subscribe(filter: string, qos: QoS, done: Done): void {
        pending.set(client.write(null, { operation: MQTTClient.SUBSCRIBE, items: [{ topic: filter, QoS: qos }] }), done);
      },
      close(graceful: boolean): void {
        if (closed) return;
        closed = true;
        if (graceful) client.write(null, { operation: MQTTClient.DISCONNECT });
        client.close();
      },
    };
  },
};
