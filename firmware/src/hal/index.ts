/** The hardware seams of DESIGN §5: every host (Node simulation, Moddable XS) implements these. */
export type { Clock, TimerHandle } from './clock.js';
export { ZERO_COUNTERS, type EnergyCounters, type EnergySource } from './energy-source.js';
export { randomUnit, type RandomSource } from './random.js';
export { checkKey, checkValue, MAX_KEY_LENGTH, type Storage } from './storage.js';
export type { Done, MqttConnectOptions, MqttHandlers, MqttPublishOptions, MqttSession, MqttWill, Network, QoS } from './network.js';
