/** Node-only helpers of the protocol package (node:crypto). Never imported by the pure core. */
export { nodeEd25519 } from './ed25519-node.js';
export { NODE_ONE_SHOT_SHA256, nodeSha256, nodeSha256Hex } from './sha256-node.js';
export { runInXs, xsWorkerPath, XsScriptError, XsUnavailableError, type XsRunResult } from './xs-run.js';
