/** The pure core of the ledger node (DESIGN §7): no node:* import, no clock, no randomness. */
export * from './types.js';
export * from './rejection.js';
export * from './genesis.js';
export * from './events.js';
export * from './hashes.js';
export * from './merkle.js';
export * from './asset-id.js';
export * from './record-codec.js';
export * from './state.js';
export * from './prepare.js';
export * from './apply.js';
export * from './block.js';
export * from './machine.js';
export { rankMethods, contractMethods } from './allocation.js';
