/**
 * Noise Protocol Framework rev 34, §5.2 SymmetricState, with SHA-256 (§12.5) and the HKDF of
 * §4.3 on @noble/hashes.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../../bytes.js';
import { CIPHER_KEY_BYTES, CipherState } from './cipher-state.js';

/** §4.3: HASHLEN for SHA-256. */
export const HASH_BYTES = 32;

export function hash(data: Uint8Array): Uint8Array {
  return sha256(data);
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, key, data);
}

/**
 * §4.3 HKDF(chaining_key, input_key_material, num_outputs) with num_outputs 2 or 3:
 *   temp_key = HMAC-HASH(chaining_key, ikm); output1 = HMAC-HASH(temp_key, 0x01);
 *   output2 = HMAC-HASH(temp_key, output1 || 0x02); output3 = HMAC-HASH(temp_key, output2 || 0x03).
 */
export function noiseHkdf(chainingKey: Uint8Array, inputKeyMaterial: Uint8Array, numOutputs: 2 | 3): Uint8Array[] {
  const tempKey = hmacSha256(chainingKey, inputKeyMaterial);
  const out1 = hmacSha256(tempKey, Uint8Array.of(1));
  const out2 = hmacSha256(tempKey, concatBytes(out1, Uint8Array.of(2)));
  if (numOutputs === 2) return [out1, out2];
  return [out1, out2, hmacSha256(tempKey, concatBytes(out2, Uint8Array.of(3)))];
}

export class SymmetricState {
  readonly cipher = new CipherState();
  #ck: Uint8Array;
  #h: Uint8Array;

  /** InitializeSymmetric(protocol_name). */
  constructor(protocolName: string) {
    const name = new TextEncoder().encode(protocolName);
    if (name.length <= HASH_BYTES) {
      this.#h = new Uint8Array(HASH_BYTES);
      this.#h.set(name);
    } else {
      this.#h = hash(name);
    }
    this.#ck = this.#h.slice();
  }

  /** MixKey(input_key_material). */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempK] = noiseHkdf(this.#ck, inputKeyMaterial, 2) as [Uint8Array, Uint8Array];
    this.#ck = ck;
    // §5.2: if HASHLEN is 64, temp_k is truncated to 32 bytes; for SHA-256 it already is.
    this.cipher.initializeKey(tempK.subarray(0, CIPHER_KEY_BYTES));
  }

  /** MixHash(data). */
  mixHash(data: Uint8Array): void {
    this.#h = hash(concatBytes(this.#h, data));
  }

  /** GetHandshakeHash(). */
  get handshakeHash(): Uint8Array {
    return this.#h.slice();
  }

  /** EncryptAndHash(plaintext). */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encryptWithAd(this.#h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** DecryptAndHash(ciphertext). */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Split(): two CipherStates, the first for initiator -> responder. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = noiseHkdf(this.#ck, new Uint8Array(0), 2) as [Uint8Array, Uint8Array];
    return [new CipherState(k1.subarray(0, CIPHER_KEY_BYTES)), new CipherState(k2.subarray(0, CIPHER_KEY_BYTES))];
  }
}
