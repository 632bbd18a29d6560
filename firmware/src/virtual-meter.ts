/**
 * Virtual meters for the simulator CLI, the demo and benchmarks: the real firmware (core,
 * runtime, MQTT adapter, file or memory storage) with a simulated energy source, driven by a
 * clock that may run faster than real time. Node only.
 */
import { productionMethodByCode, productionMethodByName, toHex, type MeterId, type ProductionMethodName } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import type { Clock } from './hal/clock.js';
import type { EnergySource } from './hal/energy-source.js';
import type { RandomSource } from './hal/random.js';
import type { Storage } from './hal/storage.js';
import { MemoryStorage } from './adapters/memory-storage.js';
import { SeededRandom } from './adapters/seeded-random.js';
import type { Logger } from './core/errors.js';
import { parseProvisioning, type MeterRole, type Provisioning } from './core/provisioning.js';
import type { PublisherOptions } from './core/publisher.js';
import { constantProfile, householdProfile, SimulatedSource, solarProfile } from './energy/simulated-source.js';
import { FileStorage } from './platform/node/file-storage.js';
import { createMqttNetwork } from './platform/node/mqtt-network.js';
import { nodeRandom } from './platform/node/node-random.js';
import { SystemClock } from './platform/node/system-clock.js';
import { Meter, type MeterEvent, type MeterStats } from './runtime/meter.js';

export type SourceSpec =
  | { readonly kind: 'solar'; readonly peakWatts?: number; readonly latitudeDeg?: number; readonly longitudeDeg?: number; readonly cloudiness?: number; readonly seed?: number }
  | { readonly kind: 'household'; readonly averageWatts?: number; readonly utcOffsetHours?: number; readonly seed?: number }
  | { readonly kind: 'constant'; readonly watts: number; readonly direction?: 'import' | 'export' };

export interface VirtualMeterOptions {
  /** Directory of the meter's flash (journaled file storage); omit for RAM (or pass `storage`). */
  readonly storageDir?: string;
  readonly storage?: Storage;
  /** fsync each flush of file storage (default false: a simulated power cut is a crash of the process, not of the host). */
  readonly fsync?: boolean;
  readonly role: MeterRole;
  /** Producers: a production method name or code (default "solar"). */
  readonly productionMethod?: ProductionMethodName | number;
  /** An energy source, or a simulated one (default: 5 kW solar for producers, a 400 W household for consumers). */
  readonly source?: EnergySource | SourceSpec;
  readonly brokerUrl: string;
  readonly credentials?: { readonly username?: string; readonly password?: string };
  readonly intermediaryId?: string;
  /** Key that signs the config topic (32 bytes or 64 hex); without it no config is ever accepted. */
  readonly intermediaryPublicKey?: Uint8Array | string;
  readonly intervalLength?: number;
  readonly userId?: string;
  readonly ratedPowerWatts?: number;
  /** Shared clock (e.g. `new SystemClock({ speed: 600 })`); default: a new one from `speed` and `startMs`. */
  readonly clock?: Clock;
  readonly speed?: number;
  readonly startMs?: number;
  /** Seed of a deterministic key (reproducible demos); default: node:crypto randomness. */
  readonly seed?: number;
  readonly queueCapacity?: number;
  readonly persistEveryMs?: number;
  readonly publisher?: Partial<PublisherOptions>;
  readonly log?: Logger;
  readonly onEvent?: (event: MeterEvent) => void;
}

export interface VirtualMeter {
  readonly meterId: MeterId;
  readonly publicKey: Uint8Array;
  readonly publicKeyHex: string;
  readonly provisioning: Provisioning;
  readonly clock: Clock;
  readonly meter: Meter;
  /** Connects and starts metering (interval readings on the clock). */
  start(): void;
  /** Planned shutdown: persists, publishes "offline", disconnects, closes storage. */
  stop(): Promise<void>;
  /** Power cut: the broker sees the connection drop and publishes the will. Storage is closed unflushed. */
  powerCut(): Promise<void>;
  stats(): MeterStats;
}

export function sourceFromSpec(spec: SourceSpec, clock: Clock): EnergySource {
  switch (spec.kind) {
    case 'solar':
      return new SimulatedSource(solarProfile({ peakWatts: spec.peakWatts ?? 5000, latitudeDeg: spec.latitudeDeg ?? 48, longitudeDeg: spec.longitudeDeg ?? 0, cloudiness: spec.cloudiness ?? 0.4, seed: spec.seed ?? 1 }), clock);
    case 'household':
      return new SimulatedSource(householdProfile({ averageWatts: spec.averageWatts ?? 400, utcOffsetHours: spec.utcOffsetHours ?? 0, seed: spec.seed ?? 1 }), clock);
    case 'constant':
      return new SimulatedSource(constantProfile(spec.watts, spec.direction ?? 'export'), clock);
  }
}

const ZERO_KEY = '00'.repeat(32);
/** A graceful MQTT close waits for in-flight PUBACKs; never wait on a broker that went away for more than this. */
const STOP_TIMEOUT_MS = 5000;

function settle(done: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)));
  return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
}

export function createVirtualMeter(options: VirtualMeterOptions): VirtualMeter {
  const clock = options.clock ?? new SystemClock({ speed: options.speed ?? 1, ...(options.startMs === undefined ? {} : { startMs: options.startMs }) });
  const storage = options.storage ?? (options.storageDir === undefined ? new MemoryStorage() : new FileStorage(options.storageDir, { fsync: options.fsync ?? false }));
  const random: RandomSource = options.seed === undefined ? nodeRandom : new SeededRandom(options.seed);
  const method = options.role === 'producer' ? (options.productionMethod ?? 'solar') : undefined;
  const methodInfo = typeof method === 'number' ? productionMethodByCode(method) : method === undefined ? undefined : productionMethodByName(method);
  const keyHex = options.intermediaryPublicKey === undefined ? ZERO_KEY : typeof options.intermediaryPublicKey === 'string' ? options.intermediaryPublicKey : toHex(options.intermediaryPublicKey);
  const provisioning = parseProvisioning({
    role: options.role,
    ...(method === undefined ? {} : { productionMethod: methodInfo?.code ?? method }),
    intermediaryId: options.intermediaryId ?? 'intermediary',
    intermediaryPublicKey: keyHex,
    brokerUrl: options.brokerUrl,
    intervalLength: options.intervalLength ?? 1800,
    ...(options.credentials?.username === undefined ? {} : { username: options.credentials.username }),
    ...(options.credentials?.password === undefined ? {} : { password: options.credentials.password }),
    ...(options.userId === undefined ? {} : { userId: options.userId }),
    ...(options.ratedPowerWatts === undefined ? {} : { ratedPowerWatts: options.ratedPowerWatts }),
  });
  const spec = options.source ?? (options.role === 'producer' ? { kind: 'solar' } : { kind: 'household' });
  const source = 'read' in spec ? spec : sourceFromSpec(spec, clock);
  const network = createMqttNetwork();
  const meter = new Meter(
    { clock, storage, source, network, random, ed25519: nodeEd25519 },
    {
      provisioning,
      ...(options.queueCapacity === undefined ? {} : { queueCapacity: options.queueCapacity }),
      ...(options.persistEveryMs === undefined ? {} : { persistEveryMs: options.persistEveryMs }),
      ...(options.publisher === undefined ? {} : { publisher: options.publisher }),
      ...(options.log === undefined ? {} : { log: options.log }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    },
  );
  let closed = false;
  const close = (): void => {
    if (!closed) storage.close();
    closed = true;
  };
  return {
    meterId: meter.meterId,
    publicKey: meter.publicKey,
    publicKeyHex: toHex(meter.publicKey),
    provisioning: meter.core.provisioning,
    clock,
    meter,
    start: () => meter.start(),
    stop: async () => {
      meter.stop();
      close();
      await settle(network.idle());
    },
    powerCut: async () => {
      meter.powerCut();
      close();
      await settle(network.idle());
    },
    stats: () => meter.stats(),
  };
}
