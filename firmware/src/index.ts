/**
 * @wattledger/firmware: the meter program (DESIGN §5). The pure core and the hardware seams
 * run on every host; `createVirtualMeter` and the Node adapters run the same firmware in the
 * simulator, tests and the demo.
 */
export * from './hal/index.js';
export * from './core/index.js';
export { Meter, type MeterEvent, type MeterHal, type MeterOptions, type MeterStats } from './runtime/meter.js';
export { MemoryStorage, type StorageImage } from './adapters/memory-storage.js';
export { VirtualClock, type VirtualClockOptions } from './adapters/virtual-clock.js';
export { SeededRandom, hashUnit } from './adapters/seeded-random.js';
export { S0PulseCounter, type EnergyDirection, type S0PulseCounterOptions } from './energy/s0-pulse-counter.js';
export { PowerIntegrator } from './energy/power-integrator.js';
export { constantProfile, householdProfile, SimulatedSource, solarProfile, type PowerProfile } from './energy/simulated-source.js';
export { FileStorage, type FileStorageOptions } from './platform/node/file-storage.js';
export { SystemClock, type SystemClockOptions } from './platform/node/system-clock.js';
export { createMqttNetwork, type NodeMqttNetwork } from './platform/node/mqtt-network.js';
export { nodeRandom } from './platform/node/node-random.js';
export { createVirtualMeter, sourceFromSpec, type SourceSpec, type VirtualMeter, type VirtualMeterOptions } from './virtual-meter.js';
export { expandedKeyEd25519, expandedKeySigner } from './crypto/ed25519-expanded-key.js';
export { measureBuildSignEnqueue, type BuildSignEnqueueResult } from './diagnostics/build-sign-enqueue.js';
export type { RadioHandlers, RadioLinkInfo, RadioTransport, ShortRangeRadio } from './hal/radio.js';
export * from './pairing/index.js';
export { createVirtualFieldMeter, type VirtualFieldMeter, type VirtualFieldMeterOptions } from './pairing/virtual-field-meter.js';
