/**
 * @wattledger/protocol/pairing: field pairing of DESIGN §8 (issue #7). Pure: no node:*, no
 * timers, no async; runs unchanged on Node and on the XS engine.
 */
export * from './errors.js';
export * from './noise/cipher-state.js';
export * from './noise/symmetric-state.js';
export * from './noise/handshake-state.js';
export * from './base32.js';
export * from './crc32.js';
export * from './setup-code.js';
export * from './onboarding.js';
export * from './provisioning.js';
export * from './frame.js';
export * from './messages.js';
export * from './channel.js';
export * from './binding.js';
export * from './responder.js';
export * from './initiator.js';
export * from './transport/ndef.js';
export * from './transport/ble.js';
export * from './transport/framing.js';
export * from './transport/memory.js';
