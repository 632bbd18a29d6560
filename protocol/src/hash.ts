/** SHA-256 (FIPS 180-4) for ids and hash chains, from @noble/hashes: identical on Node and XS. */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export const SHA256_BYTES = 32;

export function sha256(bytes: Uint8Array): Uint8Array {
  return nobleSha256(bytes);
}
