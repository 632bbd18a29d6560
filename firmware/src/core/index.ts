/** The pure firmware core (DESIGN §5): no host APIs, no timers, no async. */
export * from './errors.js';
export * from './ack.js';
export * from './status.js';
export * from './meter-config.js';
export * from './provisioning.js';
export * from './interval-accumulator.js';
export * from './flash-queue.js';
export * from './meter-state.js';
export * from './meter-core.js';
export * from './backoff.js';
export * from './publisher.js';
