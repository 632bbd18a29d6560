/**
 * SHA-256 (FIPS 180-4) for ids and hash chains. The default is @noble/hashes (portable, runs on
 * XS); a host may install a faster implementation of the same function with `setSha256`, the
 * way noble's `ed.hashes.sha512` is injected (the ledger node installs node:crypto's). Every
 * implementation gives the same digest, so ids and links never depend on the choice.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export const SHA256_BYTES = 32;

export type Sha256 = (bytes: Uint8Array) => Uint8Array;

let implementation: Sha256 = nobleSha256;

export function sha256(bytes: Uint8Array): Uint8Array {
  return implementation(bytes);
}

/** Installs the SHA-256 behind `sha256` (and tx ids, reading hashes, meter ids); returns the one it replaces. */
export function setSha256(fn: Sha256): Sha256 {
  if (typeof fn !== 'function') throw new TypeError('setSha256: a function (bytes) => 32-byte digest expected');
  const previous = implementation;
  implementation = fn;
  return previous;
}
