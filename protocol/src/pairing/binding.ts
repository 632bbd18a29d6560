/**
 * Binding of the meter's Ed25519 identity (its reading key, DESIGN §4) to a pairing session,
 * and the meter's receipt for provisioning. Both are COSE_Sign1 (RFC 9052, EdDSA, kid = meter
 * id bytes) over CBOR arrays:
 *
 *   binding = [ "wattledger/pairing-binding/1", handshake hash h, static X25519 key, meter id ]
 *   receipt = [ "wattledger/pairing-receipt/1", handshake hash h, provisioning digest ]
 *
 * h is the Noise handshake hash (rev 34 §5.2 GetHandshakeHash), unique to the session, so a
 * signature cannot be replayed into another session. The technician checks the binding before
 * sending any provisioning; the gateway registrar checks a whole PairingResult offline.
 */
import { fromHex, toHex } from '../bytes.js';
import { asIntMap, decodeCbor, encodeCbor, intMap } from '../cbor.js';
import { createSign1, decodeSign1, verifySign1 } from '../cose.js';
import { meterIdFromPublicKey } from '../reading.js';
import type { Signer, Verifier } from '../signer.js';
import { PairingError, PairingErrorCode } from './errors.js';
import { type ProvisioningSummary, provisioningDigest } from './provisioning.js';

const BINDING_LABEL = 'wattledger/pairing-binding/1';
const RECEIPT_LABEL = 'wattledger/pairing-receipt/1';

function badBinding(message: string, cause?: unknown): PairingError {
  return new PairingError(PairingErrorCode.BAD_BINDING, message, cause === undefined ? undefined : { cause });
}

export function signBinding(signer: Signer, handshakeHash: Uint8Array, staticKey: Uint8Array): Uint8Array {
  const meterId = meterIdFromPublicKey(signer.publicKey);
  const payload = encodeCbor([BINDING_LABEL, handshakeHash, staticKey, fromHex(meterId)]);
  return createSign1({ payload, signer, kid: fromHex(meterId) });
}

export function signReceipt(signer: Signer, handshakeHash: Uint8Array, digest: Uint8Array): Uint8Array {
  const payload = encodeCbor([RECEIPT_LABEL, handshakeHash, digest]);
  return createSign1({ payload, signer, kid: fromHex(meterIdFromPublicKey(signer.publicKey)) });
}

function verifySigned(bytes: Uint8Array, publicKey: Uint8Array, verifier: Verifier, what: string): unknown[] {
  let items: unknown;
  try {
    const sign1 = decodeSign1(bytes, 1024);
    verifySign1(sign1, publicKey, verifier);
    items = decodeCbor(sign1.payload);
  } catch (cause) {
    throw badBinding(`meter ${what} signature does not verify under its identity key`, cause);
  }
  if (!Array.isArray(items)) throw badBinding(`meter ${what} payload is not a CBOR array`);
  return items;
}

function sameBytes(a: unknown, b: Uint8Array): boolean {
  return a instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface BindingExpectation {
  /** Meter id from the onboarding payload. */
  readonly meterId: string;
  readonly staticKey: Uint8Array;
  readonly handshakeHash: Uint8Array;
}

/**
 * Checks that `meterPublicKey` is the key of the meter id on the label and that it signed this
 * session's handshake hash and static key; BAD_BINDING otherwise.
 */
export function verifyBinding(binding: Uint8Array, meterPublicKey: Uint8Array, expected: BindingExpectation, verifier: Verifier): void {
  const derived = meterIdFromPublicKey(meterPublicKey);
  if (derived !== expected.meterId) throw badBinding(`meter identity key belongs to meter ${derived}, the label says ${expected.meterId}`);
  const [label, h, staticKey, meterId] = verifySigned(binding, meterPublicKey, verifier, 'binding');
  if (label !== BINDING_LABEL) throw badBinding('meter binding has the wrong label');
  if (!sameBytes(h, expected.handshakeHash)) throw badBinding('meter binding is for another session (handshake hash differs)');
  if (!sameBytes(staticKey, expected.staticKey)) throw badBinding('meter binding names another static key');
  if (!sameBytes(meterId, fromHex(expected.meterId))) throw badBinding('meter binding names another meter id');
}

export function verifyReceipt(receipt: Uint8Array, meterPublicKey: Uint8Array, handshakeHash: Uint8Array, digest: Uint8Array, verifier: Verifier): void {
  const [label, h, signedDigest] = verifySigned(receipt, meterPublicKey, verifier, 'receipt');
  if (label !== RECEIPT_LABEL) throw badBinding('meter receipt has the wrong label');
  if (!sameBytes(h, handshakeHash)) throw badBinding('meter receipt is for another session (handshake hash differs)');
  if (!sameBytes(signedDigest, digest)) throw badBinding('meter receipt covers other provisioning values');
}

/** What the technician tool hands to the gateway registrar after a committed pairing. */
export interface PairingResult {
  readonly meterId: string;
  readonly staticKey: Uint8Array;
  readonly meterPublicKey: Uint8Array;
  readonly handshakeHash: Uint8Array;
  readonly binding: Uint8Array;
  readonly receipt: Uint8Array;
  readonly provisioning: ProvisioningSummary;
}

/** Offline check of a pairing result (gateway registrar): binding and receipt both verify. */
export function verifyPairingResult(result: PairingResult, verifier: Verifier): void {
  verifyBinding(result.binding, result.meterPublicKey, result, verifier);
  verifyReceipt(result.receipt, result.meterPublicKey, result.handshakeHash, provisioningDigest(result.provisioning), verifier);
}

/**
 * CBOR form of a PairingResult: {1: meter id (bstr 8), 2: static key, 3: Ed25519 key, 4: h,
 * 5: binding, 6: receipt, 7: intermediary id, 8: broker URL, 9: MQTT username, 10: SHA-256 of
 * the MQTT password, 11: role (1/2), 12: production method or user id, 13: interval length}.
 */
export function encodePairingResult(result: PairingResult): Uint8Array {
  const p = result.provisioning;
  return encodeCbor(
    intMap([
      [1, fromHex(result.meterId)],
      [2, result.staticKey],
      [3, result.meterPublicKey],
      [4, result.handshakeHash],
      [5, result.binding],
      [6, result.receipt],
      [7, p.intermediaryId],
      [8, p.brokerUrl],
      [9, p.mqttUsername],
      [10, p.mqttPasswordDigest],
      [11, p.role.kind === 'producer' ? 1 : 2],
      [12, p.role.kind === 'producer' ? p.role.productionMethod : p.role.userId],
      [13, p.intervalLength],
    ]),
  );
}

/** Decodes the CBOR form; structure only. Call verifyPairingResult before trusting it. */
export function decodePairingResult(bytes: Uint8Array): PairingResult {
  let m: Map<number, unknown>;
  try {
    m = asIntMap(decodeCbor(bytes, 4096), 'pairing result');
  } catch (cause) {
    throw new PairingError(PairingErrorCode.BAD_MESSAGE, 'pairing result is not a CBOR map of our profile', { cause });
  }
  const bytesAt = (key: number, length?: number): Uint8Array => {
    const v = m.get(key);
    if (!(v instanceof Uint8Array) || (length !== undefined && v.length !== length)) throw new PairingError(PairingErrorCode.BAD_MESSAGE, `pairing result field ${key} must be a byte string${length ? ` of ${length} bytes` : ''}`);
    return v;
  };
  const roleCode = m.get(11);
  const roleValue = m.get(12);
  if (!(roleCode === 1 && typeof roleValue === 'number') && !(roleCode === 2 && typeof roleValue === 'string')) {
    throw new PairingError(PairingErrorCode.BAD_MESSAGE, 'pairing result role must be 1 with a production method or 2 with a user id');
  }
  return Object.freeze({
    meterId: toHex(bytesAt(1, 8)),
    staticKey: bytesAt(2, 32),
    meterPublicKey: bytesAt(3, 32),
    handshakeHash: bytesAt(4, 32),
    binding: bytesAt(5),
    receipt: bytesAt(6),
    provisioning: Object.freeze({
      intermediaryId: String(m.get(7)),
      brokerUrl: String(m.get(8)),
      mqttUsername: String(m.get(9)),
      mqttPasswordDigest: bytesAt(10, 32),
      role: roleCode === 1 ? { kind: 'producer' as const, productionMethod: roleValue as number } : { kind: 'consumer' as const, userId: roleValue as string },
      intervalLength: Number(m.get(13)),
    }),
  });
}
