/**
 * Portable Ed25519 (RFC 8032) on @noble/ed25519 with SHA-512 from @noble/hashes. Pure JS:
 * this is what runs on the XS engine and in the firmware bundle.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { checkSecretKey, ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, type Ed25519Provider, type Signer } from './signer.js';

ed.hashes.sha512 = sha512;

export const nobleEd25519: Ed25519Provider = Object.freeze({
  signer(secretKey: Uint8Array): Signer {
    checkSecretKey(secretKey);
    const seed = secretKey.slice();
    const publicKey = ed.getPublicKey(seed);
    return Object.freeze({ publicKey, sign: (message: Uint8Array) => ed.sign(message, seed) });
  },
  publicKeyOf(secretKey: Uint8Array): Uint8Array {
    checkSecretKey(secretKey);
    return ed.getPublicKey(secretKey);
  },
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_BYTES) return false;
    try {
      return ed.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
});
