/**
 * Security suite 0 of IEC 62056-5-3 §9.2.7.2 (DLMS UA Green Book §9.2.7.2.4): AES-128-GCM with
 * a 12-byte authentication tag, from @noble/ciphers. IV = system title (8) || invocation counter
 * (4, big-endian). The security control byte (SC) chooses the protection:
 *
 *   SC bit 4 authentication, bit 5 encryption, bit 6 broadcast key, bit 7 compression, bits 0..3 suite
 *   authenticated only:      AAD = SC || AK || plaintext,  output = plaintext || T
 *   encrypted only:          output = ciphertext
 *   authenticated+encrypted: AAD = SC || AK,              output = ciphertext || T
 *
 * GCM's tag is computed in full and truncated to 12 bytes (NIST SP 800-38D §5.2.1.2).
 */
import { ctr, gcm } from '@noble/ciphers/aes.js';
import { SecurityError } from '../errors.js';

export const SecurityControl = Object.freeze({
  AUTHENTICATION: 0x10,
  ENCRYPTION: 0x20,
  BROADCAST_KEY: 0x40,
  COMPRESSION: 0x80,
  SUITE_MASK: 0x0f,
} as const);

export const SYSTEM_TITLE_BYTES = 8;
export const GCM_TAG_BYTES = 12;
const KEY_BYTES = 16;

export interface SecurityKeys {
  /** Global unicast (or dedicated) encryption key, EK: 16 bytes. */
  readonly encryptionKey: Uint8Array;
  /** Authentication key, AK: 16 bytes. */
  readonly authenticationKey: Uint8Array;
}

export function checkKeys(keys: SecurityKeys): void {
  if (!(keys.encryptionKey instanceof Uint8Array) || keys.encryptionKey.length !== KEY_BYTES) throw new RangeError('encryption key (EK): 16 bytes expected');
  if (!(keys.authenticationKey instanceof Uint8Array) || keys.authenticationKey.length !== KEY_BYTES) throw new RangeError('authentication key (AK): 16 bytes expected');
}

export function initializationVector(systemTitle: Uint8Array, invocationCounter: number): Uint8Array {
  if (systemTitle.length !== SYSTEM_TITLE_BYTES) throw new RangeError(`system title of 8 bytes expected, got ${systemTitle.length}`);
  if (!Number.isInteger(invocationCounter) || invocationCounter < 0 || invocationCounter > 0xffffffff) throw new RangeError(`invocation counter 0..2^32-1 expected, got ${invocationCounter}`);
  const iv = new Uint8Array(12);
  iv.set(systemTitle);
  iv[8] = invocationCounter >>> 24;
  iv[9] = (invocationCounter >>> 16) & 0xff;
  iv[10] = (invocationCounter >>> 8) & 0xff;
  iv[11] = invocationCounter & 0xff;
  return iv;
}

function checkControl(sc: number): void {
  if ((sc & SecurityControl.SUITE_MASK) !== 0) throw new SecurityError('DLMS_SECURITY_UNSUPPORTED', `security suite ${sc & 0x0f} is not supported; only suite 0 (AES-GCM-128)`);
  if ((sc & SecurityControl.COMPRESSION) !== 0) throw new SecurityError('DLMS_SECURITY_UNSUPPORTED', 'compressed ciphered APDUs are not supported');
}

function aad(sc: number, ak: Uint8Array, extra?: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + ak.length + (extra?.length ?? 0));
  out[0] = sc;
  out.set(ak, 1);
  if (extra !== undefined) out.set(extra, 1 + ak.length);
  return out;
}

/** Applies the protection SC asks for to `plaintext`. */
export function protect(sc: number, keys: SecurityKeys, systemTitle: Uint8Array, invocationCounter: number, plaintext: Uint8Array): Uint8Array {
  checkControl(sc);
  checkKeys(keys);
  const iv = initializationVector(systemTitle, invocationCounter);
  const authenticated = (sc & SecurityControl.AUTHENTICATION) !== 0;
  const encrypted = (sc & SecurityControl.ENCRYPTION) !== 0;
  if (encrypted && authenticated) {
    const sealed = gcm(keys.encryptionKey, iv, aad(sc, keys.authenticationKey)).encrypt(plaintext);
    return sealed.subarray(0, plaintext.length + GCM_TAG_BYTES).slice();
  }
  if (encrypted) return gcmCtr(keys.encryptionKey, iv, plaintext);
  if (authenticated) {
    const tag = gcm(keys.encryptionKey, iv, aad(sc, keys.authenticationKey, plaintext)).encrypt(new Uint8Array(0));
    const out = new Uint8Array(plaintext.length + GCM_TAG_BYTES);
    out.set(plaintext);
    out.set(tag.subarray(0, GCM_TAG_BYTES), plaintext.length);
    return out;
  }
  return plaintext.slice();
}

/** Checks and removes the protection; a wrong key or altered bytes raise DLMS_SECURITY_BAD_TAG. */
export function unprotect(sc: number, keys: SecurityKeys, systemTitle: Uint8Array, invocationCounter: number, payload: Uint8Array): Uint8Array {
  checkControl(sc);
  checkKeys(keys);
  const iv = initializationVector(systemTitle, invocationCounter);
  const authenticated = (sc & SecurityControl.AUTHENTICATION) !== 0;
  const encrypted = (sc & SecurityControl.ENCRYPTION) !== 0;
  if (!authenticated) return encrypted ? gcmCtr(keys.encryptionKey, iv, payload) : payload.slice();
  if (payload.length < GCM_TAG_BYTES) throw new SecurityError('DLMS_SECURITY_BAD_TAG', `ciphered APDU of ${payload.length} bytes is shorter than its 12-byte tag`);
  const body = payload.subarray(0, payload.length - GCM_TAG_BYTES);
  const tag = payload.subarray(payload.length - GCM_TAG_BYTES);
  const plaintext = encrypted ? gcmCtr(keys.encryptionKey, iv, body) : body.slice();
  const expected = protect(sc, keys, systemTitle, invocationCounter, plaintext).subarray(plaintext.length);
  if (!constantTimeEqual(expected, tag)) {
    throw new SecurityError('DLMS_SECURITY_BAD_TAG', 'authentication tag does not verify: wrong keys, wrong system title, or altered APDU');
  }
  return plaintext;
}

/** GMAC over SC || AK || challenge: the f(challenge) of HLS mechanism 5 (Green Book §9.2.7.4). */
export function gmacTag(keys: SecurityKeys, systemTitle: Uint8Array, invocationCounter: number, challenge: Uint8Array, sc = SecurityControl.AUTHENTICATION): Uint8Array {
  return protect(sc, keys, systemTitle, invocationCounter, challenge).subarray(challenge.length).slice();
}

/** The GCM keystream: AES-CTR from inc32(J0) = IV || 00000002 (SP 800-38D §7.1). */
function gcmCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const counter = new Uint8Array(16);
  counter.set(iv);
  counter[15] = 2;
  return ctr(key, counter).encrypt(data);
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
