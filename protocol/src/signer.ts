/**
 * The seams through which every Ed25519 signature (RFC 8032) is made or checked. Codecs take
 * a Signer or Verifier as an argument: the portable one (noble) runs on XS and in firmware,
 * the node:crypto one (protocol/node) in gateway and ledger.
 */

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SECRET_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

export interface Signer {
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** Pure Ed25519 (no prehash, no context) signature of `message`: 64 bytes. */
  sign(message: Uint8Array): Uint8Array;
}

export interface Verifier {
  /** True iff `signature` is a valid Ed25519 signature of `message` under `publicKey`; never throws on bad input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export interface Ed25519Provider extends Verifier {
  /** Signer for a 32-byte secret seed. */
  signer(secretKey: Uint8Array): Signer;
  publicKeyOf(secretKey: Uint8Array): Uint8Array;
}

export function checkSecretKey(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array)) throw new TypeError('Ed25519 secret key: Uint8Array expected');
  if (secretKey.length !== ED25519_SECRET_KEY_BYTES) throw new RangeError(`Ed25519 secret key: ${ED25519_SECRET_KEY_BYTES} bytes expected, got ${secretKey.length}`);
}
