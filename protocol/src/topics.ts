/**
 * The MQTT topic map of DESIGN §4 (QoS 1):
 *   wl/v1/meters/{id}/readings  meter -> gateway
 *   wl/v1/meters/{id}/ack       gateway -> meter (highest durably stored seq)
 *   wl/v1/meters/{id}/status    retained; last will "offline"
 *   wl/v1/meters/{id}/config    retained, signed by the intermediary
 * Parsing rejects wildcards (MQTT 3.1.1 §4.7.1), other versions and malformed ids.
 */
import { BadTopicError } from './errors.js';
import { isMeterId, type MeterId } from './reading.js';

export const TOPIC_ROOT = 'wl';
export const TOPIC_VERSION = 'v1';
export const MeterChannel = Object.freeze({ READINGS: 'readings', ACK: 'ack', STATUS: 'status', CONFIG: 'config' } as const);
export type MeterChannel = (typeof MeterChannel)[keyof typeof MeterChannel];
const CHANNELS: ReadonlySet<string> = new Set(Object.values(MeterChannel));

export function meterTopic(meterId: MeterId, channel: MeterChannel): string {
  if (!isMeterId(meterId)) throw new TypeError(`meterTopic: invalid meter id ${JSON.stringify(meterId)}`);
  if (!CHANNELS.has(channel)) throw new TypeError(`meterTopic: unknown channel ${JSON.stringify(channel)}`);
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/meters/${meterId}/${channel}`;
}

/** Subscription filter for every meter's channel, e.g. `wl/v1/meters/+/readings`. */
export function allMetersFilter(channel: MeterChannel): string {
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/meters/+/${channel}`;
}

/** MQTT 5 shared subscription (§4.8.2): `$share/{group}/{filter}`. */
export function sharedFilter(group: string, filter: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(group)) throw new TypeError(`sharedFilter: invalid group name ${JSON.stringify(group)}`);
  return `$share/${group}/${filter}`;
}

export interface ParsedTopic {
  readonly meterId: MeterId;
  readonly channel: MeterChannel;
}

export function parseMeterTopic(topic: string): ParsedTopic {
  if (typeof topic !== 'string') throw new BadTopicError('topic must be a string');
  if (topic.length > 128) throw new BadTopicError(`topic of ${topic.length} characters is too long`);
  if (topic.includes('+') || topic.includes('#')) throw new BadTopicError(`topic "${topic}" contains a wildcard`);
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT || parts[2] !== 'meters') throw new BadTopicError(`topic "${topic}" is not wl/v1/meters/{id}/{channel}`);
  if (parts[1] !== TOPIC_VERSION) throw new BadTopicError(`topic "${topic}" has unsupported version "${parts[1]}" (expected ${TOPIC_VERSION})`);
  const meterId = parts[3]!;
  if (!isMeterId(meterId)) throw new BadTopicError(`topic "${topic}" has an invalid meter id (16 lower-case hex digits expected)`);
  const channel = parts[4]!;
  if (!CHANNELS.has(channel)) throw new BadTopicError(`topic "${topic}" has unknown channel "${channel}"`);
  return { meterId, channel: channel as MeterChannel };
}
