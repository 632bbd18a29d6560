/**
 * Noise Protocol Framework rev 34, §5.3 HandshakeState and §7 handshake patterns, with the
 * 25519 DH functions of §12.1 (X25519, RFC 7748) on @noble/curves. The suite is fixed to
 * Noise_*_25519_ChaChaPoly_SHA256; pairing uses NK (§7.4):
 *
 *   NK:
 *     <- s
 *     ...
 *     -> e, es
 *     <- e, ee
 *
 * Pure: randomness is injected (a fixed ephemeral for test vectors, or a `random` function
 * provided by the host); no async, no host globals.
 */
import { x25519 } from './x25519.js';
import { concatBytes } from '../../bytes.js';
import { PairingError, PairingErrorCode } from '../errors.js';
import { type CipherState, MAX_NOISE_MESSAGE, TAG_BYTES } from './cipher-state.js';
import { SymmetricState } from './symmetric-state.js';

/** §4.1: DHLEN for Curve25519. */
export const DH_BYTES = 32;

export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss';

export interface HandshakePattern {
  readonly name: string;
  /** Pre-message tokens of the initiator and the responder (§7.1): only 'e' or 's'. */
  readonly preInitiator: ReadonlyArray<'e' | 's'>;
  readonly preResponder: ReadonlyArray<'e' | 's'>;
  /** Message patterns in order; even indices are written by the initiator. */
  readonly messages: ReadonlyArray<ReadonlyArray<Token>>;
}

/** §7.4 NK: the responder's static key is known to the initiator beforehand (from the onboarding payload). */
export const NK: HandshakePattern = Object.freeze({
  name: 'NK',
  preInitiator: Object.freeze([]),
  preResponder: Object.freeze(['s'] as const),
  messages: Object.freeze([Object.freeze(['e', 'es'] as const), Object.freeze(['e', 'ee'] as const)]),
});

export const NOISE_SUITE = '25519_ChaChaPoly_SHA256';

export function protocolName(pattern: HandshakePattern): string {
  return `Noise_${pattern.name}_${NOISE_SUITE}`;
}

export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** X25519 key pair from a 32-byte secret (clamped as RFC 7748 §5 says). */
export function x25519KeyPair(secretKey: Uint8Array): KeyPair {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== DH_BYTES) throw new TypeError(`X25519 secret key must be ${DH_BYTES} bytes`);
  return Object.freeze({ secretKey: secretKey.slice(), publicKey: x25519.getPublicKey(secretKey) });
}

/** §4.1 DH(key_pair, public_key); a low-order or malformed peer key is a handshake failure. */
export function dh(keyPair: KeyPair, publicKey: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(keyPair.secretKey, publicKey);
  } catch (cause) {
    throw new PairingError(PairingErrorCode.BAD_HANDSHAKE, 'peer X25519 key is invalid (low order or malformed)', { cause });
  }
}

export interface HandshakeOptions {
  pattern: HandshakePattern;
  initiator: boolean;
  prologue: Uint8Array;
  /** Local static key pair. */
  s?: KeyPair;
  /** Local ephemeral key pair: fixed for test vectors; otherwise generated from `random`. */
  e?: KeyPair;
  /** Remote static public key known beforehand (pre-message). */
  rs?: Uint8Array;
  /** Remote ephemeral public key known beforehand (pre-message). */
  re?: Uint8Array;
  /** Source of 32 random bytes for a new ephemeral key, when `e` is not given. */
  random?: (length: number) => Uint8Array;
}

export interface HandshakeResult {
  /** Initiator -> responder. */
  readonly c1: CipherState;
  /** Responder -> initiator. */
  readonly c2: CipherState;
  readonly handshakeHash: Uint8Array;
}

/** §5.3. One instance per handshake; after any failure it refuses further use (§5.3, "abort"). */
export class HandshakeState {
  readonly #ss: SymmetricState;
  readonly #initiator: boolean;
  readonly #pattern: HandshakePattern;
  readonly #random: ((length: number) => Uint8Array) | undefined;
  #s: KeyPair | undefined;
  #e: KeyPair | undefined;
  #rs: Uint8Array | undefined;
  #re: Uint8Array | undefined;
  #index = 0;
  #failed = false;
  #result: HandshakeResult | undefined;

  /** Initialize(handshake_pattern, initiator, prologue, s, e, rs, re). */
  constructor(options: HandshakeOptions) {
    const { pattern, initiator, prologue } = options;
    if (!(prologue instanceof Uint8Array)) throw new TypeError('Noise prologue must be a Uint8Array');
    this.#pattern = pattern;
    this.#initiator = initiator;
    this.#s = options.s;
    this.#e = options.e;
    this.#rs = checkKey(options.rs, 'rs');
    this.#re = checkKey(options.re, 're');
    this.#random = options.random;
    this.#ss = new SymmetricState(protocolName(pattern));
    this.#ss.mixHash(prologue);
    // §7.1: the initiator's pre-message keys are hashed first, then the responder's.
    for (const token of pattern.preInitiator) this.#ss.mixHash(this.#preKey(token, initiator));
    for (const token of pattern.preResponder) this.#ss.mixHash(this.#preKey(token, !initiator));
  }

  #preKey(token: 'e' | 's', local: boolean): Uint8Array {
    const key = token === 's' ? (local ? this.#s?.publicKey : this.#rs) : local ? this.#e?.publicKey : this.#re;
    if (key === undefined) throw new TypeError(`Noise ${this.#pattern.name}: pre-message key '${token}' of the ${local ? 'local' : 'remote'} party is required`);
    return key;
  }

  get isComplete(): boolean {
    return this.#result !== undefined;
  }

  /** True when it is this party's turn to write. */
  get isMyTurn(): boolean {
    return this.#index % 2 === (this.#initiator ? 0 : 1);
  }

  get result(): HandshakeResult {
    if (this.#result === undefined) throw new Error('Noise handshake is not complete');
    return this.#result;
  }

  get remoteStatic(): Uint8Array | undefined {
    return this.#rs?.slice();
  }

  get remoteEphemeral(): Uint8Array | undefined {
    return this.#re?.slice();
  }

  /** WriteMessage(payload, message_buffer). */
  writeMessage(payload: Uint8Array): Uint8Array {
    this.#checkTurn(true);
    const tokens = this.#pattern.messages[this.#index]!;
    const parts: Uint8Array[] = [];
    try {
      for (const token of tokens) {
        if (token === 'e') {
          if (this.#e === undefined) this.#e = this.#generateEphemeral();
          parts.push(this.#e.publicKey);
          this.#ss.mixHash(this.#e.publicKey);
        } else if (token === 's') {
          parts.push(this.#ss.encryptAndHash(this.#need(this.#s, 's').publicKey));
        } else {
          this.#mixDh(token);
        }
      }
      parts.push(this.#ss.encryptAndHash(payload));
    } catch (error) {
      this.#failed = true;
      throw error;
    }
    const message = concatBytes(...parts);
    if (message.length > MAX_NOISE_MESSAGE) throw new RangeError(`Noise message of ${message.length} bytes exceeds ${MAX_NOISE_MESSAGE}`);
    this.#advance();
    return message;
  }

  /** ReadMessage(message, payload_buffer): the decrypted payload; BAD_HANDSHAKE on any failure. */
  readMessage(message: Uint8Array): Uint8Array {
    this.#checkTurn(false);
    if (!(message instanceof Uint8Array)) throw new TypeError('Noise message must be a Uint8Array');
    const tokens = this.#pattern.messages[this.#index]!;
    let offset = 0;
    const take = (length: number, what: string): Uint8Array => {
      if (offset + length > message.length) throw new PairingError(PairingErrorCode.BAD_HANDSHAKE, `handshake message truncated: ${what} needs ${length} bytes at offset ${offset}, message has ${message.length}`);
      const part = message.subarray(offset, offset + length);
      offset += length;
      return part;
    };
    let payload: Uint8Array;
    try {
      if (message.length > MAX_NOISE_MESSAGE) throw new PairingError(PairingErrorCode.BAD_HANDSHAKE, `handshake message of ${message.length} bytes exceeds ${MAX_NOISE_MESSAGE}`);
      for (const token of tokens) {
        if (token === 'e') {
          this.#re = take(DH_BYTES, 'e').slice();
          this.#ss.mixHash(this.#re);
        } else if (token === 's') {
          const length = this.#ss.cipher.hasKey() ? DH_BYTES + TAG_BYTES : DH_BYTES;
          this.#rs = this.#ss.decryptAndHash(take(length, 's'));
        } else {
          this.#mixDh(token);
        }
      }
      payload = this.#ss.decryptAndHash(message.subarray(offset));
    } catch (error) {
      this.#failed = true;
      if (error instanceof PairingError && error.code === PairingErrorCode.BAD_HANDSHAKE) throw error;
      throw new PairingError(PairingErrorCode.BAD_HANDSHAKE, `handshake message ${this.#index + 1} does not authenticate`, { cause: error });
    }
    this.#advance();
    return payload;
  }

  #mixDh(token: 'ee' | 'es' | 'se' | 'ss'): void {
    const e = (): KeyPair => this.#need(this.#e, 'e');
    const s = (): KeyPair => this.#need(this.#s, 's');
    const re = (): Uint8Array => this.#need(this.#re, 're');
    const rs = (): Uint8Array => this.#need(this.#rs, 'rs');
    switch (token) {
      case 'ee':
        return this.#ss.mixKey(dh(e(), re()));
      case 'es':
        return this.#ss.mixKey(this.#initiator ? dh(e(), rs()) : dh(s(), re()));
      case 'se':
        return this.#ss.mixKey(this.#initiator ? dh(s(), re()) : dh(e(), rs()));
      case 'ss':
        return this.#ss.mixKey(dh(s(), rs()));
    }
  }

  #need<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new TypeError(`Noise ${this.#pattern.name}: key '${what}' is missing`);
    return value;
  }

  #generateEphemeral(): KeyPair {
    if (this.#random === undefined) throw new TypeError('Noise: no ephemeral key and no random source given');
    const secret = this.#random(DH_BYTES);
    if (!(secret instanceof Uint8Array) || secret.length !== DH_BYTES) throw new TypeError(`Noise: random source must return ${DH_BYTES} bytes`);
    return x25519KeyPair(secret);
  }

  #checkTurn(writing: boolean): void {
    if (this.#failed) throw new Error('Noise handshake failed earlier: start a new one');
    if (this.#result !== undefined) throw new Error('Noise handshake is already complete');
    if (this.isMyTurn !== writing) throw new Error(`Noise ${this.#pattern.name}: it is not this party's turn to ${writing ? 'write' : 'read'}`);
  }

  #advance(): void {
    this.#index++;
    if (this.#index === this.#pattern.messages.length) {
      const [c1, c2] = this.#ss.split();
      this.#result = Object.freeze({ c1, c2, handshakeHash: this.#ss.handshakeHash });
    }
  }
}

function checkKey(key: Uint8Array | undefined, what: string): Uint8Array | undefined {
  if (key === undefined) return undefined;
  if (!(key instanceof Uint8Array) || key.length !== DH_BYTES) throw new TypeError(`Noise ${what} must be a ${DH_BYTES}-byte public key`);
  return key.slice();
}
