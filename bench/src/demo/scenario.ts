/**
 * The demo's cast: the worked example of JP7803395B2 (intermediaries Da and Db; providers Aa,
 * solar, and Ab, oil, under Da; consumer Ca under Da at a 40 % renewable target selecting Aa
 * and Ab; Db's transfer policy admits Da for solar, so Da borrows Db's solar when it lacks
 * its own) with a few more producers and consumers around it. Pure data: keys and meters are
 * made from it by ledger-setup.ts and fleet.ts.
 *
 * Sizing is chosen so the patent's path is taken: Da's own solar (Aa) is small and consumer Cb
 * (100 % renewable from Aa's solar and Ad's hydro, both ranked best) competes with Ca for it,
 * while Db's consumers select wind and LNG only, leaving Db's large solar farm (Ac) to lend.
 */
import type { ProductionMethodName } from '@wattledger/protocol';
import type { SourceSpec } from '@wattledger/firmware';

export type IntermediaryName = 'Da' | 'Db';

export interface IntermediarySpec {
  readonly name: IntermediaryName;
  readonly title: string;
}

export interface ProducerSpec {
  /** Provider party name (one meter per provider). */
  readonly name: string;
  readonly title: string;
  readonly intermediary: IntermediaryName;
  readonly method: ProductionMethodName;
  readonly source: SourceSpec;
  /**
   * Registered rated power, W: the plausibility bound on the gateway and the ledger. Twice the
   * source's output or more: on an accelerated clock a late sample moves energy into an interval.
   */
  readonly ratedPowerW: number;
}

export interface ConsumerSpec {
  readonly name: string;
  readonly title: string;
  readonly intermediary: IntermediaryName;
  readonly targetPercent: number;
  /** Provider names the contract selects (their methods are the ones allocation may use). */
  readonly providers: readonly string[];
  readonly averageWatts: number;
  readonly ratedPowerW: number;
}

export interface TransferPolicySpec {
  /** The lender, owner of the policy. */
  readonly from: IntermediaryName;
  readonly to: IntermediaryName;
  readonly methods: readonly ProductionMethodName[];
  readonly priority: number;
}

export interface Scenario {
  readonly chainId: string;
  /** Seed of every party key (LedgerWorld) and of the meters' deterministic keys. */
  readonly seed: string;
  readonly region: string;
  readonly intervalS: number;
  readonly intermediaries: readonly IntermediarySpec[];
  readonly producers: readonly ProducerSpec[];
  readonly consumers: readonly ConsumerSpec[];
  readonly policies: readonly TransferPolicySpec[];
  /** The consumer whose certificate application the demo writes and verifies. */
  readonly certificateFor: string;
}

const LATITUDE = 35;

export const PATENT_SCENARIO: Scenario = Object.freeze({
  chainId: 'wattledger-demo',
  seed: 'wattledger-demo/1',
  region: 'JP',
  intervalS: 1800,
  intermediaries: [
    { name: 'Da', title: 'Utility Da' },
    { name: 'Db', title: 'Utility Db' },
  ],
  producers: [
    { name: 'Aa', title: 'Aa rooftop solar', intermediary: 'Da', method: 'solar', source: { kind: 'solar', peakWatts: 1200, latitudeDeg: LATITUDE, cloudiness: 0.6, seed: 11 }, ratedPowerW: 2500 },
    { name: 'Ab', title: 'Ab oil plant', intermediary: 'Da', method: 'oil', source: { kind: 'constant', watts: 3000 }, ratedPowerW: 6000 },
    { name: 'Ad', title: 'Ad small hydro', intermediary: 'Da', method: 'hydro', source: { kind: 'constant', watts: 500 }, ratedPowerW: 1000 },
    { name: 'Ac', title: 'Ac solar farm', intermediary: 'Db', method: 'solar', source: { kind: 'solar', peakWatts: 12_000, latitudeDeg: LATITUDE, cloudiness: 0.3, seed: 12 }, ratedPowerW: 20_000 },
    { name: 'Ae', title: 'Ae wind turbine', intermediary: 'Db', method: 'wind', source: { kind: 'constant', watts: 1500 }, ratedPowerW: 3000 },
    { name: 'Af', title: 'Af LNG plant', intermediary: 'Db', method: 'lng', source: { kind: 'constant', watts: 4000 }, ratedPowerW: 8000 },
  ],
  consumers: [
    { name: 'Ca', title: 'Ca household', intermediary: 'Da', targetPercent: 40, providers: ['Aa', 'Ab'], averageWatts: 500, ratedPowerW: 15_000 },
    { name: 'Cb', title: 'Cb green office', intermediary: 'Da', targetPercent: 100, providers: ['Aa', 'Ad'], averageWatts: 600, ratedPowerW: 15_000 },
    { name: 'Cc', title: 'Cc workshop', intermediary: 'Db', targetPercent: 60, providers: ['Ae', 'Af'], averageWatts: 700, ratedPowerW: 15_000 },
    { name: 'Cd', title: 'Cd household', intermediary: 'Db', targetPercent: 20, providers: ['Ae', 'Af'], averageWatts: 450, ratedPowerW: 15_000 },
  ],
  policies: [{ from: 'Db', to: 'Da', methods: ['solar'], priority: 0 }],
  certificateFor: 'Ca',
} satisfies Scenario);
