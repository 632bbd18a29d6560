/**
 * The scenario's parties with their keys: the consortium admin, the intermediaries, one gateway
 * party per intermediary, the providers and the consumers. Keys derive from the scenario seed
 * (SHA-256 of "seed/role/name"), so every run of the demo has the same party and meter ids.
 */
import { partyIdFromPublicKey, PartyRole, sha256, utf8, type Signer } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import type { Actor } from '@wattledger/ledger-node';
import type { IntermediaryName, Scenario } from './scenario.js';

export interface KeyedActor extends Actor {
  /** The 32-byte Ed25519 seed (the gateway configuration takes it as hex). */
  readonly seed: Uint8Array;
}

export interface Cast {
  readonly admin: KeyedActor;
  readonly intermediaries: ReadonlyMap<IntermediaryName, KeyedActor>;
  /** The gateway party of each intermediary (signs issue-asset and record-usage). */
  readonly gateways: ReadonlyMap<IntermediaryName, KeyedActor>;
  /** Providers and consumers by name. */
  readonly parties: ReadonlyMap<string, KeyedActor>;
  /** Party id -> name, for printing. */
  readonly names: ReadonlyMap<string, string>;
}

export function deriveSeed(scenario: Scenario, path: string): Uint8Array {
  return sha256(utf8(`${scenario.seed}/${path}`));
}

/** A meter's deterministic key seed for `createVirtualMeter({ seed })` (uint32). */
export function meterSeed(scenario: Scenario, name: string): number {
  const h = deriveSeed(scenario, `meter/${name}`);
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

function keyed(scenario: Scenario, name: string, role: PartyRole, intermediary?: Actor): KeyedActor {
  const seed = deriveSeed(scenario, `${role}/${name}`);
  const signer: Signer = nodeEd25519.signer(seed);
  return Object.freeze({ name, id: partyIdFromPublicKey(signer.publicKey), signer, role, region: scenario.region, intermediary: intermediary?.id, seed });
}

export function createCast(scenario: Scenario): Cast {
  const admin = keyed(scenario, 'Consortium', PartyRole.ADMIN);
  const intermediaries = new Map(scenario.intermediaries.map((i) => [i.name, keyed(scenario, i.name, PartyRole.INTERMEDIARY)] as const));
  const of = (name: IntermediaryName): KeyedActor => {
    const actor = intermediaries.get(name);
    if (actor === undefined) throw new RangeError(`scenario: unknown intermediary ${name}`);
    return actor;
  };
  const gateways = new Map(scenario.intermediaries.map((i) => [i.name, keyed(scenario, `gateway-${i.name}`, PartyRole.GATEWAY, of(i.name))] as const));
  const parties = new Map<string, KeyedActor>();
  for (const p of scenario.producers) parties.set(p.name, keyed(scenario, p.name, PartyRole.PROVIDER, of(p.intermediary)));
  for (const c of scenario.consumers) parties.set(c.name, keyed(scenario, c.name, PartyRole.CONSUMER, of(c.intermediary)));
  const names = new Map<string, string>([admin, ...intermediaries.values(), ...gateways.values(), ...parties.values()].map((a) => [a.id, a.name]));
  return { admin, intermediaries, gateways, parties, names };
}

export function partyOf(cast: Cast, name: string): KeyedActor {
  const actor = cast.parties.get(name) ?? cast.intermediaries.get(name as IntermediaryName);
  if (actor === undefined) throw new RangeError(`scenario: unknown party ${name}`);
  return actor;
}
