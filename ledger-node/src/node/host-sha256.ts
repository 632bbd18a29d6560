/**
 * The SHA-256 the node shell installs in the core's and the protocol's slots (`hashes.sha256`,
 * `setSha256`): node:crypto's one-shot `hash` (Node >= 20.12) with the digest returned as a
 * latin1 string, copied into a 32-byte array. That skips the Hash object `createHash` builds
 * per call (~0.9 us in bindings, and a native object per call for the garbage collector: a
 * close-interval hashing 100,000 events through it spent ~20 ms per scavenge) and the
 * external ArrayBuffer of a Buffer digest: ~0.25 us for 64 bytes, ~0.5 us for a 420-byte
 * transaction, against 0.6 and 1.9 us for the allocation-free JS one. Where `hash` does not
 * exist: the JS one below 1 KiB, createHash above. All compute the same digest.
 */
import * as nodeCrypto from 'node:crypto';
import { nodeSha256 } from '@wattledger/protocol/node';
import { compactSha256 } from '../core/sha256-compact.js';

const SHORT_MESSAGE_BYTES = 1024;

const oneShot = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash;

function oneShotSha256(bytes: Uint8Array): Uint8Array {
  // 'binary' is latin1: one character per byte.
  const digest = oneShot!('sha256', bytes, 'binary');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = digest.charCodeAt(i);
  return out;
}

function fallbackSha256(bytes: Uint8Array): Uint8Array {
  return bytes.length < SHORT_MESSAGE_BYTES ? compactSha256(bytes) : nodeSha256(bytes);
}

export const hostSha256: (bytes: Uint8Array) => Uint8Array = oneShot === undefined ? fallbackSha256 : oneShotSha256;

/** hostSha256 as lower-case hex, straight from node:crypto where `hash` exists (no digest array, no second pass). */
export const hostSha256Hex: ((bytes: Uint8Array) => string) | undefined = oneShot === undefined ? undefined : (bytes) => oneShot('sha256', bytes, 'hex');
