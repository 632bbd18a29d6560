/**
 * @wattledger/ledger-node: the replicated asset ledger of DESIGN §7.
 *   startLedgerNode({ dataDir, genesis, port: 0 }) -> { url, node, close() }
 */
export * from './core/index.js';
export * from './ordering/ordering.js';
export { openEmbeddedSequencer, type EmbeddedSequencerOptions } from './ordering/embedded-sequencer.js';
export { LedgerNode, type LedgerNodeOptions, type SubmitResult } from './node/ledger-node.js';
export { hostSha256, hostSha256Hex } from './node/host-sha256.js';
export { hostLeafHasher, workerLeafHasher, type WorkerLeafHasher } from './node/leaf-hasher.js';
export { LedgerStore } from './store/ledger-store.js';
export { createLedgerServer } from './http/server.js';
export { startLedgerNode, type StartLedgerNodeOptions, type RunningLedgerNode } from './start.js';
export * from './certificate/index.js';
export { LedgerWorld, type Actor, type SimMeter, type LedgerWorldOptions } from './sim/ledger-world.js';
export * from './cluster/index.js';
