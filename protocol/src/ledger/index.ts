/** Ledger transaction bodies (DESIGN §7): pure builders and validators shared by gateway and ledger-node. */
export * from './party.js';
export * from './body-reader.js';
export * from './registry-bodies.js';
export * from './reading-bodies.js';
export * from './market-bodies.js';
export * from './settlement-bodies.js';
export * from './ledger-tx.js';
export * from './reading-plausibility.js';
