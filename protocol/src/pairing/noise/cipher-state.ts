/**
 * Noise Protocol Framework rev 34, §5.1 CipherState, with the ChaChaPoly cipher functions of
 * §12.3 on @noble/ciphers (ChaCha20-Poly1305 of RFC 8439). Pure JS: runs on XS.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { PairingError, PairingErrorCode } from '../errors.js';

/** §4.2: 32-byte cipher keys; 16-byte authentication tags. */
export const CIPHER_KEY_BYTES = 32;
export const TAG_BYTES = 16;
/** §3: every Noise message is at most 65535 bytes. */
export const MAX_NOISE_MESSAGE = 65535;
/**
 * §5.1: n = 2^64 - 1 is reserved. Our counters are JS numbers, so we stop at 2^53 - 1, far beyond
 * any pairing session.
 */
export const MAX_NONCE = Number.MAX_SAFE_INTEGER - 1;

const EMPTY = new Uint8Array(0);

/** §12.3: 32 bits of zeros followed by the little-endian encoding of n (64 bits). */
export function chachaNonce(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Noise nonce must be a non-negative safe integer, got ${n}`);
  const nonce = new Uint8Array(12);
  const lo = n % 0x1_0000_0000;
  const hi = Math.floor(n / 0x1_0000_0000);
  nonce[4] = lo & 0xff;
  nonce[5] = (lo >>> 8) & 0xff;
  nonce[6] = (lo >>> 16) & 0xff;
  nonce[7] = (lo >>> 24) & 0xff;
  nonce[8] = hi & 0xff;
  nonce[9] = (hi >>> 8) & 0xff;
  nonce[10] = (hi >>> 16) & 0xff;
  nonce[11] = (hi >>> 24) & 0xff;
  return nonce;
}

/** §4.2 ENCRYPT(k, n, ad, plaintext): ciphertext followed by the 16-byte tag. */
export function encryptAead(k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return chacha20poly1305(k, chachaNonce(n), ad).encrypt(plaintext);
}

/** Thrown by DECRYPT when the tag does not verify; callers translate it into their own code. */
export class NoiseDecryptError extends PairingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(PairingErrorCode.TAMPERED, message, options);
  }
}

/** §4.2 DECRYPT(k, n, ad, ciphertext): the plaintext, or NoiseDecryptError. */
export function decryptAead(k: Uint8Array, n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < TAG_BYTES) throw new NoiseDecryptError(`ciphertext of ${ciphertext.length} bytes is shorter than the ${TAG_BYTES}-byte tag`);
  try {
    return chacha20poly1305(k, chachaNonce(n), ad).decrypt(ciphertext);
  } catch (cause) {
    throw new NoiseDecryptError('authentication tag does not verify', { cause });
  }
}

/** §5.1: a key (or none) and a nonce counter. Mutable, as in the specification. */
export class CipherState {
  #k: Uint8Array | undefined;
  #n = 0;

  constructor(key?: Uint8Array) {
    if (key !== undefined) this.initializeKey(key);
  }

  /** InitializeKey(key): sets k and resets n to 0. */
  initializeKey(key: Uint8Array): void {
    if (!(key instanceof Uint8Array) || key.length !== CIPHER_KEY_BYTES) throw new TypeError(`Noise cipher key must be ${CIPHER_KEY_BYTES} bytes`);
    this.#k = key.slice();
    this.#n = 0;
  }

  hasKey(): boolean {
    return this.#k !== undefined;
  }

  /** SetNonce(nonce). */
  setNonce(nonce: number): void {
    if (!Number.isSafeInteger(nonce) || nonce < 0 || nonce > MAX_NONCE) throw new RangeError(`Noise nonce out of range: ${nonce}`);
    this.#n = nonce;
  }

  get nonce(): number {
    return this.#n;
  }

  /** The raw key, for handing transport keys to a pure channel (see channel.ts). */
  get key(): Uint8Array | undefined {
    return this.#k?.slice();
  }

  /** EncryptWithAd(ad, plaintext): encrypts if k is set, else returns the plaintext. */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#k === undefined) return plaintext.slice();
    if (this.#n > MAX_NONCE) throw new RangeError('Noise nonce exhausted: rekey or start a new session');
    const out = encryptAead(this.#k, this.#n, ad, plaintext);
    this.#n++;
    return out;
  }

  /** DecryptWithAd(ad, ciphertext): on failure n is not incremented (§5.1). */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#k === undefined) return ciphertext.slice();
    if (this.#n > MAX_NONCE) throw new RangeError('Noise nonce exhausted: rekey or start a new session');
    const out = decryptAead(this.#k, this.#n, ad, ciphertext);
    this.#n++;
    return out;
  }

  encrypt(plaintext: Uint8Array): Uint8Array {
    return this.encryptWithAd(EMPTY, plaintext);
  }

  decrypt(ciphertext: Uint8Array): Uint8Array {
    return this.decryptWithAd(EMPTY, ciphertext);
  }
}
