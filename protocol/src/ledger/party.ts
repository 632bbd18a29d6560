/**
 * Ledger parties (DESIGN §7): every participant holds an Ed25519 key; its id is derived from
 * the key exactly like a meter id (first 8 bytes of SHA-256 of the public key, hex), and the
 * kid of every transaction it signs is those 8 id bytes.
 */
import { meterIdFromPublicKey } from '../reading.js';

export const PartyRole = Object.freeze({
  ADMIN: 'admin',
  INTERMEDIARY: 'intermediary',
  PROVIDER: 'provider',
  CONSUMER: 'consumer',
  GATEWAY: 'gateway',
} as const);
export type PartyRole = (typeof PartyRole)[keyof typeof PartyRole];
export const PARTY_ROLES: ReadonlySet<string> = new Set(Object.values(PartyRole));

export const MeterRole = Object.freeze({ PRODUCER: 'producer', CONSUMER: 'consumer' } as const);
export type MeterRole = (typeof MeterRole)[keyof typeof MeterRole];
export const METER_ROLES: ReadonlySet<string> = new Set(Object.values(MeterRole));

/** 16 lower-case hex digits. */
export type PartyId = string;
const PARTY_ID_PATTERN = /^[0-9a-f]{16}$/;

export function isPartyId(value: unknown): value is PartyId {
  return typeof value === 'string' && PARTY_ID_PATTERN.test(value);
}

/** Party id = first 8 bytes of SHA-256 of the raw Ed25519 public key, hex (same rule as meters). */
export function partyIdFromPublicKey(publicKey: Uint8Array): PartyId {
  return meterIdFromPublicKey(publicKey);
}

/** Asset ids and reading hashes: 64 lower-case hex digits (SHA-256). */
const HASH_PATTERN = /^[0-9a-f]{64}$/;
export function isHashHex(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}
