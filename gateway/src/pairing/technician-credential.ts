/**
 * How a technician proves to the pairing registrar that the intermediary sent them
 * (DESIGN §8). Ed25519 throughout, COSE_Sign1 (RFC 9052 §4.2, alg EdDSA), no shared secret:
 *
 *  - the technician credential, issued once by the intermediary (`wattledger-pair credential`):
 *      COSE_Sign1 by the intermediary key, kid = intermediary id bytes, payload
 *      ["wattledger/technician-credential/1", intermediary id, technician Ed25519 key (32),
 *       technician name, not-before (Unix s), expires (Unix s)]
 *  - each registrar request, signed by the technician's own key:
 *      COSE_Sign1 by the technician key, payload
 *      ["wattledger/registrar-request/1", request kind, credential bytes, issued-at (Unix ms),
 *       nonce (16 bytes), body bytes]
 *
 * The registrar needs only its intermediary's public key: a credential is "registered" by
 * being signed. A request is accepted within ±5 min of the registrar's clock and once per
 * nonce; the technician's secret key never leaves the tool.
 */
import { createSign1, decodeCbor, decodeSign1, encodeCbor, fromHex, isPartyId, toHex, verifySign1, type Signer, type Verifier } from '@wattledger/protocol';
import { RegistrarError, RegistrarErrorCode } from './errors.js';

const CREDENTIAL_LABEL = 'wattledger/technician-credential/1';
const REQUEST_LABEL = 'wattledger/registrar-request/1';
const MAX_CREDENTIAL_BYTES = 1024;
const MAX_REQUEST_BYTES = 16 * 1024;
export const MAX_REQUEST_SKEW_MS = 5 * 60_000;
const NONCE_BYTES = 16;

export interface TechnicianCredential {
  readonly intermediaryId: string;
  readonly technicianPublicKey: Uint8Array;
  readonly name: string;
  readonly notBeforeS: number;
  readonly expiresS: number;
}

export function issueTechnicianCredential(intermediary: Signer, credential: TechnicianCredential): Uint8Array {
  const { intermediaryId, technicianPublicKey, name, notBeforeS, expiresS } = credential;
  if (!isPartyId(intermediaryId)) throw new TypeError('intermediary id must be a party id (16 hex digits)');
  if (!(technicianPublicKey instanceof Uint8Array) || technicianPublicKey.length !== 32) throw new TypeError('technician public key must be 32 bytes');
  if (typeof name !== 'string' || name.length === 0 || name.length > 128) throw new TypeError('technician name must be 1..128 characters');
  if (!Number.isInteger(notBeforeS) || !Number.isInteger(expiresS) || notBeforeS < 0 || expiresS <= notBeforeS || expiresS > 0xffffffff) {
    throw new RangeError('credential validity must be whole Unix seconds with not-before < expires');
  }
  const payload = encodeCbor([CREDENTIAL_LABEL, intermediaryId, technicianPublicKey, name, notBeforeS, expiresS]);
  return createSign1({ payload, signer: intermediary, kid: fromHex(intermediaryId) });
}

function unauthorized(message: string, cause?: unknown): RegistrarError {
  return new RegistrarError(RegistrarErrorCode.UNAUTHORIZED, message, cause === undefined ? undefined : { cause });
}

/** Decodes a credential without checking its signature (for display in the tool). */
export function readTechnicianCredential(bytes: Uint8Array): TechnicianCredential {
  let items: unknown;
  try {
    items = decodeCbor(decodeSign1(bytes, MAX_CREDENTIAL_BYTES).payload, MAX_CREDENTIAL_BYTES);
  } catch (cause) {
    throw new RegistrarError(RegistrarErrorCode.BAD_REQUEST, 'technician credential is not a COSE_Sign1 credential', { cause });
  }
  if (!Array.isArray(items) || items.length !== 6 || items[0] !== CREDENTIAL_LABEL) throw new RegistrarError(RegistrarErrorCode.BAD_REQUEST, 'technician credential has the wrong layout');
  const [, intermediaryId, technicianPublicKey, name, notBeforeS, expiresS] = items as unknown[];
  if (!isPartyId(intermediaryId) || !(technicianPublicKey instanceof Uint8Array) || technicianPublicKey.length !== 32 || typeof name !== 'string'
    || typeof notBeforeS !== 'number' || typeof expiresS !== 'number') {
    throw new RegistrarError(RegistrarErrorCode.BAD_REQUEST, 'technician credential fields have the wrong types');
  }
  return { intermediaryId, technicianPublicKey, name, notBeforeS, expiresS };
}

export interface CredentialCheck {
  readonly intermediaryId: string;
  readonly intermediaryPublicKey: Uint8Array;
  readonly verifier: Verifier;
  readonly nowMs: number;
}

/** Checks the intermediary's signature, its id and the validity period; UNAUTHORIZED / CREDENTIAL_EXPIRED otherwise. */
export function verifyTechnicianCredential(bytes: Uint8Array, check: CredentialCheck): TechnicianCredential {
  const credential = readTechnicianCredential(bytes);
  if (credential.intermediaryId !== check.intermediaryId) throw unauthorized(`the technician credential was issued for intermediary ${credential.intermediaryId}, this gateway serves ${check.intermediaryId}`);
  try {
    verifySign1(decodeSign1(bytes, MAX_CREDENTIAL_BYTES), check.intermediaryPublicKey, check.verifier);
  } catch (cause) {
    throw unauthorized(`the technician credential of "${credential.name}" is not signed by intermediary ${check.intermediaryId}`, cause);
  }
  const nowS = Math.floor(check.nowMs / 1000);
  if (nowS < credential.notBeforeS || nowS >= credential.expiresS) {
    throw new RegistrarError(RegistrarErrorCode.CREDENTIAL_EXPIRED, `the technician credential of "${credential.name}" is valid from ${new Date(credential.notBeforeS * 1000).toISOString()} to ${new Date(credential.expiresS * 1000).toISOString()}`);
  }
  return credential;
}

export interface RegistrarRequest {
  readonly kind: string;
  readonly credential: Uint8Array;
  readonly issuedAtMs: number;
  readonly nonce: Uint8Array;
  readonly body: Uint8Array;
}

export function signRegistrarRequest(technician: Signer, request: RegistrarRequest): Uint8Array {
  if (request.nonce.length !== NONCE_BYTES) throw new RangeError(`request nonce must be ${NONCE_BYTES} bytes`);
  const payload = encodeCbor([REQUEST_LABEL, request.kind, request.credential, request.issuedAtMs, request.nonce, request.body]);
  return createSign1({ payload, signer: technician });
}

export interface OpenedRequest extends RegistrarRequest {
  readonly technician: TechnicianCredential;
}

/** Remembers request nonces for twice the allowed skew, so each signed request is accepted once. */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  /** False if the nonce was seen; records it otherwise. */
  admit(nonce: Uint8Array, nowMs: number): boolean {
    for (const [key, expires] of this.seen) {
      if (expires > nowMs) break;
      this.seen.delete(key);
    }
    const key = toHex(nonce);
    if (this.seen.has(key)) return false;
    this.seen.set(key, nowMs + 2 * MAX_REQUEST_SKEW_MS);
    return true;
  }
}

/**
 * Opens a signed registrar request: its layout, the technician credential (issued by our
 * intermediary, in its validity period), the technician's signature over the request, its
 * time within ±5 min, and a nonce not seen before.
 */
export function openRegistrarRequest(bytes: Uint8Array, check: CredentialCheck & { readonly nonces: NonceCache }): OpenedRequest {
  let sign1;
  let items: unknown;
  try {
    sign1 = decodeSign1(bytes, MAX_REQUEST_BYTES);
    items = decodeCbor(sign1.payload, MAX_REQUEST_BYTES);
  } catch (cause) {
    throw new RegistrarError(RegistrarErrorCode.BAD_REQUEST, 'registrar request is not a COSE_Sign1 request', { cause });
  }
  if (!Array.isArray(items) || items.length !== 6 || items[0] !== REQUEST_LABEL) throw new RegistrarError(RegistrarErrorCode.BAD_REQUEST, 'registrar request has the wrong layout');
  const [, kind, credentialBytes, issuedAtMs, nonce, body] = items as unknown[];
  if (typeof kind !== 'string' || !(credentialBytes instanceof Uint8Array) || typeof issuedAtMs !== 'number' || !(nonce instanceof Uint8Array) || nonce.length !== NONCE_BYTES || !(body instanceof Uint8Array)) {
    throw new RegistrarError(RegistrarErrorCode.BAD_REQUEST, 'registrar request fields have the wrong types');
  }
  const technician = verifyTechnicianCredential(credentialBytes, check);
  try {
    verifySign1(sign1, technician.technicianPublicKey, check.verifier);
  } catch (cause) {
    throw unauthorized(`the request is not signed by the key of technician "${technician.name}"`, cause);
  }
  if (Math.abs(issuedAtMs - check.nowMs) > MAX_REQUEST_SKEW_MS) {
    throw new RegistrarError(RegistrarErrorCode.STALE_REQUEST, `request time is ${Math.round((issuedAtMs - check.nowMs) / 1000)} s away from the gateway's clock (at most ${MAX_REQUEST_SKEW_MS / 1000} s)`);
  }
  if (!check.nonces.admit(nonce, check.nowMs)) throw new RegistrarError(RegistrarErrorCode.STALE_REQUEST, 'request replayed: its nonce was seen before');
  return { kind, credential: credentialBytes, issuedAtMs, nonce, body, technician };
}
