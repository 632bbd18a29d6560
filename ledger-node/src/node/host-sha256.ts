/**
 * The SHA-256 the node shell installs in the core's and the protocol's slots (`hashes.sha256`,
 * `hashes.sha256Hex`, `setSha256`): protocol's nodeSha256 on node:crypto's one-shot `hash`
 * (~0.25 us for 64 bytes, ~0.5 us for a 420-byte transaction, against 0.6 and 1.9 us for the
 * allocation-free JS one). Where `hash` does not exist: the JS one below 1 KiB (createHash
 * costs ~0.9 us per call in bindings, and a close-interval hashing 100,000 events through it
 * spent ~20 ms per scavenge on its native objects), createHash above. All give the same digest.
 */
import { NODE_ONE_SHOT_SHA256, nodeSha256, nodeSha256Hex } from '@wattledger/protocol/node';
import { compactSha256 } from '../core/sha256-compact.js';

const SHORT_MESSAGE_BYTES = 1024;

function fallbackSha256(bytes: Uint8Array): Uint8Array {
  return bytes.length < SHORT_MESSAGE_BYTES ? compactSha256(bytes) : nodeSha256(bytes);
}

export const hostSha256: (bytes: Uint8Array) => Uint8Array = NODE_ONE_SHOT_SHA256 ? nodeSha256 : fallbackSha256;

/** hostSha256 as lower-case hex, where node:crypto gives it directly; else the core makes the hex. */
export const hostSha256Hex: ((bytes: Uint8Array) => string) | undefined = NODE_ONE_SHOT_SHA256 ? nodeSha256Hex : undefined;
