/**
 * A verification worker thread: Ed25519 (RFC 8032) on node:crypto for batches packed by
 * job-codec.ts. Started through verify-worker.mjs, which registers the TypeScript loader.
 */
import { parentPort } from 'node:worker_threads';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { verifyPacked } from './job-codec.js';

export interface VerifyRequest {
  readonly id: number;
  readonly packed: Uint8Array;
}

export type VerifyResponse = { readonly id: number; readonly results: Uint8Array } | { readonly id: number; readonly error: string };

const port = parentPort;
if (port === null) throw new Error('verify-worker.ts must run in a worker thread');

port.on('message', (request: VerifyRequest) => {
  let response: VerifyResponse;
  try {
    const results = verifyPacked(request.packed, nodeEd25519.verify);
    response = { id: request.id, results };
    port.postMessage(response, [results.buffer as ArrayBuffer]);
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    port.postMessage(response);
  }
});
port.postMessage({ ready: true });
