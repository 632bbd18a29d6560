/**
 * Loads the gateway's and the intermediary's Ed25519 keys (RFC 8032 32-byte seeds) named by
 * the identity section: a file holding 64 hex digits (whitespace ignored) or the raw 32
 * bytes, or an inline hex seed.
 */
import { readFileSync } from 'node:fs';
import { fromHex, partyIdFromPublicKey, type Signer } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { ConfigError } from '../errors.js';
import type { IdentityConfig } from './schema.js';

export interface GatewayIdentity {
  /** Signs issue-asset and record-usage. */
  readonly gateway: Signer;
  readonly gatewayPartyId: string;
  /** Signs close-interval. */
  readonly intermediary: Signer;
  readonly intermediaryId: string;
}

export function readSeedFile(file: string, field: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw new ConfigError(field, `cannot read key file ${file}: ${(cause as Error).message}`, { cause });
  }
  if (bytes.length === 32) return new Uint8Array(bytes);
  const text = bytes.toString('utf8').replace(/\s+/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(text)) return fromHex(text);
  throw new ConfigError(field, `key file ${file} must hold a 32-byte Ed25519 seed (64 hex digits or 32 raw bytes)`);
}

export function loadIdentity(identity: IdentityConfig): GatewayIdentity {
  const seed = identity.key !== undefined ? fromHex(identity.key) : readSeedFile(identity.keyFile!, 'identity.keyFile');
  const gateway = nodeEd25519.signer(seed);
  let intermediary = gateway;
  if (identity.intermediaryKey !== undefined) intermediary = nodeEd25519.signer(fromHex(identity.intermediaryKey));
  else if (identity.intermediaryKeyFile !== undefined) intermediary = nodeEd25519.signer(readSeedFile(identity.intermediaryKeyFile, 'identity.intermediaryKeyFile'));
  const intermediaryId = identity.intermediaryId;
  if (intermediary !== gateway && partyIdFromPublicKey(intermediary.publicKey) !== intermediaryId) {
    throw new ConfigError('identity.intermediaryKey', `the intermediary key belongs to party ${partyIdFromPublicKey(intermediary.publicKey)}, not to identity.intermediaryId ${intermediaryId}`);
  }
  return {
    gateway,
    gatewayPartyId: partyIdFromPublicKey(gateway.publicKey),
    intermediary,
    intermediaryId,
  };
}
