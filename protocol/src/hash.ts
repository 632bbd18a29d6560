/**
 * SHA-256 (FIPS 180-4) for ids and hash chains. The default is @noble/hashes (portable, runs on
 * XS); a host may install a faster implementation of the same function with `setSha256`, the
 * way noble's `ed.hashes.sha512` is injected (the ledger node installs node:crypto's). Every
 * implementation gives the same digest, so ids and links never depend on the choice.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { toHex } from './bytes.js';

export const SHA256_BYTES = 32;

export type Sha256 = (bytes: Uint8Array) => Uint8Array;

/** The digest as lower-case hex (what ids are made of). */
export type Sha256Hex = (bytes: Uint8Array) => string;

let implementation: Sha256 = nobleSha256;
let hexImplementation: Sha256Hex | undefined;

export function sha256(bytes: Uint8Array): Uint8Array {
  return implementation(bytes);
}

/** toHex(sha256(bytes)), or the installed function that returns the hex directly. */
export function sha256Hex(bytes: Uint8Array): string {
  return hexImplementation === undefined ? toHex(implementation(bytes)) : hexImplementation(bytes);
}

/**
 * Installs the SHA-256 behind `sha256` (and tx ids, reading hashes, meter ids), optionally
 * with a function giving the same digest as hex; returns the one it replaces.
 */
export function setSha256(fn: Sha256, hex?: Sha256Hex): Sha256 {
  if (typeof fn !== 'function') throw new TypeError('setSha256: a function (bytes) => 32-byte digest expected');
  if (hex !== undefined && typeof hex !== 'function') throw new TypeError('setSha256: hex must be a function (bytes) => 64 hex digits');
  const previous = implementation;
  implementation = fn;
  hexImplementation = hex;
  return previous;
}
