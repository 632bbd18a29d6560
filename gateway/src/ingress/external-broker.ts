/**
 * External broker mode (DESIGN §6): the gateway is an MQTT 5 client of an existing broker
 * (e.g. Mosquitto) and consumes readings through the shared subscription
 * `$share/{group}/wl/v1/meters/+/readings` (MQTT 5.0 §4.8.2), so that several gateways split
 * one fleet. Authentication and the per-meter ACL are the broker's job there (see
 * `mosquittoAcl`); the pipeline still refuses a reading signed by another meter than its topic.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { allMetersFilter, encodeCbor, MeterChannel, meterTopic, parseMeterTopic, ProtocolError, sharedFilter } from '@wattledger/protocol';
import type { ExternalBrokerConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { RejectReason } from '../pipeline/rejection.js';
import type { Ingress, IngressHandlers } from './ingress.js';

export interface ExternalBrokerOptions {
  readonly config: ExternalBrokerConfig;
  readonly ackQos: 0 | 1;
  readonly handlers: IngressHandlers;
  /** How long to wait for the first connection before giving up. */
  readonly connectTimeoutMs?: number;
}

function readOptional(file: string | undefined, field: string): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (cause) {
    throw new ConfigError(field, `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

export async function startExternalBroker(options: ExternalBrokerOptions): Promise<Ingress> {
  const { config, handlers } = options;
  const password = config.password ?? readOptional(config.passwordFile, 'mqtt.external.passwordFile')?.toString('utf8').trim();
  const ca = readOptional(config.caFile, 'mqtt.external.caFile');
  const clientOptions: IClientOptions = {
    protocolVersion: 5,
    clientId: config.clientId,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(ca !== undefined ? { ca } : {}),
  };
  const client: MqttClient = connect(config.url, clientOptions);
  client.on('message', (topic, payload) => {
    let parsed;
    try {
      parsed = parseMeterTopic(topic);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return handlers.onReject(RejectReason.BAD_TOPIC, undefined, error.message);
    }
    if (parsed.channel === MeterChannel.READINGS) handlers.onReadings(parsed.meterId, payload, performance.now());
    else if (parsed.channel === MeterChannel.STATUS) handlers.onStatus(parsed.meterId, payload);
  });
  client.on('error', () => undefined); // reconnects on its own; failures surface through 'close' and the first connect below

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no CONNACK within ${clientOptions.connectTimeout} ms`)), (clientOptions.connectTimeout ?? 10_000) + 500);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      client.end(true);
      reject(new ConfigError('mqtt.external.url', `cannot connect to ${config.url}: ${error.message}`, { cause: error }));
    };
    client.once('error', fail);
    client.once('connect', () => {
      clearTimeout(timer);
      client.off('error', fail);
      resolve();
    });
  });

  const subscriptions = {
    [sharedFilter(config.group, allMetersFilter(MeterChannel.READINGS))]: { qos: 1 as const },
    [allMetersFilter(MeterChannel.STATUS)]: { qos: 1 as const },
  };
  await new Promise<void>((resolve, reject) => {
    client.subscribe(subscriptions, (error, granted) => {
      if (error) return reject(new ConfigError('mqtt.external', `subscription refused: ${error.message}`, { cause: error }));
      const refused = (granted ?? []).filter((g) => g.qos >= 0x80);
      if (refused.length > 0) return reject(new ConfigError('mqtt.external', `broker refused ${refused.map((g) => g.topic).join(', ')} (check its ACL for the gateway user)`));
      resolve();
    });
  });

  return {
    urls: { mqtt: config.url },
    publishAck(meterId, seq) {
      client.publish(meterTopic(meterId, MeterChannel.ACK), Buffer.from(encodeCbor(seq)), { qos: options.ackQos });
    },
    clients: () => 0,
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}

/**
 * A Mosquitto ACL file (mosquitto.conf `acl_file`) giving meters the same rights as the
 * embedded broker's ACL (%u = username = meter id) and the gateway user what it needs.
 */
export function mosquittoAcl(gatewayUser: string): string {
  return [
    '# wattledger: meters publish only their own readings and status, read only their own ack and config',
    'pattern write wl/v1/meters/%u/readings',
    'pattern write wl/v1/meters/%u/status',
    'pattern read wl/v1/meters/%u/ack',
    'pattern read wl/v1/meters/%u/config',
    '',
    `user ${gatewayUser}`,
    'topic read wl/v1/meters/+/readings',
    'topic read wl/v1/meters/+/status',
    'topic write wl/v1/meters/+/ack',
    'topic write wl/v1/meters/+/config',
    '',
  ].join('\n');
}
