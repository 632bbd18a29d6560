/**
 * The signed config on `wl/v1/meters/{id}/config` (retained, intermediary -> meter).
 *
 * Message: COSE_Sign1 (RFC 9052 §4.2, tag 18, alg EdDSA) signed by the intermediary's
 * Ed25519 key given at provisioning. Payload: a CBOR map with integer keys, in this order:
 *   1 intervalLength  uint, seconds, divides 86400, at least 60
 *   2 brokerUrl       text, mqtt://host[:port] or mqtts://host[:port], at most 200 chars
 *   3 serial          uint32, strictly greater than that of the config last applied
 *   4 meterId         8-byte bstr, optional; when present it must be this meter's id
 * The serial stops a replay of an older config; the meter id stops one meter's config
 * being replayed on another's topic. A rejected config changes nothing and is logged.
 */
import { asIntMap, BadSignatureError, createSign1, decodeCbor, decodeSign1, equalBytes, fromHex, intMap, encodeCbor, toHex, verifySign1, type MeterId, type Signer, type Verifier } from '@wattledger/protocol';

export const ConfigKey = Object.freeze({ INTERVAL_LENGTH: 1, BROKER_URL: 2, SERIAL: 3, METER_ID: 4 } as const);

export interface MeterConfig {
  readonly intervalLength: number;
  readonly brokerUrl: string;
  readonly serial: number;
  /** When set, the config is valid only for this meter. */
  readonly meterId?: MeterId;
}

export type ConfigResult = { readonly ok: true; readonly config: MeterConfig } | { readonly ok: false; readonly reason: string };

const MAX_CONFIG_BYTES = 1024;
const URL_PATTERN = /^mqtts?:\/\/[A-Za-z0-9.\-[\]:]+(:\d{1,5})?\/?$/;

export function isValidIntervalLength(length: unknown): length is number {
  return typeof length === 'number' && Number.isInteger(length) && length >= 60 && length <= 86400 && 86400 % length === 0;
}

export function isValidBrokerUrl(url: unknown): url is string {
  return typeof url === 'string' && url.length <= 200 && URL_PATTERN.test(url);
}

export function encodeMeterConfig(config: MeterConfig): Uint8Array {
  if (!isValidIntervalLength(config.intervalLength)) throw new RangeError(`intervalLength must divide 86400 and be >= 60, got ${config.intervalLength}`);
  if (!isValidBrokerUrl(config.brokerUrl)) throw new TypeError(`brokerUrl must be mqtt://host[:port] or mqtts://host[:port], got ${JSON.stringify(config.brokerUrl)}`);
  if (!Number.isInteger(config.serial) || config.serial < 0 || config.serial > 0xffffffff) throw new RangeError('serial must be a uint32');
  return encodeCbor(intMap([
    [ConfigKey.INTERVAL_LENGTH, config.intervalLength],
    [ConfigKey.BROKER_URL, config.brokerUrl],
    [ConfigKey.SERIAL, config.serial],
    [ConfigKey.METER_ID, config.meterId === undefined ? undefined : fromHex(config.meterId)],
  ]));
}

/** Signs a config as the intermediary (gateway side, tests and the demo). */
export function signMeterConfig(config: MeterConfig, intermediary: Signer): Uint8Array {
  return createSign1({ payload: encodeMeterConfig(config), signer: intermediary });
}

export interface VerifyConfigContext {
  readonly intermediaryPublicKey: Uint8Array;
  readonly verifier: Verifier;
  readonly meterId: MeterId;
  /** Serial of the config in force, or -1 if none. */
  readonly currentSerial: number;
}

/** Decodes and checks a config message; never throws on bad input. */
export function verifyMeterConfig(bytes: Uint8Array, context: VerifyConfigContext): ConfigResult {
  if (bytes.length === 0) return { ok: false, reason: 'empty config payload (retained config cleared?)' };
  if (bytes.length > MAX_CONFIG_BYTES) return { ok: false, reason: `config of ${bytes.length} bytes exceeds ${MAX_CONFIG_BYTES}` };
  let config: MeterConfig;
  try {
    const sign1 = decodeSign1(bytes, MAX_CONFIG_BYTES);
    verifySign1(sign1, context.intermediaryPublicKey, context.verifier);
    config = decodeConfigPayload(sign1.payload);
  } catch (error) {
    const why = error instanceof BadSignatureError ? 'signature does not verify under the intermediary key' : (error as Error).message;
    return { ok: false, reason: `config rejected: ${why}` };
  }
  if (config.meterId !== undefined && config.meterId !== context.meterId) return { ok: false, reason: `config rejected: it is for meter ${config.meterId}` };
  if (config.serial <= context.currentSerial) return { ok: false, reason: `config rejected: serial ${config.serial} is not newer than ${context.currentSerial}` };
  return { ok: true, config };
}

function decodeConfigPayload(payload: Uint8Array): MeterConfig {
  const map = asIntMap(decodeCbor(payload, MAX_CONFIG_BYTES), 'config payload');
  const intervalLength = map.get(ConfigKey.INTERVAL_LENGTH);
  const brokerUrl = map.get(ConfigKey.BROKER_URL);
  const serial = map.get(ConfigKey.SERIAL);
  const meterId = map.get(ConfigKey.METER_ID);
  if (!isValidIntervalLength(intervalLength)) throw new Error(`intervalLength must divide 86400 and be >= 60, got ${String(intervalLength)}`);
  if (!isValidBrokerUrl(brokerUrl)) throw new Error('brokerUrl must be mqtt://host[:port] or mqtts://host[:port]');
  if (typeof serial !== 'number' || !Number.isInteger(serial) || serial < 0 || serial > 0xffffffff) throw new Error('serial must be a uint32');
  if (meterId !== undefined && !(meterId instanceof Uint8Array && meterId.length === 8)) throw new Error('meterId must be 8 bytes');
  for (const key of map.keys()) if (key < 1 || key > 4) throw new Error(`unknown config key ${key}`);
  const config: MeterConfig = { intervalLength, brokerUrl, serial, ...(meterId === undefined ? {} : { meterId: toHex(meterId) }) };
  if (!equalBytes(encodeMeterConfig(config), payload)) throw new Error('config payload is not in the canonical encoding (keys 1..4 in order)');
  return config;
}
