/**
 * What the consortium and the intermediaries put on the ledger before the first reading:
 * the genesis (admin, intermediaries, their gateway parties), then register-party for the
 * providers and consumers (admin), register-meter for every meter (its intermediary), the
 * consumers' contracts and the transfer policies (DESIGN §7; the patent's "transaction
 * content" and the lender's consent to the inter-intermediary request).
 */
import {
  buildLedgerTx, MeterRole, productionMethodByName, registerMeterBody, registerPartyBody, setContractBody, setTransferPolicyBody, TxType, type TxBody,
} from '@wattledger/protocol';
import { parseGenesis, type Genesis } from '@wattledger/ledger-node';
import { partyOf, type Cast, type KeyedActor } from './cast.js';
import type { Scenario } from './scenario.js';

/** A meter as the ledger registers it: the key the firmware generated, its owner and intermediary. */
export interface MeterIdentity {
  /** The owner's name (one meter per provider or consumer). */
  readonly name: string;
  readonly meterId: string;
  readonly publicKey: Uint8Array;
  readonly role: MeterRole;
  readonly productionMethod: number;
  readonly ratedPowerW: number;
}

export function demoGenesis(scenario: Scenario, cast: Cast): Genesis {
  const party = (a: KeyedActor) => ({ role: a.role, publicKey: a.signer.publicKey, name: a.name, region: a.region, intermediary: a.intermediary });
  return parseGenesis({
    chainId: scenario.chainId,
    intervalS: scenario.intervalS,
    parties: [cast.admin, ...cast.intermediaries.values(), ...cast.gateways.values()].map(party),
  });
}

export function methodCode(name: string): number {
  const method = productionMethodByName(name);
  if (method === undefined) throw new RangeError(`scenario: unknown production method ${name}`);
  return method.code;
}

/** The setup transactions, in an order the ledger accepts (parties before their meters and contracts). */
export function setupTxs(scenario: Scenario, cast: Cast, meters: readonly MeterIdentity[]): Uint8Array[] {
  let nonce = 0;
  const tx = (type: TxType, body: TxBody, by: KeyedActor): Uint8Array => buildLedgerTx(type, body, { signer: by.signer, signerId: by.id, nonce: nonce++ });
  const txs: Uint8Array[] = [];
  for (const actor of cast.parties.values()) {
    txs.push(tx(TxType.REGISTER_PARTY, registerPartyBody({ role: actor.role, publicKey: actor.signer.publicKey, region: actor.region, name: actor.name, ...(actor.intermediary ? { intermediary: actor.intermediary } : {}) }), cast.admin));
  }
  for (const meter of meters) {
    const owner = partyOf(cast, meter.name);
    const intermediary = partyOf(cast, nameOf(cast, owner.intermediary));
    txs.push(tx(TxType.REGISTER_METER, registerMeterBody({
      publicKey: meter.publicKey, role: meter.role, owner: owner.id, intermediary: intermediary.id, productionMethod: meter.productionMethod, ratedPowerW: meter.ratedPowerW,
    }), intermediary));
  }
  for (const consumer of scenario.consumers) {
    const intermediary = partyOf(cast, consumer.intermediary);
    txs.push(tx(TxType.SET_CONTRACT, setContractBody({
      consumer: partyOf(cast, consumer.name).id, intermediary: intermediary.id, periodStart: 0, periodEnd: 0xffffffff,
      plannedWhPerHour: consumer.averageWatts, targetPercent: consumer.targetPercent,
      providers: consumer.providers.map((p) => partyOf(cast, p).id), granular: false,
    }), intermediary));
  }
  for (const lender of scenario.intermediaries) {
    const rules = scenario.policies.filter((p) => p.from === lender.name).map((p) => ({ to: partyOf(cast, p.to).id, methods: p.methods.map(methodCode), priority: p.priority }));
    if (rules.length > 0) txs.push(tx(TxType.SET_TRANSFER_POLICY, setTransferPolicyBody({ intermediary: partyOf(cast, lender.name).id, rules }), partyOf(cast, lender.name)));
  }
  return txs;
}

function nameOf(cast: Cast, id: string | undefined): string {
  const name = id === undefined ? undefined : cast.names.get(id);
  if (name === undefined) throw new RangeError(`scenario: party ${id} has no intermediary`);
  return name;
}

/** Meters of each role as the scenario lists them (producers, then consumers). */
export function meterPlan(scenario: Scenario): Array<Omit<MeterIdentity, 'meterId' | 'publicKey'>> {
  return [
    ...scenario.producers.map((p) => ({ name: p.name, role: MeterRole.PRODUCER, productionMethod: methodCode(p.method), ratedPowerW: p.ratedPowerW })),
    ...scenario.consumers.map((c) => ({ name: c.name, role: MeterRole.CONSUMER, productionMethod: 0, ratedPowerW: c.ratedPowerW })),
  ];
}
