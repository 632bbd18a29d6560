/**
 * Ed25519 signing (RFC 8032 §5.1.6) with the secret key expanded once. @noble/ed25519's
 * `sign(message, seed)` re-derives the public key (a second base-point multiplication) on
 * every call; a meter signs with one key for its whole life, so this provider keeps the
 * expansion (§5.1.5: clamped scalar s, prefix, A = [s]B) and does per signature only
 *   r = SHA-512(prefix || M) mod L,  R = [r]B,  k = SHA-512(R || A || M) mod L,  S = (r + k s) mod L.
 * Signatures are identical to noble's and node:crypto's (Ed25519 is deterministic; tested).
 * Verification is noble's. This is the only BigInt code of the firmware.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { checkSecretKey, concatBytes, nobleEd25519, type Ed25519Provider, type Signer } from '@wattledger/protocol';

/** RFC 8032 §5.1: order of the base point, L = 2^252 + 27742317777372353535851937790883648493. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function bigIntTo32LittleEndian(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function hashModL(...parts: Uint8Array[]): bigint {
  return littleEndianToBigInt(sha512(concatBytes(...parts))) % L;
}

export function expandedKeySigner(secretKey: Uint8Array): Signer {
  checkSecretKey(secretKey);
  const { prefix, scalar, pointBytes } = ed.utils.getExtendedPublicKey(secretKey);
  const publicKey = pointBytes.slice();
  return Object.freeze({
    publicKey,
    sign(message: Uint8Array): Uint8Array {
      const r = hashModL(prefix, message);
      const R = ed.Point.BASE.multiply(r).toBytes();
      const k = hashModL(R, publicKey, message);
      const signature = new Uint8Array(64);
      signature.set(R, 0);
      signature.set(bigIntTo32LittleEndian((r + k * scalar) % L), 32);
      return signature;
    },
  });
}

/** noble's provider with the expanded-key signer: what the device and the simulator sign with. */
export const expandedKeyEd25519: Ed25519Provider = Object.freeze({
  signer: expandedKeySigner,
  publicKeyOf: (secretKey: Uint8Array) => nobleEd25519.publicKeyOf(secretKey),
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => nobleEd25519.verify(publicKey, message, signature),
});
