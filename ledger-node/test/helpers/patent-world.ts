/**
 * The worked example of JP7803395B2 as a ledger log: intermediaries Da and Db, providers Aa
 * (solar) and Ab (oil) under Da, a solar provider Ac under Db, consumer Ca under Da with a
 * 40 % renewable target selecting Aa and Ab.
 */
import { MeterRole, PartyRole, productionMethodByName } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { LedgerWorld } from '../../src/sim/ledger-world.js';

export const SOLAR = productionMethodByName('solar')!.code;
export const OIL = productionMethodByName('oil')!.code;
export const T0 = 1_700_000_000 - (1_700_000_000 % 1800);
export const T1 = T0;
export const T2 = T0 + 1800;
export const T3 = T0 + 3600;

export function patentWorld(options: { withPolicy: boolean; seed?: string }) {
  const world = new LedgerWorld({ provider: nodeEd25519, chainId: 'patent', seed: options.seed ?? 'patent' });
  const Da = world.actor('Da', PartyRole.INTERMEDIARY);
  const Db = world.actor('Db', PartyRole.INTERMEDIARY);
  const Aa = world.actor('Aa', PartyRole.PROVIDER, Da);
  const Ab = world.actor('Ab', PartyRole.PROVIDER, Da);
  const Ac = world.actor('Ac', PartyRole.PROVIDER, Db);
  const Ca = world.actor('Ca', PartyRole.CONSUMER, Da);
  const solarAa = world.meter('solar-Aa', MeterRole.PRODUCER, Aa, Da, SOLAR, 100_000_000);
  const oilAb = world.meter('oil-Ab', MeterRole.PRODUCER, Ab, Da, OIL, 1_000_000_000);
  const solarAc = world.meter('solar-Ac', MeterRole.PRODUCER, Ac, Db, SOLAR, 200_000_000);
  const meterCa = world.meter('home-Ca', MeterRole.CONSUMER, Ca, Da);
  const genesis = world.genesis([Da, Db]);

  const setup = [
    world.registerParty(Aa), world.registerParty(Ab), world.registerParty(Ac), world.registerParty(Ca),
    world.registerMeter(solarAa), world.registerMeter(oilAb), world.registerMeter(solarAc), world.registerMeter(meterCa),
    world.contract(Ca, Da, { targetPercent: 40, providers: [Aa, Ab] }),
  ];
  // Interval 1: only Aa's 20 kWh of solar is there; Ca uses 20 kWh.
  const interval1 = [world.issue(solarAa, T1, 20_000), world.usage(meterCa, T1, 20_000), world.close(Da, T1)];
  // Interval 2: Ab's oil arrives; Ca uses 160 kWh. History becomes solar 20 kWh / oil 160 kWh.
  const interval2 = [world.issue(oilAb, T2, 200_000), world.usage(meterCa, T2, 160_000), world.close(Da, T2)];
  // Interval 3: Da has no solar left, Db has 50 kWh; Ca uses 10 kWh.
  const interval3 = [
    ...(options.withPolicy ? [world.policy(Db, [{ to: Da.id, methods: [SOLAR], priority: 0 }])] : []),
    world.issue(solarAc, T3, 50_000), world.usage(meterCa, T3, 10_000), world.close(Da, T3),
  ];
  return { world, genesis, actors: { Da, Db, Aa, Ab, Ac, Ca }, meters: { solarAa, oilAb, solarAc, meterCa }, setup, interval1, interval2, interval3 };
}
