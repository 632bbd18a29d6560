/**
 * A pairable virtual meter (Node only): the real FieldMeter (runtime, commissioning shell,
 * staged provisioning) on memory or file storage, mqtt.js, node:crypto, and the in-memory
 * radio, for the technician tool's `--simulate` mode, the demo and end-to-end tests.
 */
import { encodeOnboardingText } from '@wattledger/protocol/pairing';
import type { OnboardingPayload, ResponderPolicy } from '@wattledger/protocol/pairing';
import { nodeEd25519 } from '@wattledger/protocol/node';
import type { Clock } from '../hal/clock.js';
import type { EnergySource } from '../hal/energy-source.js';
import type { RadioLinkInfo } from '../hal/radio.js';
import type { RandomSource } from '../hal/random.js';
import type { Storage } from '../hal/storage.js';
import { MemoryStorage } from '../adapters/memory-storage.js';
import { SeededRandom } from '../adapters/seeded-random.js';
import type { Logger } from '../core/errors.js';
import type { Provisioning } from '../core/provisioning.js';
import type { PublisherOptions } from '../core/publisher.js';
import { FileStorage } from '../platform/node/file-storage.js';
import { createMqttNetwork } from '../platform/node/mqtt-network.js';
import { nodeRandom } from '../platform/node/node-random.js';
import { SystemClock } from '../platform/node/system-clock.js';
import { sourceFromSpec, type SourceSpec } from '../virtual-meter.js';
import { FieldMeter, type FieldMeterEvent } from './field-meter.js';
import { memoryRadio, type MemoryRadioOptions, type RadioPeer } from './memory-radio.js';

export interface VirtualFieldMeterOptions {
  readonly storageDir?: string;
  readonly storage?: Storage;
  readonly clock?: Clock;
  /**
   * Without a clock: wall time starts this many ms before a UTC midnight in the past, so the
   * first interval of any length ends that soon after start (a quick first reading, never one
   * from the future). Default: the host's time.
   */
  readonly firstBoundaryInMs?: number;
  /** Deterministic key and pairing secrets (reproducible demos); default: node:crypto randomness. */
  readonly seed?: number;
  /** Default: a constant 1.5 kW export. */
  readonly source?: EnergySource | SourceSpec;
  readonly provisioning?: Provisioning;
  readonly pairing?: Partial<ResponderPolicy>;
  readonly radio?: MemoryRadioOptions;
  readonly publisher?: Partial<PublisherOptions>;
  readonly log?: Logger;
  readonly onEvent?: (event: FieldMeterEvent) => void;
}

export interface VirtualFieldMeter {
  readonly meter: FieldMeter;
  readonly clock: Clock;
  readonly onboarding: OnboardingPayload;
  /** The QR text form of the onboarding payload. */
  readonly onboardingText: string;
  /** A technician's device connects over the in-memory radio. */
  connect(info: RadioLinkInfo): RadioPeer;
  start(): void;
  /** Planned shutdown; resolves when the MQTT socket is closed. */
  stop(): Promise<void>;
  powerCut(): Promise<void>;
}

const DAY_MS = 86_400_000;

export function createVirtualFieldMeter(options: VirtualFieldMeterOptions = {}): VirtualFieldMeter {
  const startMs = options.firstBoundaryInMs === undefined ? undefined : Math.floor(Date.now() / DAY_MS) * DAY_MS - options.firstBoundaryInMs;
  const clock = options.clock ?? new SystemClock(startMs === undefined ? {} : { startMs });
  const storage = options.storage ?? (options.storageDir === undefined ? new MemoryStorage() : new FileStorage(options.storageDir));
  const random: RandomSource = options.seed === undefined ? nodeRandom : new SeededRandom(options.seed);
  const spec = options.source ?? { kind: 'constant', watts: 1500, direction: 'export' };
  const source = 'read' in spec ? spec : sourceFromSpec(spec, clock);
  const network = createMqttNetwork();
  const air = memoryRadio(options.radio);
  const meter = new FieldMeter(
    { clock, storage, source, network, random, ed25519: nodeEd25519, radio: air.radio },
    {
      ...(options.provisioning === undefined ? {} : { provisioning: options.provisioning }),
      ...(options.pairing === undefined ? {} : { pairing: options.pairing }),
      ...(options.publisher === undefined ? {} : { publisher: options.publisher }),
      ...(options.log === undefined ? {} : { log: options.log }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    },
  );
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) storage.close();
    closed = true;
    // A graceful close waits for in-flight PUBACKs; never wait on a broker that went away.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([network.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]).finally(() => clearTimeout(timer));
  };
  return {
    meter,
    clock,
    onboarding: meter.onboarding,
    onboardingText: encodeOnboardingText(meter.onboarding),
    connect: (info) => air.connect(info),
    start: () => meter.start(),
    stop: async () => {
      meter.stop();
      await close();
    },
    powerCut: async () => {
      meter.powerCut();
      await close();
    },
  };
}
