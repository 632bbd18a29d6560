/**
 * @wattledger/protocol: the shared wire contracts of DESIGN §4. Pure: no node:* import, no
 * host globals beyond TextEncoder; runs unchanged on Node and on the XS engine.
 */
export * from './errors.js';
export * from './bytes.js';
export * from './cbor.js';
export * from './hash.js';
export * from './signer.js';
export { nobleEd25519 } from './ed25519-noble.js';
export * from './cose.js';
export * from './production-method.js';
export * from './reading.js';
export * from './topics.js';
export * from './tx.js';
export * from './ledger/index.js';
