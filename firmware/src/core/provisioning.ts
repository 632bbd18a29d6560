/**
 * Provisioning: what a meter must know before its first reading (DESIGN §8). For now it
 * comes from a JSON file; the pairing issue replaces the file with a radio. File format:
 *
 *   { "role": "producer" | "consumer",
 *     "productionMethod": "solar",            // producers: a name or code of the protocol table
 *     "intermediaryId": "utility-a",
 *     "intermediaryPublicKey": "<64 hex>",    // Ed25519 key that signs the config topic
 *     "brokerUrl": "mqtt://127.0.0.1:1883",
 *     "username": "...", "password": "...",   // MQTT credential (optional)
 *     "intervalLength": 1800,                 // optional, default 1800
 *     "userId": "...",                        // consumers, optional
 *     "ratedPowerWatts": 5000 }               // optional
 *
 * Stored on the meter as the same JSON (key `prov`).
 */
import { DEFAULT_INTERVAL_S, fromHex, NO_PRODUCTION_METHOD, productionMethodByCode, productionMethodByName, toHex } from '@wattledger/protocol';
import { BadProvisioningError } from './errors.js';
import { isValidBrokerUrl, isValidIntervalLength } from './meter-config.js';

export type MeterRole = 'producer' | 'consumer';

export interface Provisioning {
  readonly role: MeterRole;
  /** Protocol production-method code; 0 for consumers. */
  readonly productionMethod: number;
  readonly intermediaryId: string;
  readonly intermediaryPublicKey: Uint8Array;
  readonly brokerUrl: string;
  readonly username?: string;
  readonly password?: string;
  readonly intervalLength: number;
  readonly userId?: string;
  readonly ratedPowerWatts?: number;
}

function fail(field: string, why: string): never {
  throw new BadProvisioningError(`provisioning ${field}: ${why}`);
}

function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 256) fail(field, 'string of at most 256 characters expected');
  return value;
}

/** Validates provisioning as read from a JSON file (or built by code); throws BadProvisioningError. */
export function parseProvisioning(input: unknown): Provisioning {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('file', 'JSON object expected');
  const o = input as Record<string, unknown>;
  const role = o.role;
  if (role !== 'producer' && role !== 'consumer') fail('role', `"producer" or "consumer" expected, got ${JSON.stringify(role)}`);
  let productionMethod = NO_PRODUCTION_METHOD;
  if (role === 'producer') {
    const method = o.productionMethod;
    const info = typeof method === 'number' ? productionMethodByCode(method) : typeof method === 'string' ? productionMethodByName(method) : undefined;
    if (info === undefined) fail('productionMethod', `a producer needs a known production method (e.g. "solar"), got ${JSON.stringify(method)}`);
    productionMethod = info.code;
  } else if (o.productionMethod !== undefined && o.productionMethod !== 0) {
    fail('productionMethod', 'a consumer meter has no production method');
  }
  const intermediaryId = o.intermediaryId;
  if (typeof intermediaryId !== 'string' || intermediaryId.length === 0 || intermediaryId.length > 128) fail('intermediaryId', 'non-empty string expected');
  const keyHex = o.intermediaryPublicKey;
  if (typeof keyHex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(keyHex)) fail('intermediaryPublicKey', '64 hex digits (Ed25519 public key) expected');
  const brokerUrl = o.brokerUrl;
  if (!isValidBrokerUrl(brokerUrl)) fail('brokerUrl', `mqtt://host[:port] or mqtts://host[:port] expected, got ${JSON.stringify(brokerUrl)}`);
  const intervalLength = o.intervalLength ?? DEFAULT_INTERVAL_S;
  if (!isValidIntervalLength(intervalLength)) fail('intervalLength', `seconds dividing a day (e.g. 900, 1800, 3600) expected, got ${JSON.stringify(intervalLength)}`);
  const rated = o.ratedPowerWatts;
  if (rated !== undefined && (typeof rated !== 'number' || !(rated > 0))) fail('ratedPowerWatts', 'positive number expected');
  const username = optionalString(o, 'username');
  const password = optionalString(o, 'password');
  const userId = optionalString(o, 'userId');
  return Object.freeze({
    role, productionMethod, intermediaryId, intermediaryPublicKey: fromHex(keyHex), brokerUrl, intervalLength,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(userId === undefined ? {} : { userId }),
    ...(rated === undefined ? {} : { ratedPowerWatts: rated as number }),
  });
}

/** The JSON form (as in a provisioning file). */
export function provisioningToJson(p: Provisioning): Record<string, unknown> {
  return {
    role: p.role,
    ...(p.role === 'producer' ? { productionMethod: productionMethodByCode(p.productionMethod)?.name ?? p.productionMethod } : {}),
    intermediaryId: p.intermediaryId,
    intermediaryPublicKey: toHex(p.intermediaryPublicKey),
    brokerUrl: p.brokerUrl,
    intervalLength: p.intervalLength,
    ...(p.username === undefined ? {} : { username: p.username }),
    ...(p.password === undefined ? {} : { password: p.password }),
    ...(p.userId === undefined ? {} : { userId: p.userId }),
    ...(p.ratedPowerWatts === undefined ? {} : { ratedPowerWatts: p.ratedPowerWatts }),
  };
}

export function encodeProvisioning(p: Provisioning): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(provisioningToJson(p)));
}

export function decodeProvisioning(bytes: Uint8Array): Provisioning {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new BadProvisioningError('stored provisioning is not JSON', { cause });
  }
  return parseProvisioning(json);
}
