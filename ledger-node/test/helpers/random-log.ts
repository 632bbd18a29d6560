/**
 * Random ledger logs for property tests: abstract commands drawn by fast-check are turned
 * into signed transactions against the state they will meet (so transfers name real assets),
 * with a share of forged, replayed and out-of-order ones mixed in.
 */
import fc from 'fast-check';
import { MeterRole, PartyRole, productionMethodByName } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { LedgerWorld, type Actor, type SimMeter } from '../../src/sim/ledger-world.js';
import type { LedgerState } from '../../src/core/state.js';
import type { Genesis } from '../../src/core/genesis.js';

export type Command =
  | { kind: 'issue'; meter: number; interval: number; wh: number }
  | { kind: 'usage'; consumer: number; interval: number; wh: number }
  | { kind: 'close'; intermediary: number; skip: number }
  | { kind: 'closeAt'; intermediary: number; interval: number }
  | { kind: 'transfer'; pick: number; to: number; part: number }
  | { kind: 'policy'; intermediary: number; to: number; method: number; max: number }
  | { kind: 'contract'; consumer: number; target: number; providers: number; granular: boolean }
  | { kind: 'forged'; meter: number; interval: number }
  | { kind: 'replay'; pick: number }
  | { kind: 'stale'; meter: number };

export const INTERVALS = 6;

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('issue' as const), meter: fc.nat(5), interval: fc.nat(INTERVALS - 1), wh: fc.integer({ min: 1, max: 5000 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('usage' as const), consumer: fc.nat(3), interval: fc.nat(INTERVALS - 1), wh: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('close' as const), intermediary: fc.nat(1), skip: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('closeAt' as const), intermediary: fc.nat(1), interval: fc.nat(INTERVALS - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('transfer' as const), pick: fc.nat(50), to: fc.nat(1), part: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('policy' as const), intermediary: fc.nat(1), to: fc.nat(1), method: fc.nat(2), max: fc.integer({ min: 0, max: 6000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('contract' as const), consumer: fc.nat(3), target: fc.integer({ min: 0, max: 100 }), providers: fc.integer({ min: 0, max: 7 }), granular: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forged' as const), meter: fc.nat(5), interval: fc.nat(INTERVALS - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), meter: fc.nat(5) }) },
);

export const SOLAR = productionMethodByName('solar')!.code;
export const WIND = productionMethodByName('wind')!.code;
export const OIL = productionMethodByName('oil')!.code;

export class RandomLedger {
  readonly world: LedgerWorld;
  readonly genesis: Genesis;
  readonly intermediaries: Actor[];
  readonly providers: Actor[];
  readonly consumers: Actor[];
  readonly producerMeters: SimMeter[];
  readonly consumerMeters: SimMeter[];
  readonly setup: Uint8Array[];
  readonly t0 = 1_800_000_000 - (1_800_000_000 % 1800);
  private readonly sent: Uint8Array[] = [];

  constructor(seed = 'random-log', assetLifetimeS = 3 * 1800) {
    this.world = new LedgerWorld({ provider: nodeEd25519, chainId: 'random', seed, assetLifetimeS });
    const w = this.world;
    this.intermediaries = [w.actor('D0', PartyRole.INTERMEDIARY), w.actor('D1', PartyRole.INTERMEDIARY)];
    const [d0, d1] = this.intermediaries as [Actor, Actor];
    this.providers = [w.actor('P-solar', PartyRole.PROVIDER, d0), w.actor('P-wind', PartyRole.PROVIDER, d1), w.actor('P-oil', PartyRole.PROVIDER, d0)];
    this.consumers = [0, 1, 2, 3].map((i) => w.actor(`C${i}`, PartyRole.CONSUMER, this.intermediaries[i % 2]));
    const methods = [SOLAR, WIND, OIL];
    this.producerMeters = [0, 1, 2, 3, 4, 5].map((i) => w.meter(`pm${i}`, MeterRole.PRODUCER, this.providers[i % 3]!, this.intermediaries[(i >> 1) % 2]!, methods[i % 3], 10_000_000));
    this.consumerMeters = this.consumers.map((c, i) => w.meter(`cm${i}`, MeterRole.CONSUMER, c, this.intermediaries[i % 2]!));
    this.genesis = w.genesis(this.intermediaries);
    this.setup = [
      ...this.providers.map((p) => w.registerParty(p)),
      ...this.consumers.map((c) => w.registerParty(c)),
      ...this.producerMeters.map((m) => w.registerMeter(m)),
      ...this.consumerMeters.map((m) => w.registerMeter(m)),
      ...this.consumers.map((c, i) => w.contract(c, this.intermediaries[i % 2]!, { targetPercent: [100, 50, 20, 80][i]!, providers: this.providers, granular: i === 3 })),
      w.policy(d1, [{ to: d0.id, methods: [SOLAR, WIND], priority: 1 }]),
      w.policy(d0, [{ to: d1.id, methods: [OIL, SOLAR], priority: 0, maxWhPerInterval: 2000 }]),
    ];
  }

  interval(i: number): number {
    return this.t0 + i * 1800;
  }

  /** The transaction for a command, given the state it will be applied to (undefined: skip). */
  materialize(command: Command, state: LedgerState): Uint8Array | undefined {
    const w = this.world;
    const tx = ((): Uint8Array | undefined => {
      switch (command.kind) {
        case 'issue': return w.issue(this.producerMeters[command.meter]!, this.interval(command.interval), command.wh);
        case 'usage': return w.usage(this.consumerMeters[command.consumer]!, this.interval(command.interval), command.wh);
        case 'close': {
          // The next interval(s) after the last closed one: the normal cadence.
          const d = this.intermediaries[command.intermediary]!;
          const last = state.clocks.get(d.id)?.lastClosed;
          return w.close(d, last === undefined ? this.interval(command.skip) : last + 1800 * (1 + command.skip));
        }
        case 'closeAt': return w.close(this.intermediaries[command.intermediary]!, this.interval(command.interval));
        case 'transfer': {
          const open = [...state.assets.values()].filter((a) => a.status === 'open').sort((a, b) => (a.id < b.id ? -1 : 1));
          const asset = open[command.pick % Math.max(1, open.length)];
          if (asset === undefined) return undefined;
          const owner = this.intermediaries.find((d) => d.id === asset.owner);
          const to = this.intermediaries[command.to]!;
          if (owner === undefined) return undefined;
          return w.transfer(asset.id, owner, to, Math.max(1, Math.floor((asset.wh * command.part) / 100)));
        }
        case 'policy': {
          const from = this.intermediaries[command.intermediary]!;
          const to = this.intermediaries[command.to]!;
          const rules = from === to ? [] : [{ to: to.id, methods: [[SOLAR, WIND, OIL][command.method]!], priority: 0, ...(command.max > 0 ? { maxWhPerInterval: command.max } : {}) }];
          return w.policy(from, rules);
        }
        case 'contract': {
          const consumer = this.consumers[command.consumer]!;
          const providers = this.providers.filter((_, i) => (command.providers & (1 << i)) !== 0);
          return w.contract(consumer, this.intermediaries[command.consumer % 2]!, { targetPercent: command.target, providers, granular: command.granular });
        }
        case 'forged': {
          // Signed by the wrong meter key: the reading claims meter A but meter B signed it.
          const meter = this.producerMeters[command.meter]!;
          const impostor = this.producerMeters[(command.meter + 1) % this.producerMeters.length]!;
          const saved = { seq: meter.seq, prevHash: meter.prevHash };
          const reading = w.reading(meter, this.interval(command.interval), 100);
          meter.seq = saved.seq;
          meter.prevHash = saved.prevHash;
          return w.tx('issue-asset', { readings: w.signed({ ...meter, signer: impostor.signer }, reading) }, meter.intermediary);
        }
        case 'replay': return this.sent.length === 0 ? undefined : this.sent[command.pick % this.sent.length];
        case 'stale': {
          // A reading whose sequence number goes backwards.
          const meter = this.producerMeters[command.meter]!;
          if (meter.seq < 2) return undefined;
          const saved = { seq: meter.seq, prevHash: meter.prevHash };
          meter.seq -= 2;
          const tx = w.issue(meter, this.interval(0), 10);
          meter.seq = saved.seq;
          meter.prevHash = saved.prevHash;
          return tx;
        }
      }
    })();
    if (tx !== undefined) this.sent.push(tx);
    return tx;
  }
}
