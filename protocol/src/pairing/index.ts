/**
 * @wattledger/protocol/pairing: field pairing of DESIGN §8 (issue #7). Pure: no node:*, no
 * timers, no async; runs unchanged on Node and on the XS engine.
 */
export * from './errors.js';
export * from './noise/cipher-state.js';
export * from './noise/symmetric-state.js';
export * from './noise/handshake-state.js';
