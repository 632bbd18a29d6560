/**
 * Provisioning a technician sends to a meter (DESIGN §8; the patent's intermediary
 * registration): the intermediary id, the gateway's broker URL, the meter's MQTT credential,
 * its role (producer with production method, or consumer with user id) and the interval
 * length. CBOR map of our profile:
 *
 *   {1: intermediary id, 2: broker URL, 3: MQTT username, 4: MQTT password, 5: role (1 producer,
 *    2 consumer), 6: production method (producer), 7: user id (consumer), 8: interval length s}
 *
 * The digest the meter signs in its receipt replaces the password with its SHA-256, so the
 * pairing result can travel to the gateway without the secret and still be checked.
 */
import { utf8 } from '../bytes.js';
import { asIntMap, decodeCbor, encodeCbor, intMap } from '../cbor.js';
import { sha256 } from '../hash.js';
import { productionMethodByCode } from '../production-method.js';
import { PairingError, PairingErrorCode } from './errors.js';

export const Role = Object.freeze({ PRODUCER: 1, CONSUMER: 2 } as const);
export type Role = (typeof Role)[keyof typeof Role];

export type MeterRole =
  | { readonly kind: 'producer'; readonly productionMethod: number }
  | { readonly kind: 'consumer'; readonly userId: string };

export interface ProvisioningConfig {
  readonly intermediaryId: string;
  /** mqtt://, mqtts://, ws:// or wss:// URL of the gateway's broker. */
  readonly brokerUrl: string;
  readonly mqttUsername: string;
  readonly mqttPassword: string;
  readonly role: MeterRole;
  /** Seconds; a divisor of one day, at least 60 (DESIGN §5: intervals aligned to UTC). */
  readonly intervalLength: number;
}

/** Provisioning as it may be shown or forwarded: the password replaced by its SHA-256. */
export interface ProvisioningSummary extends Omit<ProvisioningConfig, 'mqttPassword'> {
  readonly mqttPasswordDigest: Uint8Array;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
// scheme://host[:port][/path]; no user info (the credential travels separately), no spaces.
const BROKER_URL_PATTERN = /^(mqtts?|wss?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?(\/[^\s#?]*)?$/;
const SECONDS_PER_DAY = 86_400;

function bad(message: string): PairingError {
  return new PairingError(PairingErrorCode.BAD_PROVISIONING, message);
}

function checkText(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) throw bad(`${field} must be text of 1..${maxLength} characters`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw bad(`${field} must not contain control characters`);
  return value;
}

export function validateProvisioning(config: ProvisioningConfig): ProvisioningConfig {
  const { intermediaryId, brokerUrl, mqttUsername, mqttPassword, role, intervalLength } = config;
  if (typeof intermediaryId !== 'string' || !ID_PATTERN.test(intermediaryId)) throw bad('intermediary id must be 1..64 of A-Z a-z 0-9 . _ : - (starting alphanumeric)');
  if (typeof brokerUrl !== 'string' || brokerUrl.length > 256 || !BROKER_URL_PATTERN.test(brokerUrl)) {
    throw bad(`broker URL "${String(brokerUrl)}" must be mqtt://, mqtts://, ws:// or wss:// host[:port][/path], without user info`);
  }
  const port = /:([0-9]{1,5})(\/|$)/.exec(brokerUrl.replace(/^[a-z]+:\/\//, ''));
  if (port && (Number(port[1]) < 1 || Number(port[1]) > 65535)) throw bad(`broker URL port ${port[1]} is out of range`);
  checkText(mqttUsername, 'MQTT username', 128);
  checkText(mqttPassword, 'MQTT password', 256);
  if (!Number.isInteger(intervalLength) || intervalLength < 60 || SECONDS_PER_DAY % intervalLength !== 0) {
    throw bad(`interval length ${String(intervalLength)} s must divide a day and be at least 60 s (e.g. 900, 1800, 3600)`);
  }
  if (role?.kind === 'producer') {
    if (productionMethodByCode(role.productionMethod) === undefined) throw bad(`production method ${String(role.productionMethod)} is not in the table (1..11)`);
  } else if (role?.kind === 'consumer') {
    if (typeof role.userId !== 'string' || !ID_PATTERN.test(role.userId)) throw bad('consumer user id must be 1..64 of A-Z a-z 0-9 . _ : -');
  } else {
    throw bad('role must be producer (with production method) or consumer (with user id)');
  }
  return config;
}

function roleEntries(role: MeterRole): Array<[number, unknown]> {
  return role.kind === 'producer' ? [[5, Role.PRODUCER], [6, role.productionMethod]] : [[5, Role.CONSUMER], [7, role.userId]];
}

/** The CBOR map sent inside the PROVISION message. */
export function provisioningToCbor(config: ProvisioningConfig): Map<number, unknown> {
  validateProvisioning(config);
  return intMap([
    [1, config.intermediaryId],
    [2, config.brokerUrl],
    [3, config.mqttUsername],
    [4, config.mqttPassword],
    ...roleEntries(config.role),
    [8, config.intervalLength],
  ]);
}

export function provisioningFromCbor(value: unknown): ProvisioningConfig {
  let map: Map<number, unknown>;
  try {
    map = asIntMap(value, 'provisioning');
  } catch {
    throw bad('provisioning must be a CBOR map with integer keys');
  }
  const roleCode = map.get(5);
  const role: MeterRole | undefined =
    roleCode === Role.PRODUCER ? { kind: 'producer', productionMethod: map.get(6) as number } : roleCode === Role.CONSUMER ? { kind: 'consumer', userId: map.get(7) as string } : undefined;
  if (role === undefined) throw bad(`provisioning role ${String(roleCode)} is neither producer (1) nor consumer (2)`);
  if (roleCode === Role.PRODUCER ? map.has(7) : map.has(6)) throw bad('provisioning mixes producer and consumer fields');
  return validateProvisioning(
    Object.freeze({
      intermediaryId: map.get(1) as string,
      brokerUrl: map.get(2) as string,
      mqttUsername: map.get(3) as string,
      mqttPassword: map.get(4) as string,
      role: Object.freeze(role),
      intervalLength: map.get(8) as number,
    }),
  );
}

export function summarizeProvisioning(config: ProvisioningConfig): ProvisioningSummary {
  const { mqttPassword, ...rest } = validateProvisioning(config);
  return Object.freeze({ ...rest, mqttPasswordDigest: sha256(utf8(mqttPassword)) });
}

/**
 * SHA-256 of the CBOR array [label, intermediary id, broker URL, username, SHA-256(password),
 * role, production method or user id, interval length]: what the meter's receipt signs.
 */
export function provisioningDigest(config: ProvisioningConfig | ProvisioningSummary): Uint8Array {
  const passwordDigest = 'mqttPasswordDigest' in config ? config.mqttPasswordDigest : sha256(utf8(config.mqttPassword));
  const role = config.role;
  return sha256(
    encodeCbor([
      'wattledger/provisioning/1',
      config.intermediaryId,
      config.brokerUrl,
      config.mqttUsername,
      passwordDigest,
      role.kind === 'producer' ? Role.PRODUCER : Role.CONSUMER,
      role.kind === 'producer' ? role.productionMethod : role.userId,
      config.intervalLength,
    ]),
  );
}

/** Helper for callers holding raw bytes (e.g. a stored staged config). */
export function decodeProvisioning(bytes: Uint8Array): ProvisioningConfig {
  try {
    return provisioningFromCbor(decodeCbor(bytes, 2048));
  } catch (cause) {
    if (cause instanceof PairingError) throw cause;
    throw bad('stored provisioning is not valid CBOR');
  }
}

export function encodeProvisioning(config: ProvisioningConfig): Uint8Array {
  return encodeCbor(provisioningToCbor(config));
}
