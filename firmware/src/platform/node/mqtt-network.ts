/**
 * The network seam on mqtt.js (MQTT 3.1.1, clean session). mqtt.js's own reconnect is off:
 * the publish state machine owns reconnection, backoff and jitter.
 */
import mqtt from 'mqtt';
import type { Done, MqttConnectOptions, MqttHandlers, MqttPublishOptions, MqttSession, Network, QoS } from '../../hal/network.js';

export interface MqttNetworkOptions {
  /** CONNECT timeout, real ms (default 10 s). */
  readonly connectTimeoutMs?: number;
}

export interface NodeMqttNetwork extends Network {
  /** Resolves once every session this network opened has closed its socket. */
  idle(): Promise<void>;
}

export function createMqttNetwork(options: MqttNetworkOptions = {}): NodeMqttNetwork {
  const open = new Set<Promise<void>>();
  return {
    async idle(): Promise<void> {
      while (open.size > 0) await Promise.all([...open]);
    },
    connect(connect: MqttConnectOptions, handlers: MqttHandlers): MqttSession {
      const client = mqtt.connect(connect.url, {
        clientId: connect.clientId,
        username: connect.username,
        password: connect.password,
        keepalive: connect.keepaliveS,
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: options.connectTimeoutMs ?? 10_000,
        will: { topic: connect.will.topic, payload: Buffer.from(connect.will.payload), qos: connect.will.qos, retain: connect.will.retain },
      });
      let lastError = '';
      let closed = false;
      const ended: Promise<void> = new Promise((resolve) => client.once('end', () => resolve()));
      open.add(ended);
      void ended.then(() => open.delete(ended));
      client.on('connect', () => handlers.onConnect());
      client.on('error', (error) => (lastError = error.message));
      client.on('message', (topic, payload, packet) => {
        if (!closed) handlers.onMessage(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), packet.retain);
      });
      client.on('close', () => {
        if (closed) return;
        closed = true;
        client.end(true);
        handlers.onClose(lastError || 'connection closed');
      });
      return {
        publish(topic: string, payload: Uint8Array, publish: MqttPublishOptions, done: Done): void {
          client.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: publish.qos, retain: publish.retain }, (error) => done(error ?? undefined));
        },
        subscribe(filter: string, qos: QoS, done: Done): void {
          client.subscribe(filter, { qos }, (error, granted) => {
            if (error) return done(error);
            if (granted?.some((g) => g.qos === 128)) return done(new Error(`broker refused the subscription to ${filter}`));
            done();
          });
        },
        close(graceful: boolean): void {
          if (closed) return;
          closed = true;
          client.end(!graceful);
        },
      };
    },
  };
}
