/**
 * The SHA-256 the node shell installs in the core's slot (`hashes.sha256`): node:crypto for
 * long messages (the state root's input), the allocation-free JS one below 1 KiB. node:crypto
 * costs ~0.9 us per call in bindings (the JS one is faster below ~200 bytes) and leaves a
 * native Hash object per call for the garbage collector: a close-interval hashing 100,000
 * events through it spent ~20 ms per scavenge on those, against ~2 ms with the JS one.
 * Both compute the same digest.
 */
import { nodeSha256 } from '@wattledger/protocol/node';
import { compactSha256 } from '../core/sha256-compact.js';

const SHORT_MESSAGE_BYTES = 1024;

export function hostSha256(bytes: Uint8Array): Uint8Array {
  return bytes.length < SHORT_MESSAGE_BYTES ? compactSha256(bytes) : nodeSha256(bytes);
}
