/**
 * Genesis of a ledger (DESIGN §7): chain id, interval length, asset lifetime and the initial
 * parties (at least one consortium admin, whose key signs register-party). Every node of a
 * ledger starts from the same genesis; its hash is the previous-block hash of block 1.
 *
 * JSON file form (keys hex):
 *   { "chainId": "demo", "intervalS": 1800, "assetLifetimeS": 2592000,
 *     "parties": [ { "role": "admin", "publicKey": "…64 hex…", "name": "Consortium", "region": "JP" }, … ] }
 */
import { encodeCbor, fromHex, isPartyId, partyIdFromPublicKey, PARTY_ROLES, PartyRole, toHex } from '@wattledger/protocol';
import { hashes } from './hashes.js';
import type { PartyRole as PartyRoleType } from '@wattledger/protocol';

export const DEFAULT_INTERVAL_S = 1800;
/** "One month after production" (DESIGN §7): 30 days. */
export const DEFAULT_ASSET_LIFETIME_S = 30 * 86400;

export interface GenesisParty {
  readonly role: PartyRoleType;
  readonly publicKey: Uint8Array;
  readonly name: string;
  readonly region: string;
  readonly intermediary?: string;
}

export interface Genesis {
  readonly chainId: string;
  readonly intervalS: number;
  readonly assetLifetimeS: number;
  readonly parties: readonly GenesisParty[];
}

export class BadGenesisError extends Error {
  readonly code = 'BAD_GENESIS';
  override get name(): string {
    return 'BadGenesisError';
  }
}

function fail(why: string): never {
  throw new BadGenesisError(`genesis: ${why}`);
}

/** Validates a genesis (from JSON or built in code); returns it normalised and frozen. */
export function parseGenesis(json: unknown): Genesis {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('JSON object expected');
  const g = json as Record<string, unknown>;
  const chainId = g['chainId'];
  if (typeof chainId !== 'string' || chainId.length === 0 || chainId.length > 64) fail('chainId: text of 1..64 characters expected');
  const intervalS = g['intervalS'] ?? DEFAULT_INTERVAL_S;
  if (typeof intervalS !== 'number' || !Number.isInteger(intervalS) || intervalS <= 0 || 86400 % intervalS !== 0) fail('intervalS must divide a day (e.g. 900, 1800, 3600)');
  const assetLifetimeS = g['assetLifetimeS'] ?? DEFAULT_ASSET_LIFETIME_S;
  if (typeof assetLifetimeS !== 'number' || !Number.isInteger(assetLifetimeS) || assetLifetimeS <= 0 || assetLifetimeS > 0xffffffff) fail('assetLifetimeS: positive integer (s) expected');
  const rawParties = g['parties'];
  if (!Array.isArray(rawParties)) fail('parties: array expected');
  const parties = rawParties.map((p, i) => parseParty(p, i));
  if (!parties.some((p) => p.role === PartyRole.ADMIN)) fail('at least one party with role "admin" is required');
  const ids = parties.map((p) => partyIdFromPublicKey(p.publicKey));
  if (new Set(ids).size !== ids.length) fail('the same public key appears twice');
  parties.forEach((p, i) => {
    if (p.intermediary === undefined) return;
    const target = parties[ids.indexOf(p.intermediary)];
    if (target?.role !== PartyRole.INTERMEDIARY) fail(`parties[${i}].intermediary ${p.intermediary} is not an intermediary of this genesis`);
  });
  return Object.freeze({ chainId, intervalS, assetLifetimeS, parties: Object.freeze(parties) });
}

function parseParty(raw: unknown, i: number): GenesisParty {
  if (raw === null || typeof raw !== 'object') fail(`parties[${i}]: object expected`);
  const p = raw as Record<string, unknown>;
  const role = p['role'];
  if (typeof role !== 'string' || !PARTY_ROLES.has(role)) fail(`parties[${i}].role: one of ${[...PARTY_ROLES].join(', ')} expected`);
  let publicKey: Uint8Array;
  const key = p['publicKey'];
  try {
    publicKey = key instanceof Uint8Array ? key : fromHex(String(key));
  } catch {
    fail(`parties[${i}].publicKey: hex expected`);
  }
  if (publicKey.length !== 32) fail(`parties[${i}].publicKey: 32-byte Ed25519 key expected`);
  const name = p['name'];
  const region = p['region'] ?? '';
  if (typeof name !== 'string' || name.length > 128) fail(`parties[${i}].name: text expected`);
  if (typeof region !== 'string' || region.length > 64) fail(`parties[${i}].region: text expected`);
  const intermediary = p['intermediary'];
  if (intermediary !== undefined && !isPartyId(intermediary)) fail(`parties[${i}].intermediary: party id expected`);
  if (role === PartyRole.GATEWAY && intermediary === undefined) fail(`parties[${i}]: a gateway must name its intermediary`);
  const party: GenesisParty = { role: role as PartyRoleType, publicKey, name, region };
  return Object.freeze(intermediary === undefined ? party : { ...party, intermediary });
}

/** The JSON form of a genesis (hex keys), as read by `parseGenesis`. */
export function genesisToJson(genesis: Genesis): Record<string, unknown> {
  return {
    chainId: genesis.chainId,
    intervalS: genesis.intervalS,
    assetLifetimeS: genesis.assetLifetimeS,
    parties: genesis.parties.map((p) => ({ ...p, publicKey: toHex(p.publicKey) })),
  };
}

/** SHA-256 of the canonical CBOR of the genesis; the "previous hash" of block 1. */
export function genesisHash(genesis: Genesis): Uint8Array {
  return hashes.sha256(encodeCbor([
    'wattledger-genesis', genesis.chainId, genesis.intervalS, genesis.assetLifetimeS,
    genesis.parties.map((p) => [p.role, p.publicKey, p.name, p.region, p.intermediary ?? null]),
  ]));
}
