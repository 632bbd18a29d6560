/**
 * A meter on a virtual clock talking to a real broker: virtual time advances in steps, with
 * a real pause between steps for the sockets.
 */
import { nodeEd25519 } from '@wattledger/protocol/node';
import { MemoryStorage, type StorageImage } from '../../src/adapters/memory-storage.js';
import { SeededRandom } from '../../src/adapters/seeded-random.js';
import { VirtualClock } from '../../src/adapters/virtual-clock.js';
import { constantProfile, SimulatedSource } from '../../src/energy/simulated-source.js';
import { createMqttNetwork } from '../../src/platform/node/mqtt-network.js';
import { Meter, type MeterEvent, type MeterOptions } from '../../src/runtime/meter.js';
import { provisioning, T0 } from './fixtures.js';

export interface MeterRig {
  readonly clock: VirtualClock;
  readonly storage: MemoryStorage;
  readonly meter: Meter;
  readonly logs: string[];
  readonly events: MeterEvent[];
  /** Advances virtual time by `ms` in steps, pausing `pauseMs` of real time after each. */
  run(ms: number, stepMs?: number, pauseMs?: number): Promise<void>;
  /** Advances until `done()` holds; fails after `maxMs` of virtual time. */
  until(done: () => boolean, what: string, maxMs?: number, stepMs?: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function meterRig(brokerUrl: string, options: { image?: StorageImage; startMs?: number; meter?: Partial<MeterOptions> } = {}): MeterRig {
  const clock = new VirtualClock({ startMs: options.startMs ?? T0 + 60_000 });
  const storage = new MemoryStorage(options.image);
  const logs: string[] = [];
  const events: MeterEvent[] = [];
  const meter = new Meter(
    { clock, storage, source: new SimulatedSource(constantProfile(2000), clock), network: createMqttNetwork({ connectTimeoutMs: 2000 }), random: new SeededRandom(5), ed25519: nodeEd25519 },
    { provisioning: provisioning({ brokerUrl }), log: (level, message) => logs.push(`${level} ${message}`), onEvent: (e) => events.push(e), publisher: { ackTimeoutMs: 600_000 }, ...options.meter },
  );
  const run = async (ms: number, stepMs = 10_000, pauseMs = 1): Promise<void> => {
    for (let done = 0; done < ms; done += stepMs) {
      clock.advance(Math.min(stepMs, ms - done));
      await sleep(pauseMs);
    }
  };
  const until = async (done: () => boolean, what: string, maxMs = 3_600_000, stepMs = 10_000): Promise<void> => {
    for (let spent = 0; !done(); spent += stepMs) {
      if (spent > maxMs) throw new Error(`timed out (virtual ${maxMs / 1000} s) waiting for ${what}`);
      clock.advance(stepMs);
      await sleep(2);
    }
  };
  return { clock, storage, meter, logs, events, run, until };
}
