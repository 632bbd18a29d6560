/**
 * The demo's meters: the real firmware (`createVirtualMeter`: core, runtime, mqtt.js adapter,
 * RAM flash) with simulated sources, all on one accelerated clock. A meter's key is made on
 * the device at first boot; with a seeded random source the same seed gives the same key, so
 * the demo reads each meter's identity first (the label a technician would scan), registers
 * it on the ledger, issues its MQTT credential at the gateway, and only then boots the
 * provisioned meter.
 */
import { MeterRole, type IntervalReading } from '@wattledger/protocol';
import { createVirtualMeter, MemoryStorage, type Clock, type PublisherOptions, type SourceSpec, type VirtualMeter } from '@wattledger/firmware';
import { meterSeed } from './cast.js';
import { meterPlan, type MeterIdentity } from './ledger-setup.js';
import type { IntermediaryName, Scenario } from './scenario.js';

export interface FleetMeter {
  readonly identity: MeterIdentity;
  readonly intermediary: IntermediaryName;
  readonly meter: VirtualMeter;
  /** Readings the meter sealed (signed), in order. */
  readonly sealed: IntervalReading[];
}

interface MeterSetup {
  readonly plan: ReturnType<typeof meterPlan>[number];
  readonly intermediary: IntermediaryName;
  readonly source: SourceSpec;
  readonly seed: number;
}

function setups(scenario: Scenario): MeterSetup[] {
  return meterPlan(scenario).map((plan) => {
    const producer = scenario.producers.find((p) => p.name === plan.name);
    const consumer = scenario.consumers.find((c) => c.name === plan.name);
    const seed = meterSeed(scenario, plan.name);
    if (producer !== undefined) return { plan, intermediary: producer.intermediary, source: producer.source, seed };
    if (consumer !== undefined) return { plan, intermediary: consumer.intermediary, source: { kind: 'household', averageWatts: consumer.averageWatts, seed: seed % 1000 }, seed };
    throw new RangeError(`scenario: no producer or consumer named ${plan.name}`);
  });
}

function virtualMeter(setup: MeterSetup, scenario: Scenario, options: { brokerUrl: string; clock?: Clock; password?: string; publisher?: Partial<PublisherOptions>; onSealed?: (r: IntervalReading) => void }): VirtualMeter {
  const producer = setup.plan.role === MeterRole.PRODUCER;
  return createVirtualMeter({
    storage: new MemoryStorage(),
    role: setup.plan.role,
    ...(producer ? { productionMethod: setup.plan.productionMethod } : { userId: setup.plan.name }),
    source: setup.source,
    brokerUrl: options.brokerUrl,
    ...(options.password === undefined ? {} : { credentials: { password: options.password } }),
    intermediaryId: setup.intermediary,
    intervalLength: scenario.intervalS,
    ratedPowerWatts: setup.plan.ratedPowerW,
    seed: setup.seed,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.publisher === undefined ? {} : { publisher: options.publisher }),
    ...(options.onSealed === undefined ? {} : { onEvent: (e) => { if (e.type === 'sealed') options.onSealed!(e.reading); } }),
  });
}

/** Each meter's id and public key, as its first boot makes them (nothing is started or connected). */
export function meterIdentities(scenario: Scenario): MeterIdentity[] {
  return setups(scenario).map((setup) => {
    const probe = virtualMeter(setup, scenario, { brokerUrl: 'mqtt://127.0.0.1:1883' });
    return { ...setup.plan, meterId: probe.meterId, publicKey: probe.publicKey };
  });
}

export interface FleetOptions {
  readonly clock: Clock;
  readonly brokerUrl: (intermediary: IntermediaryName) => string;
  readonly credential: (intermediary: IntermediaryName, meterId: string) => string;
  readonly publisher: Partial<PublisherOptions>;
}

/** The provisioned meters, not started. */
export function createFleet(scenario: Scenario, identities: readonly MeterIdentity[], options: FleetOptions): FleetMeter[] {
  return setups(scenario).map((setup) => {
    const identity = identities.find((m) => m.name === setup.plan.name);
    if (identity === undefined) throw new RangeError(`fleet: no identity for meter ${setup.plan.name}`);
    const sealed: IntervalReading[] = [];
    const meter = virtualMeter(setup, scenario, {
      brokerUrl: options.brokerUrl(setup.intermediary),
      clock: options.clock,
      password: options.credential(setup.intermediary, identity.meterId),
      publisher: options.publisher,
      onSealed: (reading) => sealed.push(reading),
    });
    if (meter.meterId !== identity.meterId) throw new Error(`fleet: meter ${setup.plan.name} booted with id ${meter.meterId}, registered as ${identity.meterId}`);
    return { identity, intermediary: setup.intermediary, meter, sealed };
  });
}
